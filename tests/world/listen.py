"""The world's HTTP servers listen on loopback and the world network's gateway only, one port for all addresses."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable
from http.server import HTTPServer

ALL_INTERFACES = ("0.0.0.0", "::", "")


def refuse_all_interfaces(parser: argparse.ArgumentParser, hosts: list[str]) -> None:
    if any(host in ALL_INTERFACES for host in hosts):
        parser.error("binding to all interfaces is not allowed; name loopback or the podman gateway")


def bind(make_server: Callable[[tuple[str, int]], HTTPServer], hosts: list[str], port: int) -> list[HTTPServer]:
    """One server per address, all on the same port (the first address picks it when port is 0)."""
    first = make_server((hosts[0], port))
    port = first.server_address[1]
    return [first] + [make_server((host, port)) for host in hosts[1:]]


def serve(servers: list[HTTPServer], url_key: str) -> None:
    """Print ``URL_KEY=http://FIRST_HOST:PORT`` (what ``servers.spawn`` waits for), then serve until SIGTERM."""
    first = servers[0]
    host, port = first.server_address[:2]
    print(f"{url_key}=http://{host}:{port}", flush=True)
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=first.shutdown).start())
    try:
        first.serve_forever()
    except KeyboardInterrupt:
        pass
