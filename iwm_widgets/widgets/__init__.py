"""Widgets: one ``.py`` here and one ``js/<name>.js`` bundle per widget."""

from .activation_map import ActivationMap

__all__ = ["ActivationMap"]
