"""Remote models: the same traces, run on an NDIF server through nnsight's remote execution.

``load(x, remote=True)`` (NDIF's public server; the API key from ``NDIF_API_KEY`` or
nnsight's config) or ``load(x, remote="http://host:port")`` (a self-hosted NDIF) builds
the model on the ``meta`` device — shapes and module tree, no weights — and marks it
remote. :func:`~iwm_widgets.tracing.run.run` then sends its one trace with
:class:`Backend`, a :class:`nnsight.intervention.backends.remote.RemoteBackend` that
reports NDIF's job status, can be cancelled, has a deadline, and turns every failure
into a :class:`RemoteError` whose message never contains the API key.

The trace body calls this package's own helpers (edits, reads); they travel with the
request by value (``nnsight.register``), so the server needs nothing of ours installed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nnsight
from nnsight.intervention.backends.remote import RemoteBackend
from nnsight.intervention.backends.remote import RemoteError as NNsightRemoteError

from ..errors import RunError, UnknownModelError

__all__ = [
    "Backend",
    "Remote",
    "RemoteCancelled",
    "RemoteError",
    "RemoteParts",
    "RemoteTimeout",
    "api_key",
    "load_remote",
    "scrub",
]

DEFAULT_TIMEOUT = 120.0


class RemoteError(RunError):
    """A remote run failed: the server could not be reached, refused or failed the request.

    ``kind`` says which: ``"network"`` (no connection to the host), ``"model"`` (the
    server does not serve this model), ``"rejected"`` (the server refused the request),
    ``"server"`` (the run failed on the server), ``"timeout"``, ``"cancelled"``.
    """

    def __init__(self, message: str, kind: str = "server") -> None:
        super().__init__(scrub(message))
        self.kind = kind


class RemoteTimeout(RemoteError, TimeoutError):
    """No result from the server within the deadline."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "timeout")


class RemoteCancelled(RemoteError):
    """The run was cancelled before its result came back."""

    def __init__(self, message: str = "the remote run was cancelled") -> None:
        super().__init__(message, "cancelled")


def api_key() -> str | None:
    """The NDIF API key: ``NDIF_API_KEY``, else nnsight's config. Never stored by us."""
    return os.environ.get("NDIF_API_KEY") or nnsight.CONFIG.API.APIKEY or None


def scrub(text: str) -> str:
    """``text`` with the API key (if any) replaced by ``***``."""
    key = api_key()
    if key and len(key) >= 4 and key in text:
        text = text.replace(key, "***")
    return text


@dataclass
class Remote:
    """Where a remote model runs: the NDIF host and a per-run deadline (seconds)."""

    host: str
    timeout: float = DEFAULT_TIMEOUT
    model_key: str = ""
    #: measured round trips (ms) of the finished remote runs, newest last
    round_trips: list[float] = field(default_factory=list)

    @property
    def round_trip_ms(self) -> float | None:
        """Median of the last round trips, or None before the first run."""
        rt = sorted(self.round_trips[-9:])
        return rt[len(rt) // 2] if rt else None

    def __repr__(self) -> str:  # the key is never part of it
        return f"Remote(host={self.host!r}, timeout={self.timeout})"


def resolve_host(remote: Any) -> str:
    """``True`` -> NDIF's host (``NDIF_HOST`` or nnsight's config); a URL -> itself."""
    if remote is True:
        host = os.environ.get("NDIF_HOST") or nnsight.CONFIG.API.HOST
    elif isinstance(remote, str):
        host = remote
    else:
        raise TypeError(
            f"remote= takes True or a URL such as 'http://127.0.0.1:8001', got {remote!r}"
        )
    host = host.rstrip("/")
    if not host.startswith(("http://", "https://")):
        raise ValueError(f"remote host must start with http:// or https://, got {host!r}")
    return host


@dataclass
class RemoteParts:
    """What :func:`load_remote` reads: the pieces :func:`~iwm_widgets.tracing.model.load`
    builds a remote :class:`~iwm_widgets.tracing.model.Model` from (this module does not
    import ``model``: the dependency points one way)."""

    name: str
    wrapper: Any
    tokenizer: Any
    target: Remote


def load_remote(
    x: str | os.PathLike[str], remote: Any, *, timeout: float = DEFAULT_TIMEOUT, **kw: Any
) -> RemoteParts:
    """Read what a remote model needs (meta weights, no download).

    ``x`` is a Hugging Face id (resolved through the hub, as nnsight does) or a local
    directory that the server also serves under that path (a self-hosted NDIF).
    """
    import transformers
    from nnsight.modeling import huggingface

    host = resolve_host(remote)
    s = str(x)
    p = Path(s).expanduser()
    local = p.is_dir() and (p / "config.json").exists()
    if local:
        s = str(p.resolve())
        huggingface._ID_CACHE[s] = s  # a local directory is its own id (no hub lookup)
    try:
        config = transformers.AutoConfig.from_pretrained(s)
        tok = transformers.AutoTokenizer.from_pretrained(s)
    except Exception as e:
        raise UnknownModelError(
            f"cannot read the config and tokenizer of {s!r} ({type(e).__name__}: {scrub(str(e))})"
        ) from e
    archs = getattr(config, "architectures", None) or []
    if not any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs):
        raise UnknownModelError(
            f"{s!r} is not a causal language model ({archs}); remote models are LMs"
        )
    wrapper = nnsight.TransformersModel(s, task="text-generation", tokenizer=tok, **kw)
    target = Remote(host=host, timeout=float(timeout))
    try:
        target.model_key = wrapper.to_model_key()
    except Exception as e:
        raise UnknownModelError(f"cannot name {s!r} for NDIF: {scrub(str(e))}") from e
    nnsight.register("iwm_widgets")  # our trace helpers travel with each request
    return RemoteParts(name=s, wrapper=wrapper, tokenizer=tok, target=target)


