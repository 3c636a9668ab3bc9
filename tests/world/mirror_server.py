"""HTTP server for the package mirror tree, answering AWS's bucket paths for any region.

``python -m tests.world.mirror_server --root DIR --host 127.0.0.1 [--host GATEWAY] --port 0``
prints ``MIRROR_URL=http://HOST:PORT`` (first host) and serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import functools
import re
import signal
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

# /amazon-ssm-<region>/... and /amazon-ecs-agent-<region>/... -> the region-neutral tree.
BUCKETS = (
    (re.compile(r"^/amazon-ssm-[a-z0-9-]+/"), "/ssm/"),
    (re.compile(r"^/amazon-ecs-agent-[a-z0-9-]+/"), "/ecs/"),
)


class MirrorHandler(SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        for pattern, replacement in BUCKETS:
            path = pattern.sub(replacement, path, count=1)
        return super().translate_path(path)

    def list_directory(self, path):
        self.send_error(403, "no directory listings")  # as an S3 bucket without ListBucket

    def log_message(self, fmt, *args):
        sys.stderr.write(f"{self.address_string()} {fmt % args}\n")


def make_servers(root: str, hosts: list[str], port: int) -> list[ThreadingHTTPServer]:
    """One server per address, all on the same port (the first address picks it when port is 0)."""
    handler = functools.partial(MirrorHandler, directory=root)
    first = ThreadingHTTPServer((hosts[0], port), handler)
    port = first.server_address[1]
    return [first] + [ThreadingHTTPServer((host, port), handler) for host in hosts[1:]]


def serve(root: str, hosts: list[str], port: int) -> None:
    servers = make_servers(root, hosts, port)
    first = servers[0]
    print(f"MIRROR_URL=http://{hosts[0]}:{first.server_address[1]}", flush=True)
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=first.shutdown).start())
    try:
        first.serve_forever()
    except KeyboardInterrupt:
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.world.mirror_server")
    parser.add_argument("--root", required=True)
    parser.add_argument("--host", action="append", required=True, help="address to bind (repeatable; never 0.0.0.0)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    if any(h in ("0.0.0.0", "::", "") for h in args.host):
        parser.error("binding to all interfaces is not allowed; name loopback or the podman gateway")
    serve(args.root, args.host, args.port)


if __name__ == "__main__":
    main()
