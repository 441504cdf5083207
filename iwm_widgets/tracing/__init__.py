"""The tracing core: the only package of iwm_widgets that imports nnsight."""

from .edits import Edit, apply_edit, edits_to_code
from .model import Model, load, weights_checksum
from .run import Result, run
from .sites import Site, as_site

__all__ = [
    "Edit",
    "Model",
    "Result",
    "Site",
    "apply_edit",
    "as_site",
    "edits_to_code",
    "load",
    "run",
    "weights_checksum",
]
