"""Text inputs: token ids that carry their attention mask.

Text given to a model with a tokenizer (a causal LM or an encoder such as BERT) is
prepared into :class:`TokenIds`: a ``[batch, positions]`` integer tensor of token ids,
exactly what the library's code already handles, carrying the ``attention_mask`` of
its padding along. Every shape operation the library applies to prepared inputs
(slicing rows or positions, ``torch.cat``, ``expand``, ``repeat_interleave``,
``contiguous``, ``to``) is applied to the mask as well, so a batch built for patching
or for causal effects keeps the right mask without any call site knowing about it.
Any other operation gives a plain tensor. :meth:`Model.call_args
<iwm_widgets.tracing.model.Model.call_args>` turns prepared inputs back into the
``(args, kwargs)`` of a forward or a trace: the plain ids, plus ``attention_mask``
where padding exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from ..errors import InputError

__all__ = ["PAD_LABEL", "TokenIds", "encode_text", "token_labels"]

#: the column label of a padding position
PAD_LABEL = "<pad>"

_T = torch.Tensor
# Operations that act on positions only (never on values): applied to the mask too.
_SHAPE_OPS: set[Callable[..., Any]] = {
    _T.__getitem__,
    _T.expand,
    _T.expand_as,
    _T.contiguous,
    _T.clone,
    _T.detach,
    _T.repeat,
    _T.repeat_interleave,
    torch.repeat_interleave,
    _T.reshape,
    torch.reshape,
    _T.unsqueeze,
    torch.unsqueeze,
    _T.flip,
    torch.flip,
    _T.narrow,
    torch.narrow,
    _T.select,
    torch.select,
    _T.index_select,
    torch.index_select,
}
_JOIN_OPS: set[Callable[..., Any]] = {torch.cat, torch.concat, torch.concatenate, torch.stack}
_MOVE_OPS: set[Callable[..., Any]] = {_T.to, _T.cpu}


class TokenIds(torch.Tensor):
    """Token ids ``[batch, positions]`` with their ``attention_mask`` (1 = token, 0 = pad).

    A ``torch.Tensor`` in every respect; ``attention_mask`` follows shape operations
    (see the module notes). Build with :func:`encode_text` or :meth:`of`.
    """

    attention_mask: torch.Tensor

    @staticmethod
    def of(ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> TokenIds:
        """``ids`` (a plain tensor) with ``attention_mask`` (default: all ones)."""
        with torch._C.DisableTorchFunctionSubclass():
            plain = ids.as_subclass(torch.Tensor)
            mask = (
                torch.ones_like(plain, dtype=torch.long)
                if attention_mask is None
                else attention_mask.as_subclass(torch.Tensor).to(plain.device, torch.long)
            )
        if tuple(mask.shape) != tuple(plain.shape):
            raise InputError(
                f"attention_mask has shape {list(mask.shape)} but the token ids {list(plain.shape)}"
            )
        out = plain.as_subclass(TokenIds)
        out.attention_mask = mask
        return out

    @property
    def ids(self) -> torch.Tensor:
        """The token ids as a plain tensor."""
        with torch._C.DisableTorchFunctionSubclass():
            return self.as_subclass(torch.Tensor)

    @property
    def padded(self) -> bool:
        """Whether any position is padding."""
        return not bool(self.attention_mask.bool().all())

    @classmethod
    def __torch_function__(
        cls,
        func: Callable[..., Any],
        types: Any,
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
    ) -> Any:
        kwargs = dict(kwargs or {})
        mask: torch.Tensor | None = None
        with torch._C.DisableTorchFunctionSubclass():
            out = func(*args, **kwargs)
            if func in _JOIN_OPS:
                rest = dict(kwargs)
                seq = args[0] if args else rest.pop("tensors", ())
                if any(isinstance(t, TokenIds) for t in seq):
                    masks = [
                        t.attention_mask
                        if isinstance(t, TokenIds)
                        else torch.ones_like(t, dtype=torch.long)
                        for t in seq
                    ]
                    mask = func(masks, *args[1:], **rest)
            elif args and isinstance(args[0], TokenIds):
                if (
                    func in _MOVE_OPS
                    and isinstance(out, torch.Tensor)
                    and out.dtype == args[0].dtype  # a new dtype is a new value: plain
                ):
                    mask = args[0].attention_mask.to(out.device)
                elif func in _SHAPE_OPS:
                    mask = func(args[0].attention_mask, *args[1:], **kwargs)
        if (
            mask is None
            or not isinstance(out, torch.Tensor)
            or isinstance(out, TokenIds)  # an in-place op returned the input itself
            or out.shape != mask.shape
        ):
            return out
        res = out.as_subclass(TokenIds)
        res.attention_mask = mask
        return res

    def __deepcopy__(self, memo: dict[int, Any]) -> TokenIds:
        return TokenIds.of(self.ids.clone(), self.attention_mask.clone())

    def __reduce_ex__(self, protocol: Any) -> Any:  # pickle / torch.save: ids and mask
        return (TokenIds.of, (self.ids, self.attention_mask))

    def __repr__(self, *, tensor_contents: Any = None) -> str:  # type: ignore[override]
        with torch._C.DisableTorchFunctionSubclass():
            ids = self.as_subclass(torch.Tensor)
            pads = int((self.attention_mask == 0).sum())
        body = repr(ids).removeprefix("tensor(").removesuffix(")")
        return f"TokenIds({body}, padding={pads})"


def encode_text(
    tokenizer: Any, text: str | Sequence[str], context: tuple[int, str] | None = None
) -> TokenIds:
    """Tokenize a str or a list of str into :class:`TokenIds` (padded, with the mask).

    Raises :class:`InputError` for an empty list, an empty text, a text longer than
    ``context`` (``(positions, where that limit comes from)``) and texts of different
    lengths when the tokenizer has no pad token.
    """
    texts = [text] if isinstance(text, str) else list(text)
    if not texts:
        raise InputError("the list of texts is empty: give a str or a non-empty list of str")
    for i, s in enumerate(texts):
        if not isinstance(s, str):
            raise InputError(f"text {i} is a {type(s).__name__}, not a str")
        if s == "":
            which = "the text" if isinstance(text, str) else f"text {i} of the list"
            raise InputError(f"{which} is an empty string: give at least one word")
    ids = tokenizer(texts)["input_ids"]
    lengths = [len(r) for r in ids]
    for i, n in enumerate(lengths):
        if n == 0:
            raise InputError(
                f"text {i} ({texts[i]!r}) gives no tokens with this tokenizer: give other text"
            )
    if context is not None:
        limit, where = context
        for i, n in enumerate(lengths):
            if n > limit:
                which = "the text" if isinstance(text, str) else f"text {i}"
                raise InputError(
                    f"{which} is {n} tokens long, but the model's context is {limit} "
                    f"positions ({where}): shorten it, or split it into pieces of at most "
                    f"{limit} tokens"
                )
    if len(set(lengths)) > 1 and getattr(tokenizer, "pad_token_id", None) is None:
        raise InputError(
            f"the texts have different lengths ({', '.join(map(str, lengths))} tokens) and "
            "the tokenizer has no pad token, so they cannot be padded into one batch: set "
            "one (for GPT-2-style models, model.tokenizer.pad_token = "
            "model.tokenizer.eos_token), give texts of the same length, or run them one "
            "at a time"
        )
    if len(set(lengths)) == 1:
        return TokenIds.of(torch.tensor(ids, dtype=torch.long))
    enc = tokenizer(texts, padding="longest", return_tensors="pt", return_attention_mask=True)
    return TokenIds.of(enc["input_ids"], enc["attention_mask"])


def encode_mapping(enc: Mapping[str, Any]) -> TokenIds:
    """A tokenizer's output (``input_ids`` and optionally ``attention_mask``) as TokenIds."""
    if "input_ids" not in enc:
        raise InputError(
            f"a dict of model inputs needs 'input_ids'; got keys {sorted(map(str, enc))}"
        )
    extra = sorted(set(map(str, enc)) - {"input_ids", "attention_mask", "token_type_ids"})
    if extra:
        raise InputError(f"only input_ids and attention_mask are supported; got also {extra}")
    tt = enc.get("token_type_ids")
    if tt is not None and bool(torch.as_tensor(tt).any()):
        raise InputError(
            "sentence pairs (token_type_ids other than 0) are not supported: give one text per row"
        )
    ids = torch.as_tensor(enc["input_ids"])
    if ids.is_floating_point():
        raise InputError(f"input_ids must be integers, got dtype {ids.dtype}")
    if ids.ndim == 1:
        ids = ids[None]
    mask = enc.get("attention_mask")
    m = None if mask is None else torch.as_tensor(mask).reshape(ids.shape)
    return TokenIds.of(ids, m)


def token_labels(tokenizer: Any, ids: torch.Tensor, mask: torch.Tensor | None) -> list[str]:
    """One label per position of a 1-D row of ids: the decoded token, or ``PAD_LABEL``."""
    out = []
    for i, t in enumerate(ids.tolist()):
        if mask is not None and not int(mask[i]):
            out.append(PAD_LABEL)
        else:
            out.append(tokenizer.decode([int(t)]))
    return out
