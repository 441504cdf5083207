"""Sites (iwm_widgets/tracing/sites.py) on a loaded model: forward order, input sites."""

from __future__ import annotations

import torch

import iwm_widgets as iwm


def test_sites_in_forward_order(tiny, tiny_x):
    model = iwm.load(tiny)
    model.inspect(tiny_x)
    sites = model.sites
    assert (
        sites.index("embed") < sites.index("blocks.0") < sites.index("guard") < sites.index("head")
    )


def test_input_site_reads_module_input(tiny, tiny_x):
    model = iwm.load(tiny)
    res = iwm.run(model, tiny_x, reads=["head.input", "guard"])
    assert torch.equal(res["head.input"], res["guard"])
