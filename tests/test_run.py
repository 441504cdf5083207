"""The run() trace (iwm_widgets/tracing/run.py) and its Result against ground truth:
raw torch forwards, hand-written hooks and Hugging Face generate."""

from __future__ import annotations

import runpy

import pytest
import torch
from raw_hooks import hooked_forward

import iwm_widgets as iwm
from iwm_widgets.errors import EditError, InputError, RunError, SiteNotFoundError


# ---------------------------------------------------------------- reading
def test_traced_reads_equal_raw_hooks(tiny, tiny_x):
    model = iwm.load(tiny)
    assert model.layers == ["blocks.0", "blocks.1", "blocks.2"]
    res = iwm.run(model, tiny_x, reads=[*model.layers, "embed"])
    for site in [*model.layers, "embed"]:
        h, out = hooked_forward(tiny, tiny_x, site)
        assert torch.equal(res[site], h), site
    assert torch.equal(res.output, out)


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


# ---------------------------------------------------------------- contrastive variables
# iwm.contrastive_variable (tracing/probes.py): a difference of means of run() reads
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


# ---------------------------------------------------------------- baseline reuse
@pytest.mark.parametrize(
    ("scope", "first"),
    [({"start": 7}, 7), ({"positions": [5, -1]}, 5), ({}, 0), ({"positions": [-3]}, 9)],
    ids=["from-7", "positions", "every-position", "from-end"],
)
def test_summaries_reused_from_the_baseline_equal_computed_ones(gpt2_dir, scope, first):
    """run(baseline=): the logit lens (and the norm) of sites the forward reaches before
    the first edited site come from the baseline, and of the later sites the positions
    before the first edited one; everything equals the run that computes it all."""
    from iwm_widgets.tracing.run import Summary, run

    lm = iwm.load(gpt2_dir)
    x = lm.prepare(torch.randint(0, lm.module.config.vocab_size, (1, 12)))
    sums = [Summary.lens(s, 3) for s in lm.layers] + [Summary.norm(s) for s in lm.layers]
    base = run(lm, x, (), lm.layers, summaries=sums, prepared=True)
    v = torch.randn(lm.module.config.n_embd, generator=torch.Generator().manual_seed(0))
    edit = iwm.Edit.add("transformer.h.1", v, scale=3.0, **scope)
    full = run(lm, x, [edit], lm.layers, summaries=sums, prepared=True)
    part = run(lm, x, [edit], lm.layers, summaries=sums, prepared=True, baseline=base)
    assert set(part.summaries) == set(full.summaries)
    for k, value in full.summaries.items():
        assert torch.allclose(part.summaries[k].float(), value.float(), atol=1e-5), k
    reused = part.meta["reused"]
    assert reused["whole"] == 2  # lens and norm of transformer.h.0
    expected = {s.key: first for s in sums if s.site.path != "transformer.h.0"} if first else {}
    assert reused["from_position"] == expected
    # the edit did change the later cells: nothing was taken where it should not be
    assert not torch.allclose(full.summaries[f"norm:{lm.layers[-1]}"], base.summaries[
        f"norm:{lm.layers[-1]}"])  # fmt: skip


def test_no_reuse_from_a_baseline_of_other_inputs_or_a_custom_op(gpt2_dir):
    from iwm_widgets.tracing.run import Summary, run

    lm = iwm.load(gpt2_dir)
    g = torch.Generator().manual_seed(1)
    x = lm.prepare(torch.randint(0, lm.module.config.vocab_size, (1, 12), generator=g))
    other = lm.prepare(torch.randint(0, lm.module.config.vocab_size, (1, 12), generator=g))
    sums = [Summary.norm(s) for s in lm.layers]
    base = run(lm, other, (), lm.layers, summaries=sums, prepared=True)
    edit = iwm.Edit.scale("transformer.h.2", 2.0, start=6)
    res = run(lm, x, [edit], lm.layers, summaries=sums, prepared=True, baseline=base)
    assert "reused" not in res.meta
    full = run(lm, x, [edit], lm.layers, summaries=sums, prepared=True)
    for k, value in full.summaries.items():
        assert torch.allclose(res.summaries[k], value), k


@pytest.mark.parametrize(
    ("scope", "first"),
    [({"start": 7}, 7), ({"positions": [5, -1]}, 5), ({"start": 11}, 11), ({}, 0)],
    ids=["from-7", "positions", "last", "every-position"],
)
def test_an_edited_run_from_the_baselines_cache_equals_the_full_run(gpt2_dir, scope, first):
    """run(baseline=) on a causal LM: the positions before the first edited one are the
    baseline's (its key/value cache feeds the trace of the later positions): values
    read, summaries and logits equal the run of every position."""
    from iwm_widgets.tracing.run import Summary, run

    lm = iwm.load(gpt2_dir)
    x = lm.prepare(torch.randint(0, lm.module.config.vocab_size, (2, 12)))
    reads = [*lm.layers, "transformer.h.1.mlp"]
    sums = [Summary.lens(s, 2) for s in lm.layers] + [Summary.norm(lm.layers[0])]
    base = run(lm, x, (), reads, summaries=sums, prepared=True)
    assert base.kv is not None
    v = torch.randn(lm.module.config.n_embd, generator=torch.Generator().manual_seed(2))
    edits = [
        iwm.Edit.add("transformer.h.1", v, scale=3.0, **scope),
        iwm.Edit.scale("transformer.h.2.mlp", 0.5, **scope),
    ]
    full = run(lm, x, edits, reads, summaries=sums, prepared=True)
    part = run(lm, x, edits, reads, summaries=sums, prepared=True, baseline=base)
    assert part.meta["suffix"]["from"] == first
    if not first:
        assert "first position" in part.meta["suffix"]["why"]
    assert torch.allclose(part.output, full.output, atol=1e-4)
    assert set(part.activations) == set(full.activations)
    for k, value in full.activations.items():
        assert torch.allclose(part.activations[k], value, atol=1e-5), k
    for k, value in full.summaries.items():
        assert torch.allclose(part.summaries[k].float(), value.float(), atol=1e-5), k
    assert not torch.allclose(full.output, base.output)  # the edits do change the logits


def test_no_suffix_run_for_an_edit_that_averages_over_positions(gpt2_dir):
    from iwm_widgets.tracing.run import run

    lm = iwm.load(gpt2_dir)
    x = lm.prepare(torch.randint(0, lm.module.config.vocab_size, (1, 10)))
    base = run(lm, x, (), lm.layers, prepared=True)
    edit = iwm.Edit.ablate("transformer.h.1", mode="mean", start=6)  # mean over the run
    part = run(lm, x, [edit], lm.layers, prepared=True, baseline=base)
    assert part.meta["suffix"]["from"] == 0 and "averages" in part.meta["suffix"]["why"]
    full = run(lm, x, [edit], lm.layers, prepared=True)
    assert torch.allclose(part.output, full.output)
