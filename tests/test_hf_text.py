"""Text into Hugging Face models: a real pretrained encoder and a locally built GPT-2.

Every value is checked against the plain Hugging Face model run on the tokenizer's
own output (``output_hidden_states=True``) or against raw torch forward hooks on an
independently loaded copy, never against the library itself.
"""

from __future__ import annotations

import pickle
import warnings
from typing import Any

import pytest
import torch

import iwm_widgets as iwm
from iwm_widgets.errors import InputError
from iwm_widgets.tracing.probes import collect
from iwm_widgets.tracing.text import PAD_LABEL, TokenIds

TEXTS = ["The ball bounced.", "A red ball bounced off the wall and rolled away."]
ATOL = 1e-5


@pytest.fixture(scope="module")
def enc(minilm_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nnsight: BERT's submodule named `output`
        return iwm.load(minilm_dir)


@pytest.fixture(scope="module")
def ref(minilm_dir):
    """An independent copy: the plain model and tokenizer, loaded by transformers."""
    from transformers import AutoModel, AutoTokenizer

    return AutoModel.from_pretrained(minilm_dir).eval(), AutoTokenizer.from_pretrained(minilm_dir)


def hidden(ref: Any, texts: Any, layer: int | None = None) -> Any:
    model, tok = ref
    batch = tok(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch, output_hidden_states=True)
    return out, batch


def with_hook(module: torch.nn.Module, fn: Any) -> Any:
    """A forward hook that rewrites a module's output (tensor or tuple led by one)."""

    def hook(mod: torch.nn.Module, args: Any, out: Any) -> Any:
        h = out[0] if isinstance(out, tuple) else out
        h = fn(h.clone())
        return (h, *out[1:]) if isinstance(out, tuple) else h

    return module.register_forward_hook(hook)


# ---------------------------------------------------------------- the encoder
def test_encoder_takes_one_text(enc, ref):
    assert enc.kind == "module" and enc.layers == [f"encoder.layer.{i}" for i in range(6)]
    ws = iwm.Workspace(enc, "The ball bounced.", background=False)
    res = ws.run()
    out, batch = hidden(ref, "The ball bounced.")
    tokens = [ref[1].decode([i]) for i in batch["input_ids"][0]]
    assert tokens == ["[CLS]", "the", "ball", "bounced", ".", "[SEP]"]
    assert ws.columns() == tokens
    assert torch.equal(ws.inputs, batch["input_ids"])
    for i, site in enumerate(enc.layers):
        assert torch.allclose(res[site], out.hidden_states[i + 1], atol=ATOL)
    # a BaseModelOutput: the Result's output is its last_hidden_state
    assert torch.allclose(res.output, out.last_hidden_state, atol=ATOL)


def test_sites_inside_berts_submodule_named_output(enc, ref):
    """BERT's ``BertOutput`` is named ``output`` (nnsight serves it as ``.E_output``)."""
    site = iwm.Site("encoder.layer.0.output.dense")
    res = iwm.run(enc, TEXTS, reads=[site, iwm.Site("encoder.layer.0.output")])
    seen: dict[str, torch.Tensor] = {}

    def keep(h: torch.Tensor) -> torch.Tensor:
        seen["dense"] = h.clone()
        return h

    handle = with_hook(ref[0].encoder.layer[0].output.dense, keep)
    try:
        out, _ = hidden(ref, TEXTS)
    finally:
        handle.remove()
    assert torch.allclose(res[str(site)], seen["dense"], atol=ATOL)
    assert torch.allclose(res["encoder.layer.0.output.output"], out.hidden_states[1], atol=ATOL)


def test_encoder_batch_of_different_lengths_is_padded_and_masked(enc, ref):
    ws = iwm.Workspace(enc, TEXTS, background=False)
    res = ws.run()
    out, batch = hidden(ref, TEXTS)
    x = ws.inputs
    assert isinstance(x, TokenIds) and x.padded
    assert torch.equal(x, batch["input_ids"])
    assert torch.equal(x.attention_mask, batch["attention_mask"])
    n = int(batch["attention_mask"][0].sum())
    # the short text comes first: its columns end in padding, labelled as such
    tokens = [ref[1].decode([i]) for i in batch["input_ids"][0, :n]]
    assert ws.columns() == tokens + [PAD_LABEL] * (x.shape[1] - n)
    assert enc.labels(x, row=1) == [ref[1].decode([i]) for i in batch["input_ids"][1]]
    for i, site in enumerate(enc.layers):
        assert torch.allclose(res[site], out.hidden_states[i + 1], atol=ATOL)
    # padding is masked: the short text's real positions equal its run alone ...
    alone = iwm.run(enc, TEXTS[0], reads=enc.layers[-1:])
    assert torch.allclose(res[enc.layers[-1]][0, :n], alone[enc.layers[-1]][0], atol=1e-4)
    # ... which is not so when the mask is left out (it matters for an encoder)
    with torch.no_grad():
        unmasked = ref[0](input_ids=batch["input_ids"]).last_hidden_state
    assert (unmasked[0, :n] - alone.output[0]).abs().max() > 1e-2


def test_a_tokenizer_output_is_taken_as_it_is(enc, ref):
    batch = ref[1](TEXTS, padding=True, return_tensors="pt")
    x = enc.prepare(batch)
    assert torch.equal(x, enc.prepare(TEXTS))
    assert torch.equal(x.attention_mask, batch["attention_mask"])
    assert enc.prepare(x) is x  # prepared inputs stay as they are


def test_activation_map_columns_are_the_tokens(enc, ref):
    ws = iwm.Workspace(enc, TEXTS, background=False)
    amap = iwm.ActivationMap(ws)
    try:
        _, batch = hidden(ref, TEXTS)
        n = int(batch["attention_mask"][0].sum())
        assert amap.rows == enc.layers
        assert amap.columns[:n] == [ref[1].decode([i]) for i in batch["input_ids"][0, :n]]
        assert amap.columns[n:] == [PAD_LABEL] * (len(amap.columns) - n)
    finally:
        amap.close()


def test_probe_on_encoder_activations_leaves_padding_out(enc, ref):
    subjects = ["The ball", "A small red ball", "The old cat", "My friend", "The tired dog"]
    verbs = ["bounced.", "rolled slowly down the long hill.", "sat on the warm mat today."]
    texts = [f"{s} {v}" for s in subjects for v in verbs]
    x = enc.prepare(texts)
    assert x.padded
    T = x.shape[1]
    pos = torch.arange(T, dtype=torch.float32).expand(len(texts), T).clone()
    labels = torch.where(x.attention_mask.bool(), pos, torch.full_like(pos, -100.0))
    sweep = iwm.probe_sweep(enc, "position", labels=labels, inputs=texts, min_t=1)
    real = int(x.attention_mask[:, 1:].sum())
    assert sweep.n_train + sweep.n_test == real  # padding rows are not fitted nor scored
    best = sweep.scores[sweep.best_layer]
    assert best["score"] > 0.9 and best["control"] < 0.5
    # the activations it probed are the encoder's hidden states
    acts = collect(enc, x, [enc.layers[2]])
    out, _ = hidden(ref, texts)
    assert torch.allclose(acts[enc.layers[2]], out.hidden_states[3], atol=ATOL)
    # the fitted Variable reads positions of a new text
    v = sweep.variable()
    res = iwm.run(enc, "The dog ran home.", reads=[str(v.site)])
    got = v.readout(res)[0, 1:, 0]
    assert (got - torch.arange(1, got.shape[0] + 1)).abs().mean() < 1.0


def test_patching_sweep_on_encoder_equals_hooks(enc, ref):
    clean, corrupt = "The ball bounced off the wall.", "The cat bounced off the wall."
    model, tok = ref
    ids_c, ids_x = (tok(t, return_tensors="pt")["input_ids"] for t in (clean, corrupt))
    assert ids_c.shape == ids_x.shape
    g = torch.Generator().manual_seed(0)
    w = torch.randn(enc.module.config.hidden_size, generator=g)

    def metric(out: torch.Tensor) -> torch.Tensor:
        return out[:, 0] @ w  # the [CLS] embedding along a fixed direction

    sweep = iwm.patching_sweep(enc, clean, corrupt, metric)
    T = ids_c.shape[1]
    assert sweep.values.shape == (6, T)
    assert sweep.labels == [tok.decode([i]) for i in ids_x[0]]
    with torch.no_grad():
        hs = model(input_ids=ids_c, output_hidden_states=True).hidden_states
        assert sweep.clean_metric == pytest.approx(float(metric(model(input_ids=ids_c)[0])), 1e-4)
        assert sweep.corrupt_metric == pytest.approx(float(metric(model(input_ids=ids_x)[0])), 1e-4)
        want = torch.empty(6, T)
        for layer in range(6):
            for p in range(T):

                def put(h: torch.Tensor, layer: int = layer, p: int = p) -> torch.Tensor:
                    h[:, p] = hs[layer + 1][:, p]
                    return h

                handle = with_hook(model.encoder.layer[layer], put)
                try:
                    want[layer, p] = metric(model(input_ids=ids_x)[0])[0]
                finally:
                    handle.remove()
    assert torch.allclose(sweep.values, want, atol=1e-4, rtol=1e-4)
    # the last layer at [CLS] is the metric's own input: patching it restores it
    assert float(sweep.values[5, 0]) == pytest.approx(sweep.clean_metric, abs=1e-4)


def test_causal_effects_and_graph_on_encoder(enc, ref):
    text = "The ball bounced off the wall."
    g = torch.Generator().manual_seed(1)
    w = torch.randn(enc.module.config.hidden_size, generator=g)
    nodes = [
        "encoder.layer.1",
        "encoder.layer.4",
        iwm.output_node(lambda o: o[:, 0] @ w, "cls"),
    ]
    ws = iwm.Workspace(enc, text, background=False)
    ws.run()
    ce = iwm.causal_effects(ws, nodes)
    model, tok = ref
    ids = tok(text, return_tensors="pt")["input_ids"]

    def reads(ablate: int | None) -> torch.Tensor:
        """Norm of layer 4 at the last position and the cls readout, ablating a layer."""
        seen: dict[str, torch.Tensor] = {}

        def zero(h: torch.Tensor) -> torch.Tensor:
            h[:, -1] = 0
            return h

        def keep(h: torch.Tensor) -> torch.Tensor:
            seen["l4"] = h[0, -1].norm()
            return h

        hs = [with_hook(model.encoder.layer[4], keep)]
        if ablate is not None:
            hs.insert(0, with_hook(model.encoder.layer[ablate], zero))
        try:
            with torch.no_grad():
                out = model(input_ids=ids)[0]
        finally:
            for h in hs:
                h.remove()
        return torch.stack([seen["l4"], out[0, 0] @ w])

    base, abl1, abl4 = reads(None), reads(1), reads(4)
    assert torch.allclose(ce.values[1:], base, atol=1e-4)
    assert torch.allclose(ce.effects[0, 1:], abl1 - base, atol=1e-4)
    assert float(ce.effects[1, 2]) == pytest.approx(float(abl4[1] - base[1]), abs=1e-4)
    graph = iwm.CausalGraph(ws, nodes, threshold=0.0)
    try:
        assert graph.effects is not None
        assert torch.allclose(graph.effects.effects, ce.effects, atol=1e-5)
    finally:
        graph.close()


# ---------------------------------------------------------------- bad text
def test_bad_text_gives_clear_errors(enc, gpt2_dir):
    with pytest.raises(InputError, match="empty string"):
        iwm.Workspace(enc, "")
    with pytest.raises(InputError, match="list of texts is empty"):
        iwm.Workspace(enc, [])
    with pytest.raises(InputError, match="text 1 of the list is an empty string"):
        enc.prepare(["The ball.", ""])
    long = " ".join(["ball"] * 600)
    with pytest.raises(InputError, match=r"602 tokens long.*context is 512 positions"):
        enc.prepare(long)
    with pytest.raises(InputError, match=r"context is 512"):
        enc.prepare(torch.ones(1, 513, dtype=torch.long))
    with pytest.raises(InputError, match="takes text"):
        enc.prepare(torch.randn(1, 4))
    lm = iwm.load(gpt2_dir)
    with pytest.raises(InputError, match=r"context is 128 positions \(config.n_positions\)"):
        lm.prepare(" ".join(["the"] * 129))
    lm.tokenizer.pad_token = None
    with pytest.raises(InputError, match=r"no pad token.*pad_token = model.tokenizer.eos_token"):
        lm.prepare(["The ball moves to the left", "The taxi"])
    assert lm.prepare(["The ball", "The taxi"]).shape == (2, 2)  # equal lengths need no pad


def test_plain_module_without_tokenizer_says_why_text_fails(tiny):
    with pytest.raises(InputError, match="no tokenizer"):
        iwm.load(tiny).prepare("The ball bounced.")


# ---------------------------------------------------------------- GPT-2 built locally
@pytest.fixture
def lm(gpt2_dir):
    return iwm.load(gpt2_dir)


LM_TEXTS = ["The ball moves to the left and bounces", "The taxi drives north"]


@pytest.mark.parametrize("side", ["right", "left"])
def test_gpt2_list_of_texts_is_padded(lm, gpt2_dir, side):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    lm.tokenizer.padding_side = side
    tok = AutoTokenizer.from_pretrained(gpt2_dir)
    tok.padding_side = side
    hf = AutoModelForCausalLM.from_pretrained(gpt2_dir).eval()
    batch = tok(LM_TEXTS, padding=True, return_tensors="pt")
    ws = iwm.Workspace(lm, LM_TEXTS, background=False)
    res = ws.run()
    assert torch.equal(ws.inputs, batch["input_ids"])
    assert torch.equal(ws.inputs.attention_mask, batch["attention_mask"])
    mask = batch["attention_mask"][1].bool()
    n = int(mask.sum())
    words = [tok.decode([i]) for i in batch["input_ids"][1, mask]]
    labels = lm.labels(ws.inputs, row=1)
    assert [t for t in labels if t != PAD_LABEL] == words
    assert labels.count(PAD_LABEL) == ws.inputs.shape[1] - n
    pos = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():  # positions counted from each row's first token
        out = hf(**batch, position_ids=pos, output_hidden_states=True)
    real = batch["attention_mask"].bool()  # (padding positions compute nothing of use)
    assert torch.allclose(res.output[real], out.logits[real], atol=ATOL)
    for i, site in enumerate(lm.layers[:-1]):  # the last hidden state is after ln_f
        assert torch.allclose(res[site][real], out.hidden_states[i + 1][real], atol=ATOL)
    alone = iwm.run(lm, LM_TEXTS[1], reads=lm.layers)
    for site in lm.layers:  # the short row's real positions equal its run alone
        assert torch.allclose(res[site][1, mask], alone[site][0], atol=1e-4)
    assert torch.allclose(res.output[1, mask], alone.output[0], atol=1e-4)


def test_gpt2_generation_from_padded_texts(lm):
    lm.tokenizer.padding_side = "left"
    res = iwm.run(lm, LM_TEXTS, rollout_steps=3)
    for row, text in enumerate(LM_TEXTS):
        alone = iwm.run(lm, text, rollout_steps=3)
        assert alone.rollout is not None and res.rollout is not None
        assert torch.equal(res.rollout[row], alone.rollout[0])
    lm.tokenizer.padding_side = "right"
    with pytest.raises(InputError, match="padding_side = 'left'"):
        iwm.run(lm, LM_TEXTS, rollout_steps=3)


# ---------------------------------------------------------------- TokenIds
def test_token_ids_carry_their_mask_through_shape_ops():
    x = TokenIds.of(torch.tensor([[5, 6, 0], [7, 8, 9]]), torch.tensor([[1, 1, 0], [1, 1, 1]]))
    assert torch.equal(x[:1].attention_mask, torch.tensor([[1, 1, 0]]))
    assert torch.equal(x[:, -2:].attention_mask, torch.tensor([[1, 0], [1, 1]]))
    both = torch.cat([x[1:], x[:1]])
    assert isinstance(both, TokenIds)
    assert torch.equal(both.attention_mask, torch.tensor([[1, 1, 1], [1, 1, 0]]))
    rows = x[:1].expand(3, 3).contiguous()
    assert torch.equal(rows.attention_mask, torch.tensor([[1, 1, 0]] * 3))
    assert torch.equal(x.repeat(2, 1).attention_mask, x.attention_mask.repeat(2, 1))
    assert type(x + 1) is torch.Tensor and type(x.ids) is torch.Tensor  # values: plain
    assert type(x.float()) is torch.Tensor and type(x.to(torch.float32)) is torch.Tensor
    assert torch.equal(x.to("cpu").attention_mask, x.attention_mask)
    back = pickle.loads(pickle.dumps(x))
    assert isinstance(back, TokenIds) and torch.equal(back.attention_mask, x.attention_mask)
    assert "padding=1" in repr(x)
