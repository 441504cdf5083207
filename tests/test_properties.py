"""Property-based tests (hypothesis): the pure-data layers round-trip exactly, and bad
values raise the library's own errors.

- ``Site``: ``Site.parse(str(site)) == site``, dicts round-trip, ``envoy_code`` is valid
  Python that reaches exactly the site's modules; any string either parses (and then
  re-parses to itself) or raises ``SiteError``.
- ``Edit``: ``to_dict`` -> JSON -> ``from_dict`` is bit-exact; mutated and random dicts
  give an ``Edit`` or an ``EditError``, nothing else; random edits on a real model run or
  raise an ``IWMError`` (never a bare ``KeyError`` / ``IndexError`` / nnsight error).
- ``to_code``: the printed nnsight code, run with runpy against ``model.nnsight``, gives
  the output of ``iwm.run(model, x, edits)`` bit for bit (plain traces and world-model
  rollouts, every scope).
- Transport: every wire dtype and shape (0-size and scalars too) round-trips bit for bit,
  through Python and through the JS twin (``js/shared/transport.js`` under Node); values a
  wire dtype cannot hold and malformed payloads raise ``TransportError``.

Every test is derandomized (``derandomize=True``, no example database) so CI sees the
same examples on every run.
"""

from __future__ import annotations

import ast
import base64
import functools
import html
import html.parser as html_parser
import json
import keyword
import math
import os
import runpy
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from torch import nn

import iwm_widgets as iwm
from iwm_widgets.errors import EditError, IWMError, SiteError, TransportError
from iwm_widgets.tracing.edits import edits_to_code
from iwm_widgets.tracing.sites import Site, _reserved_names
from iwm_widgets.transport import SUPPORTED_DTYPES, from_buffer, to_buffer

REPO = Path(__file__).resolve().parents[1]


def _settings(n: int = 200) -> settings:
    """Deterministic: the same examples on every run, nothing written to .hypothesis/."""
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ---------------------------------------------------------------------------------------
# Strategies

# Module names: what torch allows (any non-empty string without "."), weighted towards
# the usual identifiers and ModuleList indices.
identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
indices = st.integers(0, 40).map(str)
odd_names = st.text(min_size=1, max_size=6).filter(lambda s: "." not in s)
special = st.sampled_from(["input", "output", "class", "0", "01", "²", "my layer", "__class__"])
components = st.one_of(identifiers, indices, special, odd_names)
paths = st.one_of(st.just(""), st.lists(components, min_size=1, max_size=5).map(".".join))
sites = st.builds(Site, paths, st.sampled_from(["output", "input"]))

# float32 values (exactly representable, finite), small enough not to overflow models
f32 = st.floats(-4, 4, width=32, allow_subnormal=True)
junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


class Recorder:
    """Records the attribute and item accesses of an expression such as ``envoy_code``."""

    def __init__(self, trail: list[str]) -> None:
        object.__setattr__(self, "_trail", trail)

    def __getattribute__(self, name: str) -> Any:
        trail = object.__getattribute__(self, "_trail")
        return Recorder([*trail, name])

    def __getitem__(self, index: Any) -> Any:
        return Recorder([*object.__getattribute__(self, "_trail"), str(index)])


# ---------------------------------------------------------------------------------------
# Site


@_settings(400)
@given(sites)
def test_site_text_and_dict_round_trip(site: Site) -> None:
    assert Site.parse(str(site)) == site
    assert iwm.Site.from_dict(json.loads(json.dumps(site.to_dict()))) == site
    assert hash(Site.parse(str(site))) == hash(site)


@_settings(400)
@given(sites, st.sampled_from(["model", "m", "iwm_model.nnsight"]))
def test_envoy_code_is_python_that_reaches_the_site(site: Site, var: str) -> None:
    code = site.envoy_code(var)
    ast.parse(code, mode="eval")  # valid Python for every module name torch allows
    head = var.split(".")[0]
    env = {"getattr": getattr, head: Recorder([])}
    got = eval(code, {"__builtins__": {}}, env)
    trail = object.__getattribute__(got, "_trail")
    # a module named after a value nnsight serves (BERT's "output") is mounted as E_output
    reserved, prefix = _reserved_names()
    parts = site.path.split(".") if site.path else []
    want = [*var.split(".")[1:], *(prefix + p if p in reserved else p for p in parts), site.io]
    assert trail == want


