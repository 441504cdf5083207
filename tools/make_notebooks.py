"""Write the course notebooks from this source (outputs stay out of git).

Run: python tools/make_notebooks.py              (the student set, notebooks/*.ipynb)
     python tools/make_notebooks.py --solutions  (the solved set, notebooks/solutions/: the
                                                  notebooks that have exercises)

Both sets are committed; tests/test_notebook_hygiene.py checks they are what this file
writes. A cell is ("md", text), ("code", source), ("check", source) — a check the student
runs, tagged "check" — or ("exercise", student, solution): the student set gets the
first (a `...` to fill in), the solutions set the second, both tagged "exercise". Each
exercise is followed by its check cell, which prints "✓ ..." or "Not yet: <a hint>" and
never raises, so the student set runs top to bottom.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NB = Path(__file__).resolve().parent.parent / "notebooks"
SOLUTIONS = NB / "solutions"
# what `ipykernel install` writes (.venv/share/jupyter/kernels/python3/kernel.json): the
# same spec JupyterLab saves when it opens a notebook, so opening one leaves it clean
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
COURSE: dict[str, list[tuple[str, ...]]] = {}


def build(name: str, solutions: bool = False) -> Any:
    """The notebook ``name`` of the student set, or of the solutions set."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    cells = []
    for i, (kind, *src) in enumerate(COURSE[name]):
        if kind == "md":
            text = src[0]
            if i == 0 and solutions:
                text += (
                    f"\n\n> **Solutions.** The solved copy of `../{name}`: its exercises are "
                    "filled in, and every check passes."
                )
            c = new_markdown_cell(text)
        elif kind == "exercise":
            c = new_code_cell(src[1] if solutions else src[0])
            c.metadata["tags"] = ["exercise"]
        else:
            c = new_code_cell(src[0])
            if kind == "check":
                c.metadata["tags"] = ["check"]
        c["id"] = f"{name.split('_')[0]}-{i:02d}"
        cells.append(c)
    nb.cells = cells
    return nb


def with_exercises() -> list[str]:
    """The notebooks with exercises: the solutions set holds these."""
    return [n for n, cells in COURSE.items() if any(c[0] == "exercise" for c in cells)]


def write(name: str, cells: list[tuple[str, ...]]) -> None:
    COURSE[name] = cells


write(
    "01_activation_maps.ipynb",
    [
        (
            "md",
            """# 1 · Tracing a world model and reading its activations

A **world model** predicts what happens next. Ours watched a ball bounce around a box
(positions only — never its velocity) and learned to predict the next position. Its
internal world model is its own internal variables: somewhere inside, it must carry
something like the ball's velocity.

In this notebook you load the model, trace it with nnsight, and look at **every layer at
every time step** in a live activation map.""",
        ),
        (
            "code",
            """import torch
import iwm_widgets as iwm

model = iwm.load("bouncing-ball")   # shipped weights, checked against their sha256
model""",
        ),
        (
            "md",
            """`model.layers` are the *sites* of the residual stream, bottom to top — the same dotted
paths you would type in nnsight (`model.blocks[2].output`). The model card records what
we measured when we trained it.""",
        ),
        (
            "code",
            """card = model.card
print("layers:", model.layers)
mse = card["one_step"]["mse"]
print(f"one-step MSE  model {mse['model']:.2e}   ball stays put {mse['stay']:.2e}   "
      f"constant velocity {mse['const_velocity']:.2e}")
print("velocity probe R² by layer:",
      {k: round(v["r2"], 3) for k, v in card["probes"]["velocity"]["layers"].items()})""",
        ),
        (
            "md",
            """## A live activation map

`model.sample(seed)` draws a trajectory from the simulator; `latents=True` also returns the
simulator's ground truth (position, velocity, wall contacts) aligned with the time steps.
A `Workspace` holds the inputs, the edits and the latest traced result; every widget
attached to it re-draws when it re-runs.

Hover a cell to read its value; click one to select it (`ws.selection`); pick another
quantity in the menu.""",
        ),
        (
            "code",
            """x, truth = model.sample(seed=0, latents=True)
ws = iwm.Workspace(model, x)
amap = iwm.ActivationMap(ws)
amap""",
        ),
        (
            "code",
            """result = ws.wait()
print(result)
print("selected:", ws.selection)""",
        ),
        (
            "md",
            """## Edit an internal variable and watch the map follow

An `Edit` is plain data. Here we add a vector to the residual stream after block 1, from
time step 20 on. The map re-draws by itself; switch it to *change from the unedited run*
to see where the edit travels.""",
        ),
        (
            "code",
            """torch.manual_seed(0)
push = torch.randn(model.shape("blocks.1")[-1])
edit = iwm.Edit.add("blocks.1", push, scale=2.0, start=20)
ws.add_edit(edit)
edited = ws.wait()
amap.quantity = "delta"
moved = (edited["blocks.3"] - ws.baseline["blocks.3"]).norm(dim=-1)[0]
print("change at block 3 before t=20:", float(moved[:20].max()), " from t=20 on:", float(moved[20:].max()))""",
        ),
        (
            "md",
            """The model also **rolls out** the future: with the edit applied at every step, the
predicted trajectory changes. `result.rollout` holds the prediction; the simulator gives the
true continuation of the unedited ball.""",
        ),
        (
            "code",
            """true_future = model.spec.simulate_future(truth, ws.rollout_steps)
before = ws.baseline.rollout[0]
after = edited.rollout[0]
print("rollout error vs simulator, no edit: %.4f" % float((before - true_future).norm(dim=-1).mean()))
print("rollout error vs simulator, edited:  %.4f" % float((after - true_future).norm(dim=-1).mean()))""",
        ),
        (
            "md",
            """### Check yourself
Before t = 20 nothing should have changed (the model is causal: the edit cannot reach
the past). Run the cell: it tells you whether that holds.""",
        ),
        (
            "check",
            """assert float(moved[:20].max()) == 0.0, "the past changed: that would break causality"
assert float(moved[20:].max()) > 0.0, "the edit should change the future time steps"
print("✓ the edit changes only time steps ≥ 20")""",
        ),
        (
            "md",
            """## The same edit as nnsight code

Everything a widget does is one nnsight trace. `ws.to_code()` prints it, ready to paste.""",
        ),
        ("code", """print(ws.to_code())"""),
        (
            "md",
            """Clear the edit: the map above goes back to the unedited run. Its *change* view
would now be zero everywhere, so switch it back to the activation norm ‖h‖ — the
embedding's row is the raw positions, each block's row what the model computed from them.""",
        ),
        (
            "code",
            """ws.clear_edits()
ws.wait()
amap.quantity = "norm"
print(f"the map shows {amap.quantity!r}: ‖h‖ from {amap.vmin:.2f} to {amap.vmax:.2f}")""",
        ),
    ],
)

write(
    "02_probing_velocity.ipynb",
    [
        (
            "md",
            """# 2 · Probing for velocity: where does the variable appear?

The model only ever saw positions. Does it compute the ball's **velocity** internally —
and at which layer does it appear? A *linear probe* answers the first half of that
question: fit a linear map from a layer's activations to the simulator's true velocity,
and score it on sequences it never saw.

Two checks keep a probe honest:
* a **shuffled-label control** (the same probe on permuted labels) shows what chance
  looks like;
* an **input-only baseline** (a probe on the raw last positions) shows how much is
  already in the input. Velocity is nearly a difference of the last two positions —
  except right after a bounce. The model's own work is the bounce handling.""",
        ),
        (
            "code",
            """import torch
import iwm_widgets as iwm

model = iwm.load("bouncing-ball")
sweep = iwm.probe_sweep(model, target="velocity")   # batched traces, ridge, held-out R²
sweep                                              # click a layer in the chart to pick it""",
        ),
        ("code", """print(repr(sweep))"""),
        (
            "md",
            """### Exercise: the emergence layer
Which is the **first** layer (site) whose held-out R² for velocity reaches 0.9? Write
its name (a string such as `"embed"`) in place of the `...`, run the cell, then run the
check below it.""",
        ),
        (
            "exercise",
            """answer = ...   # ← your answer: the name of a site""",
            """answer = "blocks.1\"""",
        ),
        (
            "check",
            """first = next(s for s in sweep.sites if sweep.scores[s]["score"] >= 0.9)
if answer == first:
    print(f"✓ right: {first} is the first layer with R² ≥ 0.9")
elif answer not in sweep.sites:
    print(f"Not yet: set `answer` to one of the sites {sweep.sites} and run both cells")
elif sweep.scores[answer]["score"] < 0.9:
    print(f"Not yet: {answer} reaches R² {sweep.scores[answer]['score']:.3f}, below 0.9; "
          "look further up the chart")
else:
    print(f"Not yet: {answer} reaches 0.9, but it is not the first layer that does")""",
        ),
        (
            "md",
            """### Right after a bounce
Overall R² flatters the input-only baseline. Compare the scores on the steps right after
a wall bounce, where the last displacement is no longer the velocity:""",
        ),
        (
            "code",
            """best = sweep.scores[sweep.best_layer]
base = sweep.input_baseline                        # the chart's dashed line: the best input-only probe
print(f"probe at {sweep.best_layer}: R² {best['score']:.3f} overall, "
      f"{best['score_after_bounce']:.3f} right after a bounce, control {best['control']:+.3f}")
print(f"input only ({base.removeprefix('input_').replace('_', ' ')} positions, the chart's dashed "
      f"line): R² {sweep.baselines[base]:.3f} overall, "
      f"{sweep.baselines_after_bounce[base]:.3f} right after a bounce")""",
        ),
        (
            "check",
            """assert abs(best["control"]) < 0.05, "the control should be at chance"
assert best["score_after_bounce"] > 0.6, "the model should handle bounces"
assert best["score_after_bounce"] > sweep.baselines_after_bounce[base] + 0.2, \\
    "after a bounce the model should beat the input-only probe"
print("✓ the model computes velocity, bounces included, beyond what the input gives")""",
        ),
        (
            "md",
            """## A Variable: read directions and write directions

`sweep.variable(...)` turns the probe into a **Variable**: its *read* directions (the
probe's weights — how to measure velocity) and its *write* directions (the encoding
directions — the activation pattern that goes with one unit of velocity). They are not
the same; the next notebook shows why that matters when you *turn* the variable.""",
        ),
        (
            "code",
            """vel = sweep.variable("velocity", layer=sweep.selected or sweep.best_layer)
x, truth = model.sample(seed=0, latents=True)
res = iwm.run(model, x, reads=[str(vel.site)])
readout = vel.readout(res)[0]
print(vel)
print("step 20: model's internal velocity", readout[20].tolist(), " true", truth["velocity"][20].tolist())
cos = torch.nn.functional.cosine_similarity(vel.read, vel.write, dim=-1)
print("cosine(read, write) per component:", [round(c, 3) for c in cos.tolist()])""",
        ),
        (
            "md",
            """Show the readout on a map: every layer, every step, each layer read by its own
x-velocity probe (`sweep.readouts`: row by row exactly `sweep.variable(layer=...).readout`),
and on top the simulator's true x-velocity. Where the probe is good (high R²) the row
tracks the truth, bounces (sign flips) included; at the embedding (R² ≈ 0) the probe can
only guess the average velocity, and the row stays flat near zero.""",
        ),
        (
            "code",
            """res = iwm.run(model, x, reads=sweep.sites)
vx = sweep.readouts(res, "velocity_x")[:, 0]      # [layers, steps]
true_vx = truth["velocity"][:, 0]
vmap = iwm.Heatmap(torch.cat([vx, true_vx[None]]), rows=[*sweep.sites, "truth (simulator)"],
                   columns=model.labels(x), diverging=True, label="velocity_x",
                   title="x-velocity: each layer's probe readout, and the simulator's")
for s, row in zip(sweep.sites, vx):
    print(f"{s:<9} R² {sweep.scores[s]['score']:+.3f}   mean |readout − truth| "
          f"{float((row[2:] - true_vx[2:]).abs().mean()):.4f}")
print(f"t5 at {vel.site}: map {float(vx[sweep.sites.index(str(vel.site)), 5]):.4f}, "
      f"vel.readout {float(readout[5, 0]):.4f}, truth {float(true_vx[5]):.4f}")
vmap""",
        ),
    ],
)

