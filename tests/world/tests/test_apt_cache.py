"""The world's apt cache: what it keeps, that a kept file is whole and right, and that it proxies nothing else.

A stand-in Debian mirror on loopback plays the upstream, so these tests need no network.
"""

import hashlib
import http.client
import os
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.world import apt_cache, apt_cache_server

DEB = b"!<arch>\n" + os.urandom(300_000)
PACKAGES = b"Package: docker.io\n" * 1000
PACKAGES_SHA256 = hashlib.sha256(PACKAGES).hexdigest()


class FakeMirror(BaseHTTPRequestHandler):
    """Debian's layout: an InRelease that changes, a pool file, a by-hash index; counts what it served."""

    protocol_version = "HTTP/1.1"
    served: list
    release = b"Release 1\n"
    wrong_length = False

    def do_GET(self):
        self.served.append((self.path, self.headers.get("Range")))
        files = {
            "/debian/dists/bookworm/InRelease": self.release,
            "/debian/pool/main/d/docker.io/docker.io_1_amd64.deb": DEB,
            f"/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/{PACKAGES_SHA256}": PACKAGES,
            # By its URL it would be PACKAGES: a mirror answering other bytes must not poison the store.
            f"/debian/dists/trixie/main/binary-amd64/by-hash/SHA256/{PACKAGES_SHA256[::-1]}": PACKAGES,
        }
        body = files.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) + (1 if self.wrong_length else 0)))
        self.end_headers()
        self.wfile.write(body)
        if self.wrong_length:
            self.close_connection = True  # the body is one byte short of what was announced

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror():
    handler = type("Mirror", (FakeMirror,), {"served": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handler.base = f"http://127.0.0.1:{server.server_address[1]}/debian"
    yield handler
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(tmp_path, mirror):
    store = apt_cache.Store(tmp_path / "store")
    (server,) = apt_cache_server.make_servers(store, [mirror.base], ["127.0.0.1"], 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{server.server_address[1]}"})
    )
    opener.store = store
    yield opener
    server.shutdown()
    server.server_close()


def _get(opener, url, headers=None):
    with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as answer:
        return answer.read(), answer.headers.get("X-Cache")


def test_only_files_that_never_change_under_their_url_are_kept():
    deb = apt_cache.entry_for("http://deb.debian.org/debian/pool/main/d/docker.io/docker.io_20.10%2bdfsg_amd64.deb")
    assert deb.relative == "deb/deb.debian.org/debian/pool/main/d/docker.io/docker.io_20.10+dfsg_amd64.deb"
    assert deb.sha256 is None
    digest = "a" * 64
    index = apt_cache.entry_for(f"http://deb.debian.org/debian/dists/trixie/main/binary-arm64/by-hash/SHA256/{digest}")
    assert (index.relative, index.sha256) == (f"sha256/{digest}", digest)
    for url in (
        "http://deb.debian.org/debian/dists/bookworm/InRelease",
        "http://deb.debian.org/debian/dists/bookworm/Release",
        "http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages.xz",
        "http://deb.debian.org/debian/pool/main/d/docker.io/docker.io_1.dsc",
        "http://deb.debian.org/debian/pool/main/d/x.deb?version=2",
        "http://deb.debian.org/debian/pool/main/../../../../etc/x.deb",
        "http://deb.debian.org/debian/pool/main//x.deb",
        "https://deb.debian.org/debian/pool/main/d/docker.io/docker.io_1_amd64.deb",
        f"http://deb.debian.org/debian/dists/bookworm/by-hash/SHA256/{digest}/../../x.deb",
    ):
        assert apt_cache.entry_for(url) is None, url


def test_a_package_is_fetched_once_then_served_from_the_store(proxy, mirror):
    url = f"{mirror.base}/pool/main/d/docker.io/docker.io_1_amd64.deb"
    assert _get(proxy, url) == (DEB, "MISS")
    assert _get(proxy, url) == (DEB, "HIT")
    assert [path for path, _ in mirror.served].count("/debian/pool/main/d/docker.io/docker.io_1_amd64.deb") == 1
    kept = proxy.store.directory / "deb/127.0.0.1/debian/pool/main/d/docker.io/docker.io_1_amd64.deb"
    assert kept.read_bytes() == DEB
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]  # no temporary file left


def test_a_kept_file_is_asked_for_whole_even_when_apt_asks_for_a_part(proxy, mirror):
    url = f"{mirror.base}/pool/main/d/docker.io/docker.io_1_amd64.deb"
    assert _get(proxy, url, {"Range": "bytes=100-"}) == (DEB, "MISS")
    assert mirror.served == [("/debian/pool/main/d/docker.io/docker.io_1_amd64.deb", None)]


def test_release_files_always_come_from_the_mirror(proxy, mirror):
    url = f"{mirror.base}/dists/bookworm/InRelease"
    assert _get(proxy, url) == (b"Release 1\n", "PASS")
    mirror.release = b"Release 2\n"
    assert _get(proxy, url) == (b"Release 2\n", "PASS")
    assert list((proxy.store.directory).rglob("*InRelease*")) == []


def test_an_index_is_kept_only_when_its_content_matches_the_digest_in_its_url(proxy, mirror):
    good = f"{mirror.base}/dists/bookworm/main/binary-amd64/by-hash/SHA256/{PACKAGES_SHA256}"
    assert _get(proxy, good) == (PACKAGES, "MISS")
    assert _get(proxy, good) == (PACKAGES, "HIT")
    bad = f"{mirror.base}/dists/trixie/main/binary-amd64/by-hash/SHA256/{PACKAGES_SHA256[::-1]}"
    assert _get(proxy, bad) == (PACKAGES, "MISS")  # apt checks the hash and refuses it; the store keeps nothing
    assert _get(proxy, bad) == (PACKAGES, "MISS")
    assert not (proxy.store.directory / f"sha256/{PACKAGES_SHA256[::-1]}").exists()


def test_a_short_download_is_never_kept(proxy, mirror):
    mirror.wrong_length = True
    url = f"{mirror.base}/pool/main/d/docker.io/docker.io_1_amd64.deb"
    with pytest.raises((http.client.HTTPException, OSError)):
        _get(proxy, url)
    mirror.wrong_length = False
    assert _get(proxy, url) == (DEB, "MISS")


def test_errors_pass_through_and_are_not_kept(proxy, mirror):
    url = f"{mirror.base}/pool/main/m/missing/missing_1_amd64.deb"
    for _ in range(2):
        with pytest.raises(urllib.error.HTTPError) as missing:
            _get(proxy, url)
        assert missing.value.code == 404
    assert len(mirror.served) == 2


def test_only_the_mirror_is_proxied(proxy):
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get(proxy, "http://example.invalid/debian/pool/main/x/x/x_1_amd64.deb")
    assert refused.value.code == 403


def test_concurrent_downloads_of_one_url_leave_one_whole_file(tmp_path):
    store = apt_cache.Store(tmp_path / "store")
    entry = apt_cache.Entry("deb/h/pool/x.deb")

    def download(part):
        with store.writer(entry, len(DEB)) as sink:
            for start in range(0, len(DEB), 4096):
                sink.write(DEB[start : start + 4096])
                time.sleep(0)
            sink.keep()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(download, range(8)))
    assert store.path(entry).read_bytes() == DEB
    assert [p.name for p in store.path(entry).parent.iterdir()] == ["x.deb"]


