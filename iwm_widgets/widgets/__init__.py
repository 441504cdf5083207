"""Widgets: one ``.py`` here and one ``js/<name>.js`` bundle per widget."""

from .activation_map import ActivationMap, Heatmap
from .attention_view import AttentionView
from .causal_graph import CausalGraph
from .cognitive_map import CognitiveMap
from .feature_browser import FeatureBrowser
from .module_tree import ModuleTree
from .monitor_board import MonitorBoard
from .probe_chart import ProbeChart
from .steering_dials import SteeringDials
from .system_view import SystemView

__all__ = [
    "ActivationMap",
    "AttentionView",
    "CausalGraph",
    "CognitiveMap",
    "FeatureBrowser",
    "Heatmap",
    "ModuleTree",
    "MonitorBoard",
    "ProbeChart",
    "SteeringDials",
    "SystemView",
]