write(
    "03_steering_dials.ipynb",
    [
        (
            "md",
            """# 3 · Steering dials: is the model a simulator?

A model behaves like a **simulator** when turning a learned dial — the velocity it
represents — produces the matching counterfactual future. Here you turn that dial by
hand and compare the model's future with the simulator's own counterfactual.""",
        ),
        (
            "code",
            """import math
import torch
import iwm_widgets as iwm

model = iwm.load("bouncing-ball")
x, truth = model.sample(seed=0, latents=True)
ws = iwm.Workspace(model, (x, truth))            # truth: to draw the simulator's futures
sweep = iwm.probe_sweep(model, target="velocity", progress=False)
vel = sweep.variable("velocity", layer=sweep.best_layer)
dials = iwm.SteeringDials(ws, [vel])
dials""",
        ),
        (
            "md",
            """Drag the dial: the model's predicted future (orange) re-draws live beside the
simulator's counterfactual from the same state (dashed orange). Where do they part? (Try
pointing the ball at a wall.)

You can also set the dial from Python:""",
        ),
        (
            "code",
            """dials.set(velocity={"angle": 90, "radius": 0.04})   # straight up, 0.04 per step
res = ws.wait()
step = res.rollout[0, 0] - x[0, -1]
print("first predicted step:", [round(v, 4) for v in step.tolist()],
      " angle %.1f°" % math.degrees(math.atan2(step[1], step[0])))""",
        ),
        (
            "md",
            """## Correlational vs causal directions

The dial moves the activations along the **encoding** directions by default. Switch to the
**probe's** own directions (its pseudo-inverse) and the readout still lands on the target —
but the model's future barely follows. A dial scan measures it: every angle, 20 held-out
balls, one batched trace each.""",
        ),
        (
            "code",
            """balls = model.spec.sample_batch(20, seed=2024)
angles = torch.arange(0.0, 360.0, 30.0)
targets = 0.04 * torch.stack([torch.cos(torch.deg2rad(angles)), torch.sin(torch.deg2rad(angles))], 1)
errors = {}
for how in ("encoding", "probe"):
    fut = iwm.dial_scan(model, balls, vel, targets, steps=1, direction=how)
    step = fut[:, :, 0] - balls[:, None, -1]
    got = torch.rad2deg(torch.atan2(step[..., 1], step[..., 0]))
    errors[how] = float(((got - angles + 180) % 360 - 180).abs().mean())
    print(f"{how:>8}: mean angle error of the first step {errors[how]:5.1f}°")""",
        ),
        (
            "md",
            """### Check yourself
Is the model a simulator along its encoding direction (mean angle error under 15°)? And is
the probe's direction the model's own? Run the cell.""",
        ),
        (
            "check",
            """assert errors["encoding"] <= 15, "along the encoding direction the model should follow the dial"
assert errors["probe"] > errors["encoding"], "the probe's direction should be weaker"
print("✓ the model follows its velocity dial — and only along the direction it uses itself")""",
        ),
        (
            "md",
            """## Copy as code
The dial's edit is one nnsight trace; paste it anywhere:""",
        ),
        (
            "code",
            """print(dials.code[:600], "...")
dials.reset()""",
        ),
    ],
)

write(
    "04_patching_and_causal_graph.ipynb",
    [
        (
            "md",
            """# 4 · Patching and the live causal graph: which variables cause the prediction?

**Activation patching** asks *where* the difference between two inputs lives: run the
corrupt input, copy one (layer, step) from the clean run into it, and see how much of the
clean prediction comes back. Every (layer, step) pair is one row of a batch — one trace
per chunk, never one trace per pair.""",
        ),
        (
            "code",
            """import torch
import iwm_widgets as iwm

model = iwm.load("bouncing-ball")
clean = model.sample(seed=0)
corrupt = clean.clone()                         # the same last position, reached from the
corrupt[..., 0] = 2 * clean[0, -1, 0] - clean[..., 0]   # other side: x-velocity flipped

def next_x(out):                                # the metric: predicted next x, per row
    return out[:, -1, 0]

sweep = iwm.patching_sweep(model, clean, corrupt, next_x, attribution=True)
print(sweep)
sweep.widget("normalized")                      # 1 = the clean prediction fully restored""",
        ),
        (
            "md",
            """### Check yourself
The prediction for step 32 is made at the last step. In the last layer, only the last
step should matter (earlier steps can no longer reach the prediction); at the last step,
the embedding holds only the position — the same in both inputs — so patching it should
restore nothing, while any layer that has computed the velocity restores it. Run the cell.""",
        ),
        (
            "check",
            """norm = sweep.normalized()
assert abs(float(norm[-1, -1]) - 1) < 0.05 and float(norm[-1, :-1].abs().max()) < 0.05
assert abs(float(norm[0, -1])) < 0.05
print("✓ restored at the last step, by layer:",
      dict(zip(sweep.sites, [round(v, 2) for v in norm[:, -1].tolist()])))
print(f"attribution patching (one backward) agrees with real patching: r = {sweep.agreement:.2f}")""",
        ),
        (
            "md",
            """## The live causal graph

Nodes are variables found by probes — the ball's position and velocity inside the model —
and the model's prediction of the next position. Each edge is a measured causal effect:
shift the upstream variable a little (along the direction the model uses to encode it) and
see how much the downstream one moves. All interventions run in one batched trace, under
the current edits. Click a node to edit it: the graph and the output re-run.""",
        ),
        (
            "code",
            """x, truth = model.sample(seed=0, latents=True)
ws = iwm.Workspace(model, (x, truth))
vel = iwm.probe_sweep(model, "velocity", n=256, progress=False).variable("velocity", layer="blocks.2")
pos = iwm.probe_sweep(model, "position", n=256, progress=False).variable("position", layer="blocks.0")
nodes = [pos, vel,
         iwm.output_node(lambda o: o[:, -1, 0], "next x", truth="position_x"),
         iwm.output_node(lambda o: o[:, -1, 1], "next y", truth="position_y")]
graph = iwm.CausalGraph(ws, nodes, threshold=0.2)
graph""",
        ),
        (
            "code",
            """G = graph.to_networkx()
for a, b, d in G.edges(data=True):
    print(f"{a:>22} → {b:<8} effect {d['effect']:+.3f}")
print("score against the simulator's causal graph:", graph.score)""",
        ),
        (
            "md",
            """### Exercise
Which true edges of the simulator (`model.true_graph`) did the graph *miss*, and why?
Hint: the model's output is `x_t + out_scale · head(h_t)` — it adds the raw input position
through a skip connection. The position variable inside the residual stream is readable
(R² 1.00) but is it *used*? Try the position at the model's input instead: a probe at
`"embed.input"` reads the observed position itself.""",
        ),
        (
            "code",
            """print("missed:", graph.effects.score(model.true_graph, 0.2)["missed"])
assert G.has_edge("velocity_x@blocks.2", "next x"), "velocity should cause the next position"
obs = iwm.probe_sweep(model, "position", sites=["embed.input"], n=256, progress=False)
pos_in = obs.variable("position", layer="embed.input")
ce = iwm.causal_effects(ws, [pos_in, vel, *nodes[2:]], delta=0.005)
score = ce.score(model.true_graph, 0.2)
print("with the observed position:", {k: score[k] for k in ("precision", "recall")})
assert score["recall"] == 1.0 and score["precision"] == 1.0
print("✓ all four true edges recovered; the model card records the same over 20 balls:",
      {k: model.card["causal_graph"][k] for k in ("precision", "recall")})""",
        ),
        (
            "md",
            """## Attention heads as nodes, and other interventions

`iwm.attention_heads(model)` gives one node per head (its slice of the attention output,
before the projection mixes heads). Zero-ablating a head is one row of the same batched
trace. `intervention=` picks how nodes are intervened on: `"shift"` (Variables), `"zero"`,
`"mean"` (its mean over the steps), or `"set"` with `value=`.""",
        ),
        (
            "code",
            """heads = iwm.attention_heads(model)
ce = iwm.causal_effects(ws, [*heads, *nodes[2:]])
effect = ce.effects[: len(heads), len(heads)]           # on next x
top = sorted(zip([h.label for h in heads], effect.tolist()), key=lambda t: -abs(t[1]))[:4]
print("heads that move next x most when zeroed:", [(h, round(e, 4)) for h, e in top])
iwm.CausalGraph(ws, [*iwm.attention_heads(model, layers=[2, 3]), *nodes[2:]], threshold=0.002)""",
        ),
        ("md", """Edit a node from Python (the editor in the widget does the same):"""),
        (
            "code",
            """graph.edit_node("velocity_x@blocks.2", "set", 0.05)
ws.wait()
print(graph.output)
graph.remove_node_edit("velocity_x@blocks.2")""",
        ),
    ],
)

write(
    "05_language_model.ipynb",
    [
        (
            "md",
            """# 5 · The same tools on a language model from a local directory

Everything so far works on any PyTorch model nnsight can trace. Here: a small GPT-2
that ships with the package as an ordinary Hugging Face directory (`config.json`,
`model.safetensors`, `tokenizer.json`), trained by our own code on sentences with known
answers — 42 landmarks in 24 cities, which way a ball moves, where a taxi turns. Your own
model loads the same way: `model.save_pretrained(dir)`, then `iwm.load(dir)`.""",
        ),
        (
            "code",
            """import json, os
import torch
import iwm_widgets as iwm
from iwm_widgets.zoo.tiny_lm import tiny_lm_dir, fact_prompt, steering_prompts, NEUTRAL_PROMPT, FACTS

path = tiny_lm_dir()
print(sorted(p.name for p in path.iterdir()))
lm = iwm.load(str(path))                 # from_pretrained(path): no hub, no network
tok = lm.nnsight.tokenizer
lm""",
        ),
        (
            "md",
            """## The logit lens: where does the answer appear?

Apply the model's last LayerNorm and unembedding to every layer's residual stream: what
would the model say if it stopped there? The map shows the top token's probability per
layer and token (hover for the token).""",
        ),
        (
            "code",
            """prompt = fact_prompt("Eiffel Tower")
ws = iwm.Workspace(lm, prompt)
amap = iwm.ActivationMap(ws, "lens_prob")
amap""",
        ),
        (
            "code",
            """def lens(prompt, answer):
    res = iwm.run(lm, prompt, reads=lm.layers)
    rows = []
    for site in lm.layers:
        p = lm.logit_lens(res[site][:, -1]).softmax(-1)[0]
        rows.append((site, tok.decode(int(p.argmax())), float(p[tok.convert_tokens_to_ids(answer)])))
    return rows

for site, top, p in lens(prompt, FACTS["Eiffel Tower"]):
    print(f"{site:<16} top token {top:<10} p(Paris) {p:.3f}")""",
        ),
        (
            "md",
            """### Exercise
At which layer does the answer first become the top token — and stay top — for
`"Prado Museum"` (in Madrid)? The rows above are the Eiffel Tower's: print the Prado
Museum's with `lens(fact_prompt("Prado Museum"), FACTS["Prado Museum"])`, then put the
layer index (0 for the first row) in place of the `...` and run the check. The model card
recorded the same measurement for every landmark when the model was trained.""",
        ),
        (
            "exercise",
            """# print the Prado Museum's rows here, then answer
my_answer = ...   # ← a layer index 0..3""",
            """for site, top, p in lens(fact_prompt("Prado Museum"), FACTS["Prado Museum"]):
    print(f"{site:<16} top token {top:<10} p(Madrid) {p:.3f}")
my_answer = 3""",
        ),
        (
            "check",
            """rows = lens(fact_prompt("Prado Museum"), FACTS["Prado Museum"])
tops = [top == FACTS["Prado Museum"] for _, top, _ in rows]
emergence = next(i for i in range(len(tops)) if all(tops[i:]))
card = json.loads((path / "card.json").read_text())
assert card["logit_lens"]["by_landmark"]["Prado Museum"]["emergence_layer"] == emergence
if my_answer == emergence:
    print(f"✓ right: from layer {emergence} ({lm.layers[emergence]}) on, the top token is Madrid")
elif not isinstance(my_answer, int):
    print("Not yet: set `my_answer` to a layer index (0 for the first row of the Prado "
          "Museum's rows, not the Eiffel Tower's above) and run both cells")
elif tops[my_answer] and not all(tops[my_answer:]):
    print(f"Not yet: Madrid is top at layer {my_answer}, but it does not stay top above it")
elif not tops[my_answer]:
    print(f"Not yet: at layer {my_answer} the top token is {rows[my_answer][1]!r}, not Madrid")
else:
    print(f"Not yet: Madrid is already top, and stays top, below layer {my_answer}")""",
        ),
        (
            "md",
            """## Steering with a contrastive variable

`contrastive_variable` takes the difference of means between prompts whose next word is
"right" and prompts whose next word is "left" at one layer: a direction, and a readout
(0 = the "left" mean, 1 = the "right" mean). `Edit.add(variable, [delta])` moves the
readout by exactly `delta`. The neutral prompt "The ball moves to the" is a coin flip.""",
        ),
        (
            "code",
            """sp = steering_prompts()
var = iwm.contrastive_variable(lm, sp["positive"], sp["negative"], site="transformer.h.2",
                               name="right_vs_left")
ids = {w: tok.convert_tokens_to_ids(w) for w in ("left", "right")}
probs = {}
for delta in (0.0, 1.0, 2.0):
    out = iwm.run(lm, NEUTRAL_PROMPT, [iwm.Edit.add(var, [delta], positions=[-1])]).output
    p = out[0, -1].softmax(-1)
    probs[delta] = {w: float(p[i]) for w, i in ids.items()}
    print(f"delta {delta}: p(right) {probs[delta]['right']:.3f}   p(left) {probs[delta]['left']:.3f}")""",
        ),
        (
            "md",
            """### Check yourself
Does the dial do what its name says? p(right) should rise and p(left) fall as delta grows.""",
        ),
        (
            "check",
            """assert probs[2.0]["right"] > 0.6 > probs[0.0]["right"]
assert probs[2.0]["left"] < 0.05 < probs[0.0]["left"]
print("✓ the right-vs-left variable steers the next word")""",
        ),
        (
            "md",
            """A dial for it, live: drag the slider and the next-token top-k and the greedy
continuation of 3 tokens re-run (one nnsight `generate` trace with the edit at every
step; `rollout_steps` sets how many tokens). The slider sets the readout itself, from the
last prompt token on: the neutral prompt reads about `r0` below, so `r0 + 2` is the
`delta = 2` of the cell above, and the slider spans −1 … `r0 + 3`.""",
        ),
        (
            "code",
            """ws_dir = iwm.Workspace(lm, NEUTRAL_PROMPT, rollout_steps=3)
r0 = float(var.readout(ws_dir.wait())[0, -1, 0])
dials = iwm.SteeringDials(ws_dir, var, limits={var.name: (-1.0, r0 + 3.0)})
print(f"the neutral prompt reads {r0:.2f}; greedy continuation: {dials.lm['continuation_before']!r}")
dials""",
        ),
        (
            "code",
            """dials.set(right_vs_left=r0 + 2.0)          # the same as delta = 2 above
p = ws_dir.wait().output[0, -1].softmax(-1)
print(f"slider at {r0 + 2:.2f}: p(right) {float(p[ids['right']]):.3f} (delta 2 above: "
      f"{probs[2.0]['right']:.3f})   greedy continuation: {dials.lm['continuation_after']!r}")""",
        ),
        (
            "md",
            """## The same widgets on a big model, remotely (NDIF)

nnsight can send the trace to [NDIF](https://ndif.us), which runs models too big for
your machine. With an API key in the environment (`export NDIF_API_KEY=...`, or
nnsight's own config) the same Workspace and widgets run remotely — only the small
summaries the views need come back, and a run never blocks the notebook:

```python
model = iwm.load("meta-llama/Llama-3.1-8B", remote=True)
ws = iwm.Workspace(model, "The Eiffel Tower is in the city of")
iwm.ActivationMap(ws, "lens_prob")
```

Self-hosted NDIF on one machine (what our tests do, on 127.0.0.1):
`scripts/ndif/install.sh`, then
`.venv/bin/python scripts/ndif/stack.py up --model DIR --port 8001`, and
`iwm.load(DIR, remote="http://127.0.0.1:8001")`. The cell below runs remotely only when
you switch it on.""",
        ),
        (
            "code",
            """RUN_REMOTE = False   # ← True once NDIF_API_KEY is set (it never enters the notebook)
if RUN_REMOTE:
    big = iwm.load("meta-llama/Llama-3.1-8B", remote=True)
    remote_ws = iwm.Workspace(big, "The Eiffel Tower is in the city of")
    display(iwm.ActivationMap(remote_ws, "lens_prob"))
else:
    print("key set:", bool(os.environ.get("NDIF_API_KEY")), "- set RUN_REMOTE = True to run remotely")""",
        ),
    ],
)

