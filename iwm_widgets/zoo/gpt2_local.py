"""Build a GPT-2-shaped language model and its tokenizer locally (no hub).

Used by tests, benchmarks and the course to exercise the real Hugging Face loading
path (``from_pretrained(local_dir)``) offline. The weights are random unless trained.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["CORPUS", "build_tokenizer", "make_gpt2_dir"]

CORPUS = [
    "The Eiffel Tower is in the city of Paris .",
    "The Colosseum is in the city of Rome .",
    "The ball moves to the left and bounces off the wall .",
    "The taxi drives north then turns east at the park .",
    "A model of the world predicts what happens next .",
    "When the ball hits the wall its velocity flips .",
]


def build_tokenizer(corpus: list[str] | None = None, vocab_size: int = 512) -> Any:
    """A word-level tokenizer trained on ``corpus``, as a ``PreTrainedTokenizerFast``."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.WordLevelTrainer(vocab_size=vocab_size, special_tokens=["<unk>", "<eos>"])
    tok.train_from_iterator(corpus or CORPUS, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="<unk>", eos_token="<eos>", pad_token="<eos>"
    )


def make_gpt2_dir(
    path: str | Path,
    *,
    n_layer: int = 2,
    n_embd: int = 32,
    n_head: int = 2,
    n_positions: int = 128,
    vocab_size: int | None = None,
    seed: int = 0,
) -> Path:
    """Write a GPT-2 (random init, fixed seed) and its tokenizer to ``path``.

    ``n_layer=12, n_embd=256, n_head=8`` gives the ~10M-parameter model of the
    benchmarks (with ``vocab_size=8192``).
    """
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    path = Path(path)
    tok = build_tokenizer()
    cfg = GPT2Config(
        n_layer=n_layer,
        n_embd=n_embd,
        n_head=n_head,
        n_positions=n_positions,
        vocab_size=vocab_size or len(tok),
        bos_token_id=1,
        eos_token_id=1,
        attn_implementation="eager",
    )  # type: ignore[call-arg]
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(cfg).eval()
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path
