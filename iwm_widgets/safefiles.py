"""Reading files that may have been tampered with: safetensors and JSON, checked first.

Presets, saved Variables and the zoo's weights are read through these two functions.
They never trust a length the file claims before comparing it with the file's size
(a safetensors header claiming 2 GB in a 1 kB file is refused before anything is
read), never unpickle, and turn every way a file can be broken (truncated, not JSON,
entries of the wrong type, offsets outside the data) into one
:class:`~iwm_widgets.errors.FileFormatError` that names the file and says what was
wrong. No nnsight here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import torch

from .errors import FileFormatError

__all__ = ["MAX_HEADER_BYTES", "MAX_JSON_BYTES", "read_json", "read_safetensors"]

#: Largest safetensors header read (our files have headers of a few kB).
MAX_HEADER_BYTES = 16 << 20
#: Largest JSON file read (presets and model cards are a few kB).
MAX_JSON_BYTES = 64 << 20

#: Bytes per element of the safetensors dtypes.
_ITEMSIZE = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
    "U16": 2,
    "I16": 2,
    "F16": 2,
    "BF16": 2,
    "U32": 4,
    "I32": 4,
    "F32": 4,
    "U64": 8,
    "I64": 8,
    "F64": 8,
}


def _size(path: Path, what: str) -> int:
    try:
        if not path.is_file():
            raise FileFormatError(f"{what} {path} does not exist (or is not a file)")
        return path.stat().st_size
    except OSError as e:
        raise FileFormatError(f"cannot read {what} {path}: {e}") from e


def read_json(path: str | Path, what: str = "file", max_bytes: int = MAX_JSON_BYTES) -> Any:
    """The parsed JSON in ``path``; a :class:`FileFormatError` for anything else.

    Files larger than ``max_bytes`` are refused without being read.
    """
    path = Path(path)
    size = _size(path, what)
    if size > max_bytes:
        raise FileFormatError(
            f"{what} {path} is {size:,} bytes, more than the {max_bytes:,} a {what} can "
            "be; it is not the file that was saved"
        )
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise FileFormatError(
            f"{what} {path} is not valid JSON ({type(e).__name__}: {e}); it was truncated "
            "or edited by hand. Save it again."
        ) from None


def read_safetensors(
    path: str | Path, what: str = "file", max_header: int = MAX_HEADER_BYTES
) -> dict[str, torch.Tensor]:
    """The tensors of the safetensors file ``path``, after checking its layout.

    Checks, before handing the file to ``safetensors``: the 8-byte header length
    against the file's size and ``max_header``; the header is a JSON object whose
    entries have a known dtype, a shape of non-negative integers and data offsets
    that match the shape and lie inside the file. Every failure is a
    :class:`FileFormatError` naming the file.
    """
    path = Path(path)
    size = _size(path, what)
    hint = "the file is truncated, tampered with or not a safetensors file; save it again"

    def bad(msg: str) -> FileFormatError:
        return FileFormatError(f"{what} {path}: {msg}; {hint}")

    if size < 8:
        raise bad(f"{size} bytes is too short to hold a safetensors header")
    try:
        with open(path, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            if n > size - 8:
                raise bad(
                    f"its header claims {n:,} bytes but only {size - 8:,} follow the 8-byte length"
                )
            if n > max_header:
                raise bad(f"its header claims {n:,} bytes, more than the {max_header:,} allowed")
            raw = f.read(n)
    except OSError as e:
        raise FileFormatError(f"cannot read {what} {path}: {e}") from e
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise bad(f"its header is not JSON ({type(e).__name__})") from None
    if not isinstance(header, dict):
        raise bad("its header is not a JSON object")
    data_len = size - 8 - n
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise bad(f"tensor {name!r} has no dtype/shape/data_offsets entry")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in _ITEMSIZE:
            raise bad(f"tensor {name!r} has unknown dtype {dtype!r}")
        if not isinstance(shape, list) or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape
        ):
            raise bad(f"tensor {name!r} has a bad shape {shape!r}")
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1] <= data_len
        ):
            raise bad(f"tensor {name!r} has data offsets {offsets!r} outside the file's data")
        if offsets[1] - offsets[0] != math.prod(shape) * _ITEMSIZE[dtype]:
            raise bad(
                f"tensor {name!r} of shape {shape} ({dtype}) does not fill its "
                f"{offsets[1] - offsets[0]} bytes"
            )
    from safetensors.torch import load_file  # no pickle

    try:
        return load_file(str(path))
    except Exception as e:  # safetensors' own checks (overlaps, gaps): same message
        raise bad(f"{type(e).__name__}: {e}") from None
