"""Widgets: one ``.py`` here and one ``js/<name>.js`` bundle per widget."""

from .activation_map import ActivationMap
from .steering_dials import SteeringDials

__all__ = ["ActivationMap", "SteeringDials"]
