"""Exceptions raised by iwm_widgets.

Every error a user can cause has its own class so that widgets can show a short,
readable message and notebooks can catch precisely what they expect.
"""

from __future__ import annotations

__all__ = [
    "EditError",
    "IWMError",
    "InputError",
    "RunError",
    "SiteNotFoundError",
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


class InputError(IWMError, ValueError):
    """Inputs of the wrong type, shape or dtype for the model."""


class EditError(IWMError, ValueError):
    """An edit that cannot be applied: NaN/inf values, wrong vector length, bad scope."""


class WeightsChecksumError(IWMError, RuntimeError):
    """A shipped weight file whose sha256 does not match the recorded one."""


class RunError(IWMError, RuntimeError):
    """A traced run failed; the model is left exactly as it was."""
