"""Sites: where in a model a value is read or edited.

A site is a dotted module path exactly as nnsight spells it
(``"transformer.h.3.mlp"`` is ``model.transformer.h[3].mlp``), plus whether its
output (the default) or its input is meant.
"""

from __future__ import annotations

import difflib
import inspect
import keyword
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import SiteError, SiteNotFoundError

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
        if not isinstance(self.io, str) or self.io not in ("output", "input"):
            raise SiteError(f"Site io must be 'output' or 'input', got {self.io!r}")
        if self.path and "" in self.path.split("."):
            # torch forbids empty module names: no module has such a path
            raise SiteError(
                f"site path {self.path!r} has an empty part (a leading, trailing or "
                "doubled '.'); write module names joined by single dots, e.g. 'blocks.2'"
            )

    @classmethod
    def parse(cls, text: str) -> Site:
        """Parse ``"blocks.2"``, ``"blocks.2.output"`` or ``"blocks.2.input"``.

        One trailing ``.output`` / ``.input`` is the io; what is before it is the path, so
        the output of a module named ``output`` is ``"layer.0.output.output"``.
        """
        if not isinstance(text, str):
            raise TypeError(f"a site is a dotted path string, got {type(text).__name__}")
        for io in ("input", "output"):
            suffix = "." + io
            if text.endswith(suffix):
                return cls(text[: -len(suffix)], io)  # type: ignore[arg-type]
        return cls(text)

    def envoy_code(self, model_var: str = "model") -> str:
        """The nnsight expression for this site, e.g. ``model.blocks[2].output``.

        Module names that are not ASCII Python identifiers (or are keywords) are reached
        with ``getattr(..., 'name')``, so the code is valid Python for every path and
        reaches exactly its modules. A module named after a value nnsight serves on every
        module (BERT's ``output``) is reached as nnsight mounts it, ``.E_output``:
        ``model.encoder.layer[0].E_output.dense.output``.
        """
        expr = model_var
        reserved, prefix = _reserved_names()
        for part in self.path.split(".") if self.path else []:
            if part.isascii() and part.isdigit() and str(int(part)) == part:
                expr += f"[{part}]"
            elif part in reserved:
                expr += f".{prefix}{part}"
            elif part.isascii() and part.isidentifier() and not keyword.iskeyword(part):
                # (non-ASCII names are NFKC-normalised by Python: "ª" would read "a")
                expr += f".{part}"
            else:
                expr = f"getattr({expr}, {part!r})"
        return f"{expr}.{self.io}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "io": self.io}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Site:
        """Inverse of :meth:`to_dict`; a malformed dict raises :class:`SiteError`."""
        if not isinstance(d, Mapping):
            raise SiteError(f"a site dict is {{'path': str, 'io': str}}, got {type(d).__name__}")
        extra = set(d) - {"path", "io"}
        if extra:
            raise SiteError(f"unknown site keys {sorted(map(str, extra))}; expected path, io")
        if "path" not in d or not isinstance(d["path"], str):
            raise SiteError(f"a site dict needs 'path' as a str, got {d.get('path')!r}")
        return cls(d["path"], d.get("io", "output"))

    def __str__(self) -> str:
        if self.io == "input":
            return f"{self.path}.input"
        if self.path.endswith((".input", ".output")):  # a module named input/output
            return f"{self.path}.output"  # so that Site.parse(str(site)) == site
        return self.path


#: _reserved_names' answer, once computed (a plain dict, not functools.cache: a cached
#: function pickles by reference, and Sites travel to NDIF by value in remote requests)
_RESERVED: dict[str, tuple[frozenset[str], str]] = {}


def _reserved_names() -> tuple[frozenset[str], str]:
    """Module names nnsight serves as values on every envoy (``output``, ``input``, ...),
    and the prefix under which it mounts a submodule of such a name (``E_``).

    The rule of ``nnsight.intervention.envoy.Envoy._wrap_envoy``: a name that is a data
    descriptor of ``Envoy`` and does not start with ``_``.
    """
    if "v" in _RESERVED:
        return _RESERVED["v"]
    try:
        from nnsight.intervention.envoy import Envoy
    except ImportError:  # pragma: no cover - nnsight is a dependency
        return frozenset({"input", "inputs", "output", "source"}), "E_"
    names = frozenset(
        n
        for n in dir(Envoy)
        if not n.startswith("_") and inspect.isdatadescriptor(getattr(Envoy, n, None))
    )
    _RESERVED["v"] = (names, str(getattr(Envoy, "OVERLOAD_PREFIX", "E_")))
    return _RESERVED["v"]


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
