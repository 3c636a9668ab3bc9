"""The world's caching HTTP proxy for Debian's mirror: the hosts' apt fetches through it.

``python -m tests.world.apt_cache_server --upstream http://deb.debian.org/debian --host 127.0.0.1
[--host GATEWAY] --port 0 [--cache-dir DIR]`` prints ``APT_CACHE_URL=http://HOST:PORT`` (first host)
and serves until SIGTERM.

apt on a host still resolves, downloads and verifies every file itself; this proxy only answers a
``.deb`` or a by-hash index file from the machine-wide store (``apt_cache.py``) when an earlier
download, by any world, left it there. Everything else goes to Debian's mirror as it is. Only the
upstream mirror's host is proxied: any other destination is refused.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.world import apt_cache, listen

HEALTH_PATH = "/_apt_cache/health"
# Hop-by-hop headers (RFC 9110 7.6.1) and the proxy's own: never passed on.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}
# A download to keep is asked for whole, whatever the host's apt asked for.
PARTIAL_OR_CONDITIONAL = {"range", "if-range", "if-modified-since", "if-none-match", "if-unmodified-since"}
UPSTREAM_TIMEOUT = 60
CHUNK = 256 * 1024


class AptCacheHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and pipelining, as apt uses them

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        self._started = time.monotonic()
        if self.path == HEALTH_PATH:
            self._plain(200, "ok\n", body)
            return
        target = urlsplit(self.path)
        if target.scheme != "http" or (target.hostname or "").lower() not in self.server.upstream_hosts:
            self._plain(403, f"only {', '.join(sorted(self.server.upstream_hosts))} is proxied here\n", body)
            return
        entry = apt_cache.entry_for(self.path)
        kept = self.server.store.open(entry) if entry else None
        if kept:
            with kept:
                self._send_kept(kept, body)
            return
        self._forward(target, entry if body else None, body)

    def _send_kept(self, kept, body: bool) -> None:
        size = Path(kept.name).stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.send_header("X-Cache", "HIT")
        self.end_headers()
        if body:
            shutil.copyfileobj(kept, self.wfile, CHUNK)
        self._note("HIT", size)

    def _forward(self, target, entry: apt_cache.Entry | None, body: bool) -> None:
        headers = {
            name: value
            for name, value in self.headers.items()
            if name.lower() not in HOP_BY_HOP and not (entry and name.lower() in PARTIAL_OR_CONDITIONAL)
        }
        path = target.path + (f"?{target.query}" if target.query else "")
        try:
            answer = self._request(target, path, headers)
        except (OSError, http.client.HTTPException) as error:
            self._drop_upstream()
            self._plain(502, f"Debian's mirror did not answer: {error}\n", body)
            return
        length = answer.getheader("Content-Length")
        no_body = not body or answer.status in (204, 304) or 100 <= answer.status < 200
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        if length is None and not no_body:
            self.close_connection = True  # the body ends when the connection does
        self.send_header("X-Cache", "MISS" if entry else "PASS")
        self.end_headers()
        if no_body:
            answer.read()
            self._note("PASS", 0, answer.status)
            return
        if entry and answer.status == 200:
            # The last chunk goes to apt only once the file is in the store: a request that follows
            # at once (apt's next, or a test's) finds it there.
            with self.server.store.writer(entry, int(length) if length else None) as download:
                size, last = self._relay(answer, download, hold_last=True)
                download.keep()
            self.wfile.write(last)
            self._note("MISS", size)
        else:
            size, _ = self._relay(answer, None)
            self._note("PASS", size, answer.status)
        if length and size != int(length):
            self.close_connection = True  # the mirror cut the body short: so does apt's connection, at once
        if answer.will_close:
            self._drop_upstream()

    def _relay(
        self, answer: http.client.HTTPResponse, download: apt_cache.Download | None, hold_last: bool = False
    ) -> tuple[int, bytes]:
        """Relay the body to apt (and into ``download``); with ``hold_last``, the last chunk is returned unsent."""
        size, held = 0, b""
        while chunk := answer.read1(CHUNK):
            if download:
                download.write(chunk)
            size += len(chunk)
            if held:
                self.wfile.write(held)
            held = chunk
        if not hold_last:
            self.wfile.write(held)
            held = b""
        return size, held

    def _request(self, target, path: str, headers: dict) -> http.client.HTTPResponse:
        """GET and HEAD are safe to repeat: a kept-alive connection the mirror has closed is retried on a new one."""
        reused = getattr(self, "_connection", None) is not None
        try:
            return self._send(target, path, headers)
        except (OSError, http.client.HTTPException):
            self._drop_upstream()
            if not reused:
                raise
        return self._send(target, path, headers)

    def _send(self, target, path: str, headers: dict) -> http.client.HTTPResponse:
        upstream = self._upstream(target)
        upstream.request(self.command, path, headers=headers)
        return upstream.getresponse()

    def _upstream(self, target) -> http.client.HTTPConnection:
        """One kept-alive connection to the mirror per host connection, as apt itself would hold."""
        key = (target.hostname, target.port or 80)
        connection = getattr(self, "_connection", None)
        if connection is None or getattr(self, "_connection_key", None) != key:
            self._drop_upstream()
            connection = http.client.HTTPConnection(*key, timeout=UPSTREAM_TIMEOUT)
            self._connection, self._connection_key = connection, key
        return connection

    def _drop_upstream(self) -> None:
        connection = getattr(self, "_connection", None)
        if connection is not None:
            connection.close()
        self._connection = None

    def finish(self) -> None:
        self._drop_upstream()
        super().finish()

    def _plain(self, status: int, text: str, body: bool) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _note(self, outcome: str, size: int, status: int = 200) -> None:
        # One line per answer: HIT (from the store), MISS (fetched and kept), PASS (fetched, never kept), seconds.
        seconds = time.monotonic() - self._started
        sys.stderr.write(
            f"{self.address_string()} {outcome} {status} {size} {seconds:.3f} {self.command} {self.path}\n"
        )

    def log_message(self, fmt, *args):
        pass  # _note logs every answer once, with its outcome


class AptCacheServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, store: apt_cache.Store, upstream_hosts: set[str]) -> None:
        super().__init__(address, AptCacheHandler)
        self.store = store
        self.upstream_hosts = upstream_hosts


def upstream_host(mirror: str) -> str:
    parts = urlsplit(mirror)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"{mirror}: only a plain http:// mirror can be cached (apt would tunnel https)")
    return parts.hostname.lower()


def make_servers(store: apt_cache.Store, upstreams: list[str], hosts: list[str], port: int) -> list[AptCacheServer]:
    """One server per address, all on the same port (the first address picks it when port is 0)."""
    allowed = {upstream_host(mirror) for mirror in upstreams}
    return listen.bind(lambda address: AptCacheServer(address, store, allowed), hosts, port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.world.apt_cache_server")
    parser.add_argument("--upstream", action="append", required=True, help="Debian mirror URL (repeatable)")
    parser.add_argument("--host", action="append", required=True, help="address to bind (repeatable; never 0.0.0.0)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help=f"default: ${apt_cache.ROOT_ENV} or {apt_cache.DEFAULT_ROOT}"
    )
    args = parser.parse_args(argv)
    listen.refuse_all_interfaces(parser, args.host)
    try:
        for mirror in args.upstream:
            upstream_host(mirror)
    except ValueError as error:
        parser.error(str(error))
    directory = args.cache_dir or apt_cache.root()
    if directory is None:
        parser.error(f"${apt_cache.ROOT_ENV} is off: name a --cache-dir")
    store = apt_cache.Store(directory)
    store.directory.mkdir(parents=True, exist_ok=True)
    print(f"store {store.directory}: {store.prune()} unused files removed", file=sys.stderr, flush=True)
    listen.serve(make_servers(store, args.upstream, args.host, args.port), "APT_CACHE_URL")


if __name__ == "__main__":
    main()
