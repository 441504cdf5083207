"""Bad input, all of it tried (issue 10).

Each case gives a clear error of our own classes in Python and in a widget's error
box, leaves the model bit-identical (every parameter and buffer hashed, no hook left on
any module of ``model.module`` or ``model.engine_module``), and the same Workspace, in
the foreground and in the background, still runs and gives what a fresh run gives.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import TinyNet

import iwm_widgets as iwm
from iwm_widgets.errors import (
    EditError,
    FileFormatError,
    InputError,
    SiteNotFoundError,
    WeightsChecksumError,
)
from iwm_widgets.safefiles import read_json, read_safetensors
from iwm_widgets.tracing.probes import load_variables, save_variables
from iwm_widgets.zoo import bouncing_ball as bb
from iwm_widgets.zoo._base import check_card_files, sha256_file

NAN, INF = float("nan"), float("inf")


# ---------------------------------------------------------------- harness
def no_hooks(model: iwm.Model) -> None:
    for root in (model.module, model.engine_module):
        for name, m in root.named_modules():
            assert not m._forward_hooks, f"forward hook left on {name!r}"
            assert not m._forward_pre_hooks, f"forward pre-hook left on {name!r}"


def same(a: iwm.Result, b: iwm.Result) -> None:
    assert torch.equal(a.output, b.output)
    assert (a.rollout is None) == (b.rollout is None)
    if a.rollout is not None:
        assert torch.equal(a.rollout, b.rollout)
    assert set(a.activations) == set(b.activations)
    for k in a.activations:
        assert torch.equal(a[k], b[k]), k


@dataclass
class Env:
    """A model, its inputs, a foreground and a background Workspace, and a widget."""

    model: iwm.Model
    x: torch.Tensor
    ws: iwm.Workspace
    bg: iwm.Workspace
    view: Any
    checksum: str
    fresh: iwm.Result  # a fresh foreground run of the unedited inputs
    fresh_bg: iwm.Result  # the same from a fresh background Workspace

    def check(self, good: iwm.Edit | None = None) -> None:
        """Model untouched, no hooks, both Workspaces still run and match fresh runs."""
        assert self.model.weights_checksum() == self.checksum
        no_hooks(self.model)
        same(self.ws.run(), self.fresh)
        self.bg.request_run()
        same(self.bg.wait(), self.fresh_bg)
        assert self.view.error == ""  # a good run clears the error box
        if good is not None:  # and an edit still works in the same Workspace
            self.ws.add_edit(good)
            steps = self.ws.rollout_steps
            ref = iwm.run(self.model, self.x, [good], self.ws.reads, rollout_steps=steps)
            same(self.ws.result, ref)  # type: ignore[arg-type]
            self.ws.clear_edits()
        assert self.model.weights_checksum() == self.checksum
        no_hooks(self.model)


def make_env(model: iwm.Model, x: torch.Tensor, view: Callable[[iwm.Workspace], Any]) -> Env:
    checksum = model.weights_checksum()
    ws = iwm.Workspace(model, x, background=False)
    w = view(ws)
    fresh = iwm.Workspace(model, x, background=False).run()
    bg, fresh_bg_ws = iwm.Workspace(model, x), iwm.Workspace(model, x)
    fresh_bg_ws.request_run()
    fresh_bg = fresh_bg_ws.wait()
    fresh_bg_ws.close()
    bg.request_run()
    bg.wait()
    return Env(model, x, ws, bg, w, checksum, fresh, fresh_bg)


def close(env: Env) -> None:
    env.view.close()
    env.ws.close()
    env.bg.close()


@pytest.fixture(scope="module")
def ball() -> iwm.Model:
    return iwm.load("bouncing-ball")


@pytest.fixture
def velocity(ball: iwm.Model) -> iwm.Variable:
    """A 2-D Variable at blocks.2 of the ball (random directions: fitting is not tested)."""
    g = torch.Generator().manual_seed(0)
    read = torch.randn(2, 64, generator=g)
    return iwm.Variable(
        "velocity", "blocks.2", read, torch.zeros(2), read.clone(), model_name=ball.name
    )


@pytest.fixture
def tiny_env() -> Iterator[Env]:
    torch.manual_seed(0)
    model = iwm.load(TinyNet().eval())
    x = torch.randn(1, 6, 3, generator=torch.Generator().manual_seed(1))
    env = make_env(model, x, iwm.ActivationMap)
    yield env
    close(env)


@pytest.fixture
def ball_env(ball: iwm.Model, velocity: iwm.Variable) -> Iterator[Env]:
    env = make_env(ball, ball.sample(seed=0), lambda ws: iwm.SteeringDials(ws, [velocity]))
    yield env
    close(env)


def refused(env: Env, make: Callable[[], Any], error: type[Exception], fragment: str) -> None:
    """``make()`` raises ``error`` with ``fragment``; the widget shows it too."""
    with pytest.raises(error, match=fragment) as e:
        make()
    assert isinstance(e.value, iwm.errors.IWMError)
    assert type(e.value).__name__ in env.view.error and str(e.value) in env.view.error


def add_both(env: Env, edit: iwm.Edit) -> Callable[[], None]:
    """Adding ``edit`` to the foreground and then the background Workspace."""

    def go() -> None:
        before, before_bg = env.ws.edits, env.bg.edits
        try:
            env.bg.add_edit(edit)
        except iwm.errors.IWMError:
            assert env.bg.edits == before_bg  # refused: not added
        else:
            raise AssertionError("the background Workspace took a bad edit")
        try:
            env.ws.add_edit(edit)
        finally:
            assert env.ws.edits == before

    return go


# ---------------------------------------------------------------- NaN / inf
def test_nan_or_inf_inputs_are_refused(tiny_env: Env, ball_env: Env) -> None:
    env = tiny_env
    for bad_value in (NAN, INF, -INF):
        bad = env.x.clone()
        bad[0, 2, 1] = bad_value
        with pytest.raises(InputError, match="NaN or inf"):
            iwm.run(env.model, bad)
        with pytest.raises(InputError, match="NaN or inf"):
            iwm.Workspace(env.model, bad)
        refused(env, lambda b=bad: setattr(env.ws, "inputs", b), InputError, "NaN or inf")
        with pytest.raises(InputError, match="NaN or inf"):
            env.bg.inputs = bad
    assert torch.equal(env.ws.inputs, env.x) and torch.equal(env.bg.inputs, env.x)
    env.check(iwm.Edit.add("blocks.1", torch.ones(16), 0.5))

    env = ball_env
    bad = env.x.clone()
    bad[0, 3, 0] = NAN
    with pytest.raises(InputError, match="NaN or inf"):
        iwm.run(env.model, bad, rollout_steps=4)
    with pytest.raises(InputError, match="NaN or inf"):
        env.model.rollout(bad, 4)
    refused(env, lambda: setattr(env.ws, "inputs", bad), InputError, "NaN or inf")
    env.check()


def test_nan_or_inf_in_an_edit_vector_is_refused(tiny_env: Env, ball_env: Env) -> None:
    env = tiny_env
    vec = torch.ones(16)
    vec[3] = NAN
    with pytest.raises(EditError, match="NaN or inf"):
        iwm.Edit.add("blocks.1", vec)
    with pytest.raises(EditError, match="NaN or inf"):
        iwm.Edit.set("blocks.1", [INF] * 16)
    with pytest.raises(EditError, match="NaN or inf"):
        iwm.Edit.ablate("blocks.1", "mean", mean=vec)
    with pytest.raises(EditError, match="NaN or inf"):
        iwm.Edit.clamp("blocks.1", NAN, direction=torch.ones(16))
    with pytest.raises(EditError, match="NaN or inf"):
        iwm.Edit.clamp("blocks.1", 1.0, direction=vec)
    with pytest.raises(EditError, match="scale must be finite"):
        iwm.Edit.add("blocks.1", torch.ones(16), INF)
    with pytest.raises(EditError, match="NaN or inf"):  # built directly, not by a classmethod
        iwm.Edit("add", "blocks.1", vec)
    # a tensor changed in place after the edit was made: caught before the run
    edit = iwm.Edit.add("blocks.1", torch.ones(16))
    assert edit.value is not None
    edit.value[0] = INF
    refused(env, add_both(env, edit), EditError, "NaN or inf")
    with pytest.raises(EditError, match="NaN or inf"):
        iwm.run(env.model, env.x, [edit])
    env.check(iwm.Edit.add("blocks.1", torch.ones(16), 0.5))

    env = ball_env  # a dial turned to NaN: shown in the dials' error box, nothing added
    dials = env.view
    dials.values = {"velocity": {"angle": NAN, "radius": 0.03}}
    assert "non-finite" in dials.error
    assert env.ws.edits == ()
    dials.values = {"velocity": None}
    env.check()


# ---------------------------------------------------------------- wrong length
def test_vector_of_the_wrong_length_is_refused(tiny_env: Env, ball_env: Env) -> None:
    env = tiny_env
    refused(env, add_both(env, iwm.Edit.add("blocks.1", torch.ones(5))), EditError, "length 5")
    refused(env, add_both(env, iwm.Edit.set("blocks.1", torch.ones(17))), EditError, "17")
    refused(
        env,
        add_both(env, iwm.Edit.add("blocks.1", torch.ones(3, 16))),  # 3 rows for 6 positions
        EditError,
        "does not broadcast",
    )
    refused(
        env,
        add_both(env, iwm.Edit.clamp("blocks.1", 1.0, direction=torch.ones(8))),
        EditError,
        "direction has length 8",
    )
    with pytest.raises(EditError, match="1 directions but 3 target values"):
        iwm.Edit.clamp("blocks.1", torch.ones(3, 1), direction=torch.ones(16))
    g = torch.Generator().manual_seed(2)
    v16 = iwm.Variable("v", "blocks.1", torch.randn(2, 16, generator=g), [0.0, 0.0],
                       torch.randn(2, 16, generator=g))  # fmt: skip
    refused(  # one target per batch row, for 3 rows of a batch of 1
        env, add_both(env, iwm.Edit.clamp(v16, torch.ones(3, 2))), EditError, "3 per-row targets"
    )
    with pytest.raises(EditError, match="length 5"):
        iwm.run(env.model, env.x, [iwm.Edit.add("blocks.1", torch.ones(5))])
    env.check(iwm.Edit.set("blocks.1", torch.ones(1, 6, 16)))  # a whole value still fits

    env = ball_env
    refused(env, add_both(env, iwm.Edit.add("blocks.2", torch.ones(63))), EditError, "length 63")
    env.check()


def test_float64_and_integer_vectors_are_converted_exactly(tiny_env: Env) -> None:
    env = tiny_env
    v32 = torch.randn(16, generator=torch.Generator().manual_seed(3))
    f64 = iwm.Edit.add("blocks.1", v32.double())  # float64: rounded to float32
    assert f64.value is not None and f64.value.dtype == torch.float32
    assert torch.equal(f64.value, v32)
    ints = iwm.Edit.add("blocks.1", torch.arange(16))  # int64: exact in float32
    assert ints.value is not None and torch.equal(ints.value, torch.arange(16.0))
    assert torch.equal(iwm.Edit.add("blocks.1", list(range(16))).value, torch.arange(16.0))
    ref = iwm.run(env.model, env.x, [iwm.Edit.add("blocks.1", v32)]).output
    assert torch.equal(iwm.run(env.model, env.x, [f64]).output, ref)
    assert iwm.Edit.scale("blocks.1", 3).value.dtype == torch.float32
    with pytest.raises(EditError, match=r"2\*\*24"):  # not exact in float32: refused
        iwm.Edit.add("blocks.1", torch.full((16,), 2**24 + 1))
    with pytest.raises(EditError, match="float32's range"):
        iwm.Edit.add("blocks.1", torch.full((16,), 1e300, dtype=torch.float64))
    with pytest.raises(EditError, match="complex"):
        iwm.Edit.add("blocks.1", torch.ones(16, dtype=torch.complex64))
    with pytest.raises(EditError, match="numbers"):
        iwm.Edit.add("blocks.1", ["a"] * 16)
    with pytest.raises(EditError, match="positions must be integers"):
        iwm.Edit.ablate("blocks.1", positions=[1.5])
    with pytest.raises(EditError, match="scale must be a number"):
        iwm.Edit.add("blocks.1", v32, scale="big")
    env.check(ints)


# ---------------------------------------------------------------- clamp directions
def test_zero_clamp_direction_is_refused(tiny_env: Env, ball: iwm.Model) -> None:
    env = tiny_env
    with pytest.raises(EditError, match="all zeros"):
        iwm.Edit.clamp("blocks.1", 1.0, direction=torch.zeros(16))
    with pytest.raises(EditError, match="write direction 0 is all zeros"):
        iwm.Edit.clamp("blocks.1", 1.0, direction=torch.ones(16), write=torch.zeros(16))
    with pytest.raises(EditError, match="singular"):  # W·Aᵀ underflows float32
        iwm.Edit.clamp("blocks.1", 1.0, direction=torch.full((16,), 1e-30))
    with pytest.raises(EditError, match="singular"):  # orthogonal read and write
        iwm.Edit.clamp("blocks.1", 1.0, direction=torch.eye(16)[0], write=torch.eye(16)[1])
    with pytest.raises(EditError, match="all zeros"):
        iwm.Variable("v", "blocks.1", torch.ones(1, 16), torch.zeros(1), torch.zeros(1, 16))
    edit = iwm.Edit.clamp("blocks.1", 1.0, direction=torch.ones(16))
    assert edit.direction is not None
    edit.direction.zero_()  # zeroed in place after it was checked
    refused(env, add_both(env, edit), EditError, "all zeros")
    env.check(iwm.Edit.clamp("blocks.1", 1.0, direction=torch.ones(16)))


# ---------------------------------------------------------------- Variables
def test_variable_from_another_model_or_width_is_refused(
    tiny_env: Env, ball: iwm.Model, velocity: iwm.Variable
) -> None:
    env = tiny_env  # the ball's velocity (width 64) on the tiny net (width 16)
    on_tiny = iwm.Variable(
        "velocity", "blocks.1", velocity.read, velocity.bias, velocity.write, model_name="ball"
    )
    refused(env, add_both(env, iwm.Edit.clamp(on_tiny, [0.1, 0.2])), EditError, "length 64")
    refused(env, add_both(env, iwm.Edit.add(on_tiny, [0.1, 0.2])), EditError, "length 64")
    with pytest.raises(EditError, match=r"fitted on 'ball'.*16 features"):
        iwm.SteeringDials(env.ws, [on_tiny])
    with pytest.raises(EditError, match="length 64"):
        iwm.dial_scan(env.model, env.x, on_tiny, [[0.0, 0.0]], steps=0)
    with pytest.raises(EditError, match="reads 64 features"):
        on_tiny.readout(env.ws.run())
    # the ball's own Variable: the tiny net has a blocks.2 too, of another width
    refused(env, add_both(env, iwm.Edit.clamp(velocity, [0.1, 0.2])), EditError, "length 64")
    env.check()
    # an LM's Variable on the ball: its site does not exist there
    lm_var = iwm.Variable("topic", "transformer.h.1", torch.ones(1, 64), [0.0], torch.ones(1, 64))
    ws = iwm.Workspace(ball, ball.sample(seed=0), background=False)
    with pytest.raises(SiteNotFoundError, match=r"transformer\.h\.1"):
        iwm.SteeringDials(ws, [lm_var])
    with pytest.raises(SiteNotFoundError):
        ws.add_edit(iwm.Edit.clamp(lm_var, [1.0]))
    ws.close()


# ---------------------------------------------------------------- world inputs
def test_world_input_with_zero_context_steps_is_refused(ball_env: Env) -> None:
    env = ball_env
    empty = torch.zeros(1, 0, 2)
    with pytest.raises(InputError, match="at least one context step"):
        iwm.run(env.model, empty)
    with pytest.raises(InputError, match="at least one context step"):
        iwm.run(env.model, empty, rollout_steps=3)
    with pytest.raises(InputError, match="at least one context step"):
        iwm.Workspace(env.model, empty)
    with pytest.raises(InputError, match="at least one context step"):
        env.model.rollout(empty, 3)
    with pytest.raises(InputError, match="at least one"):
        iwm.run(env.model, torch.zeros(0, 5, 2))  # no sequence at all
    with pytest.raises(InputError, match="at most 48 context steps"):
        iwm.run(env.model, torch.rand(1, 49, 2))
    refused(env, lambda: setattr(env.ws, "inputs", empty), InputError, "at least one context")
    with pytest.raises(InputError, match="at least one context step"):
        env.bg.inputs = empty
    assert env.ws.inputs.shape == env.x.shape
    env.check()


# ---------------------------------------------------------------- files
@pytest.fixture
def preset(ball_env: Env, tmp_path: Path) -> Path:
    dials = ball_env.view
    dials.set(velocity={"angle": 30, "radius": 0.03})
    path = dials.save_preset(tmp_path / "preset")
    dials.reset()
    return path


def tensors_of(path: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return dict(load_file(str(path.with_suffix(".safetensors"))))


def write_tensors(path: Path, tensors: dict[str, torch.Tensor]) -> None:
    from safetensors.torch import save_file

    save_file(tensors, str(path.with_suffix(".safetensors")))


def tampered_presets(path: Path) -> Iterator[tuple[str, Callable[[], None], type, str]]:
    """(case, how to tamper with the preset at ``path``, error, message fragment)."""
    meta = json.loads(path.read_text())
    tensors = tensors_of(path)
    raw = path.with_suffix(".safetensors").read_bytes()

    def meta_with(**changes: Any) -> Callable[[], None]:
        return lambda: path.write_text(json.dumps({**meta, **changes}))

    def entry_with(**changes: Any) -> Callable[[], None]:
        entry = {k: v for k, v in {**meta["variables"][0], **changes}.items() if v is not None}
        return meta_with(variables=[entry])

    def tensors_with(**changes: torch.Tensor | None) -> Callable[[], None]:
        t = {k.replace("_", "."): v for k, v in changes.items()}
        new = {k: v for k, v in {**tensors, **t}.items() if v is not None}
        return lambda: write_tensors(path, new)

    def raw_bytes(data: bytes) -> Callable[[], None]:
        return lambda: path.with_suffix(".safetensors").write_bytes(data)

    ff = FileFormatError
    cases: list[tuple[str, Callable[[], None], type, str]] = [
        ("read of the wrong shape", tensors_with(**{"0_read": torch.ones(2, 10)}), ff,
         r"must both be \[2, d\]"),
        ("consistent but wrong width",
         tensors_with(**{"0_read": torch.ones(2, 10), "0_write": torch.ones(2, 10)}),
         EditError, "width 10"),
        ("bias of the wrong shape", tensors_with(**{"0_bias": torch.ones(3)}), ff,
         "bias has shape"),
        ("an extra tensor", tensors_with(**{"0_extra": torch.ones(1)}), ff,
         "unexpected tensors"),
        ("a missing tensor", tensors_with(**{"0_bias": None}), ff, "missing tensors"),
        ("NaN in a tensor", tensors_with(**{"0_read": torch.full((2, 64), NAN)}), ff,
         "NaN or inf"),
        ("an extra key", entry_with(colour="red"), ff, "unknown keys"),
        ("a missing key", entry_with(site=None), ff, r"missing \['site'\]"),
        ("no variables list", meta_with(variables=None), ff, "'variables' list"),
        ("a bad site", entry_with(site={"path": 3}), ff, "bad site"),
        ("a bad scope", meta_with(scope="sideways"), ff, "scope must be"),
        ("a bad dial value", meta_with(values={"velocity": "fast"}), ff, "angle, radius"),
        ("another format", meta_with(format="other/2"), ff, "not a"),
        ("another model", meta_with(model="another-model"), EditError, "another-model"),
        ("JSON cut short", lambda: path.write_text(path.read_text()[:40]), ff,
         "not valid JSON"),
        ("safetensors cut short", raw_bytes(raw[: len(raw) // 2]), ff,
         "outside the file's data|claims"),
        ("safetensors of 5 bytes", raw_bytes(raw[:5]), ff, "too short"),
        ("a 2 GB header claim", raw_bytes((2**31).to_bytes(8, "little") + b"{}"), ff,
         "claims 2,147,483,648 bytes"),
        ("a header that is not JSON", raw_bytes((4).to_bytes(8, "little") + b"\xff\xfe{}"),
         ff, "not JSON"),
        ("offsets past the data",
         raw_bytes(_header({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})
                   + b"\0" * 8),
         ff, "outside the file's data"),
        ("offsets that do not fit the shape",
         raw_bytes(_header({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}})
                   + b"\0" * 8),
         ff, "does not fill"),
    ]  # fmt: skip
    yield from cases


def _header(h: dict[str, Any]) -> bytes:
    text = json.dumps(h).encode()
    return len(text).to_bytes(8, "little") + text


def test_tampered_presets_are_refused(ball_env: Env, preset: Path) -> None:
    env, dials = ball_env, ball_env.view
    good_json = preset.read_bytes()
    good_tensors = preset.with_suffix(".safetensors").read_bytes()
    state = (dict(dials.values), dials.scope, dials.scope_start, dials.direction)
    for case, tamper, error, fragment in tampered_presets(preset):
        tamper()
        with pytest.raises(error, match=fragment):
            dials.load_preset(preset)
        assert fragment.split("|")[0].replace("\\", "") in dials.error, case
        assert type(dials.error) is str and error.__name__ in dials.error, case
        assert (dict(dials.values), dials.scope, dials.scope_start, dials.direction) == state
        assert env.ws.edits == ()
        assert env.model.weights_checksum() == env.checksum, case
        preset.write_bytes(good_json)
        preset.with_suffix(".safetensors").write_bytes(good_tensors)
    env.check()
    dials.load_preset(preset)  # the untouched preset still loads, and the dial turns
    assert dials.values["velocity"] == {"angle": 30, "radius": 0.03} and env.ws.edits
    dials.reset()
    env.check()


def test_tampered_variable_files_raise_file_format_errors(
    velocity: iwm.Variable, tmp_path: Path
) -> None:
    path = tmp_path / "vars.json"
    save_variables(path, [velocity], {"note": "mine"})
    back, meta = load_variables(path)
    assert meta == {"note": "mine"} and torch.equal(back[0].read, velocity.read)
    for case, tamper, _, fragment in tampered_presets(path):
        if case in ("consistent but wrong width", "a bad scope", "a bad dial value"):
            continue  # preset-level checks (the dials); a lone file of Variables is fine
        if case in ("another format", "another model"):
            continue
        tamper()
        with pytest.raises(FileFormatError, match=fragment):
            load_variables(path)
        save_variables(path, [velocity], {"note": "mine"})
    with pytest.raises(FileFormatError, match="does not exist"):
        load_variables(tmp_path / "nothing")
    d = velocity.to_dict()
    assert torch.equal(iwm.Variable.from_dict(d).write, velocity.write)
    with pytest.raises(FileFormatError, match=r"missing \['read'\]"):
        iwm.Variable.from_dict({k: v for k, v in d.items() if k != "read"})
    with pytest.raises(FileFormatError, match="unknown keys"):
        iwm.Variable.from_dict({**d, "extra": 1})
    with pytest.raises(FileFormatError, match="need \\[2, 64\\]"):
        iwm.Variable.from_dict({**d, "write": [[1.0] * 64]})


def test_file_readers_never_trust_the_claimed_lengths(tmp_path: Path) -> None:
    huge = tmp_path / "huge.safetensors"
    huge.write_bytes((2**31).to_bytes(8, "little") + b"{}" + b" " * 100)
    with pytest.raises(FileFormatError, match="claims 2,147,483,648 bytes but only 102"):
        read_safetensors(huge)
    big = tmp_path / "big.safetensors"  # a header within the file but over the limit
    big.write_bytes(_header({"__metadata__": {"x": "y" * 64}}))
    with pytest.raises(FileFormatError, match="more than the 16 allowed"):
        read_safetensors(big, max_header=16)
    assert read_safetensors(big) == {}
    js = tmp_path / "big.json"
    js.write_text(json.dumps({"a": "b" * 100}))
    with pytest.raises(FileFormatError, match="more than the 10 a preset"):
        read_json(js, "preset", max_bytes=10)


# ---------------------------------------------------------------- zoo weights
def test_zoo_weights_whose_sha256_differs_from_the_card(tmp_path: Path, ball: iwm.Model) -> None:
    before = ball.weights_checksum()
    spec = bb.BouncingBallSpec()
    bad = tmp_path / "bouncing_ball.safetensors"
    shutil.copy(spec.weights_path, bad)
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(WeightsChecksumError) as e:
        bb.BouncingBallSpec(weights_path=bad).load_module()
    msg = str(e.value)
    assert str(bad) in msg and spec.card["weights"]["sha256"] in msg and sha256_file(bad) in msg

    card = json.loads(spec.card_path.read_text())
    no_sha = tmp_path / "no_sha.card.json"
    no_sha.write_text(json.dumps({**card, "weights": {"file": "bouncing_ball.safetensors"}}))
    with pytest.raises(WeightsChecksumError, match="records no sha256"):
        bb.BouncingBallSpec(card_path=no_sha).load_module()
    broken = tmp_path / "broken.card.json"
    broken.write_text(spec.card_path.read_text()[:100])
    with pytest.raises(FileFormatError, match="not valid JSON"):
        bb.BouncingBallSpec(card_path=broken).load_module()
    # a truncated file with a card forged to match it: the layout check still refuses it
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(spec.weights_path.read_bytes()[:5000])
    forged = tmp_path / "forged.card.json"
    forged_card = {**card, "weights": {**card["weights"], "sha256": sha256_file(cut)}}
    forged.write_text(json.dumps(forged_card))
    with pytest.raises(FileFormatError, match=r"outside the file's data|claims"):
        bb.BouncingBallSpec(weights_path=cut, card_path=forged).load_module()
    assert ball.weights_checksum() == before
    no_hooks(ball)


def test_tiny_lm_files_are_checked_against_its_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iwm_widgets.zoo import tiny_lm

    card = check_card_files(tiny_lm.tiny_lm_dir())  # the shipped files pass
    assert "model.safetensors" in card["files"]
    copy = tmp_path / "tiny_lm"
    shutil.copytree(tiny_lm.tiny_lm_dir(), copy)
    weights = copy / "model.safetensors"
    good = weights.read_bytes()
    data = bytearray(good)
    data[-10] ^= 0x01
    weights.write_bytes(bytes(data))
    monkeypatch.setattr(tiny_lm, "tiny_lm_dir", lambda: copy)
    with pytest.raises(WeightsChecksumError) as e:
        iwm.load("tiny-lm")
    msg = str(e.value)
    assert str(weights) in msg and sha256_file(weights) in msg
    assert card["files"]["model.safetensors"]["sha256"] in msg and "train_tiny_lm" in msg
    weights.write_bytes(good)
    assert iwm.load("tiny-lm").kind == "lm"  # the copy, restored, loads
    (copy / "tokenizer.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"tokenizer\.json"):
        check_card_files(copy)
