"""Loading models (iwm_widgets/tracing/model.py): local Hugging Face directories, zoo
names, against the raw transformers forward."""

from __future__ import annotations

import pytest
import torch
from raw_hooks import hooked_forward

import iwm_widgets as iwm
from iwm_widgets.errors import UnknownModelError


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


def test_unknown_model_names_the_zoo():
    with pytest.raises(UnknownModelError, match="bouncing-ball"):
        iwm.load("bouncing-bal")
    with pytest.raises(TypeError):
        iwm.load(42)
