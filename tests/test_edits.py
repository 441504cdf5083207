"""Edits (iwm_widgets/tracing/edits.py) against ground truth: each op against plain
tensor arithmetic under raw torch hooks, their JSON dicts and their nnsight code."""

from __future__ import annotations

import json
import runpy

import pytest
import torch
from raw_hooks import hooked_forward

import iwm_widgets as iwm


def manual(op, h, pos):
    """The same edits written out as plain tensor arithmetic."""
    g = torch.Generator().manual_seed(3)
    v = torch.randn(h.shape[-1], generator=g)
    h = h.clone()
    if op == "set":
        h[:, pos] = v
    elif op == "add":
        h[:, pos] = h[:, pos] + 2.5 * v
    elif op == "scale":
        h[:, pos] = h[:, pos] * -0.5
    elif op == "ablate_zero":
        h[:, pos] = 0
    elif op == "ablate_mean":
        h[:, pos] = h.reshape(-1, h.shape[-1]).mean(0)
    elif op == "clamp":
        d = v / v.norm()
        r = h[:, pos] @ d
        h[:, pos] = h[:, pos] + (1.75 - r)[..., None] * d
    return h, v


def make_edit(op, site, v, pos):
    kw = {"positions": pos} if isinstance(pos, list) else {"start": pos.start}
    if op == "set":
        return iwm.Edit.set(site, v, **kw)
    if op == "add":
        return iwm.Edit.add(site, v, 2.5, **kw)
    if op == "scale":
        return iwm.Edit.scale(site, -0.5, **kw)
    if op == "ablate_zero":
        return iwm.Edit.ablate(site, **kw)
    if op == "ablate_mean":
        return iwm.Edit.ablate(site, "mean", **kw)
    return iwm.Edit.clamp(site, 1.75, direction=v / v.norm(), **kw)


OPS = ["set", "add", "scale", "ablate_zero", "ablate_mean", "clamp"]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("pos", [[1, 4], slice(2, None)], ids=["positions", "start"])
def test_each_edit_does_what_it_says(tiny, tiny_x, op, pos):
    model = iwm.load(tiny)
    site = "blocks.1"
    clean, _ = hooked_forward(tiny, tiny_x, site)
    expected, v = manual(op, clean, pos)
    edit = make_edit(op, site, v, pos)
    res = iwm.run(model, tiny_x, [edit], reads=[site])
    assert torch.allclose(res[site], expected, atol=1e-6)
    # downstream: the output equals a raw forward with the manual edit hooked in
    _, out = hooked_forward(tiny, tiny_x, site, fn=lambda h: manual(op, h, pos)[0])
    assert torch.allclose(res.output, out, atol=1e-6)
    if op == "clamp":  # the readout lands exactly on the target at edited positions
        d = v / v.norm()
        assert torch.allclose(
            res[site][:, pos] @ d, torch.full_like(res[site][:, pos, 0], 1.75), atol=1e-5
        )


def test_clamp_with_separate_write_direction(tiny, tiny_x):
    model = iwm.load(tiny)
    g = torch.Generator().manual_seed(5)
    W = torch.randn(2, 16, generator=g)
    A = torch.randn(2, 16, generator=g)
    b = torch.tensor([0.1, -0.2])
    target = torch.tensor([0.5, -1.0])
    e = iwm.Edit.clamp("blocks.0", target, direction=W, bias=b, write=A, positions=[-1])
    res = iwm.run(model, tiny_x, [e], reads=["blocks.0"])
    clean, _ = hooked_forward(tiny, tiny_x, "blocks.0")
    h = res["blocks.0"]
    assert torch.allclose(h[0, -1] @ W.T + b, target, atol=1e-5)  # readout is the target
    moved = h[0, -1] - clean[0, -1]
    coeff = torch.linalg.lstsq(A.T, moved[:, None]).solution
    assert torch.allclose(A.T @ coeff[:, 0], moved, atol=1e-5)  # moved only along A
    assert torch.equal(h[0, :-1], clean[0, :-1])  # other positions untouched


def test_edits_compose_in_order_at_one_site(tiny, tiny_x):
    model = iwm.load(tiny)
    edits = [iwm.Edit.scale("blocks.2", 2.0), iwm.Edit.add("blocks.2", torch.ones(16), 1.0)]
    res = iwm.run(model, tiny_x, edits, reads=["blocks.2"])
    clean, _ = hooked_forward(tiny, tiny_x, "blocks.2")
    assert torch.allclose(res["blocks.2"], clean * 2 + 1, atol=1e-6)


@pytest.mark.parametrize("op", OPS)
def test_to_code_reproduces_the_edit(tiny, tiny_x, tmp_path, op):
    model = iwm.load(tiny)
    clean, _ = hooked_forward(tiny, tiny_x, "blocks.1")
    _, v = manual(op, clean, [2])
    edit = make_edit(op, "blocks.1", v, [2])
    expected = iwm.run(model, tiny_x, [edit]).output
    script = tmp_path / "edit_code.py"
    script.write_text(edit.to_code())
    ns = runpy.run_path(str(script), init_globals={"model": model.nnsight, "inputs": tiny_x})
    assert torch.equal(ns["output"], expected)


def test_workspace_code_with_several_sites(tiny, tiny_x, tmp_path):
    ws = iwm.Workspace(tiny, tiny_x, background=False)
    ws.add_edit(iwm.Edit.add("blocks.2", torch.ones(16), 0.5))
    ws.add_edit(iwm.Edit.ablate("blocks.0", positions=[0]))
    script = tmp_path / "ws_code.py"
    script.write_text(ws.to_code())
    ns = runpy.run_path(str(script), init_globals={"model": ws.model.nnsight, "inputs": tiny_x})
    assert torch.equal(ns["output"], ws.result.output)


def test_edit_json_round_trip():
    edits = [
        iwm.Edit.add("blocks.1", [1.0, 2.0], 3.0, start=2, label="steer"),
        iwm.Edit.clamp(
            "blocks.2.input",
            [0.5, 0.25],
            torch.eye(2),
            bias=[0.1, 0.2],
            write=torch.ones(2, 2) + torch.eye(2),
            positions=[-1],
        ),
        iwm.Edit.ablate("h", "mean"),
        iwm.Edit.scale("x", 0.5),
    ]
    for e in edits:
        d = json.loads(json.dumps(e.to_dict()))
        back = iwm.Edit.from_dict(d)
        assert back.to_dict() == e.to_dict()
        assert back.site == e.site and back.id == e.id
