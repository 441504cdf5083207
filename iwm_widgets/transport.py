"""Tensor <-> binary buffer transport between Python and the browser.

One serializer for the whole package (its JS twin is ``js/transport.js``): an array
becomes ``{"buffer": memoryview, "dtype": "float32" | "float16", "shape": [...]}``.
ipywidgets lifts the memoryview out of the JSON message and sends it as one binary
websocket frame, so no float ever travels as JSON text.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SUPPORTED_DTYPES", "from_buffer", "to_buffer"]

SUPPORTED_DTYPES = ("float32", "float16", "uint8", "int32")


def to_buffer(array: Any, dtype: str = "float32") -> dict[str, Any]:
    """Pack an array (torch tensor or anything numpy accepts) for a widget trait.

    Parameters
    ----------
    array
        A ``torch.Tensor`` or array-like. Copied to a C-contiguous numpy array.
    dtype
        Wire dtype, one of ``SUPPORTED_DTYPES``. ``float16`` halves the bytes; values
        beyond its range become ``inf``, so widgets use it only for bounded data.

    Returns
    -------
    dict
        ``{"buffer": memoryview, "dtype": str, "shape": list[int]}``.
    """
    if dtype not in SUPPORTED_DTYPES:
        raise ValueError(f"dtype must be one of {SUPPORTED_DTYPES}, got {dtype!r}")
    if hasattr(array, "detach"):  # torch.Tensor, without importing torch here
        array = array.detach().to("cpu").float().numpy()
    arr = np.ascontiguousarray(np.asarray(array), dtype=np.dtype(dtype))
    return {"buffer": memoryview(arr.tobytes()), "dtype": dtype, "shape": list(arr.shape)}


def from_buffer(payload: dict[str, Any]) -> np.ndarray:
    """Inverse of :func:`to_buffer` (accepts bytes, memoryview or a DataView-like)."""
    buf = payload["buffer"]
    if isinstance(buf, memoryview):
        buf = buf.tobytes()
    arr = np.frombuffer(bytes(buf), dtype=np.dtype(payload["dtype"]))
    return arr.reshape(payload["shape"])
