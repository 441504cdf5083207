"""Batched activation patching against a hand-written nnsight patching loop."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import iwm_widgets as iwm
from iwm_widgets.errors import InputError


def manual_patching(model, clean, corrupt, metric, sites, positions):
    """One nnsight trace per (site, position): the loop the batched sweep replaces.

    ``sites`` are module paths (their output) or ``"path.input"``.
    """
    net = model.nnsight

    def value(s):
        if s.endswith(".input"):
            return net.get(s[: -len(".input")]).input
        out = net.get(s).output
        return out[0] if isinstance(out, tuple) else out

    out = torch.empty(len(sites), len(positions))
    with torch.no_grad():
        src = {}
        with net.trace(clean):
            for s in sites:
                src[s] = value(s).clone().save()
        for i, s in enumerate(sites):
            for j, p in enumerate(positions):
                with net.trace(corrupt):
                    h = value(s)
                    h[:, p] = src[s][:, p]
                    o = net.output.save()
                o = getattr(o, "logits", o)
                out[i, j] = metric(o)[0]
    return out


@pytest.fixture(scope="module")
def ball():
    return iwm.load("bouncing-ball")


def test_world_model_patching_equals_manual_loop(ball):
    clean, corrupt = ball.sample(seed=0), ball.sample(seed=1)

    def metric(out):
        return out[:, -1, 0]

    sweep = iwm.patching_sweep(
        ball, clean, corrupt, metric, positions=[0, 15, 30, 31], max_rows=7
    )  # several chunks
    assert sweep.traces > 1
    expected = manual_patching(ball, clean, corrupt, metric, ball.layers, [0, 15, 30, 31])
    assert torch.allclose(sweep.values, expected, atol=1e-6)
    with torch.no_grad():
        assert sweep.clean_metric == pytest.approx(float(ball.module(clean)[0, -1, 0]), abs=1e-6)
        assert sweep.corrupt_metric == pytest.approx(
            float(ball.module(corrupt)[0, -1, 0]), abs=1e-6
        )
    # a position after the metric's position cannot matter (the model is causal)
    assert sweep.effect[:, :3].abs().max() < 0.05


def test_language_model_patching_equals_manual_loop(gpt2_dir):
    lm = iwm.load(gpt2_dir)
    tok = lm.tokenizer
    a, b = tok.convert_tokens_to_ids("Paris"), tok.convert_tokens_to_ids("Rome")

    def metric(out):
        return out[:, -1, a] - out[:, -1, b]

    clean = "The Eiffel Tower is in the city of"
    corrupt = "The Colosseum Tower is in the city of"  # same length in tokens
    sweep = iwm.patching_sweep(lm, clean, corrupt, metric)
    # a row patched at layer L replaces layers 0..L by cached outputs (the rest run)
    n = len(lm.layers)
    assert sweep.reused == pytest.approx((n + 1) / (2 * n))
    ids_c, ids_k = lm.prepare(clean), lm.prepare(corrupt)
    expected = manual_patching(lm, ids_c, ids_k, metric, lm.layers, list(range(ids_c.shape[1])))
    assert torch.allclose(sweep.values, expected, atol=1e-5)
    # patching the whole last layer at the last position restores the clean metric
    assert sweep.values[-1, -1] == pytest.approx(sweep.clean_metric, abs=1e-5)
    assert sweep.labels[:2] == ["The", "Colosseum"]
    noising = iwm.patching_sweep(lm, clean, corrupt, metric, mode="noising")
    assert noising.values[-1, -1] == pytest.approx(noising.corrupt_metric, abs=1e-5)


def test_position_suffix_reuse_equals_the_full_forward_and_the_manual_loop(gpt2_dir, monkeypatch):
    """A causal LM's patched rows run only from their block's first position on (keys
    and values of the earlier positions from the base run's cache): the values equal a
    sweep that runs every position and the one-trace-per-pair loop, for output and
    input sites and sites inside a block, with a metric that also reads an early
    position (the positions before a block come from the base run)."""
    import iwm_widgets.tracing.patching as patching

    lm = iwm.load(gpt2_dir)
    g = torch.Generator().manual_seed(3)
    clean = torch.randint(0, lm.module.config.vocab_size, (1, 12), generator=g)
    corrupt = clean.clone()
    corrupt[0, 3:6] = torch.randint(0, lm.module.config.vocab_size, (3,), generator=g)

    def metric(out):
        return out[:, -1, 5] - out[:, -1, 7] + 0.5 * out[:, 4, 9]

    sites = [  # forward order (the manual loop reads them in one trace)
        "transformer.h.0",
        "transformer.h.1.input",
        "transformer.h.1.attn",
        "transformer.h.1",
        "transformer.h.2.mlp",
        "transformer.h.2",
    ]
    layer_rows = [sites.index(p) for p in lm.layers]
    full = iwm.patching_sweep(lm, clean, corrupt, metric, sites=sites, reuse_positions=False)
    assert full.suffix == "off" and full.computed > 0.4
    # a tiny model: one trace costs more than every position, so no block is cut
    auto = iwm.patching_sweep(lm, clean, corrupt, metric, sites=sites)
    assert auto.suffix == "suffix" and auto.traces == full.traces
    monkeypatch.setattr(patching, "_trace_cost", lambda model: 2.0)  # cut blocks here
    cut = iwm.patching_sweep(lm, clean, corrupt, metric, sites=sites, max_rows=5)
    assert cut.suffix == "suffix" and cut.traces > full.traces
    n, T = len(lm.layers), clean.shape[1]
    least = sum((n - 1 - i) * (T - p) for i in range(n) for p in range(T)) / (n * T * n * T)
    assert least <= cut.computed < full.computed
    expected = manual_patching(lm, clean, corrupt, metric, sites, list(range(T)))
    assert torch.allclose(cut.values, expected, atol=1e-5)
    assert torch.allclose(cut.values, full.values, atol=1e-5)
    # a patch at the last position of the last layer restores the clean last position
    # only: the early position the metric also reads stays the corrupt run's
    some = iwm.patching_sweep(lm, clean, corrupt, metric, positions=[0, T - 1], max_rows=1)
    assert torch.allclose(some.values, full.values[layer_rows][:, [0, T - 1]], atol=1e-5)


def test_position_suffix_reuse_says_why_not():
    ball = iwm.load("bouncing-ball")
    x = ball.sample(seed=0)
    sweep = iwm.patching_sweep(ball, x, x.flip(1), lambda o: o[:, -1, 0], positions=[0, 5])
    assert sweep.suffix == "not a causal language model" and sweep.computed == 1.0 - sweep.reused


def test_patching_under_the_workspace_edits_equals_a_hand_written_loop(ball):
    """The sweep patches the edited model: edits in both runs, the patch after them."""
    clean, corrupt = ball.sample(seed=0), ball.sample(seed=1)
    d = ball.shape("blocks.0")[-1]
    v = torch.linspace(-1, 1, d)
    ws = iwm.Workspace(ball, corrupt)
    ws.add_edit(iwm.Edit.add("blocks.1", v, scale=0.5, start=10))
    ws.add_edit(iwm.Edit.scale("blocks.2", 0.7))
    ws.add_edit(iwm.Edit.ablate("blocks.0", positions=[3]))
    # blocks.3's input is blocks.2's output tensor: the edit must not leak into a cache
    ws.add_edit(iwm.Edit.scale("blocks.3.input", 1.5))

    def metric(out):
        return out[:, -1, 0]

    positions = [2, 3, 12, 31]
    sweep = iwm.patching_sweep(ws, clean, corrupt, metric, positions=positions, max_rows=3)
    net = ball.nnsight

    def edited(h, s):  # the three edits, written out by hand
        if s == "blocks.0":
            h[:, 3] = 0
        if s == "blocks.1":
            h[:, 10:] += 0.5 * v
        if s == "blocks.2":
            h *= 0.7
        if s == "blocks.3.input":
            h *= 1.5

    sites = ball.layers
    order = [*sites[:-1], "blocks.3.input", sites[-1]]
    assert sites[-1] == "blocks.3"

    def value(s):
        return net.get(s[: -len(".input")]).input if s.endswith(".input") else net.get(s).output

    expected = torch.empty(len(sites), len(positions))
    with torch.no_grad():
        src = {}
        with net.trace(clean):
            for s in order:
                h = value(s)
                edited(h, s)
                src[s] = h.clone().save()
            ref = net.output.save()
        for i, patched in enumerate(sites):
            for j, p in enumerate(positions):
                with net.trace(corrupt):
                    for s in order:
                        h = value(s)
                        edited(h, s)
                        if s == patched:
                            h[:, p] = src[s][:, p]
                    o = net.output.save()
                expected[i, j] = metric(o)[0]
    assert torch.allclose(sweep.values, expected, atol=1e-6)
    assert len(sweep.edits) == 4 and "under 4 edit(s)" in repr(sweep)
    assert sweep.clean_metric == pytest.approx(float(metric(ref)[0]), abs=1e-6)
    assert sweep.corrupt_metric == pytest.approx(float(metric(ws.result.output)[0]), abs=1e-6)
    plain = iwm.patching_sweep(ball, clean, corrupt, metric, positions=positions)
    assert (plain.values - sweep.values).abs().max() > 1e-3  # the edits do matter
    # edits the sweep cannot honour are refused, and nothing changes
    with pytest.raises(InputError, match="value="):
        iwm.patching_sweep(
            ball, clean, corrupt, metric, edits=[iwm.Edit.ablate("blocks.1", "mean")]
        )
    with pytest.raises(InputError, match="rows"):
        iwm.patching_sweep(
            ball, clean, corrupt, metric, edits=[iwm.Edit.scale("blocks.1", 2.0).with_(rows=(1,))]
        )
    assert len(ws.edits) == 4


class PairBlock(nn.Module):
    """A layer with a tuple output, like older Hugging Face blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, h):
        return torch.tanh(self.lin(h)), None


