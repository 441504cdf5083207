"""Key/value caches of Hugging Face causal language models, for the runs that reuse
the positions an intervention cannot change (a causal model's earlier positions):
:func:`~iwm_widgets.tracing.patching.patching_sweep` (each block of patched rows from
its first position on) and :func:`~iwm_widgets.tracing.run.run` with ``baseline=``
(a Workspace's dial from its first edited position on)."""

from __future__ import annotations

import contextlib
import inspect
import logging
import warnings
from collections.abc import Iterator
from typing import Any

__all__ = ["cache_keyword", "cache_of", "quiet_cache_names", "repeat_cache"]


def cache_keyword(module: Any) -> tuple[str | None, str]:
    """The keyword that passes a key/value cache to ``module``'s forward, or ``(None,
    why not)``: a Hugging Face decoder whose forward takes one."""
    cfg = getattr(module, "config", None)
    if cfg is None or getattr(cfg, "is_encoder_decoder", False) or not hasattr(cfg, "use_cache"):
        return None, "not a Hugging Face decoder"
    try:
        params = inspect.signature(module.forward).parameters
    except (TypeError, ValueError):
        return None, "forward signature unknown"
    if "cache" in params or "past_key_values" in params:
        # always by its older name: transformers 5 maps it onto ``cache``, which an
        # nnsight trace would keep for itself (it has a ``cache`` of its own)
        return "past_key_values", ""
    return None, "forward takes no key/value cache"


def cache_of(output: Any) -> Any:
    """The key/value cache a Hugging Face forward returned (``None`` if none), read
    without the deprecated ``past_key_values`` property."""
    get = getattr(output, "get", None)
    if get is None:
        return None
    kv = get("cache")
    return kv if kv is not None else get("past_key_values")


@contextlib.contextmanager
def quiet_cache_names() -> Iterator[None]:
    """Silence transformers 5's notice that ``past_key_values`` is now ``cache`` (the
    sweep passes the older name on purpose, see :func:`cache_keyword`)."""
    log = logging.getLogger("transformers.utils.generic")
    log.addFilter(_NOTICE)  # (a filter: setLevel would clear logging's caches)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*past_key_values.*", category=FutureWarning)
            yield
    finally:
        log.removeFilter(_NOTICE)


class _CacheNameNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "past_key_values" not in record.getMessage()


_NOTICE = _CacheNameNotice()


def repeat_cache(cache: Any, p0: int, n: int) -> Any:
    """A new key/value cache: ``cache``'s first ``p0`` positions, repeated for ``n`` rows."""
    from transformers import DynamicCache

    out = DynamicCache()
    for i, layer in enumerate(cache.layers):
        k, v = layer.keys[:, :, :p0], layer.values[:, :, :p0]
        out.update(k.expand(n, *k.shape[1:]).clone(), v.expand(n, *v.shape[1:]).clone(), i)
    return out
