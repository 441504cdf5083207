"""The tracing core against ground truth: raw torch forwards and hand-written hooks."""

from __future__ import annotations

import json
import runpy

import pytest
import torch

import iwm_widgets as iwm
from iwm_widgets.errors import EditError, InputError, RunError, SiteNotFoundError, UnknownModelError


def hooked_forward(module, x, site, fn=None):
    """Raw torch: the value at ``site`` (optionally replaced by fn(value)) and the output."""
    got = {}

    def hook(mod, args, out):
        if fn is not None:
            out = fn(out.clone())
        got["h"] = out.clone()
        return out

    handle = module.get_submodule(site).register_forward_hook(hook)
    try:
        with torch.no_grad():
            out = module(x)
    finally:
        handle.remove()
    return got["h"], out


# ---------------------------------------------------------------- reading
def test_traced_reads_equal_raw_hooks(tiny, tiny_x):
    model = iwm.load(tiny)
    assert model.layers == ["blocks.0", "blocks.1", "blocks.2"]
    res = iwm.run(model, tiny_x, reads=[*model.layers, "embed"])
    for site in [*model.layers, "embed"]:
        h, out = hooked_forward(tiny, tiny_x, site)
        assert torch.equal(res[site], h), site
    assert torch.equal(res.output, out)


def test_sites_in_forward_order(tiny, tiny_x):
    model = iwm.load(tiny)
    model.inspect(tiny_x)
    sites = model.sites
    assert (
        sites.index("embed") < sites.index("blocks.0") < sites.index("guard") < sites.index("head")
    )


def test_input_site_reads_module_input(tiny, tiny_x):
    model = iwm.load(tiny)
    res = iwm.run(model, tiny_x, reads=["head.input", "guard"])
    assert torch.equal(res["head.input"], res["guard"])


