"""The widgets' traits are declared once, in Python, and the front ends agree.

For each widget bundle (``js/<name>/``, the ``_esm`` of one or more classes in
``iwm_widgets/widgets/``):

- the ``Traits`` typedef in ``js/<name>/traits.js`` lists exactly the synced traits of
  those classes (their union: ``Heatmap`` shares ActivationMap's front end);
- every trait name the front end passes to ``get``, ``set``, ``setTrait``,
  ``"change:…"`` or ``onChanges`` (and every trait list it declares), in its folder and in
  every ``js/shared/`` module it imports, is one of those synced traits;
- every module of the folder is reachable from its ``index.js`` (so none escapes the
  check), and names are never built at run time (``change:${…}``) outside
  ``js/shared/model.js``.

No Node needed: the sources are read as text.
"""

from __future__ import annotations

import re
from pathlib import Path

import anywidget
import pytest

import iwm_widgets.widgets as widgets

REPO = Path(__file__).resolve().parents[1]
JS = REPO / "js"
STATIC = REPO / "iwm_widgets" / "static"

# anywidget's own synced traits (layout, _model_name, ...) are not the widgets' to declare
BASE = set(anywidget.AnyWidget.class_traits())

IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}/[^"]+)";""", re.M | re.S)
USES = [
    re.compile(r"""\.(?:get|set)\(\s*"([^"]+)\""""),  # model.get("x"), model.set("x", v)
    re.compile(r"""setTrait\(\s*\w+,\s*"([^"]+)\""""),
    re.compile(r"""["'`]change:([^"'`$]+)["'`]"""),
]
ON_CHANGES = re.compile(r"""(?<!function )onChanges\(\s*\w+,\s*(\[[^\]]*\]|\w+)""")
TRAIT_LIST = re.compile(r"""\bconst\s+(\w+)\s*=\s*Object\.freeze\(\s*\[([^\]]*)\]""")
STRING = re.compile(r""""([^"]*)\"""")


def synced(cls: type) -> set[str]:
    return {n for n, t in cls.class_traits().items() if t.metadata.get("sync") and n not in BASE}


def bundle_classes() -> dict[str, list[type]]:
    """Widget classes by the bundle their ``_esm`` loads (``iwm_widgets/static/<name>.js``)."""
    bundles = {p.stem: p.read_text() for p in STATIC.glob("*.js")}
    out: dict[str, list[type]] = {}
    for name in widgets.__all__:
        cls = getattr(widgets, name)
        esm = str(cls._esm)
        hits = [b for b, text in bundles.items() if text == esm]
        assert len(hits) == 1, f"{name}._esm is not one of iwm_widgets/static/*.js"
        out.setdefault(hits[0], []).append(cls)
    return out


BUNDLES = bundle_classes()


def reachable(entry: Path) -> list[Path]:
    """The modules ``entry`` imports, transitively (itself included), in js/."""
    seen: list[Path] = []
    todo = [entry.resolve()]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.append(path)
        for spec in IMPORT.findall(path.read_text()):
            dep = (path.parent / spec).resolve()
            assert dep.is_file(), f"{path.relative_to(REPO)} imports {spec}, which is missing"
            todo.append(dep)
    return sorted(seen)


def typedef_traits(path: Path) -> list[str]:
    """The @property names of the ``@typedef {object} Traits`` block of a traits.js."""
    text = path.read_text()
    m = re.search(r"/\*\*((?:(?!\*/).)*?@typedef \{object\} Traits\b(?:(?!\*/).)*)\*/", text, re.S)
    assert m, f"{path.relative_to(REPO)} has no `@typedef {{object}} Traits` block"
    names = []
    for line in m.group(1).splitlines():
        line = line.strip().lstrip("*").strip()
        if not line.startswith("@property"):
            continue
        rest = line[len("@property") :].strip()
        assert rest.startswith("{"), f"{path.relative_to(REPO)}: @property without a type: {line}"
        names.append(rest[_type_end(rest) :].split()[0])
    return names


def _type_end(text: str) -> int:
    """Where a JSDoc type ``{...}`` at the start of ``text`` ends (it may hold braces)."""
    depth = 0
    for i, c in enumerate(text):
        depth += (c == "{") - (c == "}")
        if depth == 0:
            return i + 1
    raise AssertionError(f"unbalanced braces in a JSDoc type: {text}")


def used_names(path: Path, lists: dict[str, list[str]]) -> set[str]:
    """Trait names a module reads, writes or listens to."""
    text = path.read_text()
    names: set[str] = set()
    for pattern in USES:
        names.update(pattern.findall(text))
    for arg in ON_CHANGES.findall(text):
        if arg.startswith("["):
            names.update(STRING.findall(arg))
        else:
            assert arg in lists, (
                f"{path.relative_to(REPO)}: onChanges(model, {arg}): name the traits in a "
                "literal list or an Object.freeze([...]) constant"
            )
    return names


def all_lists(files: list[Path]) -> dict[str, list[str]]:
    """Frozen string lists declared in the modules: trait lists (e.g. REDRAW, RUN_TRAITS)."""
    out: dict[str, list[str]] = {}
    for path in files:
        for name, body in TRAIT_LIST.findall(path.read_text()):
            out[name] = STRING.findall(body)
    return out


@pytest.mark.parametrize("bundle", sorted(BUNDLES))
def test_the_traits_typedef_is_the_python_traits(bundle: str) -> None:
    want = set().union(*(synced(c) for c in BUNDLES[bundle]))
    path = JS / bundle / "traits.js"
    listed = typedef_traits(path)
    assert len(listed) == len(set(listed)), f"{path.relative_to(REPO)} lists a trait twice"
    classes = ", ".join(c.__name__ for c in BUNDLES[bundle])
    missing = sorted(want - set(listed))
    extra = sorted(set(listed) - want)
    assert not missing and not extra, (
        f"js/{bundle}/traits.js drifted from {classes}: add {missing}, remove {extra}. "
        "The Python traits:\n"
        + "\n".join(
            f" * @property {{...}} {n} {t.help}"
            for c in BUNDLES[bundle]
            for n, t in sorted(c.class_traits().items())
            if n in missing
        )
    )


@pytest.mark.parametrize("bundle", sorted(BUNDLES))
def test_every_trait_the_front_end_uses_is_synced(bundle: str) -> None:
    want = set().union(*(synced(c) for c in BUNDLES[bundle]))
    folder = JS / bundle
    files = reachable(folder / "index.js")
    unreached = sorted(p.name for p in folder.glob("*.js") if p.resolve() not in files)
    assert not unreached, f"js/{bundle}/{unreached} are not imported by index.js"
    lists = all_lists(files)
    for path in files:
        names = used_names(path, lists)
        text = path.read_text()
        for name, values in lists.items():
            if re.search(rf"\b{name}\b", text) and (name.endswith("TRAITS") or name == "REDRAW"):
                names.update(values)
        unknown = sorted(names - want)
        assert not unknown, (
            f"{path.relative_to(REPO)} (in the {bundle} bundle) uses {unknown}, which "
            f"{', '.join(c.__name__ for c in BUNDLES[bundle])} do not sync"
        )
        if path.name != "model.js":
            where = path.relative_to(REPO)
            assert "change:${" not in text, f"{where} builds event names: use onChanges"


def test_the_trait_lists_are_checked() -> None:
    """The patterns above find what the views use (a guard against a silent regex)."""
    sd = JS / "steering_dials"
    files = reachable(sd / "index.js")
    lists = all_lists(files)
    assert {"REDRAW", "RUN_TRAITS"} <= set(lists)
    used = set().union(*(used_names(p, lists) for p in files))
    assert {"values", "update_mode", "throttle_ms", "scope_start", "status"} <= used
    assert typedef_traits(sd / "traits.js")[:2] == ["code", "dials"]