class Tangled(nn.Module):
    """Layers called twice, a tuple output and a skip connection from the input."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(3)
        self.blocks = nn.ModuleList(nn.Linear(4, 4) for _ in range(3))
        self.pair = PairBlock()

    def forward(self, x):
        h = torch.tanh(self.blocks[0](x)).cumsum(1)  # positions mix causally
        h = self.blocks[1](torch.tanh(self.blocks[1](h)))  # the same layer twice
        h, _ = self.pair(h)
        h = self.blocks[2](h.cumsum(1)) + x  # the input again
        return h[:, :, 0] + h[:, :, 1]  # [B, T]


def test_reused_layers_never_change_the_answer():
    """Cached layers stand in only where the patch cannot reach them."""
    model = iwm.load(Tangled(), layers=["blocks.0", "blocks.1", "pair", "blocks.2"])
    g = torch.Generator().manual_seed(2)
    clean, corrupt = torch.randn(1, 6, 4, generator=g), torch.randn(1, 6, 4, generator=g)
    sites = ["blocks.0", "blocks.1", "pair", "blocks.2.input", "blocks.2"]

    def metric(out):
        return out[:, 4]

    sweep = iwm.patching_sweep(model, clean, corrupt, metric, sites=sites, max_rows=4)
    expected = manual_patching(model, clean, corrupt, metric, sites, list(range(6)))
    assert torch.allclose(sweep.values, expected, atol=1e-6)
    # the metric reads position 4: later positions never matter; before blocks.2 the
    # positions are summed (every earlier one matters), after it only position 4 does
    assert (sweep.effect[:, 5] == 0).all()
    assert (sweep.effect[:3, :5] != 0).all()
    assert (sweep.effect[3:, :4] == 0).all() and (sweep.effect[3:, 4] != 0).all()
    # blocks.1 runs twice: it is never replaced, nor is anything for a patch of it (its
    # first call is patched). Per row: blocks.0 → itself; blocks.1 → none; pair →
    # blocks.0 + itself; blocks.2.input → blocks.0 + pair; blocks.2 → those + itself.
    assert sweep.reused == pytest.approx((1 + 0 + 2 + 2 + 3) / (5 * 4))


class Linear3(nn.Module):
    """A linear network: attribution patching is exact here."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.blocks = nn.ModuleList(nn.Linear(4, 4) for _ in range(3))
        self.mix = nn.Linear(5, 1, bias=False)  # mixes positions (a causal sum)

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.mix(x.transpose(1, 2)).squeeze(-1)  # [B, 4]


