"""The protocol every zoo entry follows (:class:`ZooSpec`).

A zoo entry bundles a small trained model with what is needed to study it: the
simulator that generated its data (samples with ground-truth latents, the true causal
graph, counterfactual futures), the shipped weights with their recorded sha256, and a
model card of numbers measured on held-out data.

Nothing here imports nnsight; the tracing package wraps the plain torch module that
:meth:`ZooSpec.load_module` returns.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, ClassVar

import torch

from ..errors import WeightsChecksumError

__all__ = ["WEIGHTS_DIR", "ZooSpec", "sha256_file"]

#: Folder of the shipped weight files and model cards.
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def sha256_file(path: str | Path) -> str:
    """Hex sha256 digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class ZooSpec:
    """Base class of a zoo entry.

    Subclasses set the class attributes and implement :meth:`build_module`,
    :meth:`sample_batch`, :meth:`true_graph` and :meth:`simulate_future`.

    Parameters
    ----------
    weights_path
        Override the shipped weight file (e.g. a test's corrupted copy).
    card_path
        Override the model card; by default the card shipped next to the weights.

    Attributes
    ----------
    name : str
        Zoo name, e.g. ``"bouncing-ball"``.
    kind : str
        ``"world"`` for a world model with a simulator.
    description : str
        One paragraph for people.
    layer_sites : list[str]
        Module paths of the residual stream, bottom to top.
    default_length : int
        Number of time steps :meth:`sample` returns.
    default_rollout_steps : int
        Number of steps a rollout predicts by default.
    weights_path : pathlib.Path
        The safetensors file :meth:`load_module` reads.
    card_path : pathlib.Path
        The JSON model card; its ``weights.sha256`` is checked on load.
    """

    name: str = ""
    kind: str = "world"
    description: str = ""
    layer_sites: ClassVar[list[str]] = []
    default_length: int = 0
    default_rollout_steps: int = 0
    weights_file: str = ""  # file name inside WEIGHTS_DIR
    card_file: str = ""

    def __init__(
        self, weights_path: str | Path | None = None, card_path: str | Path | None = None
    ) -> None:
        self.weights_path = Path(weights_path) if weights_path else WEIGHTS_DIR / self.weights_file
        self.card_path = Path(card_path) if card_path else WEIGHTS_DIR / self.card_file
        self._card: dict[str, Any] | None = None

    # ---- to implement --------------------------------------------------
    def build_module(self) -> torch.nn.Module:
        """A freshly initialised model of the right architecture (no weights loaded)."""
        raise NotImplementedError

    def sample_batch(
        self, n: int, seed: int, length: int | None = None, latents: bool = False
    ) -> Any:
        """``n`` inputs ``[n, T, 2]`` from the simulator (with latents: ``(x, dict)``)."""
        raise NotImplementedError

    def true_graph(self) -> Any:
        """The simulator's causal graph as a ``networkx.DiGraph``."""
        raise NotImplementedError

    def simulate_future(
        self,
        latents_or_state: Any,
        steps: int,
        velocity: Any = None,
        return_latents: bool = False,
    ) -> Any:
        """Ground-truth continuation of a sample from its last state."""
        raise NotImplementedError

    # ---- shared --------------------------------------------------------
    def sample(self, seed: int = 0, latents: bool = False, length: int | None = None) -> Any:
        """One input ``[1, T, 2]``; with ``latents=True`` also a dict of ``[T, ...]`` latents."""
        out = self.sample_batch(1, seed, length=length, latents=latents)
        if not latents:
            return out
        x, lat = out
        return x, {k: v[0] for k, v in lat.items()}

    @property
    def card(self) -> dict[str, Any]:
        """The model card (JSON written by the training script), read once."""
        if self._card is None:
            if not self.card_path.exists():
                raise FileNotFoundError(
                    f"model card {self.card_path} is missing; {self.regenerate_hint}"
                )
            self._card = json.loads(self.card_path.read_text())
        return self._card

    @property
    def regenerate_hint(self) -> str:
        return "reinstall iwm_widgets to restore the shipped files"

    def check_weights(self) -> str:
        """Check the weight file's sha256 against the card; return the digest.

        Raises
        ------
        WeightsChecksumError
            The digest differs from the card's ``weights.sha256``.
        FileNotFoundError
            The weight file is missing.
        """
        path = self.weights_path
        if not path.exists():
            raise FileNotFoundError(f"weight file {path} is missing; {self.regenerate_hint}")
        expected = self.card["weights"]["sha256"]
        actual = sha256_file(path)
        if actual != expected:
            raise WeightsChecksumError(
                f"weight file {path} has sha256 {actual}, but the model card "
                f"{self.card_path.name} records {expected}: the file is corrupted or was "
                f"changed. {self.regenerate_hint[:1].upper()}{self.regenerate_hint[1:]}."
            )
        return actual

    def load_module(self) -> torch.nn.Module:
        """Build the model, verify and load the shipped weights, return it in eval mode."""
        from safetensors.torch import load_file  # no pickle

        self.check_weights()
        module = self.build_module()
        state = load_file(str(self.weights_path))
        module.load_state_dict(state, strict=True)
        module.eval()
        return module

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} kind={self.kind}>"
