"""The model zoo: small trained models that ship with the package, with their simulators.

``ZOO`` maps a zoo name to a factory of its :class:`ZooSpec`; :func:`get_spec` looks a
name up. Entries are imported lazily, and nothing in the zoo imports nnsight.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

from ..errors import UnknownModelError
from ._base import ZooSpec

__all__ = ["ZOO", "ZOO_DIRS", "ZooSpec", "get_spec"]


def _bouncing_ball() -> ZooSpec:
    from .bouncing_ball import BouncingBallSpec

    return BouncingBallSpec()


def _springs(variant: str) -> Callable[[], ZooSpec]:
    def make() -> ZooSpec:
        from .springs import VARIANTS

        return VARIANTS[variant]()

    return make


def _city_taxi(variant: str) -> Callable[[], ZooSpec]:
    def make() -> ZooSpec:
        from .city_taxi import VARIANTS

        return VARIANTS[variant]()

    return make


ZOO: dict[str, Callable[[], ZooSpec]] = {
    "bouncing-ball": _bouncing_ball,
    "springs": _springs("incontext"),
    "springs-fixed": _springs("fixed"),
    "springs-meanfield": _springs("meanfield"),
    "springs-flawed": _springs("flawed"),
    "city-taxi": _city_taxi("mix"),
    "city-taxi-shortest": _city_taxi("shortest"),
}


def _tiny_lm_dir() -> Path:
    from ._base import check_card_files
    from .tiny_lm import tiny_lm_dir

    path = tiny_lm_dir()
    check_card_files(  # every shipped file against the sha256 its card records
        path,
        hint="reinstall iwm_widgets to restore the shipped files, or regenerate them with "
        "`python -m iwm_widgets.zoo.train_tiny_lm`",
    )
    return path


#: zoo models shipped as Hugging Face directories: loaded with from_pretrained(dir) after
#: checking each file's sha256 against the directory's card.json
ZOO_DIRS: dict[str, Callable[[], Path]] = {
    "tiny-lm": _tiny_lm_dir,
}


def get_spec(name: str) -> ZooSpec:
    """The :class:`ZooSpec` of zoo model ``name``.

    Raises
    ------
    UnknownModelError
        ``name`` is not in the zoo; the message lists the known names.
    """
    factory = ZOO.get(name) if isinstance(name, str) else None
    if factory is None:
        close = difflib.get_close_matches(str(name), list(ZOO), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownModelError(
            f"unknown zoo model {name!r}.{hint} Known zoo models: {', '.join(sorted(ZOO))}."
        )
    return factory()
