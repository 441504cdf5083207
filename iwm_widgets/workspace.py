"""The reactive core: inputs + edits + reads -> one traced run -> every attached view.

A :class:`Workspace` owns the current inputs, the list of edits, the union of the
sites that attached widgets read, and the last :class:`Result`. Changing edits or
inputs schedules a re-run on a background runner thread; a burst of changes never
queues runs (latest wins: the runner always takes the newest state). A run that
finishes after a newer request is still shown (it is newer than what the views show,
and a dial dragged faster than the model runs would otherwise show nothing until the
drag pauses); its error is not (the newer state may be fine). Views never get an older
result after a newer one.
"""

from __future__ import annotations

import atexit
import threading
import time
import traceback
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

from .errors import IWMError, RunError
from .tracing import Edit, Model, Result, Site, as_site, edits_to_code, load, run
from .tracing.run import Summary

__all__ = ["Selection", "Workspace"]

Callback = Callable[[str, "Workspace"], None]
EVENTS = ("result", "error", "status", "selection", "edits", "inputs")

#: Workspaces whose runner thread may be alive (closed and joined at interpreter exit)
_LIVE: weakref.WeakSet[Workspace] = weakref.WeakSet()
#: seconds ``_close_all`` waits for a run in flight at exit
EXIT_JOIN_TIMEOUT = 10.0


class Selection(dict[str, Any]):
    """``ws.selection``: the cell or node selected in any view, or ``{}``.

    Keys: ``"site"``, the dotted site path (``"blocks.1"``; what names the layer, as you
    would type it in nnsight), ``"position"`` (the column: time step or token index) and,
    from an ActivationMap, ``"row"``, the map's own row index (row 0 at the bottom; it
    counts every row the map shows, e.g. ``"embed"`` below ``"blocks.0"``, so it is not a
    layer number).

    Earlier versions called the row index ``"layer"``; ``selection["layer"]`` still gives
    it, with a :class:`FutureWarning`.
    """

    def __missing__(self, key: str) -> Any:
        if key == "layer" and "row" in self:
            warnings.warn(
                "ws.selection['layer'] is the map's row index (it counts e.g. 'embed'); it "
                "is now called 'row'. Use ws.selection['site'] (e.g. 'blocks.1') for the layer",
                FutureWarning,
                stacklevel=2,
            )
            return self["row"]
        raise KeyError(key)


@atexit.register
def _close_all() -> None:
    """Stop every runner before the interpreter tears torch down.

    A daemon runner still inside torch when Python finalises aborted the process
    ("terminate called without an active exception", exit 134). atexit handlers run
    before that, in reverse order of registration, so this one runs before torch's.
    """
    for ws in list(_LIVE):
        ws.close(timeout=EXIT_JOIN_TIMEOUT)


