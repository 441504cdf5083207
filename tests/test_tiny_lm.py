"""The zoo's tiny language model: the shipped directory, its card's claims re-measured."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import iwm_widgets as iwm
from iwm_widgets.zoo import tiny_lm
from iwm_widgets.zoo._base import sha256_file

DIR = tiny_lm.tiny_lm_dir()
LAYERS = [f"transformer.h.{i}" for i in range(4)]


@pytest.fixture(scope="module")
def card() -> dict[str, Any]:
    return tiny_lm.load_card()


@pytest.fixture(scope="module")
def hf() -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(DIR).eval()
    return model, AutoTokenizer.from_pretrained(DIR)


@pytest.fixture(scope="module")
def lm() -> iwm.Model:
    return iwm.load(str(DIR))


def _next_token(model: Any, tok: Any, prompt: str) -> str:
    ids = tok(prompt, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        return str(tok.convert_ids_to_tokens(int(model(input_ids=ids).logits[0, -1].argmax())))


def _probs(result: iwm.Result, tok: Any) -> dict[str, float]:
    p = result.output[0, -1].softmax(-1)
    return {d: float(p[tok.convert_tokens_to_ids(d)]) for d in tiny_lm.DIRECTIONS}


# ---------------------------------------------------------------- ground truth
def test_ground_truth_tables() -> None:
    assert len(tiny_lm.FACTS) == len(tiny_lm.LANDMARKS) >= 40
    per_city = {c: sum(v == c for v in tiny_lm.FACTS.values()) for c in tiny_lm.CITIES}
    assert sum(n > 1 for n in per_city.values()) >= 10
    for landmark, city in tiny_lm.LANDMARKS:
        assert city not in landmark.split() and len(city.split()) == 1
    assert tiny_lm.fact_prompt("Eiffel Tower") == "The Eiffel Tower is in the city of"
    assert tiny_lm.turn("north", "right") == "east" and tiny_lm.turn("west", "around") == "east"
    assert tiny_lm.turn("north", "left") == "west"
    assert tiny_lm.WALL_DIRECTION["left"] == "right"
    held = [e for e in tiny_lm.fact_examples() if e.held_out]
    assert {e.answer for e in held} <= set(tiny_lm.CITIES) and len(held) == 6
    trained = tiny_lm.training_sentences()
    assert not {e.sentence for e in held} & set(trained["fact"])
    assert all(e.sentence.startswith(e.prompt + " " + e.answer) for e in tiny_lm._examples())


# ---------------------------------------------------------------- files
def test_directory_small_and_checksums_match(card: dict[str, Any]) -> None:
    files = {p.name: p for p in DIR.iterdir() if p.is_file()}
    assert sum(p.stat().st_size for p in files.values()) < 2_000_000
    assert set(card["files"]) | {"card.json"} == set(files)
    for name, meta in card["files"].items():
        assert sha256_file(files[name]) == meta["sha256"], name
    assert "model.safetensors" in files and not any(n.endswith(".bin") for n in files)
    assert card["training"]["time_s"] > 0


def test_loads_both_ways_and_agree(hf: tuple[Any, Any], lm: iwm.Model) -> None:
    model, tok = hf
    assert lm.kind == "lm" and lm.layers == LAYERS
    prompt = tiny_lm.fact_prompt("Colosseum")
    ids = tok(prompt, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        ref = model(input_ids=ids).logits
    out = iwm.run(lm, prompt).output
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    assert tok.convert_ids_to_tokens(int(out[0, -1].argmax())) == "Rome"


# ---------------------------------------------------------------- accuracy
def test_fact_accuracy_matches_card(hf: tuple[Any, Any], card: dict[str, Any]) -> None:
    model, tok = hf
    canonical = [e for e in tiny_lm.fact_examples() if e.kind == "template0"]
    for split, held in (("trained", False), ("held_out", True)):
        rows = [e for e in canonical if e.held_out == held]
        right = sum(_next_token(model, tok, e.prompt) == e.answer for e in rows)
        claim = card["fact_accuracy"][split]
        assert claim["n"] == len(rows)
        assert right / len(rows) == pytest.approx(claim["accuracy"])
    assert card["fact_accuracy"]["trained"]["accuracy"] >= 0.95  # it memorises the table


def test_direction_and_taxi_accuracy_match_card(hf: tuple[Any, Any], card: dict[str, Any]) -> None:
    model, tok = hf
    groups = {
        ("direction_accuracy", k): [e for e in tiny_lm.direction_examples() if e.kind == k]
        for k in ("wall", "push")
    }
    groups["taxi_accuracy", ""] = tiny_lm.taxi_examples()
    for (key, kind), rows in groups.items():
        claims = card[key][kind] if kind else card[key]
        for split, held in (("trained", False), ("held_out", True)):
            sel = [e for e in rows if e.held_out == held]
            right = sum(_next_token(model, tok, e.prompt) == e.answer for e in sel)
            assert right / len(sel) == pytest.approx(claims[split]["accuracy"]), (key, kind)
            assert claims[split]["accuracy"] >= 0.9


# ---------------------------------------------------------------- logit lens
def test_logit_lens_emergence_matches_card(lm: iwm.Model, card: dict[str, Any]) -> None:
    """The lens top token at every layer, via iwm.run reads + Model.logit_lens."""
    tok = lm.tokenizer
    table = card["logit_lens"]["by_landmark"]
    hist = {str(i): 0 for i in range(4)} | {"never": 0}
    for landmark, city in tiny_lm.LANDMARKS:
        r = iwm.run(lm, tiny_lm.fact_prompt(landmark), reads=LAYERS)
        lens = [lm.logit_lens(r[s][0, -1]) for s in LAYERS]
        tops = [tok.convert_ids_to_tokens(int(lg.argmax())) for lg in lens]
        emerge = None
        for i in range(3, -1, -1):
            if tops[i] != city:
                break
            emerge = i
        row = table[landmark]
        assert tops == row["lens_top"], landmark
        assert emerge == row["emergence_layer"], landmark
        target = tok.convert_tokens_to_ids(city)
        probs = [float(lg.softmax(-1)[target]) for lg in lens]
        assert probs == pytest.approx(row["answer_prob"], abs=2e-4)
        hist["never" if emerge is None else str(emerge)] += 1
    assert hist == card["logit_lens"]["emergence_histogram"]
    # the city is read out by layer 1 for most landmarks and never at the embedding's layer
    assert hist["never"] == 0 and hist["1"] >= 25 and hist["0"] <= 2


# ---------------------------------------------------------------- steering
def test_contrastive_steering_right_vs_left(lm: iwm.Model, card: dict[str, Any]) -> None:
    """A right-minus-left variable at the middle layer steers the last token's prediction."""
    tok = lm.tokenizer
    sp = tiny_lm.steering_prompts()
    var = iwm.contrastive_variable(
        lm, sp["positive"], sp["negative"], site="transformer.h.2", name="right_vs_left"
    )
    neutral = tiny_lm.NEUTRAL_PROMPT
    base = _probs(iwm.run(lm, neutral), tok)
    assert base["right"] == pytest.approx(0.25, abs=0.03)  # undetermined: ~uniform
    steered = {
        d: _probs(iwm.run(lm, neutral, [iwm.Edit.add(var, [d], positions=[-1])]), tok)
        for d in (1.0, 2.0)
    }
    # measured: right 0.244 -> 0.403 (delta 1) -> 0.733 (delta 2); left 0.235 -> 0.105 -> 0.010
    assert steered[1.0]["right"] > base["right"] + 0.12
    assert steered[2.0]["right"] > 0.65 and steered[2.0]["left"] < 0.03
    claim = card["steering"]["layers"]["transformer.h.2"]["neutral"]
    for d in (1.0, 2.0):
        assert steered[d] == pytest.approx(claim[str(d)], abs=2e-3)

    # a determined answer flips: "at the right wall" -> left (0.995), steered -> right (0.995)
    flip = "The ball is at the right wall . The ball moves to the"
    before = _probs(iwm.run(lm, flip), tok)
    after = _probs(iwm.run(lm, flip, [iwm.Edit.add(var, [1.0], positions=[-1])]), tok)
    assert before["left"] > 0.95 and after["right"] > 0.95

    # at layer 1 the last position does not yet carry the direction: no effect there
    early = iwm.contrastive_variable(
        lm, sp["positive"], sp["negative"], site="transformer.h.1", name="early"
    )
    weak = _probs(iwm.run(lm, neutral, [iwm.Edit.add(early, [2.0], positions=[-1])]), tok)
    assert abs(weak["right"] - base["right"]) < 0.01