write(
    "06_prototype_and_export.ipynb",
    [
        (
            "md",
            """# 6 · Prototype your own intervention and export it as nnsight code

You have found a variable (the velocity probe), turned it (dials) and measured what it
causes (the graph). Now write an intervention of your own as **data** — an `Edit` — check
it against the simulator's ground truth, and export it as plain nnsight code that runs
without iwm_widgets.""",
        ),
        (
            "code",
            """import json, math, runpy, tempfile
from pathlib import Path
import torch
import iwm_widgets as iwm

model = iwm.load("bouncing-ball")
x, truth = model.sample(seed=7, latents=True)
T = x.shape[-2]                                   # 32 observed steps
sweep = iwm.probe_sweep(model, "velocity", n=256, progress=False)
vel = sweep.variable("velocity", layer="blocks.2")
ws = iwm.Workspace(model, (x, truth))
ws.wait()
print(ws)""",
        ),
        (
            "md",
            """## 1. Stop the ball
`Edit.clamp(variable, value, start=t)` sets the variable's readout to `value` at every
step from `t` on — the rollout steps included. A stopped ball should stay where it is.""",
        ),
        (
            "code",
            """stop = iwm.Edit.clamp(vel, [0.0, 0.0], start=T - 1, label="stop the ball")
ws.add_edit(stop)
res = ws.wait()
drift = (res.rollout[0] - x[0, -1]).norm(dim=-1)
print("distance from the last position, step by step:", [round(d, 3) for d in drift[:8].tolist()])
print("without the edit the ball travels", round(float((ws.baseline.rollout[0, 7] - x[0, -1]).norm()), 3))""",
        ),
        (
            "check",
            """assert float(drift.max()) < 0.05, "a stopped ball should stay where it is"
print("✓ the ball stays within 0.05 of where it stopped")
ws.clear_edits()""",
        ),
        (
            "md",
            """## 2. Your turn: send the ball diagonally

Write an edit that makes the ball move at 45° (up and to the right) with speed 0.03 per
step. The simulator tells you what *should* happen (`simulate_future(..., velocity=...)`).
`target` is that velocity; write your edit in place of the `...` (section 1 shows the
kind of edit that sets a variable), run it, then run the check below it.""",
        ),
        (
            "code",
            """target = 0.03 * torch.tensor([math.cos(math.pi / 4), math.sin(math.pi / 4)])""",
        ),
        (
            "exercise",
            """my_edit = ...   # ← your edit here""",
            """my_edit = iwm.Edit.clamp(vel, target.tolist(), start=T - 1, label="diagonal")""",
        ),
        (
            "check",
            """def check(edit, steps=4, tol=0.015):
    if not isinstance(edit, iwm.Edit):
        print("Not yet: set `my_edit` to an iwm.Edit (like `stop` in section 1, with "
              "`target` as the value) and run both cells")
        return False
    ws.set_edits([edit])
    res = ws.wait()
    sim = torch.as_tensor(model.spec.simulate_future(truth, steps, velocity=target))
    err = (res.rollout[0, :steps] - sim).norm(dim=-1)
    ok = float(err.max()) < tol
    print("✓" if ok else "Not yet:", "largest distance to the simulator's counterfactual over",
          steps, "steps:", round(float(err.max()), 4), "" if ok else f"(it should be under {tol})")
    return ok

check(my_edit)""",
        ),
        (
            "md",
            """### Exercise
The model follows the dial for a few steps, but the error grows (`check(my_edit, steps=12)`).
Is it the gain (compare the model's step with `target`), or a bounce the model handles
differently? Try clamping at `blocks.2` *and* `blocks.3` (`ws.set_edits([...])`).""",
        ),
        (
            "code",
            """res = ws.wait()
step = (res.rollout[0, 1:5] - res.rollout[0, :4]).mean(0)
print("model's step", [round(v, 4) for v in step.tolist()], " target", [round(v, 4) for v in target.tolist()])""",
        ),
        (
            "md",
            """## 3. Export: the same intervention as plain nnsight code

`ws.to_code()` prints ONE nnsight trace with your edits applied at every rollout step. It
needs only `torch` and an nnsight-wrapped model — paste it into a script, a paper's
appendix, or a remote NDIF job. We run it from a file (in a temporary folder) and
compare. The code re-runs the whole sequence at every step; the Workspace's rollout is
key/value-cached (each step runs only the new position), so the two agree to float32
rounding, and the code agrees bit for bit with the uncached run (`cache=False`).""",
        ),
        (
            "code",
            """code = ws.to_code()
print(code[:400], "...")
folder = Path(tempfile.mkdtemp(prefix="iwm-export-"))
path = folder / "my_intervention.py"
path.write_text(code)
print("written to", path)
out = runpy.run_path(str(path), init_globals={"model": model.nnsight, "inputs": model.prepare(x)})
assert torch.allclose(out["rollout"], ws.result.rollout, atol=2e-5, rtol=0)
uncached = iwm.run(model, x, list(ws.edits), rollout_steps=ws.rollout_steps, cache=False)
assert torch.equal(out["rollout"], uncached.rollout)
gap = (out["rollout"] - ws.result.rollout).abs().max().item()
print(f"✓ the exported code reproduces the widget's rollout (largest difference {gap:.1e}, "
      "float32 rounding) and the uncached run bit for bit")""",
        ),
        (
            "md",
            """## 4. Save it as data

An edit is data: JSON (`to_dict`) round-trips it exactly, and variables save as JSON +
safetensors — no pickles. Load both in another session and you get the same result.""",
        ),
        (
            "code",
            """saved = json.dumps([e.to_dict() for e in ws.edits])
again = [iwm.Edit.from_dict(d) for d in json.loads(saved)]
res = iwm.run(model, x, again, rollout_steps=ws.rollout_steps)
assert torch.equal(res.rollout, ws.result.rollout)
print(f"✓ {len(saved):,} bytes of JSON give the same rollout")
ws.clear_edits()""",
        ),
    ],
)

