"""Start, deploy to and stop a real NDIF server stack on this machine's loopback.

The stack is NDIF's own services (PyPI ``ndif``), started by hand on 127.0.0.1:

- Redis (Debian's ``redis-server``): the request queue and status pub/sub;
- a Ray head that declares one GPU (NDIF's controller only places models on GPU nodes)
  and whose model actors are ``iwm_cpu_actor.CPUModelActor`` (loads on CPU);
- NDIF's controller (a detached Ray actor);
- NDIF's API (gunicorn + uvicorn, FastAPI) on ``127.0.0.1:<api_port>``, with its
  queue dispatcher.

Every process is started in its own session; :meth:`LocalNDIF.stop` ends every process
of those sessions by process id (Ray's daemons keep the session of ``ray start``), so
nothing is left running. Stdlib only: runs under any Python; the services run in the
NDIF venv made by ``scripts/ndif/install.sh``.

Command line::

    python scripts/ndif/stack.py up --model DIR [--model DIR ...]   # start + deploy, stays up
                                                                  # until Ctrl-C / SIGTERM
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_VENV = Path(os.environ.get("IWM_NDIF_VENV", REPO / ".venv-ndif"))
ACTOR_CLASS = "iwm_cpu_actor.CPUModelActor"


class StackError(RuntimeError):
    """The stack could not start (the message says which part and why)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _session_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # fields after the ")" closing the command name: state ppid pgrp session ...
    return int(stat.rsplit(")", 1)[1].split()[3])


def _pids_in_sessions(sids: set[int]) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit() and int(p.name) != os.getpid() and _session_of(int(p.name)) in sids:
            out.append(int(p.name))
    return out


