"""World-model runs: rollouts under edits equal raw torch rollouts with the same hooks."""

from __future__ import annotations

import pytest
import torch

import iwm_widgets as iwm


@pytest.fixture(scope="module")
def ball():
    return iwm.load("bouncing-ball")


def raw_rollout(module, x, steps, site, fn):
    """Raw torch: roll out with ``fn`` applied to ``site``'s output at every forward."""
    handle = module.get_submodule(site).register_forward_hook(lambda m, a, o: fn(o.clone()))
    try:
        with torch.no_grad():
            return module(x), module.rollout(x, steps)
    finally:
        handle.remove()


def test_unedited_rollout_equals_plain_rollout(ball):
    x = ball.sample(seed=3)
    res = iwm.run(ball, x, reads=ball.layers, rollout_steps=8)
    assert torch.equal(res.rollout, ball.rollout(x, 8))
    with torch.no_grad():
        assert torch.equal(res.output, ball.module(x))


@pytest.mark.parametrize(
    "scope", [{"start": 20}, {"positions": [-1]}, {"positions": [5, 31]}], ids=str
)
def test_edit_applies_at_every_rollout_step(ball, scope):
    x = ball.sample(seed=4)
    d = ball.shape("blocks.2")[-1]
    v = torch.randn(d, generator=torch.Generator().manual_seed(0))
    edit = iwm.Edit.add("blocks.2", v, 0.7, **scope)
    res = iwm.run(ball, x, [edit], reads=["blocks.2"], rollout_steps=6)

    def manual(h):
        if "start" in scope:
            h[:, scope["start"] :] += 0.7 * v
        else:
            h[:, scope["positions"]] += 0.7 * v
        return h

    out, roll = raw_rollout(ball.module, x, 6, "blocks.2", manual)
    assert torch.allclose(res.output, out, atol=1e-6)
    assert torch.allclose(res.rollout, roll, atol=1e-6)


def test_workspace_result_carries_rollout_and_sample_latents(ball):
    x, lat = ball.sample(seed=0, latents=True)
    assert torch.equal(lat["position"], x[0])
    assert lat["velocity"].shape == (x.shape[1], 2)
    ws = iwm.Workspace(ball, x, background=False)
    res = ws.run()
    assert res.rollout is not None and res.rollout.shape == (1, ball.default_rollout_steps, 2)
    truth = ball.spec.simulate_future(lat, 3)
    # the trained model's first predicted steps follow the simulator closely
    assert float((res.rollout[0, :3] - truth).norm(dim=-1).max()) < 0.02
    before = ball.weights_checksum()
    ones = torch.ones(1, ball.shape("blocks.2")[-1])
    ws.add_edit(iwm.Edit.clamp("blocks.2", 3.0, direction=ones))
    assert ball.weights_checksum() == before
    ws.close()


def test_bad_world_inputs(ball):
    with pytest.raises(iwm.errors.InputError, match=r"\[batch, steps, 2\]"):
        iwm.run(ball, torch.randn(1, 10, 3))
    with pytest.raises(iwm.errors.InputError, match="float"):
        iwm.run(ball, torch.ones(1, 10, 2, dtype=torch.long))
    with pytest.raises(iwm.errors.InputError, match="NaN"):
        iwm.run(ball, torch.full((1, 10, 2), float("nan")))
    with pytest.raises(iwm.errors.InputError, match="exceed the model's context"):
        iwm.run(ball, ball.sample(seed=0, length=40), rollout_steps=16)
