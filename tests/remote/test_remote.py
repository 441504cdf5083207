"""Remote runs on a real NDIF server (tests/remote/conftest.py starts it on loopback).

Every comparison is against a local run of the same weights: equal, not just close.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
import torch

import iwm_widgets as iwm
from iwm_widgets.tracing.remote import Backend, RemoteCancelled, RemoteError, RemoteTimeout
from iwm_widgets.tracing.run import Summary

from .conftest import wait_until

pytestmark = pytest.mark.remote

PROMPT = "The Eiffel Tower is in the city of"
L1 = "transformer.h.1"


def _edit() -> iwm.Edit:
    return iwm.Edit.add(L1, torch.linspace(-1, 1, 32), scale=3.0)


def test_stack_runs_on_loopback_only(ndif: dict[str, Any]) -> None:
    assert ndif["url"].startswith("http://127.0.0.1:")
    assert ndif["stack"].running_pids(), "the stack's processes are running"


@pytest.mark.parametrize("steps", [0, 3])
def test_remote_run_equals_local(remote_model: Any, local_model: Any, steps: int) -> None:
    x = local_model.prepare(PROMPT)
    sums = [Summary.norm("transformer.h.0"), Summary.lens(L1, 3), Summary.dim(L1, 5)]
    kw = {"rollout_steps": steps, "summaries": sums}
    r = iwm.run(remote_model, x, [_edit()], [L1], **kw)
    loc = iwm.run(local_model, x, [_edit()], [L1], **kw)
    unedited = iwm.run(local_model, x, [], [L1], **kw)
    assert torch.equal(r[L1], loc[L1])
    assert not torch.equal(r[L1], unedited[L1])  # the edit ran on the server
    assert torch.equal(r.output, loc.output[:, -1:])  # only the last position comes back
    assert set(r.summaries) == set(loc.summaries) and len(r.summaries) == 4
    for k in r.summaries:
        assert torch.equal(r.summaries[k], loc.summaries[k]), k
    if steps:
        assert r.rollout is not None and loc.rollout is not None
        assert torch.equal(r.rollout, loc.rollout)
    assert r.meta["remote"] == remote_model.remote.host
    assert 0 < r.meta["bytes_received"] < 64_000


def test_activation_map_and_dial_through_ndif(remote_model: Any, local_model: Any) -> None:
    ws = iwm.Workspace(remote_model, PROMPT)
    statuses: list[str] = []
    ws.observe(lambda ev, w: ev == "status" and statuses.append(w.remote_status or w.status))
    am = iwm.ActivationMap(ws, "lens_prob")  # returns at once: the run is in the background
    ws.wait(60)
    wait_until(lambda: am.generation > 0)
    assert any(s.startswith(("RUNNING", "COMPLETED", "QUEUED")) for s in statuses), statuses
    assert ws.reads == [] and am.remote == remote_model.remote.host

    lws = iwm.Workspace(local_model, PROMPT, background=False)
    lam = iwm.ActivationMap(lws, "lens_prob")
    assert am.values["shape"] == lam.values["shape"]
    assert bytes(am.values["buffer"]) == bytes(lam.values["buffer"])
    assert am.cell_text == lam.cell_text

    var = iwm.contrastive_variable(
        local_model,
        ["The Colosseum is in the city of Rome ."],
        ["The ball moves to the left ."],
        L1,
    )
    dials = iwm.SteeringDials(ws, [var])
    assert dials.update_mode == "release"  # remote: a dial sends on release
    ldials = iwm.SteeringDials(lws, [var])
    ws.wait(60)  # the readouts come back with the next remote run; then the dials are placed
    wait_until(lambda: dials.dials == ldials.dials)
    dials.set(**{var.name: 4.0})
    ldials.set(**{var.name: 4.0})
    res = ws.wait(60)
    assert res.edits and dials.generation == res.generation
    # the local dial run computes only the edited positions (the earlier ones from its
    # baseline's key/value cache), the remote one every position: float32 rounding apart
    assert torch.allclose(res.output[0, -1], lws.result.output[0, -1], atol=1e-5, rtol=1e-5)
    assert lws.result.meta["suffix"]["from"] > 0
    assert dials.lm["after"]["tokens"] == ldials.lm["after"]["tokens"]
    assert dials.lm["continuation_after"] == ldials.lm["continuation_after"]
    assert dials.throttle_ms > 0  # the measured round trip, for mode "throttle"
    ws.close()


def test_server_down_is_a_clear_error_and_retry_recovers(
    remote_model: Any, ndif: dict[str, Any]
) -> None:
    from stack import free_port

    ws = iwm.Workspace(remote_model, PROMPT, background=False)
    am = iwm.ActivationMap(ws, "norm")
    assert am.error == "" and am.generation > 0
    good = remote_model.remote.host
    remote_model.remote.host = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    try:
        ws.add_edit(_edit())  # a new state: it must go to the server
        with pytest.raises(RemoteError) as info:
            ws.run()
        assert info.value.kind == "network"
        assert "cannot reach the NDIF server" in str(info.value)
        assert "cannot reach the NDIF server" in am.error
    finally:
        remote_model.remote.host = good
    ws.background = True
    ws.retry()  # what the widget's retry button does
    ws.wait(60)
    assert am.error == "" and ws.error is None


def test_unknown_model_on_the_server(ndif: dict[str, Any], tmp_path: Path) -> None:
    from iwm_widgets.zoo.gpt2_local import make_gpt2_dir

    other = make_gpt2_dir(tmp_path / "not-deployed", n_layer=2, seed=3)
    m = iwm.load(other, remote=ndif["url"], timeout=30)
    with pytest.raises(RemoteError) as info:
        iwm.run(m, m.prepare(PROMPT), [], ["transformer.h.0"])
    assert info.value.kind in ("model", "rejected", "server")
    assert str(other.resolve()) in str(info.value) or "model" in str(info.value).lower()


def test_failed_request_timeout_and_cancel(remote_model: Any, local_model: Any) -> None:
    x = local_model.prepare(PROMPT)
    ws = iwm.Workspace(remote_model, PROMPT, background=False)
    # a request the server fails: reading a hidden dimension that does not exist
    ws.add_reads("bad", [], [Summary.dim(L1, 999)])
    with pytest.raises(RemoteError) as info:
        ws.run()
    assert info.value.kind == "server" and "IndexError" in str(info.value)
    ws.remove_reads("bad")
    assert ws.run().output.shape[-1] > 0  # the Workspace is still usable

    remote_model.remote.timeout = 1e-3
    try:
        with pytest.raises(RemoteTimeout):
            iwm.run(remote_model, x, [], [L1])
    finally:
        remote_model.remote.timeout = 60
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(RemoteCancelled):
        iwm.run(remote_model, x, [], [L1], backend=Backend(remote_model.remote, cancel=cancel))
    assert torch.equal(
        iwm.run(remote_model, x, [], [L1])[L1], iwm.run(local_model, x, [], [L1])[L1]
    )


def test_api_key_never_leaks(
    remote_model: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: Any, capfd: Any
) -> None:
    import nbformat
    from ipywidgets.embed import embed_data

    key = "iwm-test-secret-KEY-5f3a9c"
    monkeypatch.setenv("NDIF_API_KEY", key)
    caplog.set_level(logging.DEBUG)
    ws = iwm.Workspace(remote_model, PROMPT)
    am = iwm.ActivationMap(ws, "norm")
    ws.wait(60)
    backend = Backend(remote_model.remote)
    assert backend.api_key == key  # the key is used for the request ...
    good = remote_model.remote.host
    remote_model.remote.host = f"http://127.0.0.1:1/{key}"  # ... and an error that echoes it
    try:
        ws.add_edit(_edit())
        with pytest.raises(RemoteError) as info:
            ws.wait(60)
    finally:
        remote_model.remote.host = good
    messages = [str(info.value), am.error, repr(remote_model), repr(ws), ws.to_code()]
    data = embed_data(views=[am])
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": data["manager_state"]}
    nb.cells.append(nbformat.v4.new_code_cell(f"iwm.load(d, remote={good!r})"))
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)
    out, err = capfd.readouterr()
    haystack = "\n".join([*messages, path.read_text(), json.dumps(am.get_state(), default=str),
                          caplog.text, out, err])  # fmt: skip
    assert "***" in am.error  # the key was there, and was scrubbed
    assert key not in haystack
    ws.close()
