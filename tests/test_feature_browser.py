"""FeatureBrowser over real FeatureSets (iwm.discover on the zoo models, small data
sets): the list sorts three ways, picking a feature fills its top rows, histogram and
trace from the FeatureSet's own values, the live trace follows the Workspace's edits,
"make a dial" gives a Variable whose readout is the feature and hands it to
SteeringDials and CausalGraph (their add_variable / add_node), per-particle sets need a
particle, the language model shows tokens in context, and bad input says what to do.
No mocks: every number is checked against the FeatureSet or a traced run.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch

import iwm_widgets as iwm
from iwm_widgets.errors import EditError, InputError
from iwm_widgets.transport import from_buffer
from iwm_widgets.widgets.feature_browser import BINS, FeatureBrowserError


def arr(payload: dict[str, Any] | None) -> torch.Tensor:
    assert payload, "expected a binary payload"
    return torch.as_tensor(from_buffer(payload).copy())


@pytest.fixture(scope="module")
def ball_fs(ball: iwm.Model) -> Any:
    return iwm.discover(ball, "blocks.2", "pca", k=8, n=64, progress=False)


@pytest.fixture(scope="module")
def springs() -> iwm.Model:
    return iwm.load("springs-fixed")


@pytest.fixture(scope="module")
def springs_fs(springs: iwm.Model) -> Any:
    return iwm.discover(springs, "blocks.0", "pca", k=4, n=16, progress=False)


@pytest.fixture(scope="module")
def lm() -> iwm.Model:
    return iwm.load("tiny-lm")


@pytest.fixture(scope="module")
def lm_fs(lm: iwm.Model) -> Any:
    return iwm.discover(lm, "transformer.h.2", "pca", k=6, progress=False)


def ball_ws(ball: iwm.Model, background: bool = False) -> iwm.Workspace:
    return iwm.Workspace(ball, ball.sample(seed=5, latents=True), background=background)


# ---------------------------------------------------------------------------------------
# the list


def test_the_list_sorts_by_variance_sparsity_and_match(ball_fs: Any) -> None:
    fb = iwm.FeatureBrowser(ball_fs)
    summary = ball_fs.summary()
    assert [f["name"] for f in fb.features] == ball_fs.names
    for f, s in zip(fb.features, summary, strict=True):
        assert f["variance"] == pytest.approx(s["explained_variance"])
        assert f["density"] == pytest.approx(s["density"])
        assert f["best"] == s["best"] and f["corr"] == pytest.approx(s["best_corr"])
    ev, dens = ball_fs.explained_variance, ball_fs.density
    corr = torch.tensor([s["best_corr"] for s in summary])
    assert fb.sort_by == "variance"
    assert fb.order == torch.argsort(-ev, stable=True).tolist()
    fb.sort_by = "sparsity"
    assert fb.order == torch.argsort(dens, stable=True).tolist()
    assert [dens[i] for i in fb.order] == sorted(dens.tolist())
    fb.sort_by = "match"
    assert fb.order == torch.argsort(-corr, stable=True).tolist()
    assert fb.features[fb.order[0]]["best"].startswith("velocity")  # PCA's top pair is velocity
    assert fb.info["mcc"] == pytest.approx(ball_fs.mcc) and fb.info["k"] == 8
    with pytest.raises(InputError, match="sort_by must be one of"):
        fb.sort_by = "loudness"
    assert fb.sort_by == "match" and "sort_by must be one of" in fb.error
    fb.sort_by = "variance"  # a good pick clears the error box
    assert fb.error == ""
    fb.close()


# ---------------------------------------------------------------------------------------
# the picked feature


def test_picking_a_feature_fills_top_rows_histogram_and_trace(ball_fs: Any) -> None:
    fs = ball_fs
    fb = iwm.FeatureBrowser(fs)
    for i in (0, 5):
        fb.feature = i
        want = fs.top_rows(i, 10)
        assert [(r["sequence"], r["step"]) for r in fb.top] == [
            (w["sequence"], w["step"]) for w in want
        ]
        assert [r["value"] for r in fb.top] == pytest.approx([w["value"] for w in want])
        assert [r["held_out"] for r in fb.top] == [w["sequence"] >= fs.n_fit for w in want]
        best = fs.match()["best"].iloc[i]
        assert fb.compare == best
        col = fs.truth[best]
        assert [r["truth"] for r in fb.top] == pytest.approx([float(col[w["row"]]) for w in want])
        # the histogram counts every held-out row once
        held = fs.activations[fs.held_out, i].double()
        counts, edges = arr(fb.histogram["counts"]), arr(fb.histogram["edges"])
        assert len(counts) == BINS and len(edges) == BINS + 1
        assert float(counts.sum()) == fb.histogram["n"] == int(fs.held_out.sum())
        assert float(edges[0]) == pytest.approx(float(held.min()))
        assert float(edges[-1]) == pytest.approx(float(held.max()))
        assert fb.histogram["mean"] == pytest.approx(float(held.mean()), rel=1e-5)
        # the trace: the top held-out row's sequence, its feature values and the truth
        top = fs.top_rows(i, 1, held_out=True)[0]
        assert fb.sequence == top["sequence"] >= fs.n_fit and fb.step == top["step"]
        sel = fs.rows[:, 0] == fb.sequence
        steps = arr(fb.trace["steps"])
        assert steps.tolist() == sorted(fs.rows[sel, 1].tolist())
        assert torch.allclose(arr(fb.trace["values"]), fs.activations[sel, i])
        assert torch.allclose(arr(fb.trace["truth"]), col[sel].float())
        assert fb.trace["truth_name"] == best and fb.trace["held_out"]
        # the signed correlation whose size fs.match() reports (held-out rows)
        assert abs(fb.trace["corr"]) == pytest.approx(fs.match()["best_corr"].iloc[i], rel=1e-5)
    # a sequence picked by hand (a fit one), another true variable beside it
    fb.sequence = 3
    assert fb.step == -1 and not fb.trace["held_out"]
    sel = fs.rows[:, 0] == 3
    assert torch.allclose(arr(fb.trace["values"]), fs.activations[sel, 5])
    fb.compare = "speed"
    assert torch.allclose(arr(fb.trace["truth"]), fs.truth["speed"][sel].float())
    assert [r["truth"] for r in fb.top] == pytest.approx(
        [float(fs.truth["speed"][r["row"]]) for r in fb.top]
    )
    fb.compare = ""
    assert fb.trace["truth"] is None
    # a top row: its sequence, its step marked
    fb.pick_row(3)
    r = fb.top[3]
    assert (fb.sequence, fb.step) == (r["sequence"], r["step"])
    assert arr(fb.trace["steps"]).tolist() == sorted(
        fs.rows[fs.rows[:, 0] == r["sequence"], 1].tolist()
    )
    fb.n_top = 3
    assert len(fb.top) == 3
    fb.close()


# ---------------------------------------------------------------------------------------
# the live trace


def test_the_live_trace_follows_the_workspaces_edits(ball: iwm.Model, ball_fs: Any) -> None:
    fs = ball_fs
    ws = ball_ws(ball, background=True)
    fb = iwm.FeatureBrowser(fs, ws, dials=None)
    ws.wait()
    assert fb.error == "" and fb.live
    i = 1
    fb.feature = i
    res = ws.result
    want = fs.values(res["blocks.2"][0])[:, i]
    assert torch.allclose(arr(fb.live["values"]), want, atol=1e-6)
    assert torch.allclose(fb.live_values(), want, atol=1e-6)
    assert fb.live["baseline"] is None and fb.live["edits"] == 0
    # the live truth: the simulator's variable matched to the feature, on the same steps
    best = fs.match()["best"].iloc[i]
    ax = "xy".index(best[-1])
    assert fb.live["truth_name"] == best
    assert torch.allclose(arr(fb.live["truth"]), ws.truth[best[:-2]][:, ax].float())
    # an edit along the feature's write direction moves the feature by scale × (write·read)
    gen = fb.generation
    scale = 2.0
    ws.add_edit(iwm.Edit.add("blocks.2", fs.write[i].float(), scale=scale))
    ws.wait()
    assert fb.generation > gen and fb.live["edits"] == 1
    moved = arr(fb.live["values"]) - arr(fb.live["baseline"])
    gain = float(fs.write[i].double() @ fs.read[i].double())
    assert gain == pytest.approx(1.0, abs=1e-6)  # PCA: orthonormal directions
    assert torch.allclose(moved, torch.full_like(moved, scale * gain), atol=1e-4)
    assert torch.allclose(arr(fb.live["baseline"]), want, atol=1e-6)
    # picking another feature redraws from the same result (no re-run)
    runs = ws.stats["runs"]
    fb.feature = 0
    other = fs.values(ws.result["blocks.2"][0])[:, 0]
    assert torch.allclose(arr(fb.live["values"]), other, atol=1e-6)
    assert ws.stats["runs"] == runs
    ws.clear_edits()
    ws.wait()
    assert fb.live["edits"] == 0 and fb.live["baseline"] is None
    fb.close()
    ws.close()


@pytest.mark.parametrize("method", ["ica", "sae"])
def test_ica_and_sae_features_browse_and_follow_edits(ball: iwm.Model, method: str) -> None:
    kw = {"sae_steps": 300, "topk": 2} if method == "sae" else {}
    fs = iwm.discover(ball, "blocks.2", method, k=6, n=32, progress=False, **kw)
    ws = ball_ws(ball)
    fb = iwm.FeatureBrowser(fs, ws)
    i = fb.order[0]
    fb.feature = i
    held = fs.activations[fs.held_out, i]
    assert fb.histogram["zero"] == pytest.approx(float((held == 0).double().mean()))
    if method == "sae":  # a TopK code: most rows are zero
        assert fb.histogram["zero"] > 0.3
    base = fs.values(ws.result["blocks.2"][0])[:, i]
    assert torch.allclose(fb.live_values(), base, atol=1e-5)
    ws.add_edit(iwm.Edit.add("blocks.2", fs.write[i].float(), scale=3.0))
    ws.wait()
    pre = fs.read[i].double() @ fs.write[i].double()  # the linear value moves by 3 × this
    h0, h1 = ws.baseline["blocks.2"][0], ws.result["blocks.2"][0]
    lin0 = h0.double() @ fs.read[i].double() + fs.bias[i].double()
    lin1 = h1.double() @ fs.read[i].double() + fs.bias[i].double()
    assert torch.allclose(lin1 - lin0, torch.full_like(lin0, 3.0 * float(pre)), atol=1e-3)
    assert torch.allclose(fb.live_values(), fs.values(h1)[:, i], atol=1e-5)
    assert torch.allclose(fb.live_values(baseline=True), base, atol=1e-5)
    # the Variable reads the linear value (an SAE's pre-activation), as the map does
    v = fb.make_dial()
    assert torch.allclose(v.readout(h1)[:, 0].double(), lin1, atol=1e-3)
    fb.close()


def test_the_browser_reads_its_site_and_lets_go_on_close(ball: iwm.Model) -> None:
    fs = iwm.discover(ball, "blocks.1.mlp", "pca", k=4, n=24, progress=False)
    ws = ball_ws(ball)
    assert "blocks.1.mlp" not in [str(s) for s in ws.reads]
    fb = iwm.FeatureBrowser(fs, ws)
    assert "blocks.1.mlp" in [str(s) for s in ws.reads]
    assert torch.allclose(
        arr(fb.live["values"]), fs.values(ws.result["blocks.1.mlp"][0])[:, 0], atol=1e-6
    )
    fb.close()
    assert "blocks.1.mlp" not in [str(s) for s in ws.reads]
    ws.add_edit(iwm.Edit.add("blocks.1", torch.ones(64), scale=0.1))  # no error after close
    assert ws.error is None


# ---------------------------------------------------------------------------------------
# make a dial


def test_make_a_dial_gives_the_features_variable(ball: iwm.Model, ball_fs: Any) -> None:
    fs = ball_fs
    fb = iwm.FeatureBrowser(fs)
    seen: list[iwm.Variable] = []
    assert fb.on_dial(seen.append) is not None
    fb.feature = 2
    v = fb.make_dial()
    assert isinstance(v, iwm.Variable) and v.name == "pca_2" and str(v.site) == "blocks.2"
    assert fb.variables == [v] and seen == [v]
    assert fb.made == [
        {"name": "pca_2", "feature": 2, "particle": None, "into": [], "site": "blocks.2"}
    ]
    # its readout is the feature's value, on any activations and on a traced run
    h = torch.randn(3, 7, 64, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(v.readout(h)[..., 0], fs.values(h)[..., 2], atol=1e-4)
    res = iwm.run(ball, ball.sample(seed=2), reads=["blocks.2"])
    assert torch.allclose(v.readout(res)[..., 0], fs.values(res["blocks.2"])[..., 2], atol=1e-4)
    # the same feature again: the same Variable, not a second one
    assert fb.make_dial() is v and len(fb.variables) == 1 and len(seen) == 1
    fb.close()


def test_make_a_dial_adds_it_to_the_dials_and_the_graph(ball: iwm.Model, ball_fs: Any) -> None:
    fs = ball_fs
    ws = ball_ws(ball)
    sweep_var = fs.variable([0], "first_feature")  # the dials start with one Variable
    dials = iwm.SteeringDials(ws, [sweep_var])
    graph = iwm.CausalGraph(ws, [sweep_var, iwm.output_node(lambda o: o[:, -1, 0], "next x")])
    amap = iwm.ActivationMap(ws)
    fb = iwm.FeatureBrowser(fs, ws, dials=dials, graph=graph, activation_map=amap)
    assert fb.targets == {"dials": True, "graph": True, "map": True, "workspace": True}
    fb.feature = 1
    fb.make_dial()
    ws.wait()
    assert fb.error == "" and fb.made[-1]["into"] == ["SteeringDials", "CausalGraph"]
    # a new dial, off
    assert [d["id"] for d in dials.dials] == ["first_feature", "pca_1"]
    assert dials.values == {"first_feature": None, "pca_1": None} and ws.edits == ()
    # a new node whose effects are measured (after the re-run the graph asked for)
    ids = ["first_feature@blocks.2", "next x", "pca_1@blocks.2"]  # added last
    assert sorted(n["id"] for n in graph.nodes) == sorted(ids)
    assert [n.id for n in graph.effects.nodes] == ids
    assert graph.effects.values.shape == (3,)
    a, b = ids.index("pca_1@blocks.2"), ids.index("next x")
    assert bool(graph.effects.downstream[a, b])
    # turning the new dial clamps the feature: the live trace shows the dial's value
    dials.set(pca_1=1.5)
    ws.wait()
    T = ws.inputs.shape[1]
    live = arr(fb.live["values"])
    assert float(live[T - 1]) == pytest.approx(1.5, abs=1e-3)
    assert torch.allclose(live[: T - 1], arr(fb.live["baseline"])[: T - 1], atol=1e-5)
    # the map shows the feature's readout at every layer row; blocks.2's is the feature
    assert amap.quantity == "direction"
    rows = arr(amap.values)
    r = amap.rows.index("blocks.2")
    assert torch.allclose(rows[r], fs.values(ws.result["blocks.2"][0])[:, 1], atol=1e-4)
    fb.feature = 3
    rows = arr(amap.values)
    assert torch.allclose(rows[r], fs.values(ws.result["blocks.2"][0])[:, 3], atol=1e-4)
    assert "pca_3" in amap.quantities[-1]["label"]
    for w in (fb, amap, graph, dials):
        w.close()


def test_add_variable_and_add_node_refuse_what_does_not_fit(ball: iwm.Model, ball_fs: Any) -> None:
    ws = ball_ws(ball)
    v0 = ball_fs.variable([0])
    dials = iwm.SteeringDials(ws, [v0])
    with pytest.raises(EditError, match="already turn a Variable named 'pca_0'"):
        dials.add_variable(ball_fs.variable([0]))
    wide = iwm.Variable("wide", "blocks.2", torch.ones(1, 65), torch.zeros(1), torch.ones(1, 65))
    with pytest.raises(EditError, match="width 65"):
        dials.add_variable(wide)
    with pytest.raises(TypeError):
        dials.add_variable("pca_1")  # type: ignore[arg-type]
    assert [d["id"] for d in dials.dials] == ["pca_0"]
    # a 2-D Variable gets one circular dial, on a site no view read before
    fs_mlp = iwm.discover(ball, "blocks.1.mlp", "pca", k=3, n=24, progress=False)
    dials.add_variable(fs_mlp.variable([0, 1], "mlp_pair"))
    assert [d["kind"] for d in dials.dials] == ["slider", "circular"]
    assert "blocks.1.mlp" in [str(s) for s in ws.reads]
    dials.set(mlp_pair={"angle": 30.0, "radius": 1.0})
    assert len(ws.edits) == 1 and ws.wait().edits[0].site.path == "blocks.1.mlp"
    dials.close()

    out = iwm.output_node(lambda o: o[:, -1, 0], "next x")
    graph = iwm.CausalGraph(ws, [v0, out])
    with pytest.raises(InputError, match="already has nodes"):
        graph.add_node(v0)
    with pytest.raises(iwm.errors.SiteNotFoundError):
        graph.add_node("blocks.9")
    assert [n.id for n in graph._nodes] == ["pca_0@blocks.2", "next x"]
    added = graph.add_node(ball_fs.variable([1]))
    assert [n.id for n in added] == ["pca_1@blocks.2"]
    ws.wait()
    assert len(graph.nodes) == 3 and len(graph.effects.nodes) == 3
    graph.close()


# ---------------------------------------------------------------------------------------
# per-particle models and language models


def test_springs_features_need_a_particle(springs: iwm.Model, springs_fs: Any) -> None:
    fs = springs_fs
    assert fs.slots is not None
    with pytest.raises(InputError, match="particle="):
        fs.variable([0])
    ws = iwm.Workspace(springs, springs.sample(seed=4, latents=True), background=False)
    fb = iwm.FeatureBrowser(fs, ws)
    assert fb.n_particles == 4
    top = fs.top_rows(0, 1, held_out=True)[0]
    assert fb.particle == top["particle"] and fb.sequence == top["sequence"]
    assert all(r["particle"] is not None for r in fb.top)
    # the trace follows one particle's slot
    sel = (fs.rows[:, 0] == fb.sequence) & (fs.rows[:, 2] == fb.particle)
    assert torch.allclose(arr(fb.trace["values"]), fs.activations[sel, 0])
    fb.particle = 2
    sel = (fs.rows[:, 0] == fb.sequence) & (fs.rows[:, 2] == 2)
    assert torch.allclose(arr(fb.trace["values"]), fs.activations[sel, 0])
    assert fb.trace["particle"] == 2
    # the compared per-particle variable follows the particle (velocity_3_x -> velocity_2_x)
    assert re.fullmatch(r"\w+_2_[xy]", fb.compare), fb.compare
    truth = fs.truth[fb.compare][sel]
    assert torch.isfinite(truth).all()
    assert torch.allclose(arr(fb.trace["truth"]), truth.float(), equal_nan=True)
    for r in fb.top:  # each top row shows the variable at its own particle
        assert r["truth_name"].split("_")[-2] == str(r["particle"])
        assert r["truth"] == pytest.approx(float(fs.truth[r["truth_name"]][r["row"]]))
    name, _, ax = fb.compare.rpartition("_")
    lat = ws.truth[name.rsplit("_", 1)[0]].reshape(-1, 4, 2)[:, 2, "xy".index(ax)]
    assert torch.allclose(arr(fb.live["truth"]), lat.float())
    # live: the feature in particle 2's slot of the Workspace's input
    h = ws.result["blocks.0"][0]
    assert torch.allclose(arr(fb.live["values"]), fs.values(h)[:, 2, 0], atol=1e-5)
    # the dial acts on the picked particle; its readout is the feature there
    v = fb.make_dial()
    assert v.name == "pca_0_p2" and fb.made[-1]["particle"] == 2
    assert torch.allclose(v.readout(h)[:, 0], fs.values(h)[:, 2, 0], atol=1e-4)
    v1 = fb.make_dial(particle=1)
    assert v1.name == "pca_0_p1"
    assert torch.allclose(v1.readout(h)[:, 0], fs.values(h)[:, 1, 0], atol=1e-4)
    with pytest.raises(InputError, match="particle 7 does not exist"):
        fb.particle = 7
    assert fb.particle == 2 and "particle 7" in fb.error
    with pytest.raises(InputError, match="particle 9 does not exist"):
        fb.make_dial(particle=9)
    fb.close()


def test_the_language_model_shows_tokens_in_context(lm: iwm.Model, lm_fs: Any) -> None:
    fs = lm_fs
    assert fs.tokens is not None
    fb = iwm.FeatureBrowser(fs)
    assert fb.info["kind"] == "lm" and fb.n_particles == 0
    real = {(int(s), int(t)) for s, t in fs.rows[:, :2].tolist()}
    for f in (0, 3):
        fb.feature = f
        for r in fb.top:
            s, t = r["sequence"], r["step"]
            assert r["token"] == fs.tokens[s][t] and (s, t) in real
            steps = sorted(p for q, p in real if q == s)
            j = steps.index(t)
            words = [fs.tokens[s][p] for p in steps[max(0, j - 8) : j]]
            assert r["before"].split() == " ".join(words).split()
            after = [fs.tokens[s][p] for p in steps[j + 1 : j + 5]]
            assert r["after"].split() == " ".join(after).split()
        steps = arr(fb.trace["steps"]).tolist()
        assert fb.trace["labels"] == [fs.tokens[fb.sequence][int(t)] for t in steps]
    # matched against the corpus's labels: the truth is NaN except at the last token
    assert fb.compare in fs.truth and fb.features[fb.feature]["auroc"] is not None
    ws = iwm.Workspace(lm, "The Prado Museum is in the city of", background=False)
    fb2 = iwm.FeatureBrowser(fs, ws)
    assert fb2.live["labels"] == ws.columns()
    h = ws.result["transformer.h.2"][0]
    assert torch.allclose(arr(fb2.live["values"]), fs.values(h)[:, fb2.feature], atol=1e-4)
    v = fb2.make_dial()
    assert torch.allclose(v.readout(h)[:, 0], fs.values(h)[:, fb2.feature], atol=1e-3)
    for w in (fb, fb2):
        w.close()


# ---------------------------------------------------------------------------------------
# display and bad input


def test_show_gives_the_browser_and_the_summary_lists_the_features(
    ball: iwm.Model, ball_fs: Any
) -> None:
    w = iwm.show(ball_fs)
    assert isinstance(w, iwm.FeatureBrowser) and not w.targets["workspace"]
    w.close()
    ws = ball_ws(ball)
    w = iwm.show(ball_fs, ws=ws)
    assert w.targets["workspace"] and w.live
    w.close()
    b = ball_fs._repr_mimebundle_()
    assert b["text/plain"] == repr(ball_fs)
    html = b["text/html"]
    assert '<table class="iwm-features">' in html and "<script" not in html
    for s in ball_fs.summary():
        assert f"<code>{s['name']}</code>" in html and f"<code>{s['best']}</code>" in html


def test_bad_input_raises_a_clear_input_error_and_shows_it(
    ball: iwm.Model, ball_fs: Any, springs: iwm.Model, lm: iwm.Model
) -> None:
    with pytest.raises(InputError, match="shows a FeatureSet"):
        iwm.FeatureBrowser("pca")  # type: ignore[arg-type]
    other = iwm.Workspace(springs, springs.sample(seed=0), background=False)
    with pytest.raises(InputError, match="discovered on 'bouncing-ball'"):
        iwm.FeatureBrowser(ball_fs, other)
    ws = ball_ws(ball)
    with pytest.raises(InputError, match="dials= takes a SteeringDials"):
        iwm.FeatureBrowser(ball_fs, ws, dials=ws)
    amap = iwm.ActivationMap(other)
    with pytest.raises(InputError, match="activation_map is on model 'springs-fixed'"):
        iwm.FeatureBrowser(ball_fs, ws, activation_map=amap)
    amap.close()
    fb = iwm.FeatureBrowser(ball_fs, ws)
    cases = [
        ("feature", 8, "feature 8 does not exist: this FeatureSet has 8 features"),
        ("feature", -1, "feature -1 does not exist"),
        ("sequence", 64, "sequence 64 is not in the data set: it has 64 sequences"),
        ("compare", "mass", "no true variable 'mass'"),
        ("particle", 1, "has no per-particle slots"),
        ("n_top", 0, "n_top must be 1..100"),
    ]
    for name, value, msg in cases:
        before = getattr(fb, name)
        with pytest.raises(FeatureBrowserError, match=msg):
            setattr(fb, name, value)
        assert getattr(fb, name) == before  # the browser keeps what it showed
        assert msg in fb.error
    with pytest.raises(InputError, match="leave particle= out"):
        fb.make_dial(particle=0)
    with pytest.raises(InputError, match="top row 99 does not exist"):
        fb.pick_row(99)
    # still alive: a good pick draws and clears the box
    fb.feature = 4
    assert fb.error == "" and fb.top and fb.trace
    fb.close()
    # no truth (an LM without labels): no match column to sort by
    prompts = ["city the of in is Museum Prado The", "of city the in is Louvre The"]  # no labels
    nolabels = iwm.discover(lm, "transformer.h.1", "pca", k=2, inputs=prompts, progress=False)
    fb = iwm.FeatureBrowser(nolabels)
    assert fb.features[0]["best"] == "" and fb.compare == "" and fb.trace["truth"] is None
    with pytest.raises(InputError, match="sort_by='match' needs ground truth"):
        fb.sort_by = "match"
    fb.close()
