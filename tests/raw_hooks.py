"""Ground truth for the tracing tests: a raw torch forward with a hand-written hook.

Shared by tests/test_model.py, tests/test_edits.py and tests/test_run.py.
"""

from __future__ import annotations

import torch


def hooked_forward(module, x, site, fn=None):
    """Raw torch: the value at ``site`` (optionally replaced by fn(value)) and the output."""
    got = {}

    def hook(mod, args, out):
        if fn is not None:
            out = fn(out.clone())
        got["h"] = out.clone()
        return out

    handle = module.get_submodule(site).register_forward_hook(hook)
    try:
        with torch.no_grad():
            out = module(x)
    finally:
        handle.remove()
    return got["h"], out
