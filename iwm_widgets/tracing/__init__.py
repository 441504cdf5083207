"""The tracing core: the only package of iwm_widgets that imports nnsight.

It imports no view (display, widgets, charts, workspace; ``tests/test_architecture.py``).
Its types get their notebook reprs from :mod:`iwm_widgets.display`, which the package's
``__init__`` imports before any submodule runs. Its measurements take a Model and their
inputs and edits explicitly; ``iwm.causal_effects`` and friends
(:mod:`iwm_widgets.measures`) also take a Workspace.
"""

from .causal import CausalEffects, Node, attention_heads, causal_effects, output_node
from .discovery import FeatureSet, discover
from .edits import Edit, apply_edit, edits_to_code
from .interactions import InteractionGraph, SpringPatching, interaction_graph, spring_patching
from .model import Model, load, weights_checksum
from .monitors import (
    LawCheck,
    Monitor,
    MonitorReport,
    MonitorStream,
    Rule,
    law_check,
    site_variable,
)
from .monitors import evaluate as evaluate_monitors
from .patching import PatchingSweep, attribution_patching, patching_sweep
from .probes import (
    ProbeSweep,
    Variable,
    contrastive_variable,
    dial_scan,
    particle_sweeps,
    probe_sweep,
)
from .run import Result, run
from .sites import Site, as_site

__all__ = [
    "CausalEffects",
    "Edit",
    "FeatureSet",
    "InteractionGraph",
    "LawCheck",
    "Model",
    "Monitor",
    "MonitorReport",
    "MonitorStream",
    "Node",
    "PatchingSweep",
    "ProbeSweep",
    "Result",
    "Rule",
    "Site",
    "SpringPatching",
    "Variable",
    "apply_edit",
    "as_site",
    "attention_heads",
    "attribution_patching",
    "causal_effects",
    "contrastive_variable",
    "dial_scan",
    "discover",
    "edits_to_code",
    "evaluate_monitors",
    "interaction_graph",
    "law_check",
    "load",
    "output_node",
    "particle_sweeps",
    "patching_sweep",
    "probe_sweep",
    "run",
    "site_variable",
    "spring_patching",
    "weights_checksum",
]