StatusCallback = Callable[[str, str], None]


class Backend(RemoteBackend):
    """nnsight's blocking remote backend with status reports, cancel and a deadline.

    Parameters
    ----------
    target
        The model's :class:`Remote`.
    on_status
        Called with ``(status, description)`` for every job status NDIF reports
        (``RECEIVED``, ``QUEUED``, ``RUNNING``, ...).
    cancel
        Set it to abandon the run (the call raises :class:`RemoteCancelled`).
    """

    def __init__(
        self,
        target: Remote,
        on_status: StatusCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        super().__init__(target.model_key, host=target.host, api_key=api_key())
        self.display.enabled = False  # our widgets show the status, not stdout
        self.target = target
        self.on_status = on_status
        self.cancel = cancel or threading.Event()
        self.deadline = time.monotonic() + target.timeout
        self.bytes_received = 0

    def note(self, response: Any) -> bool:
        if self.on_status is not None:
            try:
                self.on_status(str(getattr(response.status, "name", response.status)),
                               scrub(str(response.description or "")))  # fmt: skip
            except Exception:
                pass
        return super().note(response)

    def download_result(self, url: Any) -> Any:
        if isinstance(url, (bytes, bytearray)):
            self.bytes_received += len(url)
        return super().download_result(url)

    def request(self, request: Any, tracer: Any) -> Any:
        """nnsight's websocket loop, waking every 50 ms to honour cancel and the deadline."""
        import json

        import websocket
        from nnsight.schema.response import Status

        blob = self._serialize(tracer)
        self.bytes_sent = len(blob)
        connection = websocket.create_connection(
            f"{self.ws_host}/subscribe",
            header={"ndif-api-key": self.api_key} if self.api_key else None,
            timeout=max(min(self.deadline - time.monotonic(), 10.0), 0.1),
        )
        try:
            request.session_id = json.loads(connection.recv())["session_id"]
            self.send(request, blob)
            connection.settimeout(0.05)
            while True:
                self._check()
                try:
                    message = connection.recv()
                except websocket.WebSocketTimeoutException:
                    continue
                if isinstance(message, (bytes, bytearray)):
                    self.bytes_received += len(message)
                response = self.parse(message)
                result = self.handle(response)
                if response.status == Status.COMPLETED:
                    return result
        finally:
            connection.close()

    def _check(self) -> None:
        if self.cancel.is_set():
            raise RemoteCancelled()
        if time.monotonic() > self.deadline:
            raise RemoteTimeout(
                f"no result from NDIF at {self.target.host} within {self.target.timeout:g}s"
            )


def translate(e: BaseException, target: Remote) -> RemoteError:
    """A clear :class:`RemoteError` for whatever a remote trace raised."""
    if isinstance(e, RemoteError):
        return e
    msg = scrub(f"{type(e).__name__}: {e}")
    low = msg.lower()
    host = target.host
    if isinstance(e, NNsightRemoteError):
        text = scrub(str(e))
        if text.startswith("Failed to send request"):
            if any(w in text.lower() for w in ("connect", "refused", "name or service", "resolve")):
                return RemoteError(f"cannot reach the NDIF server at {host}: {text}", "network")
            return RemoteError(
                f"the NDIF server at {host} rejected the request: {text}", "rejected"
            )
        if (
            "not deployed" in text.lower()
            or "model_key" in text.lower()
            or "not found" in text.lower()
        ):
            return RemoteError(
                f"the NDIF server at {host} does not serve this model ({target.model_key}): {text}",
                "model",
            )
        return RemoteError(f"the run failed on the NDIF server at {host}: {text}", "server")
    if isinstance(e, (ConnectionError, OSError)) or "connection refused" in low or "errno" in low:
        return RemoteError(f"cannot reach the NDIF server at {host}: {msg}", "network")
    if "timed out" in low or isinstance(e, TimeoutError):
        return RemoteTimeout(f"no answer from the NDIF server at {host}: {msg}")
    return RemoteError(f"the remote run failed: {msg}", "server")
