"""``./scripts/demo.sh`` starts JupyterLab quietly: no JavaScript dump, no stack trace.

demo.sh installs ``.venv`` and then runs ``scripts/lab.sh``, the server command; this test
runs that command (without a browser, on a free port, with temporary Jupyter runtime and
config folders), loads the lab page and every course notebook through the server, starts
a kernel for one, and reads what the server wrote to stderr.

JupyterLab runs Node on its own bundled files under ``.venv/`` (``yarn config`` on every
page load); a ``"type": "module"`` in the repository's package.json once made Node read
them as ES modules and print ~15 KB of minified JavaScript and a stack trace each time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from notebook_runs import NOTEBOOKS

REPO = Path(__file__).resolve().parents[1]
LAB = REPO / "scripts" / "lab.sh"
START_TIMEOUT = 60.0
# what stderr may never hold: Node's crash output, Python tracebacks, error log lines
NOISE = ("SyntaxError", "Traceback", "Node.js v", "Error: ", "(()=>", "[E ")
TOKEN = "iwm-demo-test"
AUTH = {"Authorization": f"token {TOKEN}"}
# a JavaScript stack frame or a Python traceback frame
FRAME = re.compile(r"^\s+at \S|^\s*File \"")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, method: str = "GET", body: dict | None = None) -> bytes:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=AUTH)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def _kernel_info(url: str) -> dict:
    """What a notebook page does first: connect to its kernel and ask for kernel_info."""
    from tornado.httpclient import HTTPRequest
    from tornado.ioloop import IOLoop
    from tornado.websocket import websocket_connect

    async def ask() -> dict:
        ws = await websocket_connect(HTTPRequest(url.replace("http", "ws", 1), headers=AUTH))
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "session": uuid.uuid4().hex, "username": "test",
                  "msg_type": "kernel_info_request", "version": "5.3"}  # fmt: skip
        ws.write_message(json.dumps({"header": header, "parent_header": {}, "metadata": {},
                                     "content": {}, "channel": "shell"}))  # fmt: skip
        try:
            while True:
                raw = await ws.read_message()
                assert raw is not None, "the kernel's websocket closed"
                msg = json.loads(raw)
                if (
                    msg.get("parent_header", {}).get("msg_id") == msg_id
                    and msg["msg_type"] == "kernel_info_reply"
                ):
                    return dict(msg["content"])
        finally:
            ws.close()

    return IOLoop.current().run_sync(ask, timeout=START_TIMEOUT)


def _noise(stderr: str) -> list[str]:
    """Lines of the server's stderr that are not quiet log lines."""
    bad = []
    for line in stderr.splitlines():
        if not line.strip():
            continue
        if any(k in line for k in NOISE) or len(line) > 600 or FRAME.match(line):
            bad.append(line[:200])
    return bad


@pytest.mark.slow
def test_demo_server_starts_quietly(tmp_path: Path) -> None:
    if not (REPO / ".venv" / "bin" / "jupyter").exists():
        pytest.skip("no .venv with JupyterLab (./scripts/setup-env.sh lab)")
    if shutil.which("node") is None:
        pytest.skip("Node is not installed: JupyterLab runs no Node tooling, nothing to check")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    before = sorted(p.name for p in (REPO / "notebooks").iterdir())
    err_path = tmp_path / "stderr"
    with err_path.open("wb") as err:
        proc = subprocess.Popen(
            [
                str(LAB), "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={TOKEN}",
            ],
            stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=tmp_path,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert proc.poll() is None, f"the server exited:\n{err_path.read_text()[-3000:]}"
            try:
                _get(f"{url}/api/status")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.25)
        assert b"JupyterLab" in _get(f"{url}/lab")
        _get(f"{url}/lab/api/build")
        for nb in NOTEBOOKS:  # what a browser asks for when it opens each notebook
            _get(f"{url}/lab/tree/{nb.name}")
            _get(f"{url}/api/contents/{nb.name}?content=1")
        session = json.loads(
            _get(
                f"{url}/api/sessions",
                "POST",
                {"path": NOTEBOOKS[0].name, "type": "notebook", "kernel": {"name": "python3"}},
            )
        )
        assert _kernel_info(f"{url}/api/kernels/{session['kernel']['id']}/channels")
        _get(f"{url}/api/sessions/{session['id']}", "DELETE")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    stderr = err_path.read_text(errors="replace")
    bad = _noise(stderr)
    assert not bad, f"JupyterLab's startup is noisy ({len(stderr):,} bytes):\n" + "\n".join(
        bad[:20]
    )
    assert sorted(p.name for p in (REPO / "notebooks").iterdir()) == before
