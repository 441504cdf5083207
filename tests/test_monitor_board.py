"""MonitorBoard over real MonitorReports (bouncing-ball monitors fitted and scored on small
simulated sets; a tiny-lm report): the strips are the reports' alarms and events, the
slider re-scores exactly as ``report.at(threshold)`` without running the model, a click
opens that input in the Workspace (and selects the step), and bad thresholds, foreign
reports and a report without events say what is wrong in the widget.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest
import torch

import iwm_widgets as iwm
from iwm_widgets.errors import InputError
from iwm_widgets.transport import from_buffer
from iwm_widgets.widgets.monitor_board import (
    FALSE,
    HIT,
    MISS,
    NONE,
    MonitorBoardError,
    event_codes,
    step_codes,
)

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

H = 4


def arr(payload: dict[str, Any]) -> torch.Tensor:
    return torch.as_tensor(from_buffer(payload).copy())


@pytest.fixture(scope="module")
def reports(ball: iwm.Model) -> dict[str, Any]:
    site = "blocks.2.mlp.act"
    inside = iwm.Monitor.fit(ball, site, "wall-contact", H, n=48, progress=False, name="inside")
    shuffled = iwm.Monitor.fit(
        ball, site, "wall-contact", H, n=48, control="shuffled", progress=False, name="shuffled"
    )
    return iwm.evaluate_monitors([inside, shuffled], ball, n=32, seed=3, progress=False)


def test_strips_are_the_reports_alarms_and_events(reports: dict[str, Any]) -> None:
    board = iwm.MonitorBoard(reports)
    assert [r["name"] for r in board.rows] == ["inside", "output-only", "shuffled", "output-only"]
    assert [r["kind"] for r in board.rows] == ["monitor", "baseline", "monitor", "baseline"]
    codes = arr(board.strips["codes"])
    events = arr(board.strips["events"])
    reps = list(reports.values())
    n, S = reps[0].alarms.shape
    assert codes.shape == (4, n, S) and codes.dtype == torch.uint8
    for row, r in zip((0, 2), reps, strict=True):
        c = codes[row]
        alarm = (c == HIT) | (c == FALSE)
        assert torch.equal(alarm, r.alarms)
        assert torch.equal((c == HIT) | (c == MISS), r.events & r.valid)
        assert torch.equal(c == NONE, r.valid & ~r.alarms & ~r.events)
    # the baseline rows are each monitor's output-only monitor at its alarm rate
    assert torch.equal((codes[1] == HIT) | (codes[1] == FALSE), reps[0].baseline.alarms)
    assert torch.equal(events & 1 == 1, reps[0].events)
    # bit 2: the event starts at the frame after the step (onsets column s + 1)
    assert torch.equal(events & 2 == 2, reps[0].onsets[:, 1 : S + 1] & reps[0].valid)
    assert torch.equal(arr(board.strips["steps"]).long(), reps[0].steps)
    # the summary: each monitor's numbers, then its baselines'
    s = board.summary
    assert [x["name"] for x in s if x["kind"] == "monitor"] == ["inside", "shuffled"]
    first = s[0]
    assert first["precision"] == pytest.approx(reps[0].precision)
    assert first["recall"] == pytest.approx(reps[0].recall)
    assert first["false_alarm_rate"] == pytest.approx(reps[0].false_alarm_rate)
    assert first["lead_time"] == pytest.approx(reps[0].lead_time)
    assert first["auroc"] == pytest.approx(reps[0].auroc)
    assert s[1]["name"] == "output-only" and s[1]["precision"] == pytest.approx(
        reps[0].baseline.precision
    )
    assert board.info["n_events"] == reps[0].n_events > 0
    assert board.error == ""
    # without the baseline strips
    board.show_baselines = False
    assert [r["name"] for r in board.rows] == ["inside", "shuffled"]
    assert arr(board.strips["codes"]).shape[0] == 2
    assert len(board.summary) == len(s)  # the table keeps listing them


def test_the_slider_rescores_as_report_at_without_a_run(
    ball: iwm.Model, reports: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    board = iwm.MonitorBoard(reports)
    rep = reports["inside"]
    import iwm_widgets.tracing.monitors as monitors

    def no_run(*a: Any, **k: Any) -> None:
        raise AssertionError("re-scoring ran the model")

    monkeypatch.setattr(monitors, "run", no_run)
    monkeypatch.setattr(monitors, "_collect", no_run)
    for t in (0.1, 0.3, 0.8, 0.97):
        got = board.set_threshold("inside", t)
        want = rep.at(t)
        assert board.thresholds[0] == t and board.current[0].threshold == t
        assert torch.equal(got.alarms, want.alarms)
        codes = arr(board.strips["codes"])
        assert torch.equal((codes[0] == HIT) | (codes[0] == FALSE), want.alarms)
        row = board.summary[0]
        for key in ("precision", "recall", "false_alarm_rate", "lead_time", "alarm_rate"):
            w = getattr(want, key)
            assert (row[key] is None and math.isnan(w)) or row[key] == pytest.approx(w)
        # the baseline is matched again to the new alarm rate
        assert board.summary[1]["alarm_rate"] == pytest.approx(want.baseline.alarm_rate)
        assert board.monitors[0]["rule"] == want.rule
    # the other monitor stays where it was
    assert board.thresholds[1] == reports["shuffled"].threshold
    # the same through the front end's message, and reset
    board._on_msg(board, {"type": "threshold", "monitor": 1, "value": 0.2}, [])
    assert board.thresholds[1] == 0.2
    board._on_msg(board, {"type": "reset"}, [])
    assert board.thresholds == [rep.threshold, reports["shuffled"].threshold]


def test_bad_thresholds_are_shown_and_change_nothing(reports: dict[str, Any]) -> None:
    board = iwm.MonitorBoard(reports)
    before = list(board.thresholds)
    with pytest.raises(MonitorBoardError, match="finite"):
        board.set_threshold(0, float("nan"))
    assert "finite" in board.error and board.thresholds == before
    with pytest.raises(MonitorBoardError, match="a number"):
        board.set_threshold(0, "high")
    board._on_msg(board, {"type": "threshold", "monitor": 0, "value": "abc"}, [])
    assert "a number" in board.error and board.thresholds == before
    with pytest.raises(MonitorBoardError, match="no monitor 'nope'"):
        board.set_threshold("nope", 0.5)
    with pytest.raises(MonitorBoardError, match="does not exist"):
        board.set_threshold(7, 0.5)
    board.set_threshold(0, 0.4)  # a good one clears the box
    assert board.error == ""
    with pytest.raises(MonitorBoardError, match="input 99 does not exist"):
        board.open_input(99)


def test_clicking_an_input_opens_it_in_the_workspace(
    ball: iwm.Model, reports: dict[str, Any]
) -> None:
    ws = iwm.Workspace(ball, ball.sample(seed=1, latents=True), background=False)
    amap = iwm.ActivationMap(ws)
    board = iwm.MonitorBoard(reports, ws)
    rep = reports["inside"]
    gen = ws.result.generation
    board._on_msg(board, {"type": "open", "input": 7}, [])
    assert board.input == 7 and board.opened == 7
    assert torch.equal(ws.inputs, rep.inputs[7:8])
    assert ws.truth is None  # the latents were the other input's
    assert ws.result.generation > gen and amap.generation == ws.result.generation
    board._on_msg(board, {"type": "open", "input": 7, "step": 12}, [])
    assert ws.selection == {"site": "blocks.2.mlp.act", "position": 12}
    assert board.step == 12
    # without a Workspace the board only picks the input
    alone = iwm.MonitorBoard(rep)
    alone.open_input(3)
    assert alone.input == 3 and alone.opened == -1
    amap.close()
    ws.close()


def test_iwm_show_of_a_report_is_a_board(reports: dict[str, Any]) -> None:
    board = iwm.show(reports["inside"])
    assert isinstance(board, iwm.MonitorBoard)
    assert [r["name"] for r in board.rows if r["kind"] == "monitor"] == ["inside"]
    assert isinstance(iwm.MonitorBoard([reports["inside"]]), iwm.MonitorBoard)


def test_reports_that_do_not_belong_together_are_refused(
    ball: iwm.Model, reports: dict[str, Any]
) -> None:
    with pytest.raises(InputError, match="MonitorReports"):
        iwm.MonitorBoard("inside")
    with pytest.raises(InputError, match="at least one"):
        iwm.MonitorBoard([])
    rep = reports["inside"]
    other = rep.at(0.5)
    other.name = "other"
    other.events = ~rep.events
    with pytest.raises(InputError, match="evaluate them together"):
        iwm.MonitorBoard([rep, other])
    with pytest.raises(InputError, match="unique"):
        iwm.MonitorBoard([rep, rep])
    lm_ws = iwm.Workspace(iwm.load("tiny-lm"), "The capital of France is", background=False)
    with pytest.raises(InputError, match="same model"):
        iwm.MonitorBoard(rep, lm_ws)
    lm_ws.close()


def test_a_report_without_events_says_so(reports: dict[str, Any]) -> None:
    rep = reports["inside"]
    quiet = replace(rep, events=torch.zeros_like(rep.events), onsets=torch.zeros_like(rep.onsets))
    board = iwm.MonitorBoard(quiet)
    assert "No 'wall-contact' event happens" in board.error
    assert board.summary[0]["recall"] is None  # NaN travels as null
    assert int((arr(board.strips["events"]) != 0).sum()) == 0


def test_a_language_model_report_opens_its_prompt() -> None:
    lm = iwm.load("tiny-lm")
    from iwm_widgets.tracing.monitors import _default_prompts

    prompts = _default_prompts(lm)[:6]
    var = iwm.site_variable(lm, "transformer.h.3")
    mon = iwm.Monitor(var, iwm.Rule.above(0.0, component=0), name="unit 0")
    rep = mon.evaluate(lm, prompts, "wrong-answer", 2, progress=False)
    ws = iwm.Workspace(lm, prompts[0], background=False)
    board = iwm.MonitorBoard(rep, ws)
    assert board.info["kind"] == "lm" and board.texts == prompts
    assert "No 'wrong-answer' event" in board.error  # tiny-lm answers every fact right
    board.open_input(2)
    assert board.strips["labels"] == [rep.tokens[2][int(s)] for s in rep.steps]
    assert ws.columns() == lm.labels(lm.prepare(prompts[2]))
    ws.close()


def test_codes_helpers_match_the_report(reports: dict[str, Any]) -> None:
    rep = reports["shuffled"]
    c = step_codes(rep)
    assert int((c == HIT).sum()) == int((rep.alarms & rep.events).sum())
    e = event_codes(rep)
    assert int((e & 1).sum()) == int((rep.events & rep.valid).sum())