@_settings(600)
@given(st.one_of(st.text(max_size=20), paths.map(lambda p: p + ".output"), paths))
def test_any_string_parses_or_raises_site_error(text: str) -> None:
    try:
        site = Site.parse(text)
    except SiteError as e:
        assert "empty part" in str(e)
        assert "" in text.split(".")  # only an empty module name is rejected
        return
    assert Site.parse(str(site)) == site
    # what parses is what was typed: the path and io together spell the text
    assert text in (site.path, f"{site.path}.{site.io}")


@_settings(300)
@given(junk)
def test_bad_site_dicts_raise_site_error(d: Any) -> None:
    try:
        site = Site.from_dict(d)
    except SiteError:
        return
    assert isinstance(d, dict) and isinstance(site, Site)
    assert Site.from_dict(site.to_dict()) == site


def test_site_examples() -> None:
    out = Site("encoder.layer.0.output")  # a module named "output" (BERT has them)
    assert str(out) == "encoder.layer.0.output.output"
    assert Site.parse(str(out)) == out
    assert out.envoy_code() == "model.encoder.layer[0].E_output.output"  # nnsight's mount
    assert Site("d.my layer.01.class").envoy_code() == (
        "getattr(getattr(getattr(model.d, 'my layer'), '01'), 'class').output"
    )
    sneaky = iwm.Edit.scale("d.x\nimport os", 2.0).to_code()  # torch allows such names
    assert "getattr(model.d, 'x\\nimport os')" in sneaky
    assert "\nimport os" not in sneaky
    assert Site.parse(".input") == Site("", "input")  # the whole model's input
    for bad in ["blocks..2", ".blocks", "blocks.", ".", "..input"]:
        with pytest.raises(SiteError, match="empty part"):
            Site.parse(bad)
    with pytest.raises(SiteError, match="io must be"):
        Site("blocks.2", "grad")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Site.parse(3)  # type: ignore[arg-type]
    with pytest.raises(SiteError, match="unknown site keys"):
        Site.from_dict({"path": "blocks.2", "pos": 3})
    with pytest.raises(SiteError, match="needs 'path'"):
        Site.from_dict({"io": "input"})


# ---------------------------------------------------------------------------------------
# Edit <-> dict


def vectors(d: int) -> st.SearchStrategy[list[float]]:
    return st.lists(f32, min_size=d, max_size=d)


@st.composite
def scopes(draw: Any, length: int = 8) -> dict[str, Any]:
    kind = draw(st.sampled_from(["all", "positions", "start"]))
    if kind == "positions":
        pos = draw(st.lists(st.integers(-length, length - 1), min_size=1, max_size=4))
        return {"positions": pos}
    if kind == "start":
        return {"start": draw(st.integers(0, length - 1))}
    return {}


