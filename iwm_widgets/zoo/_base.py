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
from pathlib import Path
from typing import Any, ClassVar

import torch

from ..errors import FileFormatError, WeightsChecksumError
from ..safefiles import read_json, read_safetensors

__all__ = ["WEIGHTS_DIR", "ZooSpec", "check_card_files", "sha256_file"]

#: Folder of the shipped weight files and model cards.
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def sha256_file(path: str | Path) -> str:
    """Hex sha256 digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_sha256(path: Path, expected: Any, card_path: Path, hint: str) -> str:
    """``path``'s sha256 if it equals ``expected`` (from ``card_path``); else raise."""
    fix = f"{hint[:1].upper()}{hint[1:]}."
    if not isinstance(expected, str) or len(expected) != 64:
        raise WeightsChecksumError(
            f"the model card {card_path} records no sha256 for {path.name}, so the file "
            f"cannot be verified. {fix}"
        )
    actual = sha256_file(path)
    if actual != expected.lower():
        raise WeightsChecksumError(
            f"weight file {path} has sha256 {actual}, but the model card "
            f"{card_path.name} records {expected}: the file is corrupted or was "
            f"changed. {fix}"
        )
    return actual


def check_card_files(
    directory: str | Path,
    card_file: str = "card.json",
    hint: str = "reinstall iwm_widgets to restore the shipped files",
) -> dict[str, Any]:
    """Check every file a directory's card lists (``files: {name: {sha256}}``).

    For zoo models shipped as Hugging Face directories (``tiny-lm``). Returns the card.

    Raises
    ------
    WeightsChecksumError
        A file's sha256 differs from the card's (the message names the file and both
        digests), or the card records none.
    FileNotFoundError
        A listed file is missing.
    FileFormatError
        The card is not a JSON object with a ``files`` mapping.
    """
    directory = Path(directory)
    card_path = directory / card_file
    card = read_json(card_path, "model card")
    files = card.get("files") if isinstance(card, dict) else None
    if not isinstance(files, dict) or not files:
        raise FileFormatError(f"model card {card_path} lists no files to verify; {hint}")
    for name, entry in files.items():
        path = directory / str(name)
        if Path(str(name)).name != name:
            raise FileFormatError(f"model card {card_path} lists a file outside it: {name!r}")
        if not path.is_file():
            raise FileNotFoundError(f"file {path} listed in {card_path.name} is missing; {hint}")
        expected = entry.get("sha256") if isinstance(entry, dict) else None
        _check_sha256(path, expected, card_path, hint)
    return card


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
            card = read_json(self.card_path, "model card")
            if not isinstance(card, dict):
                raise FileFormatError(
                    f"model card {self.card_path} is not a JSON object; {self.regenerate_hint}"
                )
            self._card = card
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
        weights = self.card.get("weights")
        expected = weights.get("sha256") if isinstance(weights, dict) else None
        return _check_sha256(path, expected, self.card_path, self.regenerate_hint)

    def load_module(self) -> torch.nn.Module:
        """Build the model, verify and load the shipped weights, return it in eval mode."""
        self.check_weights()
        module = self.build_module()
        state = read_safetensors(self.weights_path, "weight file")
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as e:  # missing or unexpected keys, wrong shapes
            raise FileFormatError(
                f"weight file {self.weights_path} does not fit {type(module).__name__}: {e}; "
                f"{self.regenerate_hint}"
            ) from None
        module.eval()
        return module

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} kind={self.kind}>"
