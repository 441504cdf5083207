"""Printed nnsight code, head nodes and whole-model sites on Hugging Face text models.

The code that ``Edit.to_code`` / ``Workspace.to_code`` print is run with ``runpy`` on
the user's own wrapper (``model.nnsight``) and must give exactly what ``iwm.run``
gives; head ablations are checked against raw torch hooks on an independently
loaded copy of the model.
"""

from __future__ import annotations

import json
import runpy
import uuid
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch

import iwm_widgets as iwm
from iwm_widgets.errors import EditError
from iwm_widgets.tracing.edits import edits_to_code

TEXTS = ["The ball bounced.", "A red ball bounced off the wall and rolled away."]
LM_TEXTS = ["The ball moves to the left and bounces", "The taxi drives north"]


@pytest.fixture(scope="module")
def enc(minilm_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nnsight: BERT's submodule named `output`
        return iwm.load(minilm_dir)


@pytest.fixture(scope="module")
def ref(minilm_dir):
    """An independent copy of the encoder and its tokenizer, loaded by transformers."""
    from transformers import AutoModel, AutoTokenizer

    return AutoModel.from_pretrained(minilm_dir).eval(), AutoTokenizer.from_pretrained(minilm_dir)


@pytest.fixture
def lm(gpt2_dir):
    return iwm.load(gpt2_dir)


def run_code(code: str, tmp: Path, init: dict[str, Any]) -> dict[str, Any]:
    """Run generated code from a file of its own (nnsight reads a trace's source back)."""
    script = tmp / f"code_{uuid.uuid4().hex}.py"
    script.write_text(code)
    return runpy.run_path(str(script), init_globals=init)


def vec(d: int, seed: int) -> torch.Tensor:
    return torch.randn(d, generator=torch.Generator().manual_seed(seed))


# ------------------------------------------- 1. BERT's submodules named `output`
BERT_EDITS = {
    "encoder.layer.0.output.dense": lambda: iwm.Edit.add(
        "encoder.layer.0.output.dense", vec(384, 0), 2.0
    ),
    "encoder.layer.1.output": lambda: iwm.Edit.scale(
        iwm.Site("encoder.layer.1.output"), 0.5, positions=[1]
    ),
    "encoder.layer.2.attention.output": lambda: iwm.Edit.ablate(
        iwm.Site("encoder.layer.2.attention.output"), positions=[0, 2]
    ),
    "encoder.layer.0.output.dense.input": lambda: iwm.Edit.scale(
        iwm.Site("encoder.layer.0.output.dense", "input"), 1.5
    ),
}


def test_envoy_code_reaches_the_submodule_named_output():
    assert iwm.Site("encoder.layer.0.output.dense").envoy_code() == (
        "model.encoder.layer[0].E_output.dense.output"
    )
    assert iwm.Site("encoder.layer.1.output").envoy_code() == (
        "model.encoder.layer[1].E_output.output"
    )
    assert iwm.Site("encoder.layer.2.attention.output", "input").envoy_code() == (
        "model.encoder.layer[2].attention.E_output.input"
    )


@pytest.mark.parametrize("which", sorted(BERT_EDITS))
def test_edit_code_at_berts_output_modules_gives_the_run_output(enc, tmp_path, which):
    edit = BERT_EDITS[which]()
    x = enc.prepare(TEXTS[1])
    expected = iwm.run(enc, x, [edit]).output
    plain = iwm.run(enc, x).output
    assert not torch.equal(expected, plain)  # the edit does something
    code = edit.to_code()
    assert ".E_output." in code
    ns = run_code(code, tmp_path, {"model": enc.nnsight, **enc.code_variables(x)})
    assert torch.equal(ns["output"].last_hidden_state, expected), code


def test_workspace_code_with_all_of_berts_output_sites(enc, tmp_path):
    ws = iwm.Workspace(enc, TEXTS[1], background=False)
    ws.set_edits([make() for make in BERT_EDITS.values()])
    res = ws.run()
    ns = run_code(ws.to_code(), tmp_path, ws.code_variables())
    assert torch.equal(ns["output"].last_hidden_state, res.output)


# ------------------------------------------------ 2. padded batches of texts
def test_padded_encoder_code_passes_the_attention_mask(enc, tmp_path):
    ws = iwm.Workspace(enc, TEXTS, background=False)
    assert ws.inputs.padded
    ws.add_edit(iwm.Edit.add("encoder.layer.3", vec(384, 1), 0.5))
    res = ws.run()
    code = ws.to_code()
    assert "model.trace(inputs, attention_mask=attention_mask)" in code
    assert "# attention_mask: 1 for a token, 0 for padding" in code
    env = ws.code_variables()
    assert set(env) == {"model", "inputs", "attention_mask"}
    assert env["model"] is enc.nnsight
    assert torch.equal(env["attention_mask"], ws.inputs.attention_mask)
    ns = run_code(code, tmp_path, env)
    assert torch.equal(ns["output"].last_hidden_state, res.output)
    # the mask matters: the same edit traced without it computes something else
    unmasked = edits_to_code(ws.edits)
    ns = run_code(unmasked, tmp_path, {"model": enc.nnsight, "inputs": env["inputs"]})
    assert not torch.allclose(ns["output"].last_hidden_state, res.output, atol=1e-3)


def test_edit_to_code_takes_the_call_kwargs(enc, tmp_path):
    x = enc.prepare(TEXTS)
    edit = iwm.Edit.scale("encoder.layer.1", 2.0, positions=[1])
    _, kw = enc.call_args(x)
    code = edit.to_code(call_kwargs=tuple(kw))
    ns = run_code(code, tmp_path, {"model": enc.nnsight, **enc.code_variables(x)})
    assert torch.equal(ns["output"].last_hidden_state, iwm.run(enc, x, [edit]).output)


@pytest.mark.parametrize("side", ["right", "left"])
def test_padded_gpt2_code_gives_the_run_output(lm, tmp_path, side):
    lm.tokenizer.padding_side = side
    ws = iwm.Workspace(lm, LM_TEXTS, background=False)
    assert ws.inputs.padded
    d = lm.module.config.n_embd
    ws.add_edit(iwm.Edit.add("transformer.h.1", vec(d, 2), 3.0))
    ws.add_edit(iwm.Edit.ablate("transformer.h.0.mlp", positions=[-1]))
    res = ws.run()
    code = ws.to_code()
    env = ws.code_variables()
    kwargs = {"right": ["attention_mask"], "left": ["attention_mask", "position_ids"]}[side]
    assert sorted(set(env) - {"model", "inputs"}) == sorted(kwargs)
    assert "".join(f", {k}={k}" for k in kwargs) in code
    ns = run_code(code, tmp_path, env)
    assert torch.equal(ns["output"].logits, res.output)


def test_padded_gpt2_generation_code_gives_the_run_rollout(lm, tmp_path):
    lm.tokenizer.padding_side = "left"
    ws = iwm.Workspace(lm, LM_TEXTS, rollout_steps=3, background=False)
    d = lm.module.config.n_embd
    ws.add_edit(iwm.Edit.add("transformer.h.1", vec(d, 3), 4.0, positions=[-1]))
    res = ws.run()
    code = ws.to_code()
    env = ws.code_variables()
    assert set(env) == {"model", "inputs", "attention_mask"}  # generate makes position_ids
    assert "attention_mask=attention_mask, max_new_tokens=3" in code
    ns = run_code(code, tmp_path, env)
    T = ws.inputs.shape[1]
    assert res.rollout is not None
    assert torch.equal(ns["rollout"][:, T:], res.rollout)


# --------------------------------------- 3. input edits leave `inputs` unchanged
def test_code_for_an_input_edit_of_the_first_module_clones_the_inputs(tmp_path, tiny):
    model = iwm.load(tiny)  # conftest's TinyNet (a fixture: `import conftest` in a test
    # body finds tests/ui/conftest.py once the UI tests are collected)
    x = torch.randn(1, 6, 3, generator=torch.Generator().manual_seed(1))
    edit = iwm.Edit.add("embed.input", [1.0, -2.0, 0.5])
    expected = iwm.run(model, x, [edit]).output
    code = edit.to_code()
    mine = x.clone()
    first = run_code(code, tmp_path, {"model": model.nnsight, "inputs": mine})["output"]
    second = run_code(code, tmp_path, {"model": model.nnsight, "inputs": mine})["output"]
    assert torch.equal(mine, x)  # the caller's tensor is untouched ...
    assert torch.equal(first, expected) and torch.equal(second, expected)  # ... no stacking
    assert "model.trace(inputs.clone())" in code


def test_code_for_an_edit_of_the_token_ids_leaves_them_unchanged(enc, tmp_path):
    ws = iwm.Workspace(enc, TEXTS, background=False)
    ids = ws.inputs.clone()
    ws.add_edit(iwm.Edit.ablate("embeddings.word_embeddings.input"))  # every id: [PAD]
    res = ws.run()
    env = ws.code_variables()
    code = ws.to_code()
    outs = [run_code(code, tmp_path, env)["output"].last_hidden_state for _ in range(2)]
    assert torch.equal(env["inputs"], ids) and torch.equal(ws.inputs, ids)
    assert torch.equal(outs[0], res.output) and torch.equal(outs[1], res.output)


# --------------------------------------------------------- 4. BERT's heads
def test_bert_heads_are_found(enc):
    heads = iwm.attention_heads(enc)
    assert len(heads) == 6 * 12  # MiniLM: 6 layers of 12 heads of 32 features
    h = heads[12 + 5]
    assert h.site == iwm.Site("encoder.layer.1.attention.output.dense", "input")
    assert h.features == (160, 192) and h.label == "L1.H5"
    assert h.id == "L1.H5@encoder.layer.1.attention"


def test_zeroing_a_bert_head_equals_a_hook_ablation(enc, ref):
    heads = iwm.attention_heads(enc, layers=[1, 4])
    out = iwm.output_node(lambda o: o[:, -1].norm(dim=-1), "last norm")
    text = TEXTS[1]
    ce = iwm.causal_effects(enc, [*heads, out], text)
    assert ce.effects.shape == (len(heads) + 1, len(heads) + 1)
    model, tok = ref
    batch = tok(text, return_tensors="pt")
    with torch.no_grad():
        clean = model(**batch).last_hidden_state[0, -1].norm()
    for i in (0, 7, 12 + 3, 23):
        layer = 1 if i < 12 else 4
        lo, hi = heads[i].features

        dense = model.encoder.layer[layer].attention.output.dense
        handle = dense.register_forward_pre_hook(
            lambda mod, args, lo=lo, hi=hi: (_zero_last(args[0], lo, hi), *args[1:])
        )
        try:
            with torch.no_grad():
                patched = model(**batch).last_hidden_state[0, -1].norm()
        finally:
            handle.remove()
        want = float(patched - clean)
        assert abs(want) > 1e-6  # the head does something
        assert float(ce.effects[i, -1]) == pytest.approx(want, abs=1e-5)
    # the same ablation as an edit gives the hooked output
    lo, hi = heads[7].features
    e = iwm.Edit("ablate", heads[7].site, features=(lo, hi), positions=(-1,))
    got = iwm.run(enc, text, [e]).output
    handle = model.encoder.layer[1].attention.output.dense.register_forward_pre_hook(
        lambda mod, args: (_zero_last(args[0], lo, hi), *args[1:])
    )
    try:
        with torch.no_grad():
            want_out = model(**batch).last_hidden_state
    finally:
        handle.remove()
    assert torch.allclose(got, want_out, atol=1e-5)


def _zero_last(h: torch.Tensor, lo: int, hi: int) -> torch.Tensor:
    h = h.clone()
    h[:, -1, lo:hi] = 0
    return h


# ------------------------------------------------ 5. edits built directly
def test_an_edit_built_directly_normalises_its_values():
    direct = iwm.Edit("set", iwm.Site("encoder.layer.0"), [1.0], positions=[0])
    made = iwm.Edit.set("encoder.layer.0", [1.0], positions=[0])
    assert isinstance(direct.value, torch.Tensor) and direct.value.dtype == torch.float32
    d = json.loads(json.dumps(direct.to_dict()))
    assert d["value"] == [1.0] and {**d, "id": 0} == {**made.to_dict(), "id": 0}
    assert iwm.Edit.from_dict(d).to_dict() == direct.to_dict()
    scale = iwm.Edit("scale", "encoder.layer.0", [2])  # one factor, as Edit.scale makes
    assert scale.value.shape == () and scale.to_dict()["value"] == 2.0
    assert scale.to_code() == iwm.Edit.scale("encoder.layer.0", 2.0).to_code()
    add = iwm.Edit("add", "a", (1, 2, 3), scale_=0.5)
    assert add.value.tolist() == [1.0, 2.0, 3.0] and add.to_dict()["value"] == [1.0, 2.0, 3.0]
    for bad in (["x"], [1.0, float("nan")], [[1.0], [2.0, 3.0]], {"a": 1}, [1 + 2j]):
        with pytest.raises(EditError):
            iwm.Edit("set", "a", bad)
    with pytest.raises(EditError, match="one factor"):
        iwm.Edit("scale", "a", [1.0, 2.0])


# ------------------------------------------ 6. the whole model's output site
def test_whole_model_output_site_of_an_encoder(enc, tmp_path):
    x = enc.prepare(TEXTS)
    plain = iwm.run(enc, x).output
    res = iwm.run(enc, x, reads=[""])
    assert torch.equal(res[""], plain)
    edit = iwm.Edit.scale("", 2.0)
    res = iwm.run(enc, x, [edit], reads=[""])
    assert torch.equal(res.output, 2 * plain) and torch.equal(res[""], res.output)
    ws = iwm.Workspace(enc, TEXTS, background=False)
    ws.add_edit(iwm.Edit.add("", vec(384, 4), positions=[0]))
    wres = ws.run()
    ns = run_code(ws.to_code(), tmp_path, ws.code_variables())
    assert torch.equal(ns["output"].last_hidden_state, wres.output)
    # a vector of the wrong width is refused before anything runs
    with pytest.raises(EditError, match="384 features"):
        iwm.run(enc, x, [iwm.Edit.add("", torch.ones(5))])


def test_whole_model_output_site_of_a_language_model(lm, tmp_path):
    ids = lm.prepare("The ball moves to the left")
    plain = iwm.run(lm, ids).output
    res = iwm.run(lm, ids, reads=[""])
    assert torch.equal(res[""], plain)  # the logits
    edit = iwm.Edit.ablate("", positions=[-1])
    res = iwm.run(lm, ids, [edit])
    assert torch.equal(res.output[:, :-1], plain[:, :-1]) and not res.output[:, -1].any()
    ns = run_code(edit.to_code(), tmp_path, {"model": lm.nnsight, **lm.code_variables(ids)})
    assert torch.equal(ns["output"].logits, res.output)
