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
    Node,
    PatchingSweep,
    ProbeSweep,
    Result,
    Site,
    Variable,
    contrastive_variable,
    dial_scan,
    discover,
    interaction_graph,
    load,
    output_node,
    particle_sweeps,
    probe_sweep,
    run,
    spring_patching,
)
from .tracing.remote import RemoteError
from .tracing.run import Summary
from .widgets import (
    ActivationMap,
    AttentionView,
    CausalGraph,
    FeatureBrowser,
    Heatmap,
    ModuleTree,
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
    "Edit",
    "FeatureBrowser",
    "FeatureSet",
    "Heatmap",
    "InteractionGraph",
    "Model",
    "ModuleTree",
    "Node",
    "PatchingSweep",
    "ProbeSweep",
    "RemoteError",
    "Result",
    "Site",
    "SteeringDials",
    "Summary",
    "SystemView",
    "Variable",
    "Workspace",
    "attention_heads",
    "attribution_patching",
    "causal_effects",
    "contrastive_variable",
    "dial_scan",
    "discover",
    "errors",
    "interaction_graph",
    "load",
    "output_node",
    "particle_sweeps",
    "patching_sweep",
    "probe_sweep",
    "register_display",
    "run",
    "show",
    "spring_patching",
]
