"""iwm_widgets: notebook widgets for hands-on interpretability of world models.

>>> import iwm_widgets as iwm
>>> model = iwm.load("bouncing-ball")
>>> ws = iwm.Workspace(model, model.sample(seed=0))
>>> iwm.ActivationMap(ws)  # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from . import errors
from .display import register_display, show  # also gives the core's types their reprs
from .measures import attention_heads, attribution_patching, causal_effects, patching_sweep
from .tracing import (
    CausalEffects,
    Edit,
    FeatureSet,
    InteractionGraph,
    Model,
    Monitor,
    MonitorReport,
    MonitorStream,
    Node,
    PatchingSweep,
    ProbeSweep,
    Result,
    Rule,
    Site,
    Variable,
    cognitive_map,
    contrastive_variable,
    dial_scan,
    discover,
    evaluate_monitors,
    interaction_graph,
    law_check,
    load,
    output_node,
    particle_sweeps,
    probe_sweep,
    run,
    site_variable,
    spring_patching,
)
from .tracing.cognitive_map import implied_graph, position_probe, steer_position
from .tracing.remote import RemoteError
from .tracing.run import Summary
from .widgets import (
    ActivationMap,
    AttentionView,
    CausalGraph,
    CognitiveMap,
    FeatureBrowser,
    Heatmap,
    ModuleTree,
    MonitorBoard,
    SteeringDials,
    SystemView,
)
from .workspace import Workspace


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext iwm_widgets``: the ``%iwm`` magic and interactive displays."""
    from .extension import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext iwm_widgets``."""
    from .extension import unload_ipython_extension as unload

    unload(ipython)


try:
    __version__ = version("iwm_widgets")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "ActivationMap",
    "AttentionView",
    "CausalEffects",
    "CausalGraph",
    "CognitiveMap",
    "Edit",
    "FeatureBrowser",
    "FeatureSet",
    "Heatmap",
    "InteractionGraph",
    "Model",
    "ModuleTree",
    "Monitor",
    "MonitorBoard",
    "MonitorReport",
    "MonitorStream",
    "Node",
    "PatchingSweep",
    "ProbeSweep",
    "RemoteError",
    "Result",
    "Rule",
    "Site",
    "SteeringDials",
    "Summary",
    "SystemView",
    "Variable",
    "Workspace",
    "attention_heads",
    "attribution_patching",
    "causal_effects",
    "cognitive_map",
    "contrastive_variable",
    "dial_scan",
    "discover",
    "errors",
    "evaluate_monitors",
    "implied_graph",
    "interaction_graph",
    "law_check",
    "load",
    "output_node",
    "particle_sweeps",
    "patching_sweep",
    "position_probe",
    "probe_sweep",
    "register_display",
    "run",
    "show",
    "site_variable",
    "spring_patching",
    "steer_position",
]
