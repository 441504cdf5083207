"""The Jupyter server extension: kernel websockets open with ``TCP_NODELAY``.

A real ``jupyter server`` (the package's own config, as installed, enables the
extension), a real kernel and a real websocket client on loopback. What the server's
socket for that websocket has set is read inside the server process by a test-only
config file (``getsockopt`` on the accepted socket, after the handler opened), and the
same server with the extension disabled is the control: stock jupyter_server leaves
Nagle's algorithm on (that control is what makes the widget round trip 46 ms instead
of 7 ms, ``iwm_widgets_server``'s docstring).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

# Test-only: after a kernel websocket opened, write the accepted socket's TCP_NODELAY.
RECORD = """
import socket
from pathlib import Path
from jupyter_server.services.kernels import websocket as _kw

_open = _kw.KernelWebsocketHandler.open

async def _recorded(self, *args, **kwargs):
    await _open(self, *args, **kwargs)
    sock = self.ws_connection.stream.socket
    Path({out!r}).write_text(str(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))

_kw.KernelWebsocketHandler.open = _recorded
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


TOKEN = "iwm-test-token"


def _api(url: str, method: str = "GET") -> Any:
    req = urllib.request.Request(
        url,
        method=method,
        data=b"{}" if method == "POST" else None,
        headers={"Authorization": f"token {TOKEN}"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        body = r.read()
    return json.loads(body) if body else None


def _nodelay_of_a_kernel_websocket(tmp: Path, enabled: bool) -> tuple[int, str]:
    """Start a server (extension ``enabled`` or not), open one kernel websocket, return
    the server-side socket's TCP_NODELAY and the server log."""
    config, out = tmp / "config", tmp / "nodelay.txt"
    config.mkdir(parents=True)
    text = RECORD.format(out=str(out))
    if not enabled:
        text += '\nc.ServerApp.jpserver_extensions = {"iwm_widgets_server": False}\n'
    (config / "jupyter_server_config.py").write_text(text)
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "IPYTHONDIR": str(tmp / "ipython"),
    }
    cmd = [
        sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root",
        f"--IdentityProvider.token={TOKEN}", "--ServerApp.password=", "--ip", "127.0.0.1",
        "--port", str(port), "--ServerApp.port_retries=0", f"--ServerApp.root_dir={tmp}",
    ]  # fmt: skip
    log = tmp / "server.log"
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=tmp)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                _api(f"{url}/api/status")
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        kernel = _api(f"{url}/api/kernels", method="POST")

        async def connect() -> None:
            from tornado.websocket import websocket_connect

            path = f"/api/kernels/{kernel['id']}/channels?token={TOKEN}"
            ws = await websocket_connect(f"ws://127.0.0.1:{port}{path}")
            try:
                for _ in range(600):  # the server opens once the kernel answered
                    if out.exists():
                        return
                    await asyncio.sleep(0.05)
            finally:
                ws.close()

        asyncio.run(connect())
        assert out.exists(), log.read_text()
        return int(out.read_text()), log.read_text()
    finally:
        try:
            for k in _api(f"{url}/api/kernels") or []:
                _api(f"{url}/api/kernels/{k['id']}", method="DELETE")
        except OSError:
            pass
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_package_enables_the_extension(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "jupyter", "server", "extension", "list"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path)},  # no user config
    )
    text = res.stdout + res.stderr
    lines = [line for line in text.splitlines() if "iwm_widgets_server" in line]
    assert any("enabled" in line for line in lines), text
    assert any("OK" in line for line in lines), text


def test_kernel_websockets_open_without_nagle(tmp_path: Path) -> None:
    on, log = _nodelay_of_a_kernel_websocket(tmp_path / "on", enabled=True)
    assert on == 1, log
    assert "kernel websockets open with TCP_NODELAY" in log
    # the control: the same server without the extension leaves Nagle's algorithm on
    off, log = _nodelay_of_a_kernel_websocket(tmp_path / "off", enabled=False)
    assert off == 0, log
    assert "kernel websockets open with TCP_NODELAY" not in log


def test_the_connection_class_is_wrapped_once() -> None:
    from jupyter_server.services.kernels.connection.channels import (
        ZMQChannelsWebsocketConnection,
    )

    from iwm_widgets_server import nodelay_connection_class

    once = nodelay_connection_class(ZMQChannelsWebsocketConnection)
    assert issubclass(once, ZMQChannelsWebsocketConnection)
    assert nodelay_connection_class(once) is once  # a second load wraps nothing more
