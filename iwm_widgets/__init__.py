"""iwm_widgets: notebook widgets for hands-on interpretability of world models.

>>> import iwm_widgets as iwm
>>> model = iwm.load("bouncing-ball")
>>> ws = iwm.Workspace(model, model.sample(seed=0))
>>> iwm.ActivationMap(ws)  # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from . import errors
from .tracing import (
    CausalEffects,
    Edit,
    Model,
    Node,
    PatchingSweep,
    ProbeSweep,
    Result,
    Site,
    Variable,
    attention_heads,
    attribution_patching,
    causal_effects,
    contrastive_variable,
    dial_scan,
    load,
    output_node,
    patching_sweep,
    probe_sweep,
    run,
)
from .widgets import ActivationMap, CausalGraph, Heatmap, SteeringDials
from .workspace import Workspace

try:
    __version__ = version("iwm_widgets")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "ActivationMap",
    "CausalEffects",
    "CausalGraph",
    "Edit",
    "Heatmap",
    "Model",
    "Node",
    "PatchingSweep",
    "ProbeSweep",
    "Result",
    "Site",
    "SteeringDials",
    "Variable",
    "Workspace",
    "attention_heads",
    "attribution_patching",
    "causal_effects",
    "contrastive_variable",
    "dial_scan",
    "errors",
    "load",
    "output_node",
    "patching_sweep",
    "probe_sweep",
    "run",
]