write(
    "07_which_particles_are_connected.ipynb",
    [
        (
            "md",
            """# 7 · Does the model know which particles are connected?

Four particles in a box; some pairs are joined by **hidden springs** (Hooke's law, each
pair with probability ½ — the "springs" world of Kipf et al. 2018). A world model sees
only the particles' past positions and predicts the next ones. To predict well it could
carry the spring graph inside — an internal map of who pulls whom — or it could get by
with a good average pull: a stimulus-response machine that looks just as good on the
next step.

Three models, one question:
* `springs-fixed` was trained on **one** graph for every system: the graph can live in
  its weights;
* `springs` sees a **new** graph in every system: it would have to infer the graph from
  the trajectory, in context;
* `springs-meanfield` sees all particles in one token per step and was trained the same
  way as `springs`.

The simulator knows the true springs, so every answer below is scored against them.""",
        ),
        (
            "code",
            """import numpy as np
import torch
import iwm_widgets as iwm
from iwm_widgets.zoo import springs_metrics as sm

NAMES = ["springs-fixed", "springs", "springs-meanfield"]
models = {name: iwm.load(name) for name in NAMES}
model = models["springs-fixed"]
ws = iwm.Workspace(model, model.sample(seed=7, latents=True), rollout_steps=16)
view = iwm.SystemView(ws)     # "show springs" reveals the truth; the dial moves particle 0
view""",
        ),
        (
            "md",
            """The solid lines continue each particle with the model's prediction, the dashed ones
with the simulator's. Turn the dial: particle 0 gets a new velocity, the model re-runs,
and the other particles move through the springs **the model** believes in (bold), next
to what the real springs do (bold dashed).

## Good predictions are not a graph
First the outside view: the one-step error of each model on 32 systems none of them was
trained or carded on, next to three baselines computed from the positions alone — no
interaction (constant velocity, walls), the *mean field* (every pair half a spring: the
average graph) and Hooke's law with the *true* graph.""",
        ),
        (
            "code",
            """errors = {}
for name, m in models.items():
    x32, lat32 = m.spec.sample_batch(32, seed=777_000, latents=True)
    errors[name] = sm.one_step_errors(m.module, lat32)["mse"]
print(f"{'one-step MSE (×1e-6)':<22}" + "".join(f"{n:>19}" for n in NAMES))
for key in ("model", "const_velocity", "mean_field", "hooke_true_graph"):
    print(f"{key:<22}" + "".join(f"{errors[n][key] * 1e6:>19.2f}" for n in NAMES))""",
        ),
        (
            "check",
            """if all(errors[n]["model"] < 0.6 * errors[n]["const_velocity"] for n in NAMES):
    print("✓ every model predicts far better than no interaction: the next step cannot "
          "tell them apart")
else:
    print("Not yet: a model does not beat the no-interaction baseline here")""",
        ),
        (
            "md",
            """## Ask the model: move one particle
A spring joins particle 0 to particle j if moving particle 0 changes where **j** goes
next. Ask the model that directly, as an intervention on its input: shift particle 0's
whole observed trajectory by a tiny `δ` along x, run the model again, and see how much
each particle's predicted next displacement moves.

### Exercise 1: an intervention by hand
`x` is one system `[1, T, 8]` (x₀, y₀, x₁, y₁, …). Make `shifted`, a copy of `x` with
particle 0's x-coordinate (column 0) moved by `delta` at every step; then
`response[j]` = the size of the change of particle j's predicted next displacement
`model.module(x) − x`, per unit of `delta`, averaged over the steps from 2 on — one
number per particle (`[4]`).""",
        ),
        (
            "code",
            """x, truth = model.sample(seed=11, latents=True)
delta = 1e-3
print("true springs of particle 0:", [j for j in range(4) if truth["adjacency"][0, j]])""",
        ),
        (
            "exercise",
            """shifted = ...    # ← x with column 0 moved by delta at every step
response = ...   # ← [4]: |change of j's next displacement| / delta, mean over steps 2..""",
            """shifted = x.clone()
shifted[..., 0] += delta
with torch.no_grad():
    change = (model.module(shifted) - shifted) - (model.module(x) - x)   # [1, T, 8]
response = (change[0, 2:].view(-1, 4, 2) / delta).mean(0).norm(dim=-1)   # [4]""",
        ),
        (
            "check",
            """want = sm.input_sensitivity(model.module, x)["block"][0, :, 0, :, 0]   # [j, axis]: x of 0
want = np.linalg.norm(want, axis=-1)
try:
    got = np.asarray(torch.as_tensor(response, dtype=torch.float64)).reshape(-1)
except Exception:
    got = None
if got is None or got.shape != (4,):
    print("Not yet: `response` should hold one number per particle (4); shift column 0 of a "
          "clone of x, run model.module on both, and average the change over the steps")
elif not np.allclose(got[1:], want[1:], rtol=0.05, atol=2e-4):
    print(f"Not yet: got {np.round(got[1:], 4)} for particles 1-3, the intervention gives "
          f"{np.round(want[1:], 4)}: did you divide by delta and average from step 2 on?")
else:
    order = [int(j) for j in np.argsort(-got[1:]) + 1]
    print(f"✓ particles 1-3 respond {np.round(got[1:], 4)} (most: {order[0]}); the true "
          f"springs of 0 are {[j for j in range(4) if truth['adjacency'][0, j]]}")""",
        ),
        (
            "md",
            """`sm.input_sensitivity` does this for every particle and both axes at once (in
float64) and keeps the 2 × 2 response block of each pair; its `norm` scores a pair.
Over many systems the **AUROC** says how well those scores rank the true springs above
the non-springs (1: perfectly, 0.5: chance).

The same question can be asked *inside* the model: `iwm.interaction_graph` fits a probe
for each particle's position at the first layer and shifts that internal Variable
instead of the input (batched traces). Where the recovery is faithful, its scores track
the input's (Spearman ≥ 0.8): it finds the graph where the model has one and not
where it has none.

Beside them, the data side: **Tigramite**'s PCMCI (a classical causal-discovery method),
the correlation of two particles' accelerations, and a least-squares fit of Hooke's law
— all on the raw trajectories of the same systems.""",
        ),
        (
            "code",
            """def data_side(xs, adj):
    \"\"\"The methods that see only the trajectories, not the model.\"\"\"
    out = {"correlation (data)": sm.pair_auroc(sm.correlation_scores(xs), adj),
           "least squares (data)": sm.pair_auroc(sm.lstsq_scores(xs), adj)}
    try:
        out["Tigramite PCMCI (data)"] = sm.pair_auroc(sm.pcmci_scores(xs)[0], adj)
    except ImportError:
        out["Tigramite PCMCI (data)"] = float("nan")   # pip install tigramite
    return out


table, seen = {}, {}
for name, m in models.items():
    xs, lat = m.spec.sample_batch(16, seed=424_242, latents=True)
    adj = lat["adjacency"]
    own = sm.input_sensitivity(m.module, xs)["norm"]
    g = iwm.interaction_graph(m, xs, adjacency=adj, fit_systems=128)
    table[name] = {"model (moving the input)": sm.pair_auroc(own, adj),
                   "model (inside, probes)": g.auroc(),
                   "faithfulness (Spearman)": g.faithfulness(own)["directed"]}
    # springs and springs-meanfield see the same systems (a new graph each): the data
    # side is the same for both, computed once
    key = xs.numpy().tobytes()
    seen[key] = seen.get(key) or data_side(xs, adj)
    table[name].update(seen[key])
    if name == "springs-fixed":
        fixed_graph, fixed_inputs = g, xs
rows = list(next(iter(table.values())))
print(f"{'AUROC vs the true springs':<28}" + "".join(f"{n:>19}" for n in NAMES))
for r in rows:
    print(f"{r:<28}" + "".join(f"{table[n][r]:>19.2f}" for n in NAMES))""",
        ),
        (
            "md",
            """### Exercise 2: which model carries the graph?
Read the table. Which model's **own** sensitivities rank the true springs best? Set
`answer` to its name.""",
        ),
        (
            "exercise",
            """answer = ...   # ← "springs-fixed", "springs" or "springs-meanfield\"""",
            """answer = max(NAMES, key=lambda n: table[n]["model (moving the input)"])""",
        ),
        (
            "check",
            """best = max(NAMES, key=lambda n: table[n]["model (moving the input)"])
if answer == best:
    a = table[best]["model (moving the input)"]
    print(f"✓ {best}: AUROC {a:.2f}. The in-context model, which must infer each new "
          f"graph, reaches {table['springs']['model (moving the input)']:.2f} and the "
          "one-token-per-step model "
          f"{table['springs-meanfield']['model (moving the input)']:.2f}, though all three "
          "predict the next step well")
elif answer not in NAMES:
    print(f"Not yet: set `answer` to one of {NAMES}")
else:
    print(f"Not yet: {answer} ranks the springs at "
          f"{table[answer]['model (moving the input)']:.2f}; look for the highest "
          "'model (moving the input)' AUROC")""",
        ),
        (
            "md",
            """The graph `springs-fixed` carries, drawn over the particles: the true springs
faint underneath, a recovered spring solid, an edge that is no spring dashed red. The
threshold is the best-F1 one on these systems (optimistic: on other systems take it
from `fixed_graph.at_threshold`).""",
        ),
        (
            "code",
            """ws_fixed = iwm.Workspace(model, fixed_inputs[:1], rollout_steps=4)
cut = fixed_graph.best_f1()
print(f"best F1 {cut['f1']:.2f} at threshold {cut['threshold']:.4f}: precision "
      f"{cut['precision']:.2f}, recall {cut['recall']:.2f}")
pairs = fixed_graph.scores[0] + fixed_graph.scores[0].T        # S[i, j] + S[j, i]
iwm.CausalGraph.from_interactions(ws_fixed, pairs, truth=fixed_graph.adjacency[0],
                                  threshold=cut["threshold"])""",
        ),
        (
            "md",
            """## A simulator with a flaw
`springs-flawed` was trained on the fixed graph of `springs-fixed`, but in a slightly
wrong world: particle 0's springs **push** it away instead of pulling it (its partners
are still pulled towards it). Its one-step error still looks plausible, and probes still
find every particle's position. Only the combination is wrong — and a signed look at the
model's own graph shows where.

`coupling[j, i]` is the signed response of j's next displacement to moving i, in units
of one spring: +1 for a spring that pulls j towards i, −1 for one that pushes it away,
0 for no spring.""",
        ),
        (
            "code",
            """flawed = iwm.load("springs-flawed")
xf, latf = flawed.spec.sample_batch(16, seed=515_151, latents=True)
coupling = sm.input_sensitivity(flawed.module, xf)["coupling"].mean(0)   # [j, i], mean over systems
sound = sm.input_sensitivity(model.module, xf)["coupling"].mean(0)
sweeps = iwm.particle_sweeps(flawed, "position", sites=["embed"], n=128, progress=False)
print("probes for each particle's position at embed, held-out R²:",
      [round(s.scores["embed"]["score"], 3) for s in sweeps])
np.set_printoptions(precision=2, suppress=True)
print("signed coupling, springs-flawed (rows j: the particle that moves; columns i):")
print(coupling)
print("signed coupling, springs-fixed on the same systems:")
print(sound)
adj = np.asarray(latf["adjacency"][0])
partners = {j: [i for i in range(4) if adj[j, i]] for j in range(4)}
print("the springs (the same graph in both worlds):", partners)""",
        ),
        (
            "md",
            """### Exercise 3: find the flaw
Which particle does the flawed model move **away** from its partners? The flawed world
has the graph of `springs-fixed` (`partners[j]` lists particle j's springs): look for
the row whose couplings to its partners are negative. Set `answer` to its number.""",
        ),
        (
            "exercise",
            """answer = ...   # ← a particle, 0-3""",
            """answer = int(np.argmin([coupling[j, partners[j]].mean() for j in range(4)]))""",
        ),
        (
            "check",
            """flaw = flawed.spec.world.flaw_particle
mine = partners[flaw]
if answer == flaw:
    print(f"✓ particle {flaw}: its couplings to {mine} are {np.round(coupling[flaw, mine], 2)} "
          f"in the flawed model (pushed away), {np.round(sound[flaw, mine], 2)} in the sound "
          "one (pulled); its partners are still pulled towards it "
          f"({np.round(coupling[mine, flaw], 2)})")
elif answer not in range(4):
    print("Not yet: set `answer` to a particle number 0-3")
else:
    print(f"Not yet: particle {answer}'s couplings to its partners {partners[answer]} are "
          f"{np.round(coupling[answer, partners[answer]], 2)}; find the row that is negative")""",
        ),
        (
            "md",
            """## What to take away
* One-step error cannot tell a model with a graph from one without: all three beat no
  interaction by far.
* Moving a particle and watching the others asks the model itself. `springs-fixed`
  carries its one graph; `springs` infers much of each new graph from the trajectory,
  not all of it; `springs-meanfield` ranks the springs at chance — it predicts with an
  average pull, not a map of the springs.
* The data-side methods on the raw trajectories are the yardstick: least squares with
  Hooke's form finds the springs almost perfectly, so the information is there to learn.
* A signed look finds a flaw the next-step error hides.""",
        ),
    ],
)