@st.composite
def edits(
    draw: Any,
    site: Site | None = None,
    d: int | None = None,
    length: int = 8,
    batch: int = 1,
    allow_rows: bool = True,
) -> iwm.Edit:
    """A valid edit (pure data): any op, scope, feature slice and batch rows."""
    site = site if site is not None else draw(sites)
    d = d if d is not None else draw(st.integers(1, 6))
    scope = draw(scopes(length))
    label = draw(st.text(max_size=12))
    features = None
    width = d
    if d > 1 and draw(st.booleans()):
        lo = draw(st.integers(0, d - 1))
        hi = draw(st.integers(lo + 1, d))
        features, width = (lo, hi), hi - lo
    op = draw(st.sampled_from(["set", "add", "scale", "ablate_zero", "ablate_mean", "clamp"]))
    vec = vectors(width)
    if op == "set":
        value = draw(st.one_of(f32, vec))
        e = iwm.Edit.set(site, value, label=label, **scope)
    elif op == "add":
        e = iwm.Edit.add(site, draw(vec), draw(f32), label=label, **scope)
    elif op == "scale":
        e = iwm.Edit.scale(site, draw(st.floats(-2, 2, width=32)), label=label, **scope)
    elif op == "ablate_zero":
        e = iwm.Edit.ablate(site, label=label, **scope)
    elif op == "ablate_mean":
        mean = draw(st.one_of(st.none(), vec))
        e = iwm.Edit.ablate(site, "mean", mean=mean, label=label, **scope)
    else:
        k = draw(st.integers(1, min(2, width)))
        W = draw(st.lists(vec, min_size=k, max_size=k))
        A = draw(st.one_of(st.none(), st.lists(vec, min_size=k, max_size=k)))
        gram = torch.tensor(W, dtype=torch.float64) @ torch.tensor(A or W, dtype=torch.float64).T
        # well-conditioned only: the code and the run must agree bit for bit
        assume(abs(float(torch.linalg.det(gram))) > 0.05 * max(1.0, float(gram.abs().max()) ** k))
        target = draw(st.lists(f32, min_size=k, max_size=k))
        bias = draw(st.lists(f32, min_size=k, max_size=k))
        e = iwm.Edit.clamp(site, target, direction=W, write=A, bias=bias, label=label, **scope)
    changes: dict[str, Any] = {}
    if features is not None:
        changes["features"] = features
    if allow_rows and batch > 1 and draw(st.booleans()):
        changes["rows"] = tuple(draw(st.lists(st.integers(0, batch - 1), min_size=1, max_size=2)))
    return e.with_(**changes) if changes else e


def bits(t: torch.Tensor | None) -> Any:
    return None if t is None else (t.dtype, tuple(t.shape), t.view(torch.int32).tolist())


def assert_same_edit(a: iwm.Edit, b: iwm.Edit) -> None:
    assert a.to_dict() == b.to_dict()
    for name in ("value", "direction", "write", "bias"):
        assert bits(getattr(a, name)) == bits(getattr(b, name)), name  # -0.0 included
    assert (a.op, a.site, a.positions, a.start, a.rows, a.features, a.id) == (
        b.op,
        b.site,
        b.positions,
        b.start,
        b.rows,
        b.features,
        b.id,
    )
    assert math.copysign(1, a.scale_) == math.copysign(1, b.scale_)


@_settings(300)
@given(edits(batch=3))
def test_edit_dict_round_trip_is_exact(edit: iwm.Edit) -> None:
    back = iwm.Edit.from_dict(json.loads(json.dumps(edit.to_dict(), allow_nan=False)))
    assert_same_edit(back, edit)
    assert back.describe() == edit.describe()
    assert back.to_code() == edit.to_code()


def statements(code: str) -> list[str]:
    return [type(n).__name__ for n in ast.walk(ast.parse(code)) if isinstance(n, ast.stmt)]


@_settings(300)
@given(edits(batch=3))
def test_to_code_is_python_whatever_the_module_names(edit: iwm.Edit) -> None:
    # A module name may hold any character but "." (a newline too): the code must parse,
    # and have exactly the statements of the same edit at a plain site (nothing injected
    # through the path or the "# describe()" comment).
    plain = edit.with_(site=Site("a", edit.site.io))
    assert statements(edit.to_code()) == statements(plain.to_code())
    assert statements(edit.to_code("m", "x")) == statements(plain.to_code("m", "x"))


@st.composite
def mutated_dicts(draw: Any) -> dict[str, Any]:
    d = draw(edits(batch=2)).to_dict()
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["drop", "extra", "junk", "junk", "nan"]))
        key = draw(st.sampled_from(sorted(d) or ["op"]))
        if how == "drop":
            d.pop(key, None)
        elif how == "extra":
            d[draw(st.text(max_size=8))] = draw(junk)
        elif how == "junk":
            d[key] = draw(junk)
        else:
            d[key] = draw(st.sampled_from([math.nan, math.inf, [math.nan], [[1.0, math.inf]]]))
    return d


def from_dict_or_edit_error(d: Any) -> iwm.Edit | None:
    try:
        return iwm.Edit.from_dict(d)
    except EditError:
        return None
    except Exception as e:  # pragma: no cover - the failure this test looks for
        pytest.fail(f"Edit.from_dict({d!r}) raised {type(e).__name__}: {e}")


