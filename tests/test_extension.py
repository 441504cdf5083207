"""The Jupyter extension (``%load_ext iwm_widgets``): the ``%iwm`` magics and the
interactive displays it turns on, in a real IPython InteractiveShell."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ipywidgets
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from widget_views import WIDGET_MIME, velocity_variable, widget_by_id

import iwm_widgets as iwm
from iwm_widgets import display as iwm_display
from iwm_widgets.widgets.module_tree import ModuleTree


@pytest.fixture
def ip() -> Iterator[InteractiveShell]:
    """The IPython shell with the extension loaded, and a fresh namespace."""
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "iwm_widgets")
    saved = dict(shell.user_ns)
    yield shell
    shell.run_line_magic("unload_ext", "iwm_widgets")
    shell.user_ns.clear()
    shell.user_ns.update(saved)


def run(ip: InteractiveShell, code: str) -> tuple[Any, Any]:
    with capture_output() as cap:
        res = ip.run_cell(code)
    return res, cap


def displayed_widgets(cap: Any) -> list[Any]:
    """The widgets behind the widget views a cell displayed."""
    out = []
    for o in cap.outputs:
        view = o.data.get(WIDGET_MIME)
        if view:
            out.append(widget_by_id(view["model_id"]))
    return out


# ---------------------------------------------------------------------------------------
# %iwm load


def test_load_binds_model_and_prints_one_line(ip: InteractiveShell, ball: iwm.Model) -> None:
    res, cap = run(ip, "%iwm load bouncing-ball")
    assert res.success
    model = ip.user_ns["model"]
    assert isinstance(model, iwm.Model)
    assert model.sites == ball.sites and model.layers == ball.layers
    assert model.kind == "world"
    n = sum(p.numel() for p in model.module.parameters())
    assert cap.stdout == f"model = bouncing-ball (world): {n:,} parameters, 5 layers, 50 modules\n"


def test_load_as_var_and_a_local_directory(ip: InteractiveShell, gpt2_dir: Any) -> None:
    res, _ = run(ip, f"%iwm load bouncing-ball as ball\n%iwm load '{gpt2_dir}' as lm")
    assert res.success
    assert ip.user_ns["ball"].name == "bouncing-ball"
    lm = ip.user_ns["lm"]
    assert lm.kind == "lm" and lm.layers == [f"transformer.h.{i}" for i in range(3)]
    assert "model" not in ip.user_ns


def test_unknown_model_is_one_clear_line_and_changes_nothing(ip: InteractiveShell) -> None:
    ip.user_ns["model"] = sentinel = object()
    res, cap = run(ip, "%iwm load no-such-model")
    assert isinstance(res.error_in_exec, UsageError)
    assert "Traceback" not in cap.stdout + cap.stderr
    assert cap.stderr.startswith("UsageError: %iwm load: unknown model 'no-such-model'")
    assert "bouncing-ball" in cap.stderr  # the zoo names are listed
    assert cap.stderr.count("\n") == 1
    assert ip.user_ns["model"] is sentinel


@pytest.mark.parametrize(
    "line, message",
    [
        ("%iwm load", "%iwm load takes NAME [as VAR]"),
        ("%iwm load bouncing-ball into x", "%iwm load takes NAME [as VAR]"),
        ("%iwm load bouncing-ball as 2x", "'2x' is not a valid variable name"),
        ("%iwm frobnicate", "unknown command 'frobnicate'"),
        ("%iwm show not_defined_anywhere", "name 'not_defined_anywhere' is not defined"),
        ("%iwm show 42", "does not know how to show objects of type int"),
        ("%iwm load 'unclosed", "No closing quotation"),
    ],
)
def test_bad_magic_lines_are_usage_errors(ip: InteractiveShell, line: str, message: str) -> None:
    before = set(ip.user_ns)
    res, cap = run(ip, line)
    assert isinstance(res.error_in_exec, UsageError), res.error_in_exec
    assert message in cap.stderr and "Traceback" not in cap.stderr
    assert set(ip.user_ns) - before <= {"_i", "_ii", "_iii", "_ih", "_oh", "Out", "In"} | {
        k for k in ip.user_ns if k.startswith("_i")
    }


def test_help_and_unload(ip: InteractiveShell) -> None:
    _, cap = run(ip, "%iwm")
    assert "%iwm load NAME [as VAR]" in cap.stdout and "%iwm show [EXPR]" in cap.stdout
    ip.run_line_magic("unload_ext", "iwm_widgets")
    assert "iwm" not in ip.magics_manager.magics["line"]
    ip.run_line_magic("load_ext", "iwm_widgets")  # the fixture unloads again
    assert "iwm" in ip.magics_manager.magics["line"]


# ---------------------------------------------------------------------------------------
# %iwm show and the displays the extension turns on


def test_show_magic_displays_the_module_tree(ip: InteractiveShell) -> None:
    run(ip, "%iwm load bouncing-ball")
    res, cap = run(ip, "%iwm show")
    assert res.success
    (view,) = displayed_widgets(cap)
    assert isinstance(view, ipywidgets.VBox)
    tree = view.children[0]
    assert isinstance(tree, ModuleTree) and tree.model is ip.user_ns["model"]
    assert [r["path"] for r in tree.nodes] == [
        n for n, _ in ip.user_ns["model"].module.named_modules() if n
    ]
    # and an expression: a Workspace gets an ActivationMap
    run(ip, "import iwm_widgets as iwm\nws = iwm.Workspace(model, background=False)")
    _, cap = run(ip, "%iwm show ws")
    (amap,) = displayed_widgets(cap)
    assert isinstance(amap, iwm.ActivationMap) and amap.ws is ip.user_ns["ws"]


def test_extension_displays_objects_as_widgets_until_unloaded(
    ip: InteractiveShell, ball: iwm.Model
) -> None:
    data, _ = ip.display_formatter.format(ball)
    assert {WIDGET_MIME, "text/html", "text/plain"} <= set(data)
    assert isinstance(widget_by_id(data[WIDGET_MIME]["model_id"]).children[0], ModuleTree)
    assert data["text/plain"] == repr(ball)
    # a Variable has no widget without a workspace: its static summary
    var = velocity_variable(ball)
    vdata, _ = ip.display_formatter.format(var)
    assert WIDGET_MIME not in vdata and "iwm-variable" in vdata["text/html"]
    ip.run_line_magic("unload_ext", "iwm_widgets")
    data, _ = ip.display_formatter.format(ball)
    assert set(data) == {"text/plain", "text/html"}
    ip.run_line_magic("load_ext", "iwm_widgets")


def test_extension_follows_later_registrations(ip: InteractiveShell) -> None:
    class Probe:
        pass

    assert WIDGET_MIME not in ip.display_formatter.format(Probe())[0]
    iwm.register_display(Probe, lambda p: ipywidgets.Label("a probe"))
    try:
        data, _ = ip.display_formatter.format(Probe())
        label = widget_by_id(data[WIDGET_MIME]["model_id"])
        assert label.value == "a probe"
    finally:
        iwm_display.unregister_display(Probe)
    assert WIDGET_MIME not in ip.display_formatter.format(Probe())[0]