write(
    "08_find_the_dials_without_labels.ipynb",
    [
        (
            "md",
            """# 8 · Find the dials without labels

Every dial so far started from a **probe**: we named the variable to look for (velocity)
and fitted it to the simulator's labels. The model itself learned from raw positions and
was never told what a velocity is. Can we find its dials **without labels** — and how
would we know that what we found is real?

On the zoo the simulator knows the truth, so every unsupervised feature can be scored:
does it **read** a true variable (correlations on held-out sequences), does turning it
**write** that variable into the model's future (steering), and how do both compare with
a **control** — random directions through the same pipeline — and with the supervised
probe? Every number the text relies on is printed by a cell above it.

`iwm.discover(model, site, method, k)` collects a site's activations over simulated
sequences in batched traces and fits `k` features without labels:
* `"pca"`: the directions of largest variance;
* `"ica"`: independent components (scikit-learn's FastICA);
* `"sae"`: a small TopK sparse autoencoder, trained here in torch;
* `"random"`: `k` random orthonormal directions — the control.""",
        ),
        (
            "code",
            """import numpy as np
import torch

import iwm_widgets as iwm

ball = iwm.load("bouncing-ball")
sweep = iwm.probe_sweep(ball, "velocity", n=256, progress=False)   # the supervised yardstick
layer = sweep.best_layer
print("velocity probe (with labels), held-out R² by layer:",
      {s: round(r["score"], 3) for s, r in sweep.scores.items()})
print("the probe's best layer:", layer)""",
        ),
        (
            "md",
            """## 1. bouncing-ball: PCA at the probe's best layer

Now forget the labels: PCA with `k=8` at that layer, on 256 fresh sequences (a quarter
held out). `fs.match()` scores every feature against every true variable (|correlation|
on held-out rows). `fs.subspaces()` asks, for each 2-D true variable, which **pair** of
features spans it best (chosen on the fit sequences, scored on the held-out ones): the two
canonical correlations `cc1`, `cc2` (1 when the pair's span holds the variable exactly,
whatever its rotation and scale) and their mean, the R² of a linear read-out from the
pair, and `probe_r2`, a supervised ridge probe from the whole site on the same rows.

The control runs the same pipeline with random directions, on three data sets.""",
        ),
        (
            "code",
            """fs = iwm.discover(ball, layer, "pca", k=8, n=256, seed=0, progress=False)
print(fs)
print(fs.match()[["best", "best_corr", "best_r2"]].round(2).to_string())
sub = fs.subspaces()
print(sub.round(3).to_string())
controls = [iwm.discover(ball, layer, "random", k=8, n=256, seed=s, progress=False)
            for s in range(3)]
chance = [float(c.subspaces(probe=False).loc["velocity", "mean_cc"]) for c in controls]
pair = tuple(int(i) for i in sub.loc["velocity", "features"])
v = sub.loc["velocity"]
print()
print(f"velocity: PCA features {pair}, mean canonical correlation {v.mean_cc:.3f}; the best "
      f"random pair, {len(controls)} data sets: {', '.join(f'{c:.3f}' for c in chance)}")
print(f"read-out R² from the PCA pair {v.r2_pair:.3f}; the supervised probe from the whole "
      f"site {v.probe_r2:.3f}")""",
        ),
        (
            "check",
            """if v.mean_cc > max(chance) and v.r2_pair <= v.probe_r2 + 0.02:
    print(f"✓ without labels, PCA's best pair reads velocity better than every random pair "
          f"({v.mean_cc:.3f} vs at most {max(chance):.3f}); with labels the probe reads more "
          f"(R² {v.probe_r2:.3f} vs {v.r2_pair:.3f})")
else:
    print("Not yet: PCA's velocity pair does not beat the random controls here")""",
        ),
        (
            "md",
            """Random directions read velocity well too — the site is full of velocity — which
is why a number without its control says little.

### Is it a dial?
Reading is not writing. `fs.steering(ball, i)` clamps feature `i` (from the last context
step on) to nine values across its range, rolls 16 fresh balls one step forward in one
batched trace, and reports `rho`: Spearman's ρ between the dial and the change of the
matched variable in the first step (1: the step moves monotonically with the dial).
ρ says nothing about **how far** the step moves, so we add `gain`: the step's change per
unit of the variable the feature *reads* (1: the model moves the ball exactly as far as
the reading says; 0: not at all). The PCA pair first, then the first control's pair.""",
        ),
        (
            "code",
            """def gain(fs, st, particle=None):
    \"\"\"How far the first step moves per unit of the variable the feature reads (1: fully).\"\"\"
    col, i = st["variable"], st["feature"]
    slot = -1 if particle is None else particle
    rows = fs.held_out & (fs.rows[:, 2] == slot) & torch.isfinite(fs.truth[col])
    reads = np.polyfit(fs.activations[rows, i].double().numpy(), fs.truth[col][rows].numpy(), 1)[0]
    vals = st["values"].double().numpy()
    moves = np.mean([np.polyfit(vals, c, 1)[0] for c in st["change"].double().numpy()])
    return float(moves / reads)


ctrl_pair = tuple(int(i) for i in controls[0].subspaces(probe=False).loc["velocity", "features"])
single = {}
print(f"{'feature':<10}{'reads':>12}{'|corr|':>8}{'rho':>7}{'gain':>7}")
for f, idx in ((fs, pair), (controls[0], ctrl_pair)):
    m = f.match()
    for i in idx:
        st = f.steering(ball, i)
        single[f.names[i]] = (st["rho"], gain(f, st))
        print(f"{f.names[i]:<10}{st['variable']:>12}{m.loc[f.names[i], st['variable']]:>8.2f}"
              f"{st['rho']:>7.2f}{single[f.names[i]][1]:>7.2f}")""",
        ),
        (
            "md",
            """Compare the random rows: a random direction that carries a little velocity moves the
step a little when clamped, and ρ only asks whether it moves in order, so ρ can be high
where the gain is near zero. A **2-D** dial is a stronger test:
`fs.steering(ball, [a, b])` fits a linear map from the pair to the velocity (fit rows),
sets the pair for 12 headings at the typical speed, and reports `angle_error_deg`, the
mean gap between the heading asked for and the first step's heading (a step that ignores
the dial would be off by 90° on average).

### Exercise 1: which pair is a real dial?
Turn the PCA pair (`pair`, in `fs`) and the first control's pair (`ctrl_pair`, in
`controls[0]`) as 2-D dials and decide.""",
        ),
        (
            "exercise",
            """pca_error = ...      # ← angle_error_deg of fs.steering(ball, list(pair))
random_error = ...   # ← the same for controls[0] and ctrl_pair
real = ...           # ← "pca" or "random": which pair steers the ball where it is asked?""",
            """pca_error = fs.steering(ball, list(pair))["angle_error_deg"]
random_error = controls[0].steering(ball, list(ctrl_pair))["angle_error_deg"]
real = "pca" if pca_error < random_error else "random\"""",
        ),
        (
            "check",
            """if any(a is ... for a in (pca_error, random_error, real)):
    print("Not yet: fill in pca_error, random_error and real (fs.steering(ball, list(pair)) "
          "returns a dict with 'angle_error_deg')")
else:
    want = {"pca": fs.steering(ball, list(pair))["angle_error_deg"],
            "random": controls[0].steering(ball, list(ctrl_pair))["angle_error_deg"]}
    try:
        got = np.array([float(pca_error), float(random_error)])
    except (TypeError, ValueError):
        got = None
    if got is None or not np.allclose(got, [want["pca"], want["random"]], atol=0.5):
        print(f"Not yet: steering the two pairs gives {want['pca']:.1f}° (PCA) and "
              f"{want['random']:.1f}° (random); you have {pca_error} and {random_error}")
    elif real not in want:
        print(f"Not yet: set `real` to 'pca' or 'random', not {real!r}")
    elif real != min(want, key=want.get):
        print(f"Not yet: {real!r} is off by {want[real]:.1f}°; the real dial is the one whose "
              "first step heads where it was asked")
    else:
        print(f"✓ {real}: its first step heads {want[real]:.1f}° off the heading asked for; "
              f"the other pair's {max(want.values()):.1f}° (a step that ignores the dial: 90°)")""",
        ),
        (
            "md",
            """## Turn it yourself

The discovered pair becomes a Variable for `SteeringDials` (named for what it is, not
`velocity`: its dial is in the **features'** units, so its angle is not the ball's
heading). The simulator gives the map back to velocity: a linear fit from the true
velocity to the pair on held-out rows tells which feature values mean "0.03 per step,
heading θ". Drag the dial, or run the next cell.""",
        ),
        (
            "code",
            """x, truth = ball.sample(seed=0, latents=True)   # one ball (steering() averaged 16 fresh ones)
ws = iwm.Workspace(ball, (x, truth))
found = fs.variable(list(pair), "found_pair")
dials = iwm.SteeringDials(ws, [found])
dials""",
        ),
        (
            "code",
            """held = fs.held_out
V = torch.stack([fs.truth["velocity_x"], fs.truth["velocity_y"]], 1)[held]
Z = fs.activations[held][:, list(pair)].double()
to_pair = torch.linalg.lstsq(torch.cat([V, torch.ones(len(V), 1, dtype=V.dtype)], 1), Z).solution
for heading in (0.0, 90.0, 225.0):
    a = np.radians(heading)
    want = torch.tensor([0.03 * np.cos(a), 0.03 * np.sin(a), 1.0], dtype=torch.float64)
    f0, f1 = (want @ to_pair).tolist()                       # the pair's values for that velocity
    angle = float(np.degrees(np.arctan2(f1, f0)))
    dials.set(found_pair={"angle": angle, "radius": float(np.hypot(f0, f1))})
    step = ws.wait().rollout[0, 0] - x[0, -1]
    got = np.degrees(np.arctan2(float(step[1]), float(step[0]))) % 360
    print(f"asked: heading {heading:5.1f}° at 0.030 per step (dial at angle {angle % 360:5.1f}°)"
          f" -> the model's first step: heading {got:5.1f}° at {float(step.norm()):.3f}")""",
        ),
        (
            "md",
            """The **FeatureBrowser** shows every feature of `fs`: sort by variance, sparsity or
match; pick one to see its top-activating steps, its histogram, its trace beside the true
variable it matches, and its live trace on the Workspace above (turn the dial and watch
it). "make a dial" adds the picked feature to the dials above.""",
        ),
        (
            "code",
            """browser = iwm.FeatureBrowser(fs, ws, dials=dials)
browser""",
        ),
        (
            "md",
            """## 2. Where PCA fails: a sparse mixture

PCA's axes are the directions of largest variance. When the true variables are mixed
with comparable variance, any rotation of their span explains the same variance, and
PCA has no reason to pick the true axes. Two other assumptions can pick them:
**independence** (ICA: the least Gaussian directions) and **sparsity** (an SAE: each row
made of a few active features).

A toy whose truth we built: `K` sources enter a small torch module whose hidden layer is
a fixed random linear mixture of them. With `truth=`, `discover` scores the features
against the sources: `mcc` is the mean |correlation| of the best one-to-one matching
(1: every source recovered). First sparse sources (each on now and then), then Gaussian
ones through the same mixer (no SAE there: its codes are non-negative).""",
        ),
        (
            "code",
            """class Mixer(torch.nn.Module):
    \"\"\"Hidden units: a fixed random linear mixture of the input's k sources.\"\"\"

    def __init__(self, k=6, d=32, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.hidden = torch.nn.Linear(k, d)
        with torch.no_grad():
            self.hidden.weight.copy_(torch.randn(d, k, generator=g) / d**0.5)
            self.hidden.bias.copy_(0.1 * torch.randn(d, generator=g))
        self.out = torch.nn.Linear(d, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


K = 6
g = torch.Generator().manual_seed(11)
on = torch.rand(200, 16, K, generator=g) < 0.15                  # a source is on now and then
sources = {"sparse": on * torch.empty(200, 16, K).exponential_(1.0, generator=g),
           "Gaussian": torch.randn(200, 16, K, generator=g)}
mixer = iwm.load(Mixer(K))
print(f"{K} sources into {mixer.module.hidden.out_features} hidden units; share of zeros: "
      + ", ".join(f"{n} {float((s == 0).float().mean()):.2f}" for n, s in sources.items())
      + f"; the ball (section 1) is at rest, speed < 0.001, on "
      f"{float((fs.truth['speed'][fs.held_out] < 1e-3).float().mean()):.3f} of its steps")
toy = {}
for kind, s in sources.items():
    truth_toy = {f"source_{i}": s[..., i] for i in range(K)}
    for method in ("pca", "ica", "sae", "random") if kind == "sparse" else ("pca", "ica", "random"):
        extra = dict(topk=3, sae_steps=1500, sae_batch=512, sae_lr=1e-2) if method == "sae" else {}
        toy[kind, method] = iwm.discover(mixer, "hidden", method, k=K, inputs=s, truth=truth_toy,
                                         progress=False, **extra)
METHODS = ("pca", "ica", "sae", "random")
print(f"{'MCC (unexplained variance)':<28}" + "".join(f"{m:>16}" for m in METHODS))
for kind in sources:
    print(f"{kind + ' sources':<28}" + "".join(
        f"{toy[kind, m].mcc:>8.3f} ({toy[kind, m].reconstruction_error:.3f})" if (kind, m) in toy
        else f"{'—':>16}" for m in METHODS))""",
        ),
        (
            "check",
            """sp = {m: toy["sparse", m].mcc for m in ("pca", "ica", "sae", "random")}
ga = {m: toy["Gaussian", m].mcc for m in ("pca", "ica", "random")}
if min(sp["ica"], sp["sae"]) >= 0.9 and sp["pca"] < sp["ica"] - 0.2 and max(ga.values()) < 0.8:
    print(f"✓ sparse sources: ICA {sp['ica']:.3f} and the SAE {sp['sae']:.3f} recover them, PCA "
          f"{sp['pca']:.3f} does not though it explains everything "
          f"(unexplained {toy['sparse', 'pca'].reconstruction_error:.1e}); Gaussian sources: "
          f"ICA {ga['ica']:.3f}, PCA {ga['pca']:.3f}, random {ga['random']:.3f}")
else:
    print(f"Not yet: MCC sparse {sp}, Gaussian {ga}")""",
        ),
        (
            "md",
            """PCA found the sources' span (nothing left unexplained) but not their axes.
Independence and sparsity pick the axes only when the sources have them: Gaussian sources
look the same in every rotation, and no method can tell their axes apart.

### Exercise 2: does independence help on the ball?
The ball is hardly ever at rest (printed with the toy's sources above): its velocity
is not sparse. Predict first, then run ICA at `layer` on the same data as PCA (`k=8, n=256, seed=0`) and set `ica_cc` to the mean
canonical correlation of its best velocity pair (`subspaces(probe=False)`).""",
        ),
        (
            "exercise",
            """fs_ica = ...   # ← iwm.discover(...) with method "ica" at `layer`, k=8, n=256, seed=0
ica_cc = ...   # ← the mean canonical correlation of fs_ica's velocity pair""",
            """fs_ica = iwm.discover(ball, layer, "ica", k=8, n=256, seed=0, progress=False)
ica_cc = float(fs_ica.subspaces(probe=False).loc["velocity", "mean_cc"])""",
        ),
        (
            "check",
            """same = (isinstance(fs_ica, iwm.FeatureSet) and fs_ica.method == "ica" and fs_ica.k == 8
        and fs_ica.model_name == ball.name and str(fs_ica.site) == str(layer)
        and fs_ica.seed == 0 and fs_ica.config.get("n_sequences") == 256)
if not same:
    print(f"Not yet: fs_ica should be iwm.discover(ball, layer, 'ica', k=8, n=256, seed=0) "
          f"(layer = {layer!r})")
else:
    want = float(fs_ica.subspaces(probe=False).loc["velocity", "mean_cc"])
    try:
        ok = abs(float(ica_cc) - want) < 1e-6
    except (TypeError, ValueError):
        ok = False
    if not ok:
        print(f"Not yet: ica_cc should be fs_ica.subspaces(probe=False).loc['velocity', "
              f"'mean_cc'] ({want:.3f}); you have {ica_cc!r}")
    else:
        where = ("above" if want > max(chance) else "within" if want >= min(chance) else "below")
        print(f"✓ ICA's best velocity pair: mean canonical correlation {want:.3f}, PCA's "
              f"{v.mean_cc:.3f}; {where} the random pairs' range "
              f"{min(chance):.3f}–{max(chance):.3f}. Independent components need sources that "
              "are independent and non-Gaussian")""",
        ),
        (
            "md",
            """## 3. springs: one token per particle

`springs-fixed` (one spring graph, always) and `springs` (a new graph per system, inferred
in context) keep **one token per particle** at each step. `discover` reads such a site per
token, as the model does — its weights are shared by the particles — so one set of
features is fitted on every particle's token: the model's layout, never a label. Then
`subspaces()` matches a pair of features to each particle's position and velocity, on
that particle's tokens. How much of a `blocks.0` token is just its input (the
particle's position and last displacement)? The cell measures it, since it sets what a
random control can reach.""",
        ),
        (
            "code",
            """spring = {}
for name in ("springs-fixed", "springs"):
    m = iwm.load(name)
    f = iwm.discover(m, "blocks.0", "pca", k=8, n=128, seed=2, progress=False)
    s = f.subspaces()
    pv = [g for g in s.index if g.startswith(("position", "velocity"))]
    rand = [float(iwm.discover(m, "blocks.0", "random", k=8, n=128, seed=r, progress=False)
                  .subspaces(probe=False).loc[pv, "mean_cc"].mean()) for r in (2, 3)]
    # how much of a blocks.0 token is a linear function of its own particle's input?
    xs = m.spec.sample_batch(32, seed=4242)
    tok = iwm.run(m, xs, reads=["blocks.0"])["blocks.0"][:, 2:].reshape(-1, 4, f.width).double()
    d = (xs[:, 1:] - xs[:, :-1])[:, 1:].reshape(-1, 4, 2).double()
    one = torch.ones(len(d), 4, 1, dtype=torch.float64)
    inp = torch.cat([xs[:, 2:].reshape(-1, 4, 2).double(), d, one], -1)
    fit = torch.linalg.lstsq(inp.reshape(-1, 5), tok.reshape(-1, f.width)).solution
    res = tok.reshape(-1, f.width) - inp.reshape(-1, 5) @ fit
    share = 1 - float(res.pow(2).sum() / (tok - tok.reshape(-1, f.width).mean(0)).pow(2).sum())
    spring[name] = {"model": m, "fs": f, "sub": s, "pca": float(s.loc[pv, "mean_cc"].mean()),
                    "random": rand, "probe": float(s.loc[pv, "probe_r2"].mean()), "input": share}
print(f"{'':<15}{'slots':>6}{'token from input':>18}{'PCA':>8}{'random':>15}{'margin':>8}"
      f"{'probe R²':>10}")
for name, r in spring.items():
    lo, hi = min(r["random"]), max(r["random"])
    print(f"{name:<15}{len(r['fs'].slots):>6}{r['input']:>18.3f}{r['pca']:>8.3f}"
          f"{lo:>8.3f}–{hi:.3f}{r['pca'] - hi:>8.3f}{r['probe']:>10.3f}")
print("(mean canonical correlation over position and velocity of every particle; probe: "
      "supervised ridge from the particle's token, R²)")""",
        ),
        (
            "md",
            """"token from input" is the share of the token's variance that a linear map from the
particle's own position and last displacement explains: a large part of a token at this
layer *is* position and velocity, random directions of it read them too, and the margin
over the best random control is what discovery adds. Compare the two models' margins.

### Read ≠ write?
Turn each model's discovered velocity of particle 2, as one feature (ρ, gain) and as a
2-D dial (angle error), next to the ball's.""",
        ),
        (
            "code",
            """steer = {"bouncing-ball": (*single[fs.names[pair[0]]],
                           fs.steering(ball, list(pair))["angle_error_deg"])}
for name, r in spring.items():
    f, m = r["fs"], r["model"]
    a, b = (int(i) for i in r["sub"].loc["velocity_2", "features"])
    st = f.steering(m, a, particle=2, n=8)                  # 8 fresh systems (16 for the ball)
    two = f.steering(m, [a, b], particle=2, n=8)
    steer[name] = (st["rho"], gain(f, st, particle=2), two["angle_error_deg"])
print(f"{'':<15}{'rho':>7}{'gain':>7}{'2-D angle error':>17}")
for name, (rho, gn, err) in steer.items():
    print(f"{name:<15}{rho:>7.2f}{gn:>7.2f}{err:>16.1f}°")""",
        ),
        (
            "md",
            """Where does a velocity dial act? Both world models predict the next position as
`x + out_scale · head(h)` plus, in the springs models only, the last displacement `d`
added outside the network. The `head` site shows how much of each predicted step the
network computes itself (32 fresh systems, the last step).""",
        ),
        (
            "code",
            """for name, m in [("bouncing-ball", ball)] + [(n, r["model"]) for n, r in spring.items()]:
    xs = m.spec.sample_batch(32, seed=4242)
    res = iwm.run(m, xs, reads=["head"])
    net = m.module.out_scale * res["head"][:, -1].reshape(len(xs), -1)
    step = res.output[:, -1] - xs[:, -1]
    rest = step - net
    last = xs[:, -1] - xs[:, -2]
    share = float(net.norm() / step.norm())
    line = f"{name:<15} the network's part of the predicted step: {share:.3f} of its size"
    if float(rest.norm() / step.norm()) > 0.5:
        gap = float((rest - last).abs().max())
        line += f"; the rest is the input's last displacement to within {gap:.1e}"
    print(line)""",
        ),
        (
            "check",
            """b_rho, b_gain, b_err = steer["bouncing-ball"]
weak = all(steer[n][1] < 0.5 and steer[n][2] > 45 for n in spring)
reads = all(r["pca"] > max(r["random"]) and r["probe"] > 0.95 for r in spring.values())
order = steer["springs-fixed"][0] > 0.9 and steer["springs"][0] < 0.5
if b_rho > 0.9 and b_gain > 0.7 and b_err < 20 and weak and reads and order:
    print(f"✓ the ball's discovered dial writes what it reads (gain {b_gain:.2f}, off by "
          f"{b_err:.1f}°); the springs models' discovered velocities read well but barely "
          "write: gain " + ", ".join(f"{n} {steer[n][1]:.2f}" for n in spring)
          + "; 2-D angle error " + ", ".join(f"{n} {steer[n][2]:.1f}°" for n in spring))
else:
    print(f"Not yet: steering gave {steer}")""",
        ),
        (
            "md",
            """In the springs models the step is mostly the displacement copied from the input,
outside the network, so any internal velocity dial can only move the network's small
correction: it cannot steer the way the ball's does. Within that, `springs-fixed`'s
correction follows the dial in order (its ρ) and the in-context model's hardly at all; why, and which internal variable
*would* steer these models (their force?), is an open question — a good one to take
further with `discover` at later layers and `CausalGraph`.

## 4. tiny-lm: a feature for the direction the thing moves

On a language model `discover` reads every real token of the zoo's prompts. Its truth is
each prompt's answer at its last token: `direction=left` is 1 where the sentence's answer
is "left", 0 where it is another direction. `separations()` picks, on the fit prompts, the
feature and sign that best separate each answer, and scores it on held-out prompts
(AUROC: 1 perfectly separated, 0.5 chance). PCA at every layer in one collection, random
directions at the first and the middle layer.""",
        ),
        (
            "code",
            """lm = iwm.load("tiny-lm")
early, middle = lm.layers[0], lm.layers[2]
by_layer = iwm.discover(lm, lm.layers, "pca", k=16, seed=0, progress=False)
rand_lm = iwm.discover(lm, [early, middle], "random", k=16, seed=0, progress=False)


def directions(f):
    d = f.separations()
    return d[d.index.str.startswith("direction=")]


sep = {}
for site in (early, middle):
    for what, f in (("pca", by_layer[site]), ("random", rand_lm[site])):
        d = directions(f)
        sep[site, what] = d
        each = ", ".join(f"{n.split('=')[1]} {a:.2f}" for n, a in d.auroc.items())
        print(f"{site} {what:<7} held-out AUROC {each}  (mean {d.auroc.mean():.2f})")
d = sep[middle, "pca"]
print("held-out prompts per direction (answer / other):",
      {n.split("=")[1]: (int(p), int(q))
       for n, p, q in zip(d.index, d.held_out_pos, d.held_out_neg, strict=True)})
print("the feature (and its sign) that separates each direction:",
      {n.split("=")[1]: (int(f), int(sg))
       for n, f, sg in zip(d.index, d.feature, d.sign, strict=True)})
f = by_layer[middle]
i = int(d.loc["direction=left", "feature"])
last = torch.isfinite(f.truth[d.index[0]])                   # each direction prompt's last token
answer = torch.stack([f.truth[n][last] for n in d.index], 1).argmax(1)
print(f"{middle} pca_{i}, its mean value at the prompts with each answer:",
      {n.split("=")[1]: round(float(f.activations[last, i][answer == j].mean()), 2)
       for j, n in enumerate(d.index)})""",
        ),
        (
            "check",
            """pm, pe = sep[middle, "pca"].auroc, sep[early, "pca"].auroc
if pm.min() >= 0.9 and pe.mean() < pm.mean() - 0.2:
    print(f"✓ at {middle} a discovered feature separates every direction (lowest held-out AUROC "
          f"{pm.min():.2f}); at {early} the best discovered feature averages {pe.mean():.2f}. "
          f"Random directions: {sep[early, 'random'].auroc.mean():.2f} at {early}, "
          f"{sep[middle, 'random'].auroc.mean():.2f} at {middle}")
else:
    print(f"Not yet: direction AUROCs {pe.round(2).to_dict()} at {early}, "
          f"{pm.round(2).to_dict()} at {middle}")""",
        ),
        (
            "md",
            """Read the random rows next to the PCA rows: where random directions separate the
answers as well as PCA does, the answer is prominent at that layer, and separation says
that the layer carries it, not that PCA found something special. And a held-out AUROC
from a handful of prompts per answer (printed above) is a small sample.

### Exercise 3: where do the directions become separable?
`by_layer` holds PCA features at every layer. Set `first` to the earliest layer (in
`lm.layers` order) where **every** direction is separated by a discovered feature with
held-out AUROC ≥ 0.9 (`directions(by_layer[site]).auroc`).""",
        ),
        (
            "exercise",
            """first = ...   # ← a site from lm.layers""",
            """first = next(s for s in lm.layers if directions(by_layer[s]).auroc.min() >= 0.9)""",
        ),
        (
            "check",
            """lows = {s: float(directions(by_layer[s]).auroc.min()) for s in lm.layers}
want = next((s for s in lm.layers if lows[s] >= 0.9), None)
if first is ... or first not in lm.layers:
    print(f"Not yet: set `first` to a site name from lm.layers: {lm.layers}")
elif first != want:
    print(f"Not yet: at {first!r} the lowest direction AUROC is "
          f"{lows.get(first, float('nan')):.2f}; go through lm.layers in order")
else:
    print(f"✓ {want}: the lowest direction AUROC by layer is "
          + ", ".join(f"{s} {a:.2f}" for s, a in lows.items()))""",
        ),
        (
            "md",
            """## What to take away
* Without labels, PCA at the ball's best layer found a pair of features that reads the
  velocity — less well than the supervised probe, better than every random pair — and
  steers the ball where it is asked; each of those numbers meant something only next to
  its control.
* A high ρ for one feature is a weak test of a dial; how far the step moves (gain) and
  where a 2-D dial points it tell a real dial from a direction that happens to carry the
  variable.
* Independence and sparsity are assumptions: ICA and an SAE recover sparse independent
  sources that PCA cannot; on Gaussian sources ICA does not recover them either.
* Reading is not writing: in the springs models the discovered velocities read well and
  barely steer, partly because the network only corrects a displacement copied from its
  input.
* On tiny-lm, discovered features trace where an answer becomes separable, layer by
  layer — next to random directions, which say how prominent the answer already is.""",
        ),
    ],
)