def test_language_model_from_local_directory(gpt2_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = iwm.load(gpt2_dir)
    assert model.kind == "lm"
    assert model.layers == [f"transformer.h.{i}" for i in range(3)]
    text = "The Eiffel Tower is in the city of"
    res = iwm.run(model, text, reads=model.layers)
    ref = AutoModelForCausalLM.from_pretrained(gpt2_dir).eval()
    ids = AutoTokenizer.from_pretrained(gpt2_dir)(text, return_tensors="pt")["input_ids"]
    h, out = hooked_forward(ref, ids, "transformer.h.1")
    assert torch.allclose(res["transformer.h.1"], h, atol=1e-6)
    assert torch.allclose(res.output, out.logits, atol=1e-5)
    # logit lens of the last layer equals the model's own logits
    assert torch.allclose(model.logit_lens(res["transformer.h.2"]), res.output, atol=1e-4)


# ---------------------------------------------------------------- edits
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


# ---------------------------------------------------------------- safety
def test_weights_unchanged_and_failed_runs_leave_model_clean(tiny, tiny_x):
    model = iwm.load(tiny)
    before = model.weights_checksum()
    with torch.no_grad():
        clean = tiny(tiny_x)
    iwm.run(model, tiny_x, [iwm.Edit.scale("blocks.0", 3.0), iwm.Edit.ablate("blocks.2")])
    with pytest.raises(RunError, match="overflowed"):  # the model itself raises mid-trace
        iwm.run(model, tiny_x, [iwm.Edit.add("blocks.2", torch.ones(16), 1e6)])
    with pytest.raises(EditError):
        iwm.run(model, tiny_x, [iwm.Edit.add("blocks.2", torch.ones(5))])
    assert model.weights_checksum() == before
    with torch.no_grad():
        assert torch.equal(tiny(tiny_x), clean)  # no hooks left behind
    assert torch.equal(iwm.run(model, tiny_x).output, clean)


def test_bad_inputs_and_sites_raise_clear_errors(tiny, tiny_x):
    model = iwm.load(tiny)
    with pytest.raises(SiteNotFoundError, match=r"Did you mean 'blocks\.1'"):
        iwm.run(model, tiny_x, reads=["block.1"])
    with pytest.raises(InputError, match=r"cannot run on these inputs \(\[1, 6, 4\]\)"):
        iwm.run(model, torch.randn(1, 6, 4))
    with pytest.raises(InputError, match=r"must be a torch\.Tensor"):
        iwm.run(model, [1, 2, 3])
    with pytest.raises(EditError, match=r"NaN or inf"):
        iwm.Edit.add("blocks.1", [float("nan")] * 16)
    with pytest.raises(EditError, match=r"NaN or inf"):
        iwm.Edit.scale("blocks.1", float("inf"))
    with pytest.raises(EditError, match="outside the input"):
        iwm.run(model, tiny_x, [iwm.Edit.ablate("blocks.1", positions=[6])])
    with pytest.raises(EditError, match="singular"):
        iwm.Edit.clamp("blocks.1", 1.0, direction=[1.0, 0.0], write=[0.0, 1.0])


def test_unknown_model_names_the_zoo():
    with pytest.raises(UnknownModelError, match="bouncing-ball"):
        iwm.load("bouncing-bal")
    with pytest.raises(TypeError):
        iwm.load(42)


# ---------------------------------------------------------------- generation
@pytest.mark.parametrize("scope", [{"start": 3}, {"positions": [-1]}, {}], ids=str)
def test_lm_generation_applies_edits_at_every_step(gpt2_dir, tmp_path, scope):
    from transformers import AutoModelForCausalLM

    model = iwm.load(gpt2_dir)
    ids = model.prepare("The ball moves to the left")
    T = ids.shape[1]
    v = torch.randn(32, generator=torch.Generator().manual_seed(7))
    edit = iwm.Edit.add("transformer.h.1", v, 4.0, **scope)
    res = iwm.run(model, ids, [edit], rollout_steps=5)
    assert res.rollout.shape == (1, 5)

    ref = AutoModelForCausalLM.from_pretrained(gpt2_dir).eval()
    seen = {"len": 0}

    def hook(mod, args, out):  # the same edit in absolute positions, with the KV cache
        n = out.shape[1]
        offset = seen["len"]
        seen["len"] += n
        for j in range(n):
            p = offset + j
            if (
                ("start" in scope and p >= scope["start"])
                or ("positions" in scope and p == seen["len"] - 1)
                or not scope
            ):
                out[:, j] += 4.0 * v
        return out

    handle = ref.transformer.h[1].register_forward_hook(hook)
    try:
        with torch.no_grad():
            gen = ref.generate(ids, max_new_tokens=5, do_sample=False, pad_token_id=1)
    finally:
        handle.remove()
    assert torch.equal(res.rollout, gen[:, T:])
    ws = iwm.Workspace(model, ids, rollout_steps=5, background=False)
    ws.add_edit(edit)
    script = tmp_path / "gen_code.py"
    script.write_text(ws.to_code())
    ns = runpy.run_path(str(script), init_globals={"model": model.nnsight, "inputs": ids})
    assert torch.equal(ns["rollout"], gen)


def test_contrastive_variable_is_a_difference_of_means(gpt2_dir):
    model = iwm.load(gpt2_dir)
    pos = ["The ball moves to the left", "The taxi drives north"]
    neg = ["The Eiffel Tower is in Paris", "A model of the world"]
    var = iwm.contrastive_variable(model, pos, neg, "transformer.h.1", name="motion")
    means = []
    for group in (pos, neg):
        rows = [
            iwm.run(model, p, reads=["transformer.h.1"])["transformer.h.1"][0, -1] for p in group
        ]
        means.append(torch.stack(rows).mean(0))
    assert torch.allclose(var.write[0], means[0] - means[1], atol=1e-6)
    assert float(var.readout(means[0])) == pytest.approx(1.0, abs=1e-4)
    assert float(var.readout(means[1])) == pytest.approx(0.0, abs=1e-4)
