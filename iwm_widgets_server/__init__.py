"""Jupyter server extension of iwm_widgets: kernel websockets without Nagle's delay.

Every widget update reaches the page over the kernel's websocket, which tornado opens
with Nagle's algorithm on (``TCP_NODELAY`` off) and jupyter_server leaves that way. A
kernel's reply is a burst of small messages (``status: busy``, the update, ``status:
idle``): Nagle holds the second one back until the first is acknowledged, and the
browser acknowledges late (Linux's delayed-ACK minimum is 40 ms). Measured here, on
loopback, for an empty widget message and its reply: 46 ms round trip without this
extension, 7 ms with it (``benchmarks/bench_dials_browser.py`` splits the drag's way
back). The extension sets ``TCP_NODELAY`` on each kernel websocket as it opens; it
changes nothing else. Installed and enabled with the package
(``etc/jupyter/jupyter_server_config.d/iwm_widgets_server.json``);
``jupyter server extension disable iwm_widgets_server`` turns it off.

A module of its own, outside ``iwm_widgets``: the server imports it at start-up, and
``iwm_widgets`` would import torch into the server process.
"""

from __future__ import annotations

from typing import Any

__all__ = ["nodelay_connection_class"]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "iwm_widgets_server"}]


def nodelay_connection_class(base: type) -> type:
    """A subclass of the kernel websocket connection class ``base`` whose ``connect``
    first turns Nagle's algorithm off on the handler's websocket."""
    if getattr(base, "_iwm_nodelay", False):
        return base

    class NoDelay(base):  # type: ignore[misc, valid-type]
        _iwm_nodelay = True

        async def connect(self) -> Any:
            handler = getattr(self, "websocket_handler", None)
            if handler is not None and getattr(handler, "ws_connection", None) is not None:
                try:
                    handler.set_nodelay(True)
                except Exception as e:  # a closed stream: nothing to speed up
                    handler.log.debug("iwm_widgets_server: TCP_NODELAY not set: %s", e)
            res = super().connect()
            if hasattr(res, "__await__"):
                res = await res
            return res

    NoDelay.__name__ = NoDelay.__qualname__ = f"NoDelay{base.__name__}"
    NoDelay.__module__ = __name__
    return NoDelay


def _load_jupyter_server_extension(serverapp: Any) -> None:
    settings = serverapp.web_app.settings
    base = settings.get("kernel_websocket_connection_class")
    if base is None:
        base = serverapp.kernel_websocket_connection_class
    settings["kernel_websocket_connection_class"] = nodelay_connection_class(base)
    serverapp.log.info(
        "iwm_widgets_server: kernel websockets open with TCP_NODELAY (%s)", base.__name__
    )


# jupyter_server < 2 and notebook's server look for the old name
load_jupyter_server_extension = _load_jupyter_server_extension