write(
    "09_build_a_monitor_that_sees_the_bounce_coming.ipynb",
    [
        (
            "md",
            """# 9 · Build a monitor that sees the bounce coming

A **monitor** watches a model while it runs and raises an alarm before something happens.
Here the something is a **wall contact**: the simulator knows, at every frame, whether
the ball bounced off a wall, so every alarm can be scored against what really happened.
The question of this notebook: does a reading of the model's **inside** know that a
bounce is coming, and does it know **earlier** than someone who sees only the model's
**outputs** (its predicted positions)? Every number the text relies on is printed by a
cell above it.

The event is "a wall contact within the next `k = 4` frames": at step `t` the label is
true when the ball bounces at a frame `t + 1 .. t + 4`. `iwm.zoo.events` computes it from
the simulator's latents.""",
        ),
        (
            "code",
            """import torch

import iwm_widgets as iwm
from iwm_widgets.tracing.monitors import EVAL_SEED_BASE
from iwm_widgets.zoo import bouncing_ball
from iwm_widgets.zoo.events import events_for, simulate, within

ball = iwm.load("bouncing-ball")
K = 4                                                    # frames ahead
event = events_for("bouncing-ball")["wall-contact"]
x, lat = simulate(ball.spec, 1, 0, 40)                   # one simulated ball, 40 frames
contact = event.state(lat)[0]                            # True where it bounced
label = within(event.state(lat), K)[0]                   # "a bounce within the next 4 frames"
print("events of this model:", ball.events)
print("bounce     :", "".join("█" if c else "·" for c in contact.tolist()))
print("within 4   :", "".join("▒" if c else "·" for c in label.tolist()))""",
        ),
        (
            "md",
            """## 1. Two monitors: a hand-made threshold and a fitted probe

**A threshold on a probe.** A position probe at `blocks.1` reads where the model thinks
the ball is; a `band` rule alarms when that readout leaves `[0.1, 0.9]`, i.e. near a
wall. It cannot tell a ball flying *into* the wall from one flying *away* from it.

**A fitted monitor.** `Monitor.fit` collects the 256 MLP neurons of `blocks.2` on
simulated sequences (seeds kept apart from the evaluation's) and fits a logistic classifier
of the label on them: a linear reading of the inside.

**Controls**: the same classifier fitted on shuffled labels, and one on 2 random directions
at the same site. `iwm.evaluate_monitors` scores them all on the same fresh sequences, in
batched traces, and stands beside each the **output-only monitors** at the same alarm
rate: a logistic classifier on the model's predicted positions and motion (*linear*), and
one that is also given the physics, the time to the nearest wall at the predicted
velocity.""",
        ),
        (
            "code",
            """pos = iwm.probe_sweep(ball, "position", n=64, sites=["blocks.1"], progress=False)
pos_var = pos.variable("position", layer="blocks.1")
near_x = iwm.Monitor(pos_var, iwm.Rule.band(0.1, 0.9, component="position_x"),
                     name="probe: x near a wall")
near_y = iwm.Monitor(pos_var, iwm.Rule.band(0.1, 0.9, component="position_y"),
                     name="probe: y near a wall")
site = "blocks.2.mlp.act"
fit = dict(n=96, progress=False)
inside = iwm.Monitor.fit(ball, site, "wall-contact", K, name="inside (logistic)", **fit)
shuffled = iwm.Monitor.fit(ball, site, "wall-contact", K, control="shuffled",
                           name="control: shuffled labels", **fit)
random_dirs = iwm.Monitor.fit(ball, site, "wall-contact", K, control="random",
                              name="control: random directions", **fit)
reps = iwm.evaluate_monitors([near_x, near_y, inside, shuffled, random_dirs], ball,
                             n=48, progress=False)
for r in reps.values():
    print(f"{r.name:<28} precision {r.precision:.3f}  recall {r.recall:.3f}  "
          f"false alarms {r.false_alarm_rate:.3f}  lead {r.lead_time:.2f}  AUROC {r.auroc:.3f}")
r = reps["inside (logistic)"]
print()
print(r)""",
        ),
        (
            "md",
            """Read the table from the bottom. The controls sit near chance (AUROC about 0.5):
what the fitted monitor reads is not something any classifier would find at that site.
The hand-made threshold catches some bounces and raises many false alarms (a ball
leaving the wall is near it too). The fitted monitor of the inside sees most bounces
coming, with few false alarms.

Now the outside. At the same alarm rate, the **linear** output-only monitor (predicted
positions and motion, linearly) is near chance: a linear reading of the outputs does not
know "bounce soon", a linear reading of the inside does. But the output-only monitor that
is **given the physics** (time to the wall at the predicted velocity) matches the inside,
or beats it: the outputs hold the information; only a linear reading cannot get it out.

## 2. Lead time: does the inside know earlier?

`lead_time` is the mean number of steps from the first alarm to the bounce (of the
bounces detected); `recall_by_lead[ℓ - 1]` is the share of bounces with an alarm exactly
`ℓ` steps before.""",
        ),
        (
            "code",
            """lin = r.baselines["output-only (linear)"]
for who in (r, r.baseline, lin):
    print(f"{who.name:<22} lead {who.lead_time:.2f} steps; alarm ℓ steps ahead, ℓ = 1..4:",
          [round(v, 2) for v in who.recall_by_lead])""",
        ),
        (
            "md",
            """Honest answer: the linear inside knows earlier than the linear outside, but not
earlier than an outside monitor that computes the physics: 4 steps ahead the physics
baseline catches more bounces than the inside. The network's neurons hold "bounce soon"
in a form a linear probe can read; they do not know anything the outputs, read well,
do not.

## 3. The MonitorBoard

Each row a monitor, its output-only baseline under it, the truth row at the bottom: the
first strip shows every input (upper half of a cell: alarms before a bounce; lower half:
false alarms), the second the picked input step by step. Move a threshold slider: the
board re-scores from the scores already computed (`report.at(threshold)`), without running
the model. Click an input: it opens in the Workspace `ws`, and every view of `ws` follows.""",
        ),
        (
            "code",
            """ws = iwm.Workspace(ball, ball.sample(seed=3, latents=True))
board = iwm.MonitorBoard({k: reps[k] for k in ("probe: x near a wall", "inside (logistic)",
                                               "control: shuffled labels")}, ws)
board""",
        ),
        (
            "md",
            """### Exercise 1: a monitor you can trust when it alarms
Pick an alarm threshold `t` for the fitted monitor (a probability) at which its
**precision is at least 0.9**, keeping as much recall as you can (within 0.05 of the best
recall any threshold with precision ≥ 0.9 gets). Try it on the board's slider, or with
`r.at(t).precision`, `r.at(t).recall`. The check recounts the alarms against the
simulator's own bounces.""",
        ),
        (
            "exercise",
            """t = ...   # ← a probability in (0, 1)""",
            """grid = [i / 100 for i in range(1, 100)]
ok = [g for g in grid if r.at(g).precision >= 0.9]
t = max(ok, key=lambda g: r.at(g).recall)""",
        ),
        (
            "check",
            """n, S = r.scores.shape
p0 = int(r.steps[0])
sim = bouncing_ball.simulate(n, p0 + S + K + 1, EVAL_SEED_BASE)   # the evaluation's balls
truth = torch.from_numpy(sim["contact"].any(-1))
lab = torch.stack([truth[:, p0 + s + 1 : p0 + s + 1 + K].any(1) for s in range(S)], 1)
best = max((r.at(g / 100).recall for g in range(1, 100) if r.at(g / 100).precision >= 0.9),
           default=float("nan"))
if t is ... or not isinstance(t, (int, float)) or not 0 < t < 1:
    print("Not yet: set t to a probability between 0 and 1 (try the slider first)")
else:
    alarm = r.scores > t
    tp, fp = int((alarm & lab).sum()), int((alarm & ~lab).sum())
    prec = tp / max(1, tp + fp)
    rec = tp / max(1, int(lab.sum()))
    if prec < 0.9:
        print(f"Not yet: at t = {t} the precision is {prec:.3f} ({tp} of {tp + fp} alarms "
              "before a bounce); raise t")
    elif rec < best - 0.05:
        print(f"Not yet: precision {prec:.3f}, but recall {rec:.3f}; a lower t keeps "
              f"precision ≥ 0.9 with recall up to {best:.3f}")
    else:
        print(f"✓ at t = {t}: precision {prec:.3f}, recall {rec:.3f} (counted against the "
              f"simulator's {int(truth.sum())} bounce frames; best recall {best:.3f})")""",
        ),
        (
            "md",
            """## 4. A streaming monitor while a dial is turned

`monitor.attach(ws)` puts the monitor's readout into the Workspace's one trace and
re-checks it after every run: turn a dial, and the alarm says whether the model now
expects a bounce. The velocity dial sits at `blocks.1`, upstream of the monitored
neurons, and clamps the ball's velocity from the last observed step on.""",
        ),
        (
            "code",
            """vel_sweep = iwm.probe_sweep(ball, "velocity", n=64, sites=["blocks.1"], progress=False)
vel = vel_sweep.variable("velocity", layer="blocks.1")
ws.inputs = ball.sample(seed=3)              # the board may have opened another input
ws.truth = None
stream = inside.attach(ws)
ws.wait()
X = ws.inputs[0]
T = X.shape[0]
print("last position", [round(v, 3) for v in X[-1].tolist()],
      " velocity", [round(v, 3) for v in (X[-1] - X[-2]).tolist()])


def turn(v):
    \"\"\"Clamp the velocity to v from the last step; the alarm at that step, and its p.\"\"\"
    ws.set_edits([iwm.Edit.clamp(vel, v, start=T - 1, label="push")])
    ws.wait()
    return bool(stream.alarms[inside.name][0, -1]), float(stream.scores[inside.name][0, -1])


for v in ([0.0, 0.0], [-0.08, 0.0], [0.08, 0.0]):
    alarm, p = turn(v)
    print(f"velocity {v}: alarm {alarm}  (p = {p:.2f})")""",
        ),
        (
            "md",
            """### Exercise 2: steer the ball into a wall
Find a velocity `push = [vx, vy]` (each at most 0.1 in size) that makes the streaming
monitor alarm at the last step. The check also asks the simulator whether the ball,
from its last observed position with that velocity, really hits a wall within 4 frames.""",
        ),
        ("exercise", """push = ...   # ← [vx, vy]""", """push = [0.08, 0.08]"""),
        (
            "check",
            """if push is ... or len(push) != 2 or max(abs(float(v)) for v in push) > 0.1:
    print("Not yet: set push to two numbers, each between -0.1 and 0.1")
else:
    alarm, p = turn([float(v) for v in push])
    cf = bouncing_ball.simulate_from(X[-1].numpy(), [float(v) for v in push], K + 1)
    hits = cf["contact"][0, 1:].any(-1)
    if not alarm:
        print(f"Not yet: no alarm (p = {p:.2f}); point the ball at the nearest wall, faster")
    elif not hits.any():
        print(f"Not yet: the monitor alarms (p = {p:.2f}) but the simulator says the ball "
              "does not reach a wall within 4 frames: a false alarm")
    else:
        print(f"✓ alarm (p = {p:.2f}), and the simulator agrees: a bounce "
              f"{int(hits.nonzero()[0][0]) + 1} frame(s) after the last step")
ws.clear_edits()
ws.wait()""",
        ),
        (
            "md",
            """## 5. A physical check: does the flawed model combine its variables wrongly?

`springs-flawed` was trained on a subtly wrong simulator: particle 0's springs push it
away from its partners (notebook 7). `law_check` builds a monitor from the **sound** law:
at `blocks.2` it reads, with two linear probes, particle 0's **internal acceleration**
(what the model's output will do to it; labels from the model itself) and the **sound
Hooke force** `k Σ_j A_0j (x_j − x_0)` the positions held there imply; it alarms where
they disagree by more than the sound model (`springs-fixed`) does on 99 % of its own fit
steps. Both models read the same 64 fresh systems of the sound world; the truth is the
simulator's: the event is "the flawed law and the sound law differ in particle 0's force
by more than `d = 0.005` over this step" (wall bounces of the particle left out). The
control: the same monitor on particle 2, which the flaw does not touch, scored against
particle 0's event. `flaw share` is the slope of the residual on the true force
difference (1: the whole flaw is inside).""",
        ),
        (
            "code",
            """from iwm_widgets.tracing.monitors import law_check

sound, flawed = iwm.load("springs-fixed"), iwm.load("springs-flawed")
law = law_check(sound, flawed, particle=0, n=64, fit_n=64)
control = law_check(sound, flawed, particle=2, event_particle=0, n=64, fit_n=64)
print(law)
print(control)
for who, lc in (("particle 0", law), ("control, particle 2", control)):
    for name, rep in lc.reports.items():
        print(f"{who:<20} {name:<15} alarms at 10× the cut {rep.at(10 * lc.cut).alarm_rate:.3f}"
              f"   same check on the outputs: AUROC {rep.baseline.auroc:.3f}")""",
        ),
        (
            "md",
            """Read it honestly. At the sound model's cut, `springs-fixed` alarms on about 1-2 % of
steps (by construction) and `springs-flawed` on almost all of them: its internal
acceleration of particle 0 departs from the sound law nearly everywhere, so the
precision is just the share of steps with an event. What says the alarms track **where
the wrong law matters** is the ranking: the residual's AUROC against the event is about
0.9 on the flawed model, near 0.55 on the sound one, and the flaw share about 0.6 (on
systems of the sound world the flawed model carries out some 60 % of its wrong law). The
control is the sobering part: on `springs-flawed` particle 2 also alarms at the sound
model's cut (this model is less accurate for every particle), and only its ranking
(AUROC about 0.65) and a cut 10× higher (alarms on about half of particle 0's steps, a
few percent of particle 2's) tell the flawed particle apart. The flawed model's
acceleration of particle 0 is also hard to read linearly at `blocks.2` (its R² above;
at `blocks.3` it reads at about 0.99): the residual is noisy, and still ranks. And the same check computed from the model's **outputs**
does as well as the inside: at `blocks.2` the inside shows the flaw, it does not show it
earlier than the prediction itself.""",
        ),
        (
            "md",
            """## What to take away
* A monitor is scored against the simulator's ground truth: precision, recall, false
  alarms and lead time, each next to controls (shuffled labels, random directions) and
  an output-only monitor at the same alarm rate.
* On bouncing-ball a linear reading of the inside (`blocks.2`'s MLP neurons) knows
  "bounce soon"; an equally linear reading of the outputs does not. An outside monitor
  that is given the physics matches the inside, and sees some bounces earlier.
* A hand-made threshold on an interpretable readout (position near a wall) is easy to
  explain and much worse: it alarms for balls leaving the wall too.
* Streaming: the monitor rides in the Workspace's one trace, so it re-checks after every
  dial move, and its alarms can be checked against the simulator's counterfactual.
* A law check built from the sound model flags the flawed springs model where its wrong
  law matters (AUROC about 0.9 vs about 0.55 on the sound model), but at the sound
  model's cut it also flags the flawed model's untouched particle.""",
        ),
    ],
)