def test_unused_files_and_dead_downloads_are_pruned(tmp_path):
    store = apt_cache.Store(tmp_path / "store")
    used, unused = apt_cache.Entry("deb/h/pool/used.deb"), apt_cache.Entry("deb/h/pool/unused.deb")
    for entry in (used, unused):
        with store.writer(entry, None) as sink:
            sink.write(b"x")
            sink.keep()
    dead = store.path(used).parent / f"{apt_cache.PARTIAL_PREFIX}dead"
    dead.write_bytes(b"x")
    long_ago = time.time() - (apt_cache.UNUSED_DAYS + 1) * 86400
    for path in (store.path(used), store.path(unused), dead):
        os.utime(path, (long_ago, long_ago))
    store.open(used).close()  # a hit marks the file as used
    assert store.prune() == 2
    assert store.path(used).exists()
    assert not store.path(unused).exists()
    assert not dead.exists()


def test_the_cache_can_be_switched_off_or_moved(monkeypatch, tmp_path):
    monkeypatch.delenv(apt_cache.ROOT_ENV, raising=False)
    assert apt_cache.root() == apt_cache.DEFAULT_ROOT
    monkeypatch.setenv(apt_cache.ROOT_ENV, str(tmp_path))
    assert apt_cache.root() == tmp_path
    monkeypatch.setenv(apt_cache.ROOT_ENV, "off")
    assert apt_cache.root() is None


def test_server_refuses_to_bind_all_interfaces_or_cache_an_https_mirror(capsys):
    with pytest.raises(SystemExit):
        apt_cache_server.main(["--upstream", "http://deb.debian.org/debian", "--host", "0.0.0.0"])
    assert "all interfaces" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        apt_cache_server.main(["--upstream", "https://deb.debian.org/debian", "--host", "127.0.0.1"])
    assert "only a plain http://" in capsys.readouterr().err