@_settings(500)
@given(mutated_dicts())
def test_mutated_edit_dicts_give_an_edit_or_edit_error(d: dict[str, Any]) -> None:
    e = from_dict_or_edit_error(d)
    if e is not None:  # what is accepted round-trips
        assert_same_edit(iwm.Edit.from_dict(json.loads(json.dumps(e.to_dict()))), e)


@_settings(300)
@given(
    st.one_of(
        junk,
        st.dictionaries(st.sampled_from(["op", "site", "value", "scale", "positions"]), junk),
        st.fixed_dictionaries(
            {"op": st.sampled_from(["set", "add", "clamp", "patch", "ablate"]), "site": junk}
        ),
    )
)
def test_random_values_into_from_dict_raise_edit_error(d: Any) -> None:
    from_dict_or_edit_error(d)


def test_from_dict_examples() -> None:
    good = iwm.Edit.add("blocks.1", [1.0, 2.0], 3.0, positions=[2]).to_dict()
    cases = [
        ({**good, "position": [2]}, "unknown edit keys"),
        ({k: v for k, v in good.items() if k != "op"}, r"needs \['op'\]"),
        ({**good, "site": "blocks..1"}, "empty part"),
        ({**good, "site": {"path": 3}}, "needs 'path'"),
        ({**good, "positions": [1.5]}, "list of integers"),
        ({**good, "positions": [True]}, "list of integers"),
        ({**good, "start": "2", "positions": None}, "start must be an integer"),
        ({**good, "scale": "3"}, "scale must be a number"),
        ({**good, "scale": math.nan}, "finite"),
        ({**good, "value": [math.nan, 1.0]}, "NaN or inf"),
        ({**good, "features": [1, 2, 3]}, r"\[lo, hi\] pair"),
        ({**good, "op": "patch"}, "unknown edit op"),
        ({**good, "label": None}, "label must be a string"),
        ("add blocks.1", "mapping"),
    ]
    for d, match in cases:
        with pytest.raises(EditError, match=match):
            iwm.Edit.from_dict(d)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# Edits on a real model: run or raise our errors; to_code reproduces the run