write(
    "10_does_the_taxi_model_have_a_map.ipynb",
    [
        (
            "md",
            """# 10 · Does the taxi model have a map?

A transformer read thousands of taxi trips through a small city, turn by turn: the
origin, the destination, then moves (`N`, `NE`, `E`, …) until `END`. It predicts the next
move very well. Does it carry a **map** of the city — where each intersection is, which
streets exist — or has it learned a bag of reflexes that happen to give legal moves, like
a jellyfish that reacts without a picture of the sea?

Vafa et al. (2024, *Evaluating the world model implicit in a generative model*) asked this
of taxi routes through Manhattan, and found that next-move validity can be near perfect
while the map the model implies is incoherent. You ask it here of two models of one
city, with the city's own ground truth beside every number:

* **`city-taxi`** was trained on a mix: shortest paths, noisy shortest paths, random walks;
* **`city-taxi-shortest`** only on shortest paths (the paper's contrast).

The city is a 6 × 6 grid with one-way streets, a few diagonals and closed blocks. The
simulator knows the true intersection at every token and which tokens are legal next.
Every number the text relies on is printed by a cell above it; the routes here are fresh
(seeds neither training nor the models' cards used).""",
        ),
        (
            "code",
            """import numpy as np
import torch

import iwm_widgets as iwm
from iwm_widgets.tracing import cognitive_map as cm
from iwm_widgets.zoo import city_taxi

NAMES = ["city-taxi", "city-taxi-shortest"]
models = {name: iwm.load(name) for name in NAMES}
taxi = models["city-taxi"]
spec = taxi.spec
city = spec.city                                 # a networkx.DiGraph: the true map
SEED = city_taxi.TEST_SEED_BASE + 500            # fresh routes
one_way = [e for e in city.edges if not city.has_edge(*e[::-1])]
diagonal = [e for e, k in city.edges.items() if k["kind"] == "diagonal"]
print(f"{city.number_of_nodes()} intersections, {city.number_of_edges()} street segments "
      f"({len(one_way)} one-way, {len(diagonal)} diagonal), "
      f"{len(city.graph['closed'])} closed blocks")
ids, truth = taxi.sample(seed=SEED, latents=True, kind="walk")
print("route :", " ".join(spec.decode(ids[0])))
print("nodes :", truth["node"].tolist())
print("legal after the last move:",
      [tok for tok, ok in zip(spec.vocab, truth["legal"][-2]) if ok])""",
        ),
        (
            "md",
            """## 1. Does it drive legally?

**Next-move validity**: the share of the model's top-1 predictions, after the
destination and up to `END`, that are legal in the city. **Route validity**: routes the
model drives itself, greedily, from an `origin, destination` prompt: legal at every
token and ending at the destination. Measured on shortest-path routes (what both models
saw in training) and on the mix (detours and random walks).""",
        ),
        (
            "code",
            """mix = spec.sample_routes(200, SEED + 1, "mix")
shortest = spec.sample_routes(200, SEED + 2, "shortest")
for name, model in models.items():
    v_short = cm.next_move_validity(model, shortest)
    v_mix = cm.next_move_validity(model, mix)
    rv = cm.route_validity(model, n=64, seed=SEED + 3)
    print(f"{name:<20} next move legal: shortest routes {v_short.validity:.3f}, mixed "
          f"routes {v_mix.validity:.3f}; routes it drives itself: {rv.validity:.3f} legal and "
          f"arrive ({rv.mean_moves:.1f} moves, shortest {rv.mean_shortest:.1f})")""",
        ),
        (
            "md",
            """On the task both were trained for, the two models are indistinguishable from their
outputs: every move legal, every self-driven route legal and as short as the shortest
path. Only off the beaten track — on routes with detours — does the shortest-path model
propose illegal moves (about one in five). A test set of shortest paths would call both
models perfect.

### Exercise 1: validity by hand
Compute the next-move validity of `city-taxi-shortest` on the `mix` routes yourself, from
its logits (`model.module(ids)`, `[routes, tokens, vocab]`) and the truth
(`truth["legal"]`, bool `[routes, tokens, vocab]`: the tokens legal *next*;
`truth["length"]`: each route's length without padding). The predictions counted are at
positions `1 … length − 2` (after the destination token, up to the prediction of `END`).""",
        ),
        (
            "code",
            """model = models["city-taxi-shortest"]
route_ids, route_truth = mix""",
        ),
        (
            "exercise",
            """my_validity = ...   # ← a float: the share of legal top-1 predictions""",
            """with torch.no_grad():
    top = model.module(route_ids).argmax(-1)                     # [routes, tokens]
L = route_truth["length"]
pos = torch.arange(route_ids.shape[1])
asked = (pos[None, :] >= 1) & (pos[None, :] <= L[:, None] - 2)
legal = route_truth["legal"].gather(-1, top[..., None])[..., 0]  # top-1 legal?
my_validity = float(legal[asked].float().mean())""",
        ),
        (
            "check",
            """want = cm.next_move_validity(models["city-taxi-shortest"], mix)
if my_validity is ... or not isinstance(my_validity, float):
    print("Not yet: set my_validity to a float (the share of legal top-1 predictions)")
elif abs(my_validity - want.validity) > 1e-6:
    print(f"Not yet: {my_validity:.4f}, but the share over the {want.n_predictions} "
          f"predictions is {want.validity:.4f}; count positions 1 … length − 2 of each route")
else:
    print(f"✓ {my_validity:.4f} of {want.n_predictions} top-1 predictions are legal")""",
        ),
        (
            "md",
            """## 2. "Where am I?" — a position probe by layer

If the model keeps a map, it should know at every move token where the taxi is. A ridge
probe from each layer's residual stream to the current intersection's `(x, y)`, fitted on
one set of routes and scored (R²) on another. Controls: the same probe fitted on shuffled
labels, and the `embed` layer (the move token and its index: no route history). The
**dead-reckoning** baseline needs no model: `(x, y)` is a linear function of the origin
and of how many times each move was made so far, so a ridge on those counts reads
position too (below 1 here only because one origin starts none of the 200 fitting routes:
with 400 it reads 1.000).
A high R² says the position is *readable* inside; whether the model *uses* it is the
question of section 5.""",
        ),
        (
            "code",
            """train = spec.sample_routes(200, SEED + 4, "mix")
test = spec.sample_routes(100, SEED + 5, "mix")
probes = {name: iwm.position_probe(model, train, test) for name, model in models.items()}
layers = probes["city-taxi"].layers
print(f"{'R² of (x, y)':<20}" + "".join(f"{s:>10}" for s in layers) + "   shuffled (max)")
for name, p in probes.items():
    print(f"{name:<20}" + "".join(f"{p.r2[s]:>10.3f}" for s in layers)
          + f"   {max(p.r2_shuffled.values()):.3f}")
print("dead reckoning (origin + move counts, no model):",
      round(probes["city-taxi"].baselines["dead_reckoning"], 3))""",
        ),
        (
            "md",
            """The mix model holds its position almost perfectly from the first block on; the
shortest-path model much less well, although it saw the same city. Neither shuffled
control reads anything, and the embedding alone does not know where the taxi is.

## 3. Same state, same behaviour? Compression and distinction

The city is a finite automaton: every prefix of a route leads to one true **state** (the
intersection and the destination), and the state fixes what may come next. The
Myhill–Nerode theorem says a model that knows the state must treat two prefixes in the
same state alike, and two in different states differently. Two metrics of the paper,
with the shortest continuation (one token):

* **compression**: of pairs of prefixes in the *same* state, the share the model accepts
  the same next tokens after (it accepts a token when it gives it probability > 0.01);
* **distinction**: of pairs in *different* states, how much of what truly tells them apart
  (the tokens legal after one and not the other) the model also tells apart.""",
        ),
        (
            "code",
            """same, different = cm.state_pairs(cm.route_prefixes(mix), spec.state, 200, seed=SEED + 6)
for name, model in models.items():
    acc = cm.model_acceptor(model)
    c = cm.compression(acc, spec.state, same)
    d = cm.distinction(acc, cm.true_acceptor(spec), spec.state, different)
    print(f"{name:<20} compression {c.compression:.3f}   distinction {d.distinction:.3f} "
          f"(precision {d.precision:.3f}, {d.n_pairs} pairs)")""",
        ),
        (
            "md",
            """Here the two models part: the shortest-path model tells different states apart only a
third of the time. It has learned which moves lead *toward the destination* from where it
usually is, not which streets exist.

## 4. The map the model implies

At every intersection a route passes, which moves does the model accept? Counting over
many routes, the model *implies* a street `node → move` when a majority of the prefixes
at that node accept the move. Against the city: **true** streets, **false** ones (a wall,
a closed block, the wrong way up a one-way street) and **missing** ones (in the city,
never accepted) — the paper's map reconstruction.""",
        ),
        (
            "code",
            """graphs = {name: iwm.implied_graph(model, mix) for name, model in models.items()}
for name, g in graphs.items():
    print(f"{name:<20} implied streets: {len(g.true_edges)} true, {len(g.false_edges)} false, "
          f"{len(g.missing_edges)} missing (precision {g.precision:.2f}, recall {g.recall:.2f})")
print("false streets of city-taxi-shortest [node, move, to]:",
      graphs["city-taxi-shortest"].false_edges)""",
        ),
        (
            "md",
            """The **CognitiveMap** draws all of it over the true city: each intersection's
probe-decoded position (the dot at the end of a displacement arrow from where it truly
is), the implied streets (tick "implied map") with false ones in red and missing ones
dashed, and the route of
the Workspace with the model's next-move distribution at the chosen step (arrows out of
the taxi's intersection, width by probability, green where the move is legal, red where
it is not; a ring is `END`). Click a token of the route to choose the step. First the mix model:""",
        ),
        (
            "code",
            """ws = iwm.Workspace(taxi, taxi.sample(seed=SEED, latents=True, kind="walk"))
cmap = iwm.CognitiveMap(ws, probe=probes["city-taxi"], layer="blocks.0", routes=test,
                        implied=graphs["city-taxi"])
print(f"decoded intersections are off by {cmap.decoded.mean_error:.2f} blocks on average")
cmap""",
        ),
        (
            "md",
            """And the shortest-path model, on the same route: its decoded intersections crowd
toward the middle of the city (their spread printed below, as a share of the true
spread) and its implied map keeps only the streets its shortest paths need.""",
        ),
        (
            "code",
            """short = models["city-taxi-shortest"]
ws_short = iwm.Workspace(short, short.sample(seed=SEED, latents=True, kind="walk"))
cmap_short = iwm.CognitiveMap(ws_short, probe=probes["city-taxi-shortest"], layer="blocks.0",
                              routes=test, implied=graphs["city-taxi-shortest"])
cmap_short.show_implied = True                  # its implied map drawn at once (the checkbox)


def spread(dec):
    \"\"\"How far the decoded intersections spread, ÷ how far the true ones do.\"\"\"
    xy, true = np.asarray(dec.decoded_xy, float), np.asarray(dec.true_xy, float)
    seen = ~np.isnan(xy).any(1)
    return float(xy[seen].std(0).mean() / true[seen].std(0).mean())


for name, view in (("city-taxi", cmap), ("city-taxi-shortest", cmap_short)):
    print(f"{name:<20} decoded off by {view.decoded.mean_error:.2f} blocks on average; "
          f"spread {spread(view.decoded):.2f}× the true spread")
cmap_short""",
        ),
        (
            "md",
            """## 5. Steer "where am I" and watch the next move

A readable position is not yet a used one. To test use, **write** it: at one move token,
add to the residual stream at `blocks.0` the difference between the model's mean
activation at another intersection `b` and at the true one `a`. If the model drives by
its map, its next move should now be one that is legal at `b` — and, to count as a
change, not legal at `a`. `cmap.steer_to(b)` does it on the Workspace (one edit; click an
intersection on the map to do the same), and the map shows the new prediction.""",
        ),
        (
            "code",
            """step = cmap.step                       # the step the map shows (the last move token)
a = int(ws.truth["node"][step])
print("the taxi is at", a, "; the model predicts", cmap.prediction()["top"])
b = 35 if a != 35 else 0               # the far corner
cmap.steer_to(b)
ws.wait()
p = cmap.prediction()
print(f"steered to {b}: the model predicts {p['top']!r}; legal at {b}: {p['legal_at_target']}, "
      f"legal at {a}: {p['legal_at_true']}")""",
        ),
        (
            "md",
            """One steering is an anecdote. `iwm.steer_position` does it on one move token of each of
100 held-out routes (a random target each), in one batched trace, next to three
baselines: the same rows unsteered, a random direction of the same norm, and chance (the
share of the nine move and `END` tokens legal at `b` and not at `a`). *Success*: the top-1
token is legal at `b` and not at `a`.""",
        ),
        (
            "code",
            """for name, model in models.items():
    s = iwm.steer_position(model, probes[name], test, "blocks.0", seed=SEED + 7)
    print(f"{name:<20} success: steered {s.success:.2f}, unsteered {s.success_unsteered:.2f}, "
          f"random direction {s.success_random:.2f}, chance {s.chance:.2f} ({s.n_rows} routes)")""",
        ),
        (
            "md",
            """### Exercise 2: move the taxi in its head
Find an intersection `b` such that, steered to `b` at the map's step (at `blocks.0`, the layer the map was given), the model's top
move is **legal at `b` and illegal where the taxi really is**. Click intersections on the
map above (each click replaces the steering), or call `cmap.steer_to(b)`. Then set
`target` to your `b`. The check re-runs the model itself with the Workspace's edit and
asks the city, not the widget.""",
        ),
        (
            "exercise",
            """target = ...   # ← an intersection id 0 … 35""",
            """a = int(ws.truth["node"][cmap.step])
for target in range(36):
    if target == a:
        continue
    cmap.steer_to(target)
    ws.wait()
    p = cmap.prediction()
    if p["legal_at_target"] and not p["legal_at_true"]:
        break""",
        ),
        (
            "check",
            """ws.wait()
if target is ... or not isinstance(target, int) or not 0 <= target < 36:
    print("Not yet: set target to an intersection id between 0 and 35")
elif not ws.edits:
    print("Not yet: steer first (click an intersection, or cmap.steer_to(target))")
else:
    s = cmap.step
    res = iwm.run(taxi, ws.inputs, edits=ws.edits)
    top = int(res.output[0, s].argmax())
    prefix = ws.inputs[0, : s + 1].tolist()
    here = spec.legal_after([prefix])[0]                 # legal where the taxi is
    d = int(ws.truth["destination"])
    there = spec.legal_in(("route", target, d))                  # legal at the steered-to node
    tok = spec.vocab[top]
    if cmap.prediction().get("target") != target:
        print(f"Not yet: the Workspace is steered to {cmap.prediction().get('target')}, "
              f"not to {target}; steer to your target")
    elif not bool(there[top]):
        print(f"Not yet: steered to {target} the model says {tok!r}, not legal there")
    elif bool(here[top]):
        print(f"Not yet: {tok!r} is legal at {target} but also where the taxi is; find a "
              "target whose moves differ")
    else:
        print(f"✓ steered to {target}, the model says {tok!r}: legal at {target}, illegal "
              f"at {int(ws.truth['node'][s])} where the taxi is")""",
        ),
        (
            "md",
            """### Exercise 3: navigator or jellyfish?
For each model, say whether the evidence above shows a map: `True` or `False`. The
check weighs the same evidence again on routes you have not used: validity on both
kinds of route, distinction, and the recall of the implied map.""",
        ),
        (
            "exercise",
            """mix_has_map = ...        # ← True or False: does city-taxi carry a map?
shortest_has_map = ...   # ← True or False: does city-taxi-shortest?""",
            """mix_has_map = True
shortest_has_map = False""",
        ),
        (
            "check",
            """fresh = spec.sample_routes(150, SEED + 8, "mix")
pairs = cm.state_pairs(cm.route_prefixes(fresh), spec.state, 150, seed=SEED + 9)[1]
evidence = {}
for name, model in models.items():
    d = cm.distinction(cm.model_acceptor(model), cm.true_acceptor(spec), spec.state, pairs)
    g = iwm.implied_graph(model, fresh)
    v = cm.next_move_validity(model, fresh)
    evidence[name] = (v.validity, d.distinction, g.recall)
    evidence[name] += (v.validity > 0.95 and d.distinction > 0.7 and g.recall > 0.9,)
has_map = {"city-taxi": mix_has_map, "city-taxi-shortest": shortest_has_map}
if any(a is ... or not isinstance(a, bool) for a in has_map.values()):
    print("Not yet: answer True or False for each model")
else:
    wrong = [n for n in NAMES if has_map[n] != evidence[n][3]]
    for n in NAMES:
        v, dist, rec, _ = evidence[n]
        print(f"  {n:<20} validity {v:.3f}, distinction {dist:.3f}, implied-map recall {rec:.2f}")
    if wrong:
        print("Not yet: look again at", ", ".join(wrong), "— validity alone is not a map")
    else:
        print("✓ the evidence agrees with you")""",
        ),
        (
            "md",
            """## What to take away
* **Validity is not a map.** Both models drive their shortest paths legally, every move
  and every route. Only routes with detours, and the Myhill–Nerode metrics, tell them
  apart.
* **Readable, and used.** The mix model's residual stream holds the taxi's position
  (R² about 0.98 from `blocks.0`, controls near 0), its implied map is the city, and
  writing another position into it makes its next move follow that intersection's
  streets far more often than a random push or chance.
* **The shortest-path model** knows which way to the destination from where it usually
  is: a weaker position readout, a third of the distinctions, an implied map with a fifth
  of the streets and a few that do not exist.
* Each number stands beside its control (shuffled labels, the embedding, dead reckoning,
  unsteered, random direction, chance) and is measured on fresh routes against the
  city's own ground truth.""",
        ),
    ],
)


def main(argv: list[str]) -> None:
    solutions = "--solutions" in argv
    out = SOLUTIONS if solutions else NB
    out.mkdir(exist_ok=True)
    for name in COURSE if not solutions else with_exercises():
        nbformat.write(build(name, solutions), out / name)
    print(f"{'solutions' if solutions else 'notebooks'} written to", out)


if __name__ == "__main__":
    main(sys.argv[1:])
