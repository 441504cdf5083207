"""Tensor <-> binary buffer transport between Python and the browser.

One serializer for the whole package (its JS twin is ``js/shared/transport.js``): an array
becomes ``{"buffer": memoryview, "dtype": "float32" | "float16", "shape": [...]}``.
ipywidgets lifts the memoryview out of the JSON message and sends it as one binary
websocket frame, so no float ever travels as JSON text.

An array already of the wire dtype travels bit for bit (NaN payloads, signed zeros and
subnormals included). Integer wire dtypes take only values they hold exactly: anything
else raises :class:`~iwm_widgets.errors.TransportError` rather than wrapping silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import TransportError

__all__ = ["SUPPORTED_DTYPES", "from_buffer", "to_buffer"]

SUPPORTED_DTYPES = ("float32", "float16", "uint8", "int32")


def _numpy(array: Any) -> np.ndarray:
    """A numpy array of ``array``, in its own dtype where numpy has it (no float detour)."""
    if hasattr(array, "detach"):  # torch.Tensor, without importing torch here
        t = array.detach().to("cpu")
        if t.is_complex():
            raise TransportError(f"cannot send a complex tensor ({t.dtype})")
        try:
            return np.asarray(t.numpy())
        except TypeError:  # bfloat16 and other dtypes numpy lacks: exact in float32
            return np.asarray(t.float().numpy())
    try:
        return np.asarray(array)
    except (TypeError, ValueError) as e:
        raise TransportError(f"cannot send {type(array).__name__} as an array: {e}") from None


def to_buffer(array: Any, dtype: str = "float32") -> dict[str, Any]:
    """Pack an array (torch tensor or anything numpy accepts) for a widget trait.

    Parameters
    ----------
    array
        A ``torch.Tensor`` or array-like. Copied to a C-contiguous numpy array.
    dtype
        Wire dtype, one of ``SUPPORTED_DTYPES``. ``float16`` halves the bytes; values
        beyond its range become ``inf``, so widgets use it only for bounded data.
        ``uint8`` / ``int32`` take only finite whole numbers in their range.

    Returns
    -------
    dict
        ``{"buffer": memoryview, "dtype": str, "shape": list[int]}``.

    Raises
    ------
    TransportError
        An unknown wire dtype, or values the wire dtype cannot hold exactly.
    """
    if not isinstance(dtype, str) or dtype not in SUPPORTED_DTYPES:
        raise TransportError(f"dtype must be one of {SUPPORTED_DTYPES}, got {dtype!r}")
    src = _numpy(array)
    wire = np.dtype(dtype)
    if src.dtype.kind not in "biuf":
        raise TransportError(f"cannot send an array of dtype {src.dtype} as {dtype}")
    if wire.kind in "iu" and src.size and src.dtype != wire and src.dtype.kind != "b":
        info = np.iinfo(wire)
        with np.errstate(invalid="ignore"):
            ok = bool(np.isfinite(src).all()) if src.dtype.kind == "f" else True
            ok = ok and bool((src >= info.min).all() and (src <= info.max).all())
            ok = ok and (src.dtype.kind != "f" or bool((src == np.round(src)).all()))
        if not ok:
            raise TransportError(
                f"values outside {dtype}'s whole numbers {info.min}..{info.max} (or NaN/inf) "
                f"cannot be sent as {dtype}; send them as float32"
            )
    with np.errstate(over="ignore"):  # float16: beyond its range is inf, as documented
        arr = src.astype(wire, order="C")  # (not ascontiguousarray: it makes scalars 1-D)
    return {"buffer": memoryview(arr.tobytes()), "dtype": dtype, "shape": list(arr.shape)}


def from_buffer(payload: Mapping[str, Any]) -> np.ndarray:
    """Inverse of :func:`to_buffer` (accepts bytes, memoryview or a DataView-like).

    Raises
    ------
    TransportError
        A payload without ``buffer`` / ``dtype`` / ``shape``, an unknown dtype, a shape
        that is not a list of non-negative integers, or a buffer of the wrong size.
    """
    if not isinstance(payload, Mapping) or not {"buffer", "dtype", "shape"} <= set(payload):
        got = sorted(map(str, payload)) if isinstance(payload, Mapping) else type(payload).__name__
        raise TransportError(f"a payload is {{buffer, dtype, shape}}, got {got}")
    dtype, shape, buf = payload["dtype"], payload["shape"], payload["buffer"]
    if not isinstance(dtype, str) or dtype not in SUPPORTED_DTYPES:
        raise TransportError(f"payload dtype must be one of {SUPPORTED_DTYPES}, got {dtype!r}")
    if not isinstance(shape, (list, tuple)) or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise TransportError(f"payload shape must be a list of integers >= 0, got {shape!r}")
    try:
        data = memoryview(buf).cast("B").tobytes()
    except TypeError as e:
        raise TransportError(f"payload buffer must be bytes-like: {e}") from None
    wire = np.dtype(dtype)
    n = int(np.prod([int(d) for d in shape], dtype=object)) if shape else 1
    need = n * wire.itemsize
    if len(data) != need:
        raise TransportError(
            f"buffer has {len(data)} bytes, shape {list(shape)} of {dtype} needs {need}"
        )
    return np.frombuffer(data, dtype=wire).reshape([int(d) for d in shape])