class Workspace:
    """Inputs, edits and the last result of one model, shared by widgets.

    Parameters
    ----------
    model
        A :class:`~iwm_widgets.tracing.model.Model` (or anything :func:`iwm_widgets.load` takes).
    inputs
        A tensor, text, or ``model.sample(seed=0)``.
    rollout_steps
        World models: steps predicted after the context (default: the zoo model's
        default). ``0`` turns the rollout off.
    background
        Run re-runs on a background thread (default). With ``False``, every change
        re-runs synchronously in the caller's thread.
    truth
        World models: the simulator's latents of ``inputs`` (``model.sample(seed,
        latents=True)[1]``), so views can show the true and counterfactual futures.

    Notes
    -----
    ``add_edit`` and friends return at once; call :meth:`wait` to block until the
    newest state has been run, or :meth:`run` to run synchronously.

    **Your own code while it runs.** The runner traces through the library's own
    wrapper (:attr:`Model.engine`), and nnsight routes a module call only to a trace
    of the calling thread (:mod:`iwm_widgets.tracing._threads`): your plain forwards
    and your own nnsight traces are safe at any moment and never carry the
    Workspace's edits. Runs of the library (every Workspace, sweeps, probes) take
    ``model.lock`` one at a time.
    The runner uses ``runner_threads`` (1) torch threads, so a result can differ from
    the same run on a 2-thread notebook thread in the last float bit (~1e-7); under
    the same thread count it is bit-identical. At interpreter exit every runner is
    stopped and joined (a script exits 0 with a run in flight).

    A remote model (``iwm.load(..., remote=...)``) runs on NDIF from the same runner
    thread, so the kernel stays free: ``status`` is ``"running"`` while a request is
    in flight (``remote_status``: NDIF's job status, ``run_started``: when it was
    sent), :meth:`cancel` abandons it, :meth:`retry` runs the newest state again.
    Views ask for :class:`~iwm_widgets.tracing.run.Summary` objects rather than whole
    activations, so only what they draw comes back.
    """

    #: show a run's result that finished after a newer request (it is still newer than
    #: what the views show); ``False``: only the newest request's result is shown
    show_superseded: bool = True

    def __init__(
        self,
        model: Model | Any,
        inputs: Any = None,
        *,
        rollout_steps: int | None = None,
        background: bool = True,
        truth: dict[str, Any] | None = None,
    ) -> None:
        self.model: Model = load(model)
        self.rollout_steps = (
            self.model.default_rollout_steps if rollout_steps is None else int(rollout_steps)
        )
        if isinstance(inputs, tuple) and len(inputs) == 2 and isinstance(inputs[1], dict):
            inputs, truth = inputs  # model.sample(seed, latents=True)
        if inputs is None:
            if self.model.kind != "world":
                raise TypeError("Workspace needs inputs for a model that is not a world model")
            inputs = self.model.sample(seed=0)
        self._inputs = self.model.prepare(inputs)
        self._edits: list[Edit] = []
        self._reads: dict[int, tuple[Site, ...]] = {}
        self._summaries: dict[int, tuple[Summary, ...]] = {}
        self._measures: dict[int, dict[str, Callable[[Result], Any]]] = {}
        #: NDIF's last job status of the run in flight ("QUEUED: ...", "") — remote models
        self.remote_status = ""
        #: time.time() when the run in flight started (0 when idle)
        self.run_started = 0.0
        self._cancel = threading.Event()
        self._observers: list[Callback] = []
        self._selection = Selection()
        self.background = background
        self.result: Result | None = None
        self.baseline: Result | None = None  # the same reads with no edits
        self.error: Exception | None = None
        self.status = "idle"
        self._generation = 0  # bumped by every request
        self._done = 0  # generation of the newest finished request
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.timings: list[float] = []
        #: torch intra-op threads of the background runner (see ``_loop``)
        self.runner_threads = 1
        #: background runner counters: requests made, runs executed, results shown though
        #: a newer request waited, results or errors of stale runs not shown
        self.stats = {"requests": 0, "runs": 0, "superseded": 0, "dropped": 0}
        self.truth: dict[str, Any] | None = truth
        if self.model.remote is None:  # a remote run sends back only what views read
            self.add_reads(self, self.model.layers)

    # ---- state ----------------------------------------------------------
    @property
    def inputs(self) -> Any:
        """The prepared inputs. Setting them re-runs (and recomputes the baseline)."""
        return self._inputs

    @inputs.setter
    def inputs(self, value: Any) -> None:
        try:
            prepared = self.model.prepare(value)
            self.model.inspect(prepared)
        except Exception as e:
            self._reject(e)
        self._inputs = prepared
        self.baseline = None
        self._emit("inputs")
        self.request_run()

    @property
    def edits(self) -> tuple[Edit, ...]:
        """The current edits, in the order they were added."""
        return tuple(self._edits)

    @property
    def reads(self) -> list[Site]:
        """The union of the sites every attached view reads, in forward order."""
        sites = {s for group in self._reads.values() for s in group}
        return sorted(sites, key=self.model.order_key)

    @property
    def selection(self) -> Selection:
        """The cell or node selected in any view: ``{"site", "position", "row"}`` or ``{}``
        (see :class:`Selection`: ``"site"`` names the layer, ``"row"`` is a map's row)."""
        return Selection(self._selection)

    @selection.setter
    def selection(self, value: dict[str, Any] | None) -> None:
        value = Selection(value or {})
        if value != self._selection:
            self._selection = value
            self._emit("selection")

    @property
    def generation(self) -> int:
        return self._generation

    def columns(self) -> list[str]:
        """Labels of the input's positions (time steps or tokens)."""
        return self.model.labels(self._inputs)

    # ---- edits ----------------------------------------------------------
    def _validate(self, edit: Edit) -> None:
        try:
            if not isinstance(edit, Edit):
                raise TypeError(f"expected an Edit, got {type(edit).__name__}")
            self.model.check_site(edit.site)
            shape = self.model.inspect(self._inputs).get(edit.site)
            length = self._inputs.shape[1] if getattr(self._inputs, "ndim", 0) >= 2 else None
            if shape is not None:
                edit.check_shape(shape, length)
        except Exception as e:
            self._reject(e)

    def _reject(self, e: Exception) -> NoReturn:
        """Show a rejected change in the views (state unchanged), then raise it.

        ``error`` holds it only while the views are told: the last run's error (or
        none) is put back, so ``wait()`` after a refused change returns the still
        valid result instead of raising the refusal again."""
        previous = self.error
        self.error = e
        self._emit("error")
        self.error = previous
        raise e

    def add_edit(self, edit: Edit) -> str:
        """Add an edit (validated first; a bad one raises and is not added). Returns its id."""
        self._validate(edit)
        if any(e.id == edit.id for e in self._edits):  # same id: replace in place
            self._edits = [edit if e.id == edit.id else e for e in self._edits]
        else:
            self._edits.append(edit)
        self._changed()
        return edit.id

    def replace_edit(self, edit_id: str, edit: Edit) -> str:
        """Swap the edit with ``edit_id`` for ``edit`` (keeps its place in the order)."""
        self._validate(edit)
        if not any(e.id == edit_id for e in self._edits):
            raise KeyError(f"no edit with id {edit_id!r}")
        self._edits = [edit if e.id == edit_id else e for e in self._edits]
        self._changed()
        return edit.id

    def swap_edits(self, remove: Sequence[str], add: Sequence[Edit]) -> None:
        """Remove the edits with ids in ``remove`` and add ``add``, in ONE re-run.

        Edits in ``add`` whose id is already present replace it in place.
        """
        for e in add:
            self._validate(e)
        gone = set(remove) - {e.id for e in add}
        kept = [e for e in self._edits if e.id not in gone]
        new = {e.id: e for e in add}
        out = [new.pop(e.id, e) for e in kept]
        self._edits = out + list(new.values())
        self._changed()

    def remove_edit(self, edit_id: str) -> None:
        """Remove the edit with this id."""
        before = len(self._edits)
        self._edits = [e for e in self._edits if e.id != edit_id]
        if len(self._edits) == before:
            raise KeyError(f"no edit with id {edit_id!r}")
        self._changed()

    def set_edits(self, edits: Sequence[Edit]) -> None:
        """Replace all edits at once (one re-run)."""
        for e in edits:
            self._validate(e)
        self._edits = list(edits)
        self._changed()

    def clear_edits(self) -> None:
        """Remove every edit."""
        self._edits = []
        self._changed()

    def _changed(self) -> None:
        self._emit("edits")
        self.request_run()

    def to_code(self, model_var: str = "model", inputs_var: str = "inputs") -> str:
        """nnsight code applying the current edits (``model`` = ``iwm_model.nnsight``).

        The code expects the variables :meth:`code_variables` gives: ``model``, the
        inputs, and for a padded batch of texts its ``attention_mask`` (and the
        ``position_ids`` of a left-padded one), passed to the trace as the Workspace's
        own runs pass them.
        """
        generate = self.model.kind == "lm" and self.rollout_steps > 0
        _, kw = self.model.call_args(self.inputs, generate=generate)
        return edits_to_code(
            self._edits,
            generate=self.model.kind == "lm",
            model_var=model_var,
            inputs_var=inputs_var,
            site_order=self.model.order_key,
            rollout_steps=self.rollout_steps,
            call_kwargs=tuple(kw),
        )

    def code_variables(
        self, model_var: str = "model", inputs_var: str = "inputs"
    ) -> dict[str, Any]:
        """The variables :meth:`to_code`'s code expects, by name: the model's nnsight
        wrapper and the Workspace's inputs (with their ``attention_mask`` when padded).

        ``runpy.run_path(script, init_globals=ws.code_variables())`` runs the code.
        """
        generate = self.model.kind == "lm" and self.rollout_steps > 0
        return {
            model_var: self.model.nnsight,
            **self.model.code_variables(self.inputs, inputs_var, generate=generate),
        }

    # ---- reads and observers ------------------------------------------
    def add_reads(
        self, owner: Any, sites: Iterable[Site | str], summaries: Iterable[Summary] = ()
    ) -> None:
        """Declare the sites ``owner`` (a widget) needs; they join the one trace.

        ``summaries``: small quantities computed inside the trace instead of whole
        activations (``result.summaries[summary.key]``).
        """
        self._reads[id(owner)] = tuple(self.model.check_site(as_site(s)) for s in sites)
        sums = tuple(summaries)
        for sm in sums:
            self.model.check_site(sm.site)
        self._summaries[id(owner)] = sums

    def remove_reads(self, owner: Any) -> None:
        self._reads.pop(id(owner), None)
        self._summaries.pop(id(owner), None)
        self._measures.pop(id(owner), None)

    def add_measure(self, owner: Any, key: str, fn: Callable[[Result], Any]) -> None:
        """Declare a measurement ``owner`` (a view) needs after every run.

        ``fn(result)`` gets the run's :class:`Result` (its inputs, edits and reads) and
        returns what the view draws, e.g. the causal effects of a graph's nodes, which
        take batched traces of their own. The Workspace is the one scheduler of those
        traces: it calls ``fn`` right after the main run of the same state, on the
        runner thread (or in :meth:`run`), skips it when a newer state is already
        waiting (latest wins), and hands the value to every view with the result as
        ``result.measures[key]`` (an exception ``fn`` raised is stored there instead,
        so one broken measurement does not fail the run). Removed with the owner's
        reads (:meth:`remove_reads`).
        """
        self._measures.setdefault(id(owner), {})[key] = fn

    @property
    def measure_keys(self) -> list[str]:
        """Keys of every measurement the attached views asked for."""
        return [k for group in self._measures.values() for k in group]

    def _measure(self, res: Result, gen: int) -> None:
        for group in list(self._measures.values()):
            for key, fn in list(group.items()):
                if gen < self._generation:
                    return  # a newer state waits: without its measures, this result is not shown
                try:
                    res.measures[key] = fn(res)
                except Exception as e:  # shown by the view that asked for it
                    res.measures[key] = e

    @property
    def summaries(self) -> list[Summary]:
        """The union of the summaries every attached view asks for."""
        return list(dict.fromkeys(s for group in self._summaries.values() for s in group))

    def observe(self, callback: Callback) -> Callback:
        """Call ``callback(event, workspace)`` on ``"result"``, ``"error"``,
        ``"status"``, ``"selection"``, ``"edits"`` and ``"inputs"``. Returns it."""
        self._observers.append(callback)
        return callback

    def unobserve(self, callback: Callback) -> None:
        if callback in self._observers:
            self._observers.remove(callback)

    def _emit(self, event: str) -> None:
        for cb in list(self._observers):
            try:
                cb(event, self)
            except Exception:  # a broken view must not break the others
                traceback.print_exc()

    # ---- running --------------------------------------------------------
    def _snapshot(self) -> tuple[Any, tuple[Edit, ...], list[Site]]:
        return self._inputs, tuple(self._edits), self.reads

    def _backend(self) -> Any:
        """A remote run's backend: NDIF's job status -> ``remote_status``; cancel."""
        if self.model.remote is None:
            return None
        from .tracing.remote import Backend

        def on_status(status: str, description: str) -> None:
            self.remote_status = f"{status}: {description}" if description else status
            self._emit("status")

        return Backend(self.model.remote, on_status=on_status, cancel=self._cancel)

    def _execute(self, gen: int) -> Result:
        self._cancel.clear()  # a cancel applies to the run in flight only
        x, edits, reads = self._snapshot()
        sums = self.summaries
        stale = (
            self.baseline is None
            or self.baseline.inputs is not x
            or set(reads) - {as_site(k) for k in self.baseline.activations}
            or any(s.key not in self.baseline.summaries and s.key + ".p" not in
                   self.baseline.summaries for s in sums)
        )  # fmt: skip
        if stale:  # the unedited run: recomputed only when inputs or reads change
            self.baseline = run(
                self.model,
                x,
                (),
                reads,
                rollout_steps=self.rollout_steps,
                generation=gen,
                prepared=True,
                summaries=sums,
                backend=self._backend(),
            )
        if not edits:  # no edits: the result IS the baseline, under this generation
            base = self.baseline
            assert base is not None
            res = Result(
                base.activations, base.output, base.rollout, (), gen, x, base.elapsed_ms,
                dict(base.meta), base.summaries,
            )  # fmt: skip
        else:  # what the edits cannot change comes from the baseline (run(baseline=))
            res = run(
                self.model,
                x,
                edits,
                reads,
                rollout_steps=self.rollout_steps,
                generation=gen,
                prepared=True,
                summaries=sums,
                backend=self._backend(),
                baseline=self.baseline,
            )
        self._measure(res, gen)
        return res

    # ---- remote runs: cancel and retry -------------------------------
    def cancel(self) -> None:
        """Abandon the run in flight (a remote run raises ``RemoteCancelled``; shown as
        the error, with a retry). Nothing happens when idle."""
        if self.status == "running":
            self._cancel.set()

    def retry(self) -> None:
        """Run the newest state again (after an error or a cancel)."""
        self.request_run()

    def _publish(self, gen: int, res: Result | None, err: Exception | None) -> None:
        """Hand a finished run to the views: a result newer than the one shown, also
        when a newer request waits (``stats["superseded"]``) if it has every measure (a
        measure is skipped once a newer state waits); an error only if no newer request
        exists (``stats["dropped"]`` otherwise).

        Observers run before waiters wake, so ``wait()`` returns with every view drawn.
        """
        with self._cond:
            latest = gen >= self._generation
        shown = self.result.generation if self.result is not None else -1
        whole = res is not None and all(k in res.measures for k in self.measure_keys)
        if res is not None and not latest and gen > shown and whole and self.show_superseded:
            self.stats["superseded"] += 1
            self.result = res
            self.timings.append(res.elapsed_ms)
            self._emit("result")
        elif not latest:
            self.stats["dropped"] += 1
        if latest and res is not None:
            self.result, self.error = res, None
            self.timings.append(res.elapsed_ms)
            self._emit("result")
        elif latest and err is not None:
            self.error = err
            self._emit("error")
        with self._cond:
            self._done = max(self._done, gen)
            self._cond.notify_all()

    def run(self) -> Result:
        """Run the current state now, in this thread, and return the result.

        Raises the run's error (the Workspace stays usable, the model unchanged).
        """
        with self._cond:
            self._generation += 1
            gen = self._generation
        self._set_status("running")
        try:
            res = self._execute(gen)
        except Exception as e:
            self._publish(gen, None, e)
            raise
        finally:
            self._set_status("idle")
        self._publish(gen, res, None)
        return res

    def request_run(self) -> None:
        """Schedule a re-run of the newest state (latest wins)."""
        if not self.background or self._closed:  # closed: no runner, run here
            try:
                self.run()
            except IWMError:
                pass  # reported through .error and the "error" event
            return
        with self._cond:
            self._generation += 1
            self.stats["requests"] += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="iwm-runner", daemon=True)
                _LIVE.add(self)
                self._thread.start()
            self._cond.notify_all()

    def _loop(self) -> None:
        # Measured here (2 cores, OpenMP torch): torch ops in a second thread with 2
        # intra-op threads ran 2-5x slower than on the main thread (a 16-step
        # bouncing-ball rollout 75 ms vs 13 ms), and as fast with 1 thread (13 ms).
        # The setting is per thread under OpenMP: the main thread keeps its own.
        import torch

        torch.set_num_threads(self.runner_threads)
        while True:
            with self._cond:
                while self._done >= self._generation and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                gen = self._generation
            self._set_status("running")
            self.stats["runs"] += 1
            try:
                res = self._execute(gen)
                err = None
            except Exception as e:  # shown by the views; raised again by wait()
                res, err = None, e
            except BaseException as e:  # never let the runner die with a request pending
                res, err = None, RunError(f"the run was interrupted: {type(e).__name__}: {e}")
            with self._cond:
                more = self._generation > gen
            if not more:
                self._set_status("idle")
            self._publish(gen, res, err)

    def wait(self, timeout: float | None = 30.0) -> Result:
        """Block until the newest request has run; return its result or raise its error."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._done < self._generation:
                if self._closed and (self._thread is None or not self._thread.is_alive()):
                    break  # nobody will run it: run it here
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimeoutError("the workspace is still running")
                self._cond.wait(left)
        if self._done < self._generation:
            return self.run()
        if self.error is not None:
            raise self.error
        if self.result is None:
            return self.run()
        return self.result

    def _set_status(self, status: str) -> None:
        if status != self.status:
            if status == "running":
                self._cancel.clear()
                self.run_started = time.time()
            else:
                self.run_started = 0.0
            self.remote_status = ""
            self.status = status
            self._emit("status")

    def close(self, timeout: float | None = 10.0) -> None:
        """Stop the runner thread: a run in flight finishes (a remote one is cancelled),
        then the thread ends; waits up to ``timeout`` seconds for it."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._cancel.set()
        t = self._thread
        if t is not None and t is not threading.current_thread() and t.is_alive():
            t.join(timeout)
        _LIVE.discard(self)

    def __repr__(self) -> str:
        return (
            f"<Workspace model={self.model.name!r} edits={len(self._edits)} "
            f"reads={len(self.reads)} generation={self._generation}>"
        )

    # ---- sessions (JSON + safetensors, no pickle; see iwm_widgets.session) ----
    def save(self, path: Any, *, widgets: bool = True) -> Any:
        """Save inputs, truth, edits, Variables, the selection and the attached widgets'
        settings to the directory ``path`` (``session.json`` + ``tensors.safetensors``).

        Returns the directory as a ``pathlib.Path``. See :func:`iwm_widgets.session.save_session`.
        """
        from .session import save_session

        return save_session(self, path, widgets=widgets)

    @classmethod
    def load(
        cls,
        path: Any,
        model: Any = None,
        *,
        strict: bool = True,
        background: bool = True,
        widgets: bool = True,
    ) -> Workspace:
        """A Workspace rebuilt from a saved session, for ``model`` (default: the model
        named in the session), its widgets re-created
        (:func:`iwm_widgets.session.restored_widgets`).

        A model whose weights checksum differs from the recorded one is refused
        (``SessionModelError``, naming both) unless ``strict=False``. See
        :func:`iwm_widgets.session.load_session`.
        """
        from .session import load_session

        return load_session(
            path, model, strict=strict, background=background, widgets=widgets, workspace_type=cls
        ).workspace