def test_a_rollout_runs_every_step_past_an_end_of_text_token(lm, tmp_path):
    """The steered neutral prompt ends its sentence after 2 tokens; a 6-step rollout still
    gives 6 tokens (before: UnboundLocalError, the generation stopped at <eos> and the
    code after the step loop never ran), and the generated code gives the same."""
    import runpy

    sp = tiny_lm.steering_prompts()
    var = iwm.contrastive_variable(lm, sp["positive"], sp["negative"], site="transformer.h.2")
    edits = [iwm.Edit.clamp(var, [2.0], start=4)]
    eos = lm.tokenizer.eos_token_id
    res = iwm.run(lm, tiny_lm.NEUTRAL_PROMPT, edits, rollout_steps=6)
    assert res.rollout is not None and res.rollout.shape == (1, 6)
    assert eos in res.rollout[0].tolist()[:-1]  # it went on after the end of text
    ws = iwm.Workspace(lm, tiny_lm.NEUTRAL_PROMPT, rollout_steps=6, background=False)
    for e in edits:
        ws.add_edit(e)
    assert torch.equal(ws.run().rollout, res.rollout)
    path = tmp_path / "steer.py"
    path.write_text(ws.to_code())
    ns = runpy.run_path(str(path), init_globals=ws.code_variables())
    T = ws.inputs.shape[-1]
    assert torch.equal(ns["rollout"][:, T:], res.rollout)
    ws.close()
