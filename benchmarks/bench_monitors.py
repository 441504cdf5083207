"""Monitor benchmark (issue 16): the cost of monitoring rollouts, the streaming latency,
and the inside-vs-outside table.

1. Monitoring 1,000 rollouts of 16 steps (bouncing-ball, 32 context steps... the
   context is 48 − 16 = 32): traces used, wall time, and ÷ the raw batched rollout
   (``module.rollout`` in plain torch, the same chunks). A monitor costs the rollout
   trace plus one forward over context + predictions that reads the site.
2. The streaming monitor's added latency per Workspace run: ``ws.run()`` p50/p95 with
   and without an attached :class:`~iwm_widgets.tracing.monitors.MonitorStream`.
3. Inside vs outside on fresh seeds: per zoo world, a logistic probe of one site
   against its shuffled-label control and the output-only monitors (linear; with the
   physics of time to the event), over inputs and over rollouts.

Targets: monitoring ≤ 1.5× the raw rollout (no number in the issue; the read forward is
about one rollout step's worth); streaming added latency within noise of the run
(p50 difference below the run's own p95 − p50).

Run: python benchmarks/bench_monitors.py [--rollouts 1000] [--threads 2] [--quick]
"""

from __future__ import annotations

import argparse
import time
import warnings

import torch
from timing import timeit

import iwm_widgets as iwm


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def rollouts(n: int, chunk: int, rounds: int = 2) -> None:
    """Interleaved rounds (the best of each), so that load from other jobs on a shared
    machine hits both sides alike."""
    model = iwm.load("bouncing-ball")
    mon = iwm.Monitor.fit(model, "blocks.2.mlp.act", "wall-contact", 4, n=256, progress=False)
    kw = dict(n=n, mode="rollout", steps=16, chunk=chunk, baseline=False, progress=False)
    mon_s, raw, raw_cached, rep = [], [], [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        rep = mon.evaluate(model, **kw)
        mon_s.append(time.perf_counter() - t0)
        x = rep.inputs
        for cache, times in ((False, raw), (True, raw_cached)):
            t1 = time.perf_counter()
            with torch.no_grad():
                for i in range(0, n, chunk):
                    model.module.rollout(x[i : i + chunk], 16, cache=cache)
            times.append(time.perf_counter() - t1)
    assert rep is not None
    ratio = min(mon_s) / min(raw_cached)  # like for like: the monitor's rollout is cached
    print(
        f"## monitoring {n} rollouts x 16 steps (context {rep.inputs.shape[1]}), chunks of {chunk}"
    )
    print(f"traces used: {rep.traces} ({n // chunk + bool(n % chunk)} chunks x 2: rollout + read)")
    print(
        f"monitor (simulation + 2 traces + scoring) best {min(mon_s):.2f} s "
        f"{[round(v, 2) for v in mon_s]}; raw batched rollout best {min(raw_cached):.2f} s "
        f"{[round(v, 2) for v in raw_cached]} (key/value-cached, as the monitor's), "
        f"{min(raw):.2f} s uncached"
    )
    print(
        f"monitor / raw cached rollout = {ratio:.2f}x  (target <= 1.5x: {verdict(ratio <= 1.5)}); "
        f"/ raw uncached = {min(mon_s) / min(raw):.2f}x"
    )
    print(f"AUROC over the rollouts {rep.auroc:.3f}, lead time {rep.lead_time:.2f} steps")


def streaming(repeats: int) -> None:
    """Each timed call sets a new edit (a 16-step rollout under it, synchronously), so
    every call is a real trace, never the Workspace's cached unedited run."""
    model = iwm.load("bouncing-ball")
    mon = iwm.Monitor.fit(model, "blocks.2.mlp.act", "wall-contact", 4, n=128, progress=False)
    ws = iwm.Workspace(model, model.sample(seed=0), background=False)
    v = torch.randn(64, generator=torch.Generator().manual_seed(0))
    count = [0]

    def step() -> None:
        count[0] += 1
        ws.set_edits([iwm.Edit.add("blocks.1", v, scale=0.01 * (count[0] % 7), start=24)])

    bare = timeit(step, repeats)
    stream = mon.attach(ws)
    with_ = timeit(step, repeats)
    assert stream.history, "the stream saw no result"
    stream.detach()
    bare2 = timeit(step, repeats)
    ws.close()
    noise = max(bare[1] - bare[0], bare2[1] - bare2[0], abs(bare2[0] - bare[0]))
    added = with_[0] - min(bare[0], bare2[0])
    print("\n## streaming monitor: one Workspace run (new edit, 16-step rollout)")
    print(f"without: p50 {bare[0]:.2f} ms p95 {bare[1]:.2f} ms (again: p50 {bare2[0]:.2f} ms)")
    print(f"with the monitor attached: p50 {with_[0]:.2f} ms p95 {with_[1]:.2f} ms")
    check = sorted(stream.check_ms)[len(stream.check_ms) // 2] if stream.check_ms else 0.0
    print(f"added p50 {added:+.2f} ms (re-check itself {check:.3f} ms); noise {noise:.2f} ms")
    print(f"within noise: {verdict(added <= noise)}")


SITES = {
    "bouncing-ball": "blocks.2.mlp.act",
    "springs-fixed": "blocks.2.mlp.act",
    "springs-flawed": "blocks.2.mlp.act",
}
EVENTS = {
    "bouncing-ball": "wall-contact",
    "springs-fixed": "close-approach",
    "springs-flawed": "close-approach",
}


def table(models: list[str], n: int) -> None:
    print("\n## inside vs outside (fresh seeds; alarm rates matched)")
    print(
        "model | event | mode | monitor | precision | recall | false alarms | detected | "
        "lead | AUROC"
    )
    for name in models:
        model = iwm.load(name)
        site, ev = SITES[name], EVENTS[name]
        mons = [
            iwm.Monitor.fit(model, site, ev, 4, n=n, progress=False, name="inside"),
            iwm.Monitor.fit(
                model, site, ev, 4, n=n, control="shuffled", progress=False, name="shuffled"
            ),
            iwm.Monitor.fit(
                model, site, ev, 4, n=n, control="random", progress=False, name="random-2"
            ),
        ]
        for mode in ("inputs", "rollout"):
            reps = iwm.evaluate_monitors(mons, model, n=n, seed=1, mode=mode, progress=False)
            rows = [
                reps["inside"].table()[0],
                *(r.table()[0] for k, r in reps.items() if k != "inside"),
            ]
            rows += reps["inside"].table()[1:]
            for r in rows:
                print(
                    f"{name} | {ev} | {mode} | {r['monitor']} | {r['precision']:.3f} | "
                    f"{r['recall']:.3f} | {r['false_alarm_rate']:.3f} | "
                    f"{r['detection_rate']:.3f} | {r['lead_time']:.2f} | {r['auroc']:.3f}"
                )
            rl = reps["inside"]
            print(
                f"   recall by lead 1..4: inside {[round(v, 2) for v in rl.recall_by_lead]}"
                f", output-only {[round(v, 2) for v in rl.baseline.recall_by_lead]}"
            )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rollouts", type=int, default=1000)
    p.add_argument("--chunk", type=int, default=250)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--n", type=int, default=256, help="sequences per fit / evaluation")
    p.add_argument("--quick", action="store_true", help="bouncing-ball only in the table")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    warnings.filterwarnings("ignore")
    rollouts(a.rollouts, a.chunk)
    streaming(a.repeats)
    table(["bouncing-ball"] if a.quick else list(SITES), a.n)


if __name__ == "__main__":
    main()
