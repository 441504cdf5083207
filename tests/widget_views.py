"""Shared by the display, extension and ModuleTree tests: looking up the widget behind a
displayed widget view, and a small Variable for the bouncing-ball model."""

from __future__ import annotations

from typing import Any

import torch

import iwm_widgets as iwm

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def widget_by_id(model_id: str) -> Any:
    """The live widget of a widget view's ``model_id`` (ipywidgets' own lookup)."""
    from ipywidgets.widgets.widget import _instances

    return _instances[model_id]


def velocity_variable(model: iwm.Model) -> iwm.Variable:
    g = torch.Generator().manual_seed(0)
    read = torch.randn(2, 64, generator=g)
    return iwm.Variable("velocity", "blocks.2", read, torch.tensor([0.5, -0.25]), 2 * read)
