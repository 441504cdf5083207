"""Sites: where in a model a value is read or edited.

A site is a dotted module path exactly as nnsight spells it
(``"transformer.h.3.mlp"`` is ``model.transformer.h[3].mlp``), plus whether its
output (the default) or its input is meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import SiteNotFoundError

__all__ = ["Site", "as_site", "check_site", "suggest"]

IO = Literal["output", "input"]


@dataclass(frozen=True, order=True)
class Site:
    """A module path plus ``"output"`` (default) or ``"input"``.

    Parameters
    ----------
    path
        Dotted module path as in ``model.named_modules()``; ``""`` is the whole model.
    io
        ``"output"`` or ``"input"`` (the module's first positional argument).
    """

    path: str
    io: IO = "output"

    def __post_init__(self) -> None:
        if not isinstance(self.path, str):
            raise TypeError(f"Site path must be a str, got {type(self.path).__name__}")
        if self.io not in ("output", "input"):
            raise ValueError(f"Site io must be 'output' or 'input', got {self.io!r}")

    @classmethod
    def parse(cls, text: str) -> Site:
        """Parse ``"blocks.2"``, ``"blocks.2.output"`` or ``"blocks.2.input"``."""
        for io in ("input", "output"):
            suffix = "." + io
            if text.endswith(suffix):
                return cls(text[: -len(suffix)], io)  # type: ignore[arg-type]
        return cls(text)

    def envoy_code(self, model_var: str = "model") -> str:
        """The nnsight expression for this site, e.g. ``model.blocks[2].output``."""
        expr = model_var
        for part in self.path.split(".") if self.path else []:
            expr += f"[{part}]" if part.isdigit() else f".{part}"
        return f"{expr}.{self.io}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "io": self.io}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Site:
        return cls(d["path"], d.get("io", "output"))

    def __str__(self) -> str:
        return self.path if self.io == "output" else f"{self.path}.input"


def as_site(x: Site | str) -> Site:
    """Coerce a :class:`Site` or a string into a :class:`Site`."""
    if isinstance(x, Site):
        return x
    if isinstance(x, str):
        return Site.parse(x)
    raise TypeError(f"expected a Site or a dotted path string, got {type(x).__name__}")


def suggest(path: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Close matches of ``path`` among ``known`` paths."""
    return difflib.get_close_matches(path, list(known), n=n, cutoff=0.5)


def check_site(site: Site, known: Iterable[str]) -> None:
    """Raise :class:`SiteNotFoundError` (with close matches) if ``site`` is unknown."""
    known = list(known)
    if site.path in known:
        return
    close = suggest(site.path, known)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    listing = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
    raise SiteNotFoundError(
        f"site {site.path!r} does not exist in this model.{hint} Known sites: {listing}"
    )