class LocalNDIF:
    """One NDIF stack on loopback. ``start()``, ``deploy(dir)``, ``stop()``.

    Parameters
    ----------
    venv
        The NDIF venv (``scripts/ndif/install.sh`` makes it).
    workdir
        Logs, Ray's temp dir and Redis' dir (a fresh temp dir by default).
    api_port
        Port of the NDIF API (free port by default).
    """

    def __init__(
        self, venv: Path | str = DEFAULT_VENV, workdir: Path | str | None = None, api_port: int = 0
    ) -> None:
        self.venv = Path(venv)
        self.python = self.venv / "bin" / "python"
        # short path: Ray's unix sockets live under it (108-byte limit)
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="iwm-ndif-"))
        self.api_port = api_port or free_port()
        self.redis_port = free_port()
        self.gcs_port = free_port()
        self.client_port = free_port()
        self.dashboard_port = free_port()  # NDIF's controller lists nodes through it
        self.url = f"http://127.0.0.1:{self.api_port}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.sids: set[int] = set()
        self.timings: dict[str, float] = {}
        self.env = self._env()

    # ---- environment ---------------------------------------------------------
    def _env(self) -> dict[str, str]:
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
        env = {k: os.environ[k] for k in keep if k in os.environ}
        env.update(
            {
                "PATH": f"{self.venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
                "PYTHONPATH": str(HERE),  # iwm_cpu_actor, for Ray's workers
                "NDIF_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/",
                "NDIF_RAY_ADDRESS": f"ray://127.0.0.1:{self.client_port}",
                "NDIF_API_PORT": str(self.api_port),
                "NDIF_API_URL": self.url,
                "NDIF_DEFAULT_MODEL_ACTOR_CLASS": ACTOR_CLASS,
                "NDIF_DEFAULT_DTYPE": "float32",
                "NDIF_MINIMUM_DEPLOYMENT_TIME_SECONDS": "0",
                "NDIF_HOME": str(self.workdir / "home"),
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "HF_HOME": str(self.workdir / "hf"),
                "GRPC_ENABLE_FORK_SUPPORT": "0",
                "RAY_USAGE_STATS_ENABLED": "0",
                "RAY_DISABLE_DOCKER_CPU_WARNING": "1",
                "OMP_NUM_THREADS": "1",
                "TOKENIZERS_PARALLELISM": "false",
            }
        )
        return env

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "ab")
        p = subprocess.Popen(
            args,
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.procs.append(p)
        self.sids.add(p.pid)
        return p

    def _run(self, name: str, args: list[str], timeout: float) -> None:
        p = self._spawn(name, args)
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise StackError(
                f"{name} did not finish in {timeout:.0f}s; {self.tail(name)}"
            ) from None
        if rc:
            raise StackError(f"{name} exited with {rc}; {self.tail(name)}")

    def tail(self, name: str, n: int = 15) -> str:
        try:
            lines = (self.workdir / f"{name}.log").read_text(errors="replace").splitlines()
        except OSError:
            return f"(no {name} log)"
        return f"last lines of {self.workdir / (name + '.log')}:\n" + "\n".join(lines[-n:])

    # ---- lifecycle -----------------------------------------------------------
    def start(self, timeout: float = 120.0) -> LocalNDIF:
        """Start Redis, Ray, the controller and the API; return when the API answers."""
        if not self.python.exists():
            raise StackError(f"no NDIF venv at {self.venv}; run scripts/ndif/install.sh")
        redis = shutil.which("redis-server")
        if redis is None:
            raise StackError("redis-server not found; run scripts/ndif/install.sh")
        (self.workdir / "home").mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        deadline = time.monotonic() + timeout
        try:
            self._spawn(
                "redis",
                [redis, "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "",
                 "--appendonly", "no", "--dir", str(self.workdir)],
            )  # fmt: skip
            self._wait_port(self.redis_port, deadline, "redis")
            total = _total_memory()
            resources = {"head": 10, "cuda_memory_bytes": 8 << 30, "cpu_memory_bytes": total}
            self._run(
                "ray",
                [str(self.venv / "bin" / "ray"), "start", "--head",
                 "--node-ip-address=127.0.0.1", f"--port={self.gcs_port}",
                 f"--ray-client-server-port={self.client_port}",
                 "--include-dashboard=true", "--dashboard-host=127.0.0.1",
                 f"--dashboard-port={self.dashboard_port}",
                 "--num-cpus=4", "--num-gpus=1", f"--resources={json.dumps(resources)}",
                 f"--temp-dir={self.workdir / 'ray'}", "--disable-usage-stats"],
                timeout=max(deadline - time.monotonic(), 1),
            )  # fmt: skip
            self._wait_port(self.client_port, deadline, "ray client server")
            self.env["RAY_ADDRESS"] = f"127.0.0.1:{self.gcs_port}"
            self._run(
                "controller",
                [str(self.python), "-m", "ndif.services.ray.deployments.controller.controller"],
                timeout=max(deadline - time.monotonic(), 1),
            )
            del self.env["RAY_ADDRESS"]
            self._spawn(
                "api",
                [str(self.venv / "bin" / "gunicorn"), "--config",
                 "python:ndif.services.api.gunicorn_conf", "--bind",
                 f"127.0.0.1:{self.api_port}", "ndif.services.api.app:app"],
            )  # fmt: skip
            self._wait_http(self.url + "/ping", deadline, "api")
        except BaseException:
            self.stop()
            raise
        self.timings["start_s"] = time.perf_counter() - t0
        return self

    def deploy(self, model_dir: Path | str, timeout: float = 180.0) -> str:
        """Deploy a local Hugging Face directory; return its NDIF model key."""
        t0 = time.perf_counter()
        out = self.workdir / "deploy.json"
        self._run(
            "deploy",
            [str(self.python), str(HERE / "deploy_model.py"), str(Path(model_dir).resolve()),
             str(out)],
            timeout=timeout,
        )  # fmt: skip
        info = json.loads(out.read_text())
        if info.get("status") != "READY":
            raise StackError(f"deploy of {model_dir} failed: {info}; {self.tail('deploy')}")
        self.timings["deploy_s"] = time.perf_counter() - t0
        return str(info["model_key"])

    def stop(self) -> None:
        """End every process this stack started (by pid), then remove its temp files."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = _pids_in_sessions(self.sids)
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            end = time.monotonic() + 10
            while pids and time.monotonic() < end:
                for p in self.procs:
                    p.poll()  # reap our direct children
                pids = [p for p in pids if _alive(p)]
                time.sleep(0.1)
            if not pids:
                break
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.procs.clear()

    def running_pids(self) -> list[int]:
        return [p for p in _pids_in_sessions(self.sids) if _alive(p)]

    # ---- waiting -------------------------------------------------------------
    def _check_alive(self, what: str) -> None:
        for p in self.procs:
            if p.poll() not in (None, 0):
                raise StackError(f"{what}: a service exited early ({p.args[0]})")

    def _wait_port(self, port: int, deadline: float, what: str) -> None:
        while time.monotonic() < deadline:
            self._check_alive(what)
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise StackError(f"{what} did not open 127.0.0.1:{port} in time")

    def _wait_http(self, url: str, deadline: float, what: str) -> None:
        err: Exception | None = None
        while time.monotonic() < deadline:
            self._check_alive(what)
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return
            except Exception as e:
                err = e
            time.sleep(0.3)
        raise StackError(f"{what} did not answer {url} in time ({err}); {self.tail(what)}")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _total_memory() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 8 << 30


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("command", choices=["up"])
    ap.add_argument("--model", action="append", default=[], help="local HF directory to deploy")
    ap.add_argument("--port", type=int, default=8001, help="API port on 127.0.0.1")
    ap.add_argument("--venv", default=str(DEFAULT_VENV))
    args = ap.parse_args()
    stack = LocalNDIF(args.venv, api_port=args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        stack.start()
        print(f"NDIF up at {stack.url} in {stack.timings['start_s']:.1f}s", flush=True)
        for m in args.model:
            key = stack.deploy(m)
            print(f"deployed {m} as {key} in {stack.timings['deploy_s']:.1f}s", flush=True)
        print(f'use: iwm.load(DIR, remote="{stack.url}")   (Ctrl-C stops the stack)', flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
        print("NDIF stopped", flush=True)


if __name__ == "__main__":
    main()
