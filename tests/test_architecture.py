"""Dependencies point down: the tracing core and the zoo import no view.

face -> display -> widgets -> workspace -> tracing -> zoo. Every ``.py`` under
``iwm_widgets/tracing`` and ``iwm_widgets/zoo`` is parsed (not imported) and every import
in it, relative or absolute, at module level or inside a function, is checked; so are
``importlib.import_module("...")`` and ``__import__("...")`` with a literal name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

import iwm_widgets as iwm
from iwm_widgets.measures import unpack

PACKAGE = Path(iwm.__file__).parent

#: what each lower layer may import from the package (and nothing above it)
ALLOWED = {
    "tracing": ("errors", "linear", "safefiles", "tracing", "zoo"),
    "zoo": ("errors", "linear", "safefiles", "zoo"),
}
#: the views the issue names, checked by name so that a failure says which
VIEWS = ("display", "widgets", "charts", "workspace")


def _module_of(path: Path) -> list[str]:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _is_module(dotted: str) -> bool:
    path = PACKAGE.parent.joinpath(*dotted.split("."))
    return path.is_dir() or path.with_suffix(".py").exists()


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of the nodes under ``if TYPE_CHECKING:`` (never run: names for annotations)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            t = node.test
            name = t.attr if isinstance(t, ast.Attribute) else getattr(t, "id", "")
            if name == "TYPE_CHECKING":
                out |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return out


def imported_modules(
    source: str, module: list[str], is_package: bool, *, type_checking: bool = True
) -> list[tuple[int, str]]:
    """``(line, dotted name)`` of every module ``source`` imports: ``from M import a`` is
    ``M.a`` where ``a`` is a submodule, else ``M``. ``type_checking=False`` leaves out the
    imports under ``if TYPE_CHECKING:``, which Python never runs."""
    here = module if is_package else module[:-1]  # the package relative imports start from
    out: list[tuple[int, str]] = []
    tree = ast.parse(source)
    skip = set() if type_checking else _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(
                    [*here[: len(here) - (node.level - 1)], *([node.module] if node.module else [])]
                )
            else:
                base = node.module or ""
            for a in node.names:
                full = f"{base}.{a.name}"
                out.append((node.lineno, full if _is_module(full) else base))
        elif isinstance(node, ast.Call) and node.args:
            f = node.func
            called = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            arg = node.args[0]
            if called in ("import_module", "__import__") and isinstance(arg, ast.Constant):
                out.append((node.lineno, str(arg.value)))
    return out


def violations(layer: str, source: str, module: list[str], is_package: bool) -> list[str]:
    """What ``source`` (the text of ``module``, in ``layer``) imports that it must not."""
    bad = []
    for line, name in imported_modules(source, module, is_package):
        parts = name.split(".")
        if parts[0] != PACKAGE.name:
            continue
        if len(parts) == 1:
            bad.append(f"line {line}: imports from the package face {name}")
        elif parts[1] in VIEWS:
            bad.append(f"line {line}: imports the view {name}")
        elif parts[1] not in ALLOWED[layer]:
            bad.append(f"line {line}: imports {name}, which is above {layer}")
    return bad


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_the_core_and_the_zoo_import_no_view(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert len(files) > 3
    found = {}
    for path in files:
        bad = violations(
            layer, path.read_text(encoding="utf-8"), _module_of(path), path.name == "__init__.py"
        )
        if bad:
            found[str(path.relative_to(PACKAGE))] = bad
    assert not found, f"iwm_widgets/{layer} must not import views or layers above it: {found}"


@pytest.mark.parametrize(
    "source",
    [
        "from ..display import mimebundle",
        "def f():\n    from ..widgets.activation_map import Heatmap\n",
        "class C:\n    def chart(self):\n        from .. import charts\n",
        "import iwm_widgets.workspace",
        "from iwm_widgets import Workspace",
        "from ... import display",  # from iwm_widgets.tracing.sub
        "import importlib\nimportlib.import_module('iwm_widgets.display')",
        "from ..session import load_session",
    ],
)
def test_the_rule_catches_every_form_of_import(source: str) -> None:
    module = ["iwm_widgets", "tracing", "sub", "mod"] if "..." in source else None
    module = module or ["iwm_widgets", "tracing", "probes"]
    assert violations("tracing", source, module, False)


def test_the_rule_lets_the_core_import_downwards() -> None:
    source = (
        "from ..errors import InputError\nfrom .edits import Edit\n"
        "def f():\n    from ..zoo import get\n    import torch\n"
    )
    assert not violations("tracing", source, ["iwm_widgets", "tracing", "model"], False)
    assert violations("zoo", "from ..tracing import run", ["iwm_widgets", "zoo", "card"], False)


def test_the_display_side_gives_the_core_types_their_reprs() -> None:
    """The core's classes carry no display code: one mixin asks display.py at call time
    (a method set from display.py travelled with every remote request)."""
    from iwm_widgets.tracing._display_hook import Displayable

    classes = (iwm.Model, iwm.Result, iwm.Variable, iwm.Edit, iwm.Node, iwm.CausalEffects)
    for cls in (*classes, iwm.ProbeSweep, iwm.PatchingSweep):
        assert issubclass(cls, Displayable)
        assert cls._repr_mimebundle_ is Displayable._repr_mimebundle_  # type: ignore[attr-defined]
    edit = iwm.Edit.scale("blocks.0", 2.0)
    bundle = edit._repr_mimebundle_()
    assert "text/html" in bundle and bundle["text/plain"]  # the summary from display.py
    for cls in (iwm.ProbeSweep, iwm.PatchingSweep):
        for name in ("_ipython_display_", "widget"):
            assert getattr(cls, name).__module__ == "iwm_widgets.display"


# ---------------------------------------------------------------------------------------
# A Workspace argument is unpacked in one place


def test_unpack_takes_a_workspace_apart(tiny, tiny_x) -> None:
    model = iwm.load(tiny)
    ws = iwm.Workspace(model, tiny_x, background=False)
    edit = iwm.Edit.scale("blocks.0", 2.0)
    ws.add_edit(edit)
    u = unpack(ws)
    assert u.model is model and torch.equal(u.inputs, ws.inputs)
    assert u.edits == [edit] and u.result is ws.result is not None
    other = tiny_x.flip(1)
    u = unpack(ws, other)  # other inputs: the current result does not hold them
    assert u.inputs is other and u.edits == [edit] and u.result is None
    u = unpack(ws, edits=[])  # other edits: neither
    assert torch.equal(u.inputs, ws.inputs) and u.edits == [] and u.result is None
    assert unpack(model, tiny_x) == (model, tiny_x, None, None)
    assert unpack(model, tiny_x, (edit,)).edits == [edit]
    ws.close()


def test_the_core_takes_a_model_and_says_so(tiny, tiny_x) -> None:
    from iwm_widgets import tracing

    model = iwm.load(tiny)
    ws = iwm.Workspace(model, tiny_x, background=False)
    with pytest.raises(TypeError, match=r"takes a Model .*iwm\.causal_effects also takes"):
        tracing.causal_effects(ws, ["blocks.0"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"iwm\.patching_sweep also takes a Workspace"):
        tracing.patching_sweep(ws, tiny_x, tiny_x, lambda o: o[:, -1, 0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"iwm\.attention_heads also takes a Workspace"):
        tracing.attention_heads(ws)  # type: ignore[arg-type]
    ws.close()


# ---------------------------------------------------------------------------------------
# No circle through the core


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports at run time (every import, as above:
    module level and inside functions; not those under ``TYPE_CHECKING``, which name
    types for annotations and never run)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_of(path)
        name = ".".join(module)
        found = imported_modules(
            path.read_text(encoding="utf-8"),
            module,
            path.name == "__init__.py",
            type_checking=False,
        )
        graph[name] = {m for _, m in found if m.split(".")[0] == PACKAGE.name and m != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle_runs_through_the_core_or_the_zoo() -> None:
    core = (f"{PACKAGE.name}.tracing", f"{PACKAGE.name}.zoo")
    through = [c for c in circles(import_graph()) if any(m.startswith(core) for m in c)]
    assert not through, f"import circles through tracing/ or zoo/: {through}"


def test_the_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
    lazy = "def f():\n    from .edits import Edit\n"
    typed = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .edits import Edit\n"
    here = ["iwm_widgets", "tracing", "ops"]
    assert imported_modules(lazy, here, False, type_checking=False)  # a lazy import counts
    assert [m for _, m in imported_modules(typed, here, False, type_checking=False)] == ["typing"]
    assert imported_modules(typed, here, False)  # the view rule still sees it
