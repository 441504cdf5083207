"""AttentionView (iwm_widgets/widgets/attention_view.py): the weights it shows are the
traced attention pattern (the zoo world model's ``attn.pattern`` site, and Hugging Face
GPT-2's weights recomputed from ``c_attn``, checked against ``output_attentions``), it
follows the Workspace's edits and selection, and bad sites and heads are refused clearly."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import torch
import traitlets

import iwm_widgets as iwm
from iwm_widgets.errors import SiteError
from iwm_widgets.widgets.attention_view import attention_sites

PROMPT = "The Eiffel Tower is in the city of"


def shown(view: iwm.AttentionView) -> torch.Tensor:
    """What the front end receives: the float32 buffer, decoded."""
    v = view.values
    return torch.from_numpy(np.frombuffer(v["buffer"], dtype=v["dtype"]).reshape(v["shape"]).copy())


@pytest.fixture(scope="module")
def lm() -> iwm.Model:
    return iwm.load("tiny-lm")


def test_values_are_the_traced_pattern_and_rows_sum_to_one(ball: iwm.Model) -> None:
    ws = iwm.Workspace(ball, ball.sample(seed=3), background=False)
    view = iwm.AttentionView(ws, "blocks.1.attn.pattern")
    assert view.error == "" and view.generation == ws.generation >= 1
    assert view.sites == [f"blocks.{i}.attn.pattern" for i in range(4)]
    assert view.n_heads == 4 and view.values["shape"] == [4, 32, 32]
    # the exact tensor the trace read, batch row 0
    assert torch.equal(shown(view), ws.result["blocks.1.attn.pattern"][0].float())
    # ...which is the model's own softmax: rows sum to 1, later keys get nothing
    p = shown(view)
    assert torch.allclose(p.sum(-1), torch.ones(4, 32), atol=1e-5)
    assert torch.all(p.triu(1) == 0) and torch.all(p >= 0)
    assert view.tokens == ws.columns() and len(view.tokens) == 32
    assert [str(s) for s in ws._reads[id(view)]] == ["blocks.1.attn.pattern"]


def test_raw_hooks_agree(ball: iwm.Model) -> None:
    """The pattern against a plain torch forward hook (no nnsight)."""
    x = ball.sample(seed=5)
    got: dict[str, torch.Tensor] = {}
    mod = ball.module.get_submodule("blocks.3.attn.pattern")
    h = mod.register_forward_hook(lambda m, a, o: got.setdefault("p", o.detach().clone()))
    try:
        with torch.no_grad():
            ball.module(x)
    finally:
        h.remove()
    ws = iwm.Workspace(ball, x, background=False)
    view = iwm.AttentionView(ws, "blocks.3.attn.pattern", head=2)
    assert view.head == 2
    assert torch.allclose(shown(view), got["p"][0], atol=1e-6)


def test_redraws_when_an_edit_reruns_the_model(ball: iwm.Model) -> None:
    ws = iwm.Workspace(ball, ball.sample(seed=1), background=False)
    view = iwm.AttentionView(ws, "blocks.2.attn.pattern")
    before, gen = shown(view), view.generation
    ws.add_edit(
        iwm.Edit.add(
            "blocks.0", torch.randn(64, generator=torch.Generator().manual_seed(0)), scale=5.0
        )
    )
    assert view.generation > gen
    after = shown(view)
    assert not torch.allclose(before, after)
    assert torch.equal(after, ws.result["blocks.2.attn.pattern"][0].float())
    ws.clear_edits()
    assert torch.allclose(shown(view), before)


def test_switching_site_and_head(ball: iwm.Model) -> None:
    ws = iwm.Workspace(ball, ball.sample(seed=2), background=False)
    view = iwm.AttentionView(ws, head=3)  # the first attention site by default
    assert view.site == "blocks.0.attn.pattern" and view.head == 3
    view.site = "blocks.3.attn.pattern"  # what the front end's select sends
    assert view.error == "" and view.head == 3
    assert torch.equal(shown(view), ws.result["blocks.3.attn.pattern"][0].float())
    assert view.title.endswith("blocks.3.attn.pattern")
    assert [str(s) for s in ws._reads[id(view)]] == ["blocks.3.attn.pattern"]
    view.head = -1
    assert view.head == -1


def test_bad_site_and_head_are_refused_clearly(ball: iwm.Model) -> None:
    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    with pytest.raises(
        SiteError, match=re.escape("'blocks.1.mlp' is not an attention pattern")
    ) as e:
        iwm.AttentionView(ws, "blocks.1.mlp")
    assert "its output has shape [1, 32, 64]" in str(e.value)
    assert "attention sites of bouncing-ball: blocks.0.attn.pattern" in str(e.value)
    with pytest.raises(SiteError, match="it gave no tensor output"):
        iwm.AttentionView(ws, "blocks")
    with pytest.raises(iwm.errors.SiteNotFoundError):
        iwm.AttentionView(ws, "blocks.9.attn.pattern")
    with pytest.raises(
        ValueError,
        match=re.escape("head 4 is out of range: blocks.1.attn.pattern has 4 heads (0 to 3)"),
    ):
        iwm.AttentionView(ws, "blocks.1.attn.pattern", head=4)
    with pytest.raises(TypeError, match="head must be an int"):
        iwm.AttentionView(ws, "blocks.1.attn.pattern", head=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a Workspace"):
        iwm.AttentionView("ws", "blocks.1.attn.pattern")  # type: ignore[arg-type]
    view = iwm.AttentionView(ws, "blocks.1.attn.pattern")
    with pytest.raises(traitlets.TraitError, match="head 9 is out of range"):
        view.head = 9
    with pytest.raises(traitlets.TraitError, match="not an attention pattern"):
        view.site = "blocks.1"
    assert view.head == -1 and view.site == "blocks.1.attn.pattern"  # unchanged
    assert [str(s) for s in ws._reads[id(view)]] == ["blocks.1.attn.pattern"]


def test_a_model_without_attention_sites(tiny: Any, tiny_x: torch.Tensor) -> None:
    ws = iwm.Workspace(iwm.load(tiny), tiny_x, background=False)
    with pytest.raises(SiteError, match="has no attention site"):
        iwm.AttentionView(ws)


def test_selection_links_to_the_workspace(ball: iwm.Model) -> None:
    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    view = iwm.AttentionView(ws, "blocks.2.attn.pattern")
    amap = iwm.ActivationMap(ws)
    view.selection = {"head": 1, "query": 7, "key": 3}  # a click in the front end
    assert ws.selection == {
        "site": "blocks.2.attn.pattern",
        "layer": ball.layers.index("blocks.2"),  # its row in an ActivationMap
        "position": 7,
        "head": 1,
        "key": 3,
    }
    assert view.selection == {"head": 1, "query": 7, "key": 3}
    amap.selection = {"row": 1, "col": 12}  # another view selects a position...
    assert view.selection == {"query": 12}  # ...which the view marks as the query row
    assert ws.selection["position"] == 12
    view.selection = {}  # clicking the selected cell again clears it everywhere
    assert ws.selection == {} and amap.selection == {}


def test_tiny_lm_pattern_equals_hugging_face_attentions(lm: iwm.Model) -> None:
    ws = iwm.Workspace(lm, PROMPT, background=False)
    assert attention_sites(lm, ws.inputs) == [f"transformer.h.{i}.attn" for i in range(4)]
    view = iwm.AttentionView(ws, "transformer.h.2.attn")
    assert view.error == "" and view.n_heads == 4
    assert view.tokens == ["The", "Eiffel", "Tower", "is", "in", "the", "city", "of"]
    eager = iwm.load("tiny-lm", attn_implementation="eager")
    with torch.no_grad():
        ref = eager.module(ws.inputs.as_subclass(torch.Tensor), output_attentions=True).attentions
    for layer in range(4):
        view.site = f"transformer.h.{layer}.attn"
        assert view.error == ""
        assert torch.allclose(shown(view), ref[layer][0], atol=1e-5), layer
        assert torch.allclose(shown(view).sum(-1), torch.ones(4, 8), atol=1e-5)


def test_bad_site_error_in_the_widget_after_a_run(ball: iwm.Model) -> None:
    """A run whose result lacks the pattern's shape shows the error in the widget."""
    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    view = iwm.AttentionView(ws, "blocks.0.attn.pattern")
    view.n_heads = 3  # as if the model had changed under the view
    ws.run()
    assert "gave 4 heads, expected 3" in view.error
