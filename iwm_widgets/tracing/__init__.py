"""The tracing core: the only package of iwm_widgets that imports nnsight."""

from .causal import CausalEffects, Node, attention_heads, causal_effects, output_node
from .edits import Edit, apply_edit, edits_to_code
from .model import Model, load, weights_checksum
from .patching import PatchingSweep, attribution_patching, patching_sweep
from .probes import ProbeSweep, Variable, contrastive_variable, dial_scan, probe_sweep
from .run import Result, run
from .sites import Site, as_site

__all__ = [
    "CausalEffects",
    "Edit",
    "Model",
    "Node",
    "PatchingSweep",
    "ProbeSweep",
    "Result",
    "Site",
    "Variable",
    "apply_edit",
    "as_site",
    "attention_heads",
    "attribution_patching",
    "causal_effects",
    "contrastive_variable",
    "dial_scan",
    "edits_to_code",
    "load",
    "output_node",
    "patching_sweep",
    "probe_sweep",
    "run",
    "weights_checksum",
]
