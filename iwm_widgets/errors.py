"""Exceptions raised by iwm_widgets.

Every error a user can cause has its own class so that widgets can show a short,
readable message and notebooks can catch precisely what they expect.
"""

from __future__ import annotations

__all__ = [
    "EditError",
    "FileFormatError",
    "IWMError",
    "InputError",
    "MonitorError",
    "RunError",
    "SessionError",
    "SessionModelError",
    "SiteError",
    "SiteNotFoundError",
    "TransportError",
    "UnknownModelError",
    "WeightsChecksumError",
]


class IWMError(Exception):
    """Base class of every error raised by iwm_widgets."""


class UnknownModelError(IWMError, KeyError):
    """A zoo name or path that :func:`iwm_widgets.load` does not know."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it plain
        return str(self.args[0]) if self.args else ""


class SiteNotFoundError(IWMError, AttributeError):
    """A site path that does not exist in the model (close matches are suggested)."""


class SiteError(IWMError, ValueError):
    """A site path that cannot be parsed (an empty part, as in ``"blocks..2"``), a bad
    ``io``, or a site dict of the wrong form."""


class TransportError(IWMError, ValueError):
    """An array the binary transport cannot send exactly, or a malformed payload."""


class InputError(IWMError, ValueError):
    """Inputs of the wrong type, shape or dtype for the model."""


class EditError(IWMError, ValueError):
    """An edit that cannot be applied: NaN/inf values, wrong vector length, bad scope."""


class MonitorError(IWMError, ValueError):
    """A monitor that cannot be built or scored: a rule that does not fit its variable
    (a threshold on a 2-D variable without a component), an unknown event, an empty data
    set, a fit set without both outcomes."""


class FileFormatError(IWMError, ValueError):
    """A file (preset, saved Variables, weights, model card) that cannot be trusted as
    written: truncated, tampered with (wrong shapes, extra or missing keys, a header
    larger than the file) or not in the expected format. Nothing was loaded."""


class WeightsChecksumError(IWMError, RuntimeError):
    """A shipped weight file whose sha256 does not match the recorded one."""


class RunError(IWMError, RuntimeError):
    """A traced run failed; the model is left exactly as it was."""


class SessionError(FileFormatError):
    """A saved session that cannot be read or restored: missing or unknown keys, a tensor
    of the wrong shape or dtype, a format version this library does not know, or state
    that does not fit the model it is loaded for."""


class SessionModelError(SessionError):
    """A session saved for other weights (its model checksum differs from this model's)."""
