"""``%iwm save`` and ``%iwm load-session`` in a real IPython InteractiveShell."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import iwm_widgets as iwm
from iwm_widgets.session import restored_widgets

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def ball() -> iwm.Model:
    return iwm.load("bouncing-ball")


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


def displayed(cap: Any) -> list[Any]:
    from ipywidgets.widgets.widget import _instances

    views = [o.data[WIDGET_MIME] for o in cap.outputs if WIDGET_MIME in o.data]
    return [_instances[v["model_id"]] for v in views]


def _workspace(ball: iwm.Model) -> tuple[iwm.Workspace, iwm.ActivationMap]:
    ws = iwm.Workspace(ball, ball.sample(seed=1), background=False)
    ws.add_edit(iwm.Edit.scale("blocks.2", 0.5, start=4))
    ws.add_edit(iwm.Edit.ablate("blocks.1", positions=[3]))
    return ws, iwm.ActivationMap(ws, "delta")


def test_save_then_load_session_round_trip(
    ip: InteractiveShell, ball: iwm.Model, tmp_path: Path
) -> None:
    ws, _ = _workspace(ball)
    ip.user_ns.update(ws=ws, model=ball)
    path = tmp_path / "sess"
    res, cap = run(ip, f"%iwm save '{path}'")
    assert res.success, cap.stderr
    assert cap.stdout.strip() == f"saved ws to {path}/: 2 edits, widgets: ActivationMap"
    assert json.loads((path / "session.json").read_text())["model"]["name"] == "bouncing-ball"

    res, cap = run(ip, f"%iwm load-session '{path}' model as ws2")
    assert res.success, cap.stderr
    ws2 = ip.user_ns["ws2"]
    assert isinstance(ws2, iwm.Workspace) and ws2 is not ws and ws2.model is ball
    assert cap.stdout.startswith("ws2 = <Workspace model='bouncing-ball' edits=2")
    assert "(widgets: ActivationMap)" in cap.stdout
    (shown,) = displayed(cap)
    assert restored_widgets(ws2) == [shown] and shown.quantity == "delta"
    assert [e.to_dict() for e in ws2.edits] == [e.to_dict() for e in ws.edits]
    assert torch.equal(ws2.wait().rollout, ws.run().rollout)
    ws2.close()


def test_defaults_ws_and_model_and_a_saved_name(
    ip: InteractiveShell, ball: iwm.Model, tmp_path: Path
) -> None:
    ws, _ = _workspace(ball)
    ip.user_ns["ws"] = ws
    res, cap = run(ip, f"%iwm save '{tmp_path / 's'}'")
    assert res.success, cap.stderr
    del ip.user_ns["ws"]
    res, cap = run(ip, f"%iwm load-session '{tmp_path / 's'}'")  # no `model`: by its name
    assert res.success, cap.stderr
    assert ip.user_ns["ws"].model.name == "bouncing-ball" and ip.user_ns["ws"].model is not ball
    ip.user_ns["ws"].close()
    ip.user_ns["model"] = ball
    res, cap = run(ip, f"%iwm load-session '{tmp_path / 's'}'")  # `model` when it is one
    assert res.success, cap.stderr
    assert ip.user_ns["ws"].model is ball
    ip.user_ns["ws"].close()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("%iwm save", "%iwm save takes PATH [WS]"),
        ("%iwm save a b c", "%iwm save takes PATH [WS]"),
        ("%iwm save somewhere", "name 'ws' is not defined (make one with"),
        ("%iwm save somewhere nothing_here", "name 'nothing_here' is not defined"),
        ("%iwm save somewhere model", "model is a Model, not a Workspace"),
        ("%iwm load-session", "%iwm load-session takes PATH [MODEL] [as VAR]"),
        ("%iwm load-session p model as 2x", "'2x' is not a valid variable name"),
        ("%iwm load-session p nothing_here", "name 'nothing_here' is not defined"),
        ("%iwm load-session /no/such/dir", "/no/such/dir is not a session directory"),
    ],
)
def test_bad_lines_are_usage_errors(
    ip: InteractiveShell, ball: iwm.Model, line: str, message: str
) -> None:
    ip.user_ns["model"] = ball
    res, cap = run(ip, line)
    assert not res.success
    assert message in cap.stderr, cap.stderr
    assert "Traceback" not in cap.stderr


def test_other_weights_are_one_clear_line(
    ip: InteractiveShell, ball: iwm.Model, tmp_path: Path
) -> None:
    ws, _ = _workspace(ball)
    ws.save(tmp_path / "s")
    other = iwm.load("bouncing-ball")
    with torch.no_grad():
        next(other.module.parameters()).mul_(2)
    ip.user_ns["other"] = other
    res, cap = run(ip, f"%iwm load-session '{tmp_path / 's'}' other")
    assert not res.success and "ws" not in ip.user_ns
    assert cap.stderr.startswith("UsageError: %iwm load-session: session ")
    assert ball.weights_checksum() in cap.stderr and other.weights_checksum() in cap.stderr


def test_help_lists_the_session_commands(ip: InteractiveShell) -> None:
    _, cap = run(ip, "%iwm help")
    assert "%iwm save PATH [WS]" in cap.stdout
    assert "%iwm load-session PATH [MODEL] [as VAR]" in cap.stdout