def test_attribution_patching_is_exact_on_a_linear_model():
    model = iwm.load(Linear3())
    g = torch.Generator().manual_seed(1)
    clean, corrupt = torch.randn(1, 5, 4, generator=g), torch.randn(1, 5, 4, generator=g)
    sweep = iwm.patching_sweep(model, clean, corrupt, lambda out: out[:, 2], attribution=True)
    assert torch.allclose(sweep.attribution, sweep.effect, atol=1e-5)
    assert sweep.agreement == pytest.approx(1.0, abs=1e-5)


def test_bad_patching_inputs(ball, gpt2_dir):
    x, y = ball.sample(seed=0), ball.sample(seed=1, length=20)
    with pytest.raises(InputError, match="align='last'"):
        iwm.patching_sweep(ball, x, y, lambda out: out[:, -1, 0])
    aligned = iwm.patching_sweep(
        ball, x, y, lambda out: out[:, -1, 0], align="last", sites=["blocks.3"], positions=[-1]
    )
    assert aligned.values.shape == (1, 1)
    with pytest.raises(InputError, match="one scalar per batch row"):
        iwm.patching_sweep(ball, x, x, lambda out: out[:, -1])
    with pytest.raises(InputError, match="outside"):
        iwm.patching_sweep(ball, x, x, lambda out: out[:, -1, 0], positions=[40])
    before = ball.weights_checksum()
    with torch.no_grad():
        clean = ball.module(x)
    assert ball.weights_checksum() == before
    with torch.no_grad():
        assert torch.equal(ball.module(x), clean)