class Net(nn.Module):
    """[batch, 8, 3] -> [batch, 8, 2]; residual blocks with an inner MLP (widths 16, 32)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(3, 16)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 16)) for _ in range(2)
        )
        self.head = nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)
        for b in self.blocks:
            h = h + b(h)
        return self.head(h)


@functools.cache
def net_model() -> tuple[Any, torch.Tensor, dict[Site, tuple[int, ...]]]:
    torch.manual_seed(0)
    model = iwm.load(Net().eval())
    x = torch.randn(2, 8, 3, generator=torch.Generator().manual_seed(1))
    shapes = {s: v for s, v in model.inspect(x).items() if len(v) == 3}
    return model, x, shapes


@functools.cache
def world_model() -> tuple[Any, torch.Tensor]:
    model = iwm.load("bouncing-ball")
    return model, model.prepare(model.sample(seed=0))


@st.composite
def net_edits(draw: Any, allow_rows: bool = True) -> list[iwm.Edit]:
    _, x, shapes = net_model()
    out = []
    for _ in range(draw(st.integers(1, 3))):
        site = draw(st.sampled_from(sorted(shapes)))
        d = shapes[site][-1]
        out.append(
            draw(edits(site=site, d=d, length=x.shape[1], batch=x.shape[0], allow_rows=allow_rows))
        )
    return out


def run_code(code: str, tmp: Path, init: dict[str, Any]) -> dict[str, Any]:
    """Run generated code from a file of its own (nnsight reads a trace's source back)."""
    script = tmp / f"edit_{uuid.uuid4().hex}.py"
    script.write_text(code)
    return runpy.run_path(str(script), init_globals=init)


@_settings(25)
@given(net_edits())
def test_to_code_gives_the_run_output(tmp_path_factory: Any, es: list[iwm.Edit]) -> None:
    model, x, _ = net_model()
    # each side gets its own copy: an edit at "embed.input" edits the input tensor itself
    # (see test_run_leaves_the_callers_inputs_unchanged)
    expected = iwm.run(model, x.clone(), es).output
    code = edits_to_code(es, site_order=model.order_key)
    init = {"model": model.nnsight, "inputs": x.clone()}
    ns = run_code(code, tmp_path_factory.mktemp("code"), init)
    assert torch.equal(ns["output"], expected), code


def test_run_leaves_the_callers_inputs_unchanged() -> None:
    model, x, _ = net_model()
    mine = x.clone()
    edit = iwm.Edit.add("embed.input", [1.0, 1.0, 1.0])
    first = iwm.run(model, mine, [edit])
    assert torch.equal(mine, x)  # an edit at the first module's input used to write into it
    assert torch.equal(iwm.run(model, mine, [edit]).output, first.output)  # no stacking
    ws = iwm.Workspace(model, mine, background=False)
    ws.add_edit(edit)
    again = ws.run()
    assert torch.equal(ws.inputs, x) and torch.equal(again.output, first.output)


@_settings(10)
@given(st.data())
def test_rollout_code_gives_the_run_rollout(tmp_path_factory: Any, data: Any) -> None:
    model, x = world_model()
    T = x.shape[1]
    layer = data.draw(st.sampled_from(model.layers[1:]))
    d = model.shape(layer)[-1]
    # "from a position on" reaches into the rollout; negative positions are the newest step
    scope = data.draw(
        st.one_of(
            st.builds(lambda s: {"start": s}, st.integers(T - 4, T - 1)),
            st.builds(lambda p: {"positions": [p]}, st.sampled_from([-1, -2, T - 1])),
            st.just({}),
        )
    )
    vec = data.draw(vectors(d))
    op = data.draw(st.sampled_from(["add", "scale", "clamp"]))
    if op == "add":
        e = iwm.Edit.add(layer, vec, 0.5, **scope)
    elif op == "scale":
        e = iwm.Edit.scale(layer, data.draw(st.floats(-2, 2, width=32)), **scope)
    else:
        assume(float(torch.tensor(vec).norm()) > 0.5)
        e = iwm.Edit.clamp(layer, data.draw(f32), direction=vec, **scope)
    steps = 3
    # the code re-runs the whole sequence at every step: the uncached rollout, bit for
    # bit; the (default) key/value-cached one to float32 rounding
    expected = iwm.run(model, x, [e], rollout_steps=steps, cache=False).rollout
    cached = iwm.run(model, x, [e], rollout_steps=steps).rollout
    code = edits_to_code([e], rollout_steps=steps, site_order=model.order_key)
    ns = run_code(code, tmp_path_factory.mktemp("code"), {"model": model.nnsight, "inputs": x})
    assert torch.equal(ns["rollout"], expected), code
    assert torch.allclose(ns["rollout"], cached, atol=1e-4, rtol=1e-4), code


@st.composite
def wild_edits(draw: Any) -> iwm.Edit:
    """Edits valid as data but maybe not for the model: wrong widths, positions, rows, sites."""
    _, _, shapes = net_model()
    site = draw(st.one_of(st.sampled_from(sorted(shapes)), sites))
    d = draw(st.sampled_from([1, 2, 16, 32, 33]))
    e = draw(edits(site=site, d=d, length=draw(st.sampled_from([4, 8, 12])), batch=4))
    return e


@_settings(60)
@given(st.lists(wild_edits(), min_size=1, max_size=2))
def test_run_with_any_edit_runs_or_raises_our_error(es: list[iwm.Edit]) -> None:
    model, x, _ = net_model()
    before = model.weights_checksum()
    try:
        res = iwm.run(model, x.clone(), es)
    except IWMError:
        pass
    except Exception as e:  # pragma: no cover - the failure this test looks for
        pytest.fail(f"iwm.run raised {type(e).__name__}: {e} for {es}")
    else:
        assert res.output.shape == (2, 8, 2)
    assert model.weights_checksum() == before
    assert torch.equal(iwm.run(model, x).output, model.module(x))  # no hooks left behind


# ---------------------------------------------------------------------------------------
# Transport

INT_RANGE = {"uint8": (0, 255), "int32": (-(2**31), 2**31 - 1)}
shapes_st = st.lists(st.integers(0, 4), max_size=4)


@st.composite
def wire_arrays(draw: Any) -> np.ndarray:
    """An array of a wire dtype: any bit pattern for floats (NaN payloads included)."""
    dtype = np.dtype(draw(st.sampled_from(SUPPORTED_DTYPES)))
    shape = draw(shapes_st)
    n = int(np.prod(shape)) if shape else 1
    raw = draw(st.binary(min_size=n * dtype.itemsize, max_size=n * dtype.itemsize))
    return np.frombuffer(raw, dtype=dtype).reshape(shape)


def raw_bits(a: np.ndarray) -> tuple[str, tuple[int, ...], bytes]:
    return (str(a.dtype), a.shape, np.ascontiguousarray(a).tobytes())


@_settings(400)
@given(wire_arrays(), st.booleans())
def test_transport_round_trip_is_bit_exact(a: np.ndarray, as_torch: bool) -> None:
    src: Any = a
    if as_torch:  # torch has no uint32-style surprises for these four dtypes
        src = torch.from_numpy(a.copy())
    p = to_buffer(src, str(a.dtype))
    assert p["shape"] == list(a.shape)
    assert isinstance(p["buffer"], memoryview)
    back = from_buffer(p)
    assert raw_bits(back) == raw_bits(a)
    # the payload as it comes back from the browser (bytes) and through JSON metadata
    meta = json.loads(json.dumps({"dtype": p["dtype"], "shape": p["shape"]}))
    assert raw_bits(from_buffer({**meta, "buffer": bytes(p["buffer"])})) == raw_bits(a)


@_settings(300)
@given(
    st.sampled_from(SUPPORTED_DTYPES),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=6)
    | st.lists(st.integers(-(2**40), 2**40), max_size=6),
    st.sampled_from(["float64", "float32", "int64", "list"]),
)
def test_to_buffer_is_exact_or_raises(dtype: str, values: list[Any], kind: str) -> None:
    if kind == "list":
        src: Any = values
    else:
        with np.errstate(all="ignore"):
            src = np.array(values, dtype=np.float64).astype(kind)
    try:
        p = to_buffer(src, dtype)
    except TransportError:
        assert dtype in INT_RANGE  # float wire dtypes take every number
        lo, hi = INT_RANGE[dtype]
        arr = np.asarray(src, dtype=np.float64)
        assert not all(math.isfinite(v) and v == round(v) and lo <= v <= hi for v in arr.tolist())
        return
    got = from_buffer(p)
    if dtype in INT_RANGE:  # integers: exactly the values given, never wrapped
        assert np.array_equal(got.astype(np.float64), np.asarray(src, dtype=np.float64))
    else:  # floats: numpy's rounding to the wire dtype (inf beyond float16's range)
        with np.errstate(all="ignore"):
            want = np.asarray(src).astype(dtype)
        assert np.array_equal(got, want, equal_nan=True)


