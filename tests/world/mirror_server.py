"""HTTP server for the package mirror tree, answering AWS's bucket paths for every region.

``python -m tests.world.mirror_server --root DIR --host 127.0.0.1 [--host GATEWAY] --port 0``
prints ``MIRROR_URL=http://HOST:PORT`` (first host) and serves until SIGTERM.

``/amazon-ssm-<region>/...`` and ``/amazon-ecs-agent-<region>/...`` are served for every region
botocore lists (the regions the emulator serves), from one region-neutral tree; a bucket of a
region no partition has (a typo such as ``us-eest-1``) is missing, as at S3. Besides the buckets,
only the test signing key is served.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from tests.emulator.regions import partition_of
from tests.world import listen

# /amazon-ssm-<region>/... and /amazon-ecs-agent-<region>/... -> the region-neutral tree.
BUCKET_PATH = re.compile(r"^/(?P<bucket>amazon-ssm|amazon-ecs-agent)-(?P<region>[a-z0-9-]+)(?P<key>/.*)$")
TREE_OF_BUCKET = {"amazon-ssm": "/ssm", "amazon-ecs-agent": "/ecs"}
OUTSIDE_BUCKETS = frozenset({"/mirror-key.asc", "/mirror-key.fingerprint"})


def tree_path(request_path: str) -> str | None:
    """The path in the mirror tree a request names; None for one no bucket of a listed region holds."""
    path = unquote(request_path.split("?", 1)[0].split("#", 1)[0])
    if ".." in path.split("/"):
        return None
    if path in OUTSIDE_BUCKETS:
        return path
    match = BUCKET_PATH.match(path)
    if match is None or partition_of(match["region"]) is None:
        return None
    return TREE_OF_BUCKET[match["bucket"]] + match["key"]


class MirrorHandler(SimpleHTTPRequestHandler):
    def send_head(self):
        if tree_path(self.path) is None:
            self.send_error(404, "no such bucket or key")  # S3: NoSuchBucket / NoSuchKey
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        return super().translate_path(tree_path(path) or path)

    def list_directory(self, path):
        self.send_error(403, "no directory listings")  # as an S3 bucket without ListBucket

    def log_message(self, fmt, *args):
        sys.stderr.write(f"{self.address_string()} {fmt % args}\n")


def make_servers(root: str, hosts: list[str], port: int) -> list[ThreadingHTTPServer]:
    """One server per address, all on the same port (the first address picks it when port is 0)."""
    handler = functools.partial(MirrorHandler, directory=root)
    return listen.bind(lambda address: ThreadingHTTPServer(address, handler), hosts, port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.world.mirror_server")
    parser.add_argument("--root", required=True)
    parser.add_argument("--host", action="append", required=True, help="address to bind (repeatable; never 0.0.0.0)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    listen.refuse_all_interfaces(parser, args.host)
    listen.serve(make_servers(args.root, args.host, args.port), "MIRROR_URL")


if __name__ == "__main__":
    main()
