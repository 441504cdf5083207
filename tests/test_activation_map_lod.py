"""The largest map: 48 layers × 32,768 positions.

What goes over the wire (the heatmap as float16, its labels as a pattern or fetched on
demand, nothing large beside it: ≤ 1.05 × the float16 array), what small maps keep
(exact float32, labels as lists), the front end's requests for texts, and a selection
(what a click sends) mapping back to the exact layer and position of the Workspace.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import torch
import traitlets
from ipywidgets.widgets.widget import _remove_buffers
from torch import nn

import iwm_widgets as iwm
from iwm_widgets.transport import from_buffer
from iwm_widgets.widgets.activation_map import (
    FLOAT32_MAX_CELLS,
    INLINE_COLUMNS,
    Heatmap,
    encode_values,
)

ROWS, COLS = 48, 32768
FLOAT16_BYTES = ROWS * COLS * 2


def wire_bytes(state: dict[str, Any]) -> tuple[int, int]:
    """(JSON bytes, binary bytes) of a comm message carrying ``state``, as ipywidgets sends
    it: buffers lifted out of the JSON into binary frames."""
    clean, _paths, buffers = _remove_buffers(state)
    text = json.dumps(clean, separators=(",", ":"), ensure_ascii=False).encode()
    return len(text), sum(memoryview(b).nbytes for b in buffers)


@pytest.fixture(scope="module")
def big() -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    m = torch.randn(ROWS, COLS, generator=g).abs() * 3
    m[17, 20000] = 40.0  # a spike, findable at any level of detail
    return m


def rows() -> list[str]:
    return [f"blocks.{i}" for i in range(ROWS)]


def test_a_large_map_travels_as_float16_with_nothing_large_beside_it(big: torch.Tensor) -> None:
    hm = Heatmap(big, rows=rows(), columns=[f"t{i}" for i in range(COLS)], title="big")
    assert hm.values["dtype"] == "float16" and hm.values["shape"] == [ROWS, COLS]
    assert memoryview(hm.values["buffer"]).nbytes == FLOAT16_BYTES
    got = from_buffer(hm.values)
    assert got.dtype == np.float16
    assert np.array_equal(got, big.numpy().astype(np.float16))  # float16 of the exact values
    # the whole state a new view receives (the bundle's source included), and an update
    text, binary = wire_bytes(hm.get_state())
    assert binary == FLOAT16_BYTES
    assert text + binary <= 1.05 * FLOAT16_BYTES, (text, binary)
    text, binary = wire_bytes(hm.get_state("values"))
    assert text < 200 and binary == FLOAT16_BYTES
    # labels "t0" … "t32767" go as a pattern, not 32,768 strings
    assert hm.get_state("columns")["columns"] == {"n": COLS, "prefix": "t", "start": 0}
    assert hm.columns[12345] == "t12345"  # Python keeps the list


def test_token_labels_and_cell_texts_are_fetched_on_demand(big: torch.Tensor) -> None:
    tokens = [f" tok{(i * 7919) % 5003}" for i in range(COLS)]  # no pattern: like a prompt
    hm = Heatmap(big, rows=rows(), columns=tokens)
    hm.cell_text = [f"x{i % 97}" for i in range(ROWS * COLS)]
    state = hm.get_state()
    assert state["columns"] == {"n": COLS, "lazy": True, "key": 1}
    assert state["cell_text"] == {"n": ROWS * COLS, "lazy": True, "key": 1}
    text, binary = wire_bytes(state)
    assert text + binary <= 1.05 * FLOAT16_BYTES, (text, binary)

    sent: list[dict[str, Any]] = []
    hm.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    ask = {"type": "text", "what": "columns", "key": 1, "size": 256, "chunks": [78, 0, 10**9]}
    hm._on_text_msg(hm, ask, [])
    (reply,) = sent
    assert reply["type"] == "text" and reply["what"] == "columns" and reply["key"] == 1
    assert [c for c, _ in reply["chunks"]] == [78, 0]  # one past the end is left out
    assert reply["chunks"][0][1] == tokens[78 * 256 : 79 * 256]
    hm._on_text_msg(hm, {**ask, "what": "cell_text", "chunks": [6144 - 1]}, [])
    assert sent[-1]["chunks"][0][1][-1] == hm.cell_text[ROWS * COLS - 1]
    # new texts: a new key (the front end drops replies for the old ones); same texts: same key
    hm.columns = list(reversed(tokens))
    assert hm.get_state("columns")["columns"]["key"] == 2
    hm.columns = list(reversed(tokens))
    assert hm.get_state("columns")["columns"]["key"] == 2
    for bad in ({"type": "text", "what": "values"}, {"type": "text", "what": "columns",
                "chunks": ["x"]}, ["not", "a", "dict"]):  # fmt: skip
        hm._on_text_msg(hm, bad, [])
    assert len(sent) == 2  # nothing answered, nothing raised


def test_small_maps_keep_exact_float32_and_plain_lists() -> None:
    m = torch.tensor([[0.1234567, 2.0], [3.0, 1e-7]])
    hm = Heatmap(m, rows=["a", "b"], columns=["x", "y"])
    assert hm.values["dtype"] == "float32"
    assert np.array_equal(from_buffer(hm.values), m.numpy())
    assert hm.get_state("columns")["columns"] == ["x", "y"]
    labels = [f"t{i}" for i in range(INLINE_COLUMNS)]
    inline = Heatmap(torch.zeros(1, len(labels)), rows=["a"], columns=labels)
    assert inline.get_state("columns")["columns"] == labels  # up to 2048: a list as before
    edge = torch.ones(1, FLOAT32_MAX_CELLS)
    assert encode_values(edge)["dtype"] == "float32"
    assert encode_values(torch.ones(1, FLOAT32_MAX_CELLS + 1))["dtype"] == "float16"


def test_values_beyond_float16_travel_as_float32_never_as_inf(big: torch.Tensor) -> None:
    m = big.clone()
    m[3, 4] = 1e6  # a finite value float16 cannot hold
    m[5, 6] = float("nan")
    m[7, 8] = float("inf")
    p = encode_values(m)
    assert p["dtype"] == "float32"
    got = from_buffer(p)
    assert got[3, 4] == 1e6 and np.isnan(got[5, 6]) and got[7, 8] == np.inf
    m[3, 4] = 65504.0  # the largest float16 still fits
    assert encode_values(m)["dtype"] == "float16"


def test_aggregate_is_a_validated_trait() -> None:
    hm = Heatmap(torch.zeros(2, 2), rows=["a", "b"], columns=["x", "y"])
    assert hm.aggregate == "mean"
    hm.aggregate = "max"
    with pytest.raises(traitlets.TraitError, match="aggregate must be one of"):
        hm.aggregate = "sum"
    assert hm.aggregate == "max"
    with pytest.raises(traitlets.TraitError, match="columns must be a list of strings"):
        hm.columns = ["x", 3]  # type: ignore[list-item]


class _Block(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.lin = nn.Linear(d, d)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + torch.tanh(self.lin(h))


class _Deep(nn.Module):
    """48 residual blocks, 4 features: [1, positions, 3] -> [1, positions, 2]."""

    def __init__(self, n: int = ROWS, d: int = 4) -> None:
        super().__init__()
        self.embed = nn.Linear(3, d)
        self.blocks = nn.ModuleList(_Block(d) for _ in range(n))
        self.head = nn.Linear(d, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)
        for b in self.blocks:
            h = b(h)
        return self.head(h)


@pytest.fixture(scope="module")
def deep_map() -> Any:
    torch.manual_seed(0)
    model = iwm.load(_Deep().eval())
    x = torch.randn(1, COLS, 3, generator=torch.Generator().manual_seed(1))
    ws = iwm.Workspace(model, x, background=False)
    amap = iwm.ActivationMap(ws)
    yield ws, amap
    amap.close()


def test_a_48_layer_32k_position_activation_map_on_the_wire(deep_map: Any) -> None:
    ws, amap = deep_map
    assert amap.rows == [f"blocks.{i}" for i in range(ROWS)]
    assert amap.values["dtype"] == "float16" and amap.values["shape"] == [ROWS, COLS]
    text, binary = wire_bytes(amap.get_state())
    assert binary == FLOAT16_BYTES and text + binary <= 1.05 * FLOAT16_BYTES, (text, binary)
    assert amap.get_state("columns")["columns"] == {"n": COLS, "prefix": "t", "start": 0}
    want = ws.result["blocks.17"][0, 20000].norm()
    got = float(from_buffer(amap.values)[17, 20000])
    assert got == pytest.approx(float(want), rel=1e-3)  # float16: 3 significant digits


def test_a_click_selects_the_exact_layer_and_position(deep_map: Any) -> None:
    ws, amap = deep_map
    # what the front end sends on a click (lod.js pickCell: the exact cell, also in a bin)
    amap.set_state({"selection": {"row": 17, "col": 20000}})
    assert ws.selection == {"site": "blocks.17", "row": 17, "position": 20000}
    amap.set_state({"selection": {"row": 47, "col": COLS - 1}})
    assert ws.selection == {"site": "blocks.47", "row": 47, "position": COLS - 1}
    # and back: a selection made in Python moves the map's
    ws.selection = {"site": "blocks.3", "position": 31000}
    assert amap.selection == {"row": 3, "col": 31000}
    amap.set_state({"selection": {}})
    assert ws.selection == {}