payload_parts = st.fixed_dictionaries(
    {
        "buffer": st.one_of(st.binary(max_size=24), junk),
        "dtype": st.one_of(st.sampled_from([*SUPPORTED_DTYPES, "float64", "bool"]), junk),
        "shape": st.one_of(st.lists(st.integers(-2, 5), max_size=3), junk),
    }
)


@_settings(400)
@given(st.one_of(payload_parts, payload_parts.map(lambda p: dict(list(p.items())[:2])), junk))
def test_bad_payloads_raise_transport_error(payload: Any) -> None:
    try:
        a = from_buffer(payload)
    except TransportError:
        return
    except Exception as e:  # pragma: no cover - the failure this test looks for
        pytest.fail(f"from_buffer({payload!r}) raised {type(e).__name__}: {e}")
    # accepted: exactly the bytes given, as the dtype and shape given
    assert payload["dtype"] in SUPPORTED_DTYPES
    assert list(a.shape) == list(payload["shape"])
    assert a.tobytes() == bytes(payload["buffer"])


def test_transport_examples() -> None:
    big = torch.tensor([16777217, 2**31 - 1, -(2**31)], dtype=torch.int32)
    assert from_buffer(to_buffer(big, "int32")).tolist() == big.tolist()  # no float detour
    nan16 = np.array([0x7C01, 0xFC01, 0x7E00, 0x8000], dtype=np.uint16).view(np.float16)
    got = from_buffer(to_buffer(torch.from_numpy(nan16.copy()), "float16"))
    assert got.view(np.uint16).tolist() == [0x7C01, 0xFC01, 0x7E00, 0x8000]
    assert from_buffer(to_buffer(torch.tensor(2.5, dtype=torch.bfloat16))).tolist() == 2.5
    for bad, dtype in [([300], "uint8"), ([-1], "uint8"), ([np.nan], "int32"), ([0.5], "int32")]:
        with pytest.raises(TransportError, match="cannot be sent"):
            to_buffer(np.array(bad), dtype)
    with pytest.raises(TransportError, match="dtype must be one of"):
        to_buffer([1.0], "float64")
    with pytest.raises(TransportError, match="complex"):
        to_buffer(torch.ones(2, dtype=torch.complex64))
    with pytest.raises(TransportError, match="cannot send"):
        to_buffer(np.array(["a"]))
    with pytest.raises(TransportError, match="needs 12"):
        from_buffer({"buffer": b"\0" * 8, "dtype": "float32", "shape": [3]})
    with pytest.raises(TransportError, match=">= 0"):
        from_buffer({"buffer": b"\0" * 12, "dtype": "float32", "shape": [-1]})
    with pytest.raises(TransportError, match="buffer, dtype, shape"):
        from_buffer({"buffer": b""})
    assert from_buffer({"buffer": b"", "dtype": "float16", "shape": [0, 3]}).shape == (0, 3)
    assert from_buffer(to_buffer(np.float32(-0.0))).tobytes() == np.float32(-0.0).tobytes()


