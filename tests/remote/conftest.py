"""A real NDIF stack on loopback, started once for the remote tests.

The stack (Redis, Ray, NDIF's controller and API; scripts/ndif/stack.py) runs inside a
network namespace that has only ``lo`` when this process may create one (root, or
CAP_SYS_ADMIN): the test process moves its main thread into a new namespace for the
duration of the remote tests, starts everything there, and moves back at the end. Where
that is not allowed, it runs on the host's 127.0.0.1 and says so.

When the stack cannot start, every remote test fails with the reason (they are never
skipped): run ``scripts/ndif/install.sh`` first.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts" / "ndif"))

from stack import LocalNDIF  # noqa: E402

CLONE_NEWNET = 0x40000000


class _NetNS:
    """Move this thread (and the threads and processes it starts) into a lo-only netns."""

    def __init__(self) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.home: int | None = None
        self.reason = ""

    def enter(self) -> bool:
        if sys.platform != "linux":
            self.reason = "not Linux"
            return False
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        if self.libc.unshare(CLONE_NEWNET) != 0:
            self.reason = os.strerror(ctypes.get_errno())
            os.close(home)
            return False
        self.home = home
        r = subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True, timeout=10)
        if r.returncode != 0:
            self.leave()
            self.reason = f"ip link set lo up: {r.stderr.decode().strip()}"
            return False
        return True

    def leave(self) -> None:
        if self.home is not None:
            self.libc.setns(self.home, CLONE_NEWNET)
            os.close(self.home)
            self.home = None


@pytest.fixture(scope="package")
def ndif(gpt2_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """{url, model_dir, other_dir, stack}: a running NDIF serving ``gpt2_dir``."""
    ns = _NetNS()
    isolated = ns.enter()
    where = "a network namespace with only lo" if isolated else f"host loopback ({ns.reason})"
    print(f"\n[ndif] starting a local NDIF stack in {where}", flush=True)
    stack = LocalNDIF(workdir=tmp_path_factory.mktemp("ndif", numbered=True))
    try:
        stack.start(timeout=180)
        stack.deploy(gpt2_dir, timeout=240)
    except Exception as e:
        stack.stop()
        ns.leave()
        pytest.fail(
            f"the local NDIF stack could not start ({type(e).__name__}: {e}); "
            "install it with scripts/ndif/install.sh",
            pytrace=False,
        )
    print(
        f"[ndif] up at {stack.url}: start {stack.timings['start_s']:.1f}s, "
        f"deploy {stack.timings['deploy_s']:.1f}s",
        flush=True,
    )
    try:
        yield {"url": stack.url, "stack": stack, "isolated": isolated}
    finally:
        stack.stop()
        left = stack.running_pids()
        ns.leave()
        assert not left, f"NDIF processes still running: {left}"


@pytest.fixture(scope="package")
def remote_model(ndif: dict[str, Any], gpt2_dir: Path) -> Any:
    import iwm_widgets as iwm

    return iwm.load(gpt2_dir, remote=ndif["url"], timeout=60)


@pytest.fixture(scope="package")
def local_model(gpt2_dir: Path) -> Any:
    import iwm_widgets as iwm

    return iwm.load(gpt2_dir)


def wait_until(cond: Any, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("condition not met in time")
        time.sleep(0.02)
