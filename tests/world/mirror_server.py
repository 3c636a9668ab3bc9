"""HTTP server for the package mirror tree, answering AWS's bucket paths for every region.

``python -m tests.world.mirror_server --root DIR --host 127.0.0.1 [--host GATEWAY] --port 0``
prints ``MIRROR_URL=http://HOST:PORT`` (first host) and serves until SIGTERM.

``/amazon-ssm-<region>/...`` and ``/amazon-ecs-agent-<region>/...`` are served for every region
botocore lists (the regions the emulator serves), from one region-neutral tree; a bucket of a
region no partition has (a typo such as ``us-eest-1``) is missing, as at S3. Besides the buckets,
only the test signing key is served.

GET and HEAD answer one byte range as S3 does (``Range: bytes=a-b``, ``bytes=a-``, ``bytes=-n``):
206 with ``Content-Range``, 416 for a range past the end; a header with several ranges or another
unit is ignored (the whole file, 200). Every file answer says ``Accept-Ranges: bytes``.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
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
SINGLE_RANGE = re.compile(r"^bytes=(?P<first>\d*)-(?P<last>\d*)$")


class UnsatisfiableRange(Exception):
    pass


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single range, both included; None to answer with the whole file.

    Raises UnsatisfiableRange for a range that starts past the end (S3: 416 InvalidRange).
    """
    match = SINGLE_RANGE.match((header or "").strip())
    if match is None or not (match["first"] or match["last"]):
        return None
    if not match["first"]:  # bytes=-n: the last n bytes
        suffix = int(match["last"])
        if suffix == 0 or size == 0:
            raise UnsatisfiableRange
        return max(size - suffix, 0), size - 1
    first = int(match["first"])
    if match["last"] and int(match["last"]) < first:
        return None  # not a valid range: ignored, as RFC 9110 says
    if first >= size:
        raise UnsatisfiableRange
    last = min(int(match["last"]), size - 1) if match["last"] else size - 1
    return first, last


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
        path = self.translate_path(self.path)
        if "Range" in self.headers and os.path.isfile(path):
            return self._send_range(path)
        return super().send_head()

    def _send_range(self, path: str):
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            try:
                span = byte_range(self.headers["Range"], size)
            except UnsatisfiableRange:
                body = b"InvalidRange: The requested range is not satisfiable\n"
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                return io.BytesIO(body)
            if span is None:
                return super().send_head()
            first, last = span
            handle.seek(first)
            # The mirror's files are small packages: the slice is read whole.
            data = handle.read(last - first + 1)
            modified = os.fstat(handle.fileno()).st_mtime
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Last-Modified", self.date_time_string(modified))
        self.end_headers()
        return io.BytesIO(data)

    def send_response(self, code, message=None):
        super().send_response(code, message)
        if code in (200, 206):  # only files are answered with these here, as S3 answers objects
            self.send_header("Accept-Ranges", "bytes")

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