# The JS twin decodes what Python encodes: every float16 bit pattern, float32 bit
# patterns (NaN payloads, subnormals, signed zeros), integers at their limits, 0-size and
# scalar shapes, at every byte offset inside a larger frame.
DECODE_IN_NODE = r"""
import { readFileSync } from "node:fs";
import { decode } from "./js/shared/transport.js";
const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = cases.map((c) => {
  const raw = Buffer.from(c.b64, "base64");
  const frame = new Uint8Array(c.offset + raw.length + 3).fill(0xaa);
  frame.set(raw, c.offset);
  const { data, shape } = decode({
    buffer: new DataView(frame.buffer, c.offset, raw.length), dtype: c.dtype, shape: c.shape,
  });
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { shape, ctor: data.constructor.name, b64: Buffer.from(bytes).toString("base64") };
});
process.stdout.write(JSON.stringify(out));
"""


def test_js_twin_decodes_python_payloads_bit_for_bit(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed, and CI is set")
        pytest.skip("node is not installed")
    rng = np.random.default_rng(0)
    arrays: list[np.ndarray] = [
        np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16).reshape(256, 256),
        rng.integers(0, 2**32, 4096, dtype=np.uint64).astype(np.uint32).view(np.float32),
        np.array([0x7F800001, 0xFFC00000, 0x80000000, 0x00000001], np.uint32).view(np.float32),
        np.array([-(2**31), -1, 0, 2**31 - 1], dtype=np.int32),
        np.arange(256, dtype=np.uint8).reshape(16, 16),
        np.float32(1.5).reshape(()),
        np.zeros((0, 3), np.float16),
        np.zeros((2, 0), np.int32),
    ]
    cases, payloads = [], []
    for i, a in enumerate(arrays):
        p = to_buffer(a, str(a.dtype))
        payloads.append(p)
        cases.append(
            {
                "dtype": p["dtype"],
                "shape": p["shape"],
                "offset": i % 5,
                "b64": base64.b64encode(bytes(p["buffer"])).decode(),
            }
        )
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    script = REPO / f".decode_{uuid.uuid4().hex}.mjs"  # beside js/ so the import resolves
    script.write_text(DECODE_IN_NODE)
    try:
        proc = subprocess.run(
            [node, str(script), str(tmp_path / "cases.json")],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        script.unlink()
    assert proc.returncode == 0, proc.stderr
    for a, p, got in zip(arrays, payloads, json.loads(proc.stdout), strict=True):
        assert got["shape"] == p["shape"]
        data = base64.b64decode(got["b64"])
        if a.dtype == np.float16:  # widened to float32; NaN is NaN (JS keeps no payload)
            assert got["ctor"] == "Float32Array"
            js = np.frombuffer(data, np.float32)
            want = a.reshape(-1).astype(np.float32)
            nan = np.isnan(want)
            assert np.array_equal(np.isnan(js), nan)
            assert js[~nan].tobytes() == want[~nan].tobytes()  # signed zeros, subnormals
        else:
            assert data == a.tobytes(), a.dtype


def test_keywords_and_digits_in_envoy_code() -> None:
    for word in keyword.kwlist[:5]:
        code = Site(f"a.{word}.3").envoy_code()
        ast.parse(code, mode="eval")
        assert code == f"getattr(model.a, {word!r})[3].output"


# ---------------------------------------------------------------------------------------
# Static HTML summaries (display.py): any text is shown as text

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "</script><script>window.__pwned=1</script>",
    "\"'><svg onload=alert(3)>",
    "&lt;b&gt; &amp;",
    "<b>bold</b>",
]
SAFE_TAGS = {"div", "p", "b", "code", "table", "thead", "tbody", "tr", "th", "td", "details"}
SAFE_TAGS |= {"summary", "pre", "ul", "li"}


class _Collect(html_parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_inert(markup: str, *texts: str) -> None:
    """Only the summaries' own tags (class attributes at most), and every text as typed."""
    p = _Collect()
    p.feed(markup)
    p.close()
    for tag, attrs in p.tags:
        assert tag in SAFE_TAGS, (tag, markup[:300])
        assert all(name == "class" for name, _ in attrs), (tag, attrs)
    shown = "".join(p.text)
    for t in texts:
        assert t in shown, (t, shown[:300])


untrusted = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=12))


@_settings(100)
@given(untrusted, untrusted)
def test_static_html_summaries_show_any_text_as_text(a: str, b: str) -> None:
    from iwm_widgets.display import summary_html, summary_text
    from iwm_widgets.tracing.patching import PatchingSweep
    from iwm_widgets.tracing.run import Result

    assume("\x00" not in a + b and "\r" not in a + b)  # HTML parsers rewrite these
    edit = iwm.Edit.add("blocks.1", [1.0, 2.0], 2.0, label=a)
    assert_inert(summary_html(edit), a)
    node = iwm.Node(a, "site", Site("blocks.0"), position=1, label=b, truth=b)
    assert_inert(summary_html(node), a, b)
    var = iwm.Variable(a, Site("blocks.0"), torch.ones(1, 4), torch.zeros(1), torch.ones(1, 4))
    var.components = [b]
    var.model_name = b
    assert_inert(summary_html(var), a, b)
    res = Result({a: torch.ones(1, 3, 4)}, torch.zeros(1, 3, 2), edits=(edit,))
    assert_inert(summary_html(res), a)
    sweep = PatchingSweep(torch.randn(2, 3), [a, "x"], [0, 1, 2], 1.0, 0.0, b, labels=[b, a, b])
    assert_inert(summary_html(sweep), a, b)
    # text/plain goes into <pre> when nothing better fits
    assert_inert(f"<pre>{html.escape(summary_text(edit))}</pre>")


class Odd(nn.Module):
    """Module names are any text without a dot: these are HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.d = nn.ModuleDict({HOSTILE[0]: nn.Linear(3, 3), HOSTILE[2]: nn.Linear(3, 3)})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for m in self.d.values():
            x = m(x)
        return x


def test_model_summary_escapes_its_name_and_module_names(tmp_path: Path) -> None:
    from iwm_widgets.display import summary_html

    model = iwm.load(Odd().eval())
    model.inspect(torch.ones(1, 2, 3))
    model.name = HOSTILE[1]
    assert_inert(summary_html(model), HOSTILE[1], f"d.{HOSTILE[0]}", f"d.{HOSTILE[2]}")
    # and the edit at such a site prints code that reaches it
    e = iwm.Edit.scale(f"d.{HOSTILE[0]}", 0.5)
    ns = run_code(e.to_code(), tmp_path, {"model": model.nnsight, "inputs": torch.ones(1, 2, 3)})
    assert torch.equal(ns["output"], iwm.run(model, torch.ones(1, 2, 3), [e]).output)
