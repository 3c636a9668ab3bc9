"""The package_version module (plugins/modules/package_version.py) against a local HTTP server."""

import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from ansible.module_utils import basic
from ansible_collections.onprem.ecs_anywhere.plugins.modules import package_version

from tests.unit.package_files import CONTROL, HAS_DPKG_DEB, dpkg_deb, hand_deb, hand_rpm

LARGE_BODY = 64 * 1024 * 1024
PROXY_VARIABLES = ("http_proxy", "https_proxy", "no_proxy", "all_proxy")


class PackageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), PackageHandler)
        self.files = {}  # path: (bytes, honours Range, size the body is padded to)
        self.requests = []
        self.sent = {}  # path: bytes the server wrote before the client closed or it finished
        self.done = threading.Event()

    def url(self, path):
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class PackageHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append((self.requestline, self.headers.get("Range")))
        path = urlsplit(self.path).path  # a proxy is asked for the whole URL
        if path == "/broken":
            self.send_error(500)
            return
        if path not in self.server.files:
            self.send_error(404)
            return
        data, honours_range, size = self.server.files[path]
        size = max(size, len(data))
        wanted = self.headers.get("Range", "")
        if honours_range and wanted.startswith("bytes=0-"):
            last = min(int(wanted[len("bytes=0-") :]), size - 1)
            self.send_response(206)
            self.send_header("Content-Range", f"bytes 0-{last}/{size}")
            length = last + 1
        else:
            self.send_response(200)
            length = size
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.send_body(path, data, length)

    def send_body(self, path, data, length):
        body = data[:length]
        sent = 0
        try:
            self.wfile.write(body)
            sent = len(body)
            zeros = b"\0" * (1024 * 1024)
            while sent < length:
                chunk = zeros[: length - sent]
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.server.sent[path] = sent
            self.server.done.set()


@pytest.fixture
def server():
    httpd = PackageServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def run(monkeypatch, capsys):
    def run_module(**args):
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
        monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
        with pytest.raises(SystemExit):
            package_version.main()
        return json.loads(capsys.readouterr().out)

    return run_module


ECS_INIT = {"package": "amazon-ecs-init", "version": "1.89.2-1", "architecture": "amd64", "format": "deb"}


def test_a_server_with_range_support_sends_only_the_bytes_asked_for(server, run):
    server.files["/amazon-ecs-init-latest.amd64.deb"] = (hand_deb(data=os.urandom(200_000)), True, 0)
    result = run(url=server.url("/amazon-ecs-init-latest.amd64.deb"), max_bytes=4096)
    assert {key: result[key] for key in ECS_INIT} == ECS_INIT
    assert result["ranged"] is True
    assert result["bytes_read"] == 4096
    assert result["changed"] is False
    assert "failed" not in result
    assert server.requests == [("GET /amazon-ecs-init-latest.amd64.deb HTTP/1.1", "bytes=0-4095")]


def test_a_server_without_range_support_is_read_only_up_to_max_bytes(server, run):
    server.files["/amazon-ecs-init-latest.amd64.deb"] = (hand_deb(), False, LARGE_BODY)
    result = run(url=server.url("/amazon-ecs-init-latest.amd64.deb"))
    assert {key: result[key] for key in ECS_INIT} == ECS_INIT
    assert result["ranged"] is False
    assert result["bytes_read"] == 65536
    assert server.requests[0][1] == "bytes=0-65535"
    # The module closed the connection: the server could not send the 64 MiB body.
    assert server.done.wait(20)
    assert server.sent["/amazon-ecs-init-latest.amd64.deb"] < LARGE_BODY


def test_a_file_smaller_than_max_bytes_is_read_whole(server, run):
    deb = hand_deb()
    server.files["/small.deb"] = (deb, True, 0)
    result = run(url=server.url("/small.deb"))
    assert result["bytes_read"] == len(deb)
    assert result["version"] == "1.89.2-1"


@pytest.mark.skipif(not HAS_DPKG_DEB, reason="dpkg-deb is not installed")
def test_a_deb_dpkg_deb_built_is_read_over_http(server, run, tmp_path):
    server.files["/ecs-init.deb"] = (dpkg_deb(tmp_path, "xz", data_size=300_000), True, 0)
    result = run(url=server.url("/ecs-init.deb"))
    assert {key: result[key] for key in ECS_INIT} == ECS_INIT


def test_the_format_comes_from_the_bytes_not_the_urls_suffix(server, run):
    server.files["/amazon-ecs-init-latest.amd64.deb"] = (hand_rpm(epoch=1), True, 0)
    result = run(url=server.url("/amazon-ecs-init-latest.amd64.deb"))
    assert result["format"] == "rpm"
    assert (result["package"], result["version"], result["architecture"]) == ("amazon-ecs-init", "1.89.2-1", "x86_64")
    assert result["epoch"] == 1


def test_control_data_beyond_max_bytes_fails_saying_to_raise_it(server, run):
    # An incompressible maintainer script makes the control member larger than 65536 bytes.
    deb = hand_deb(extra={"postinst": os.urandom(100_000)}, data=os.urandom(10_000))
    server.files["/big-control.deb"] = (deb, True, 0)
    url = server.url("/big-control.deb")
    result = run(url=url)
    assert result["failed"] is True
    assert result["msg"] == (
        f"cannot tell which package {url} holds: the package's control data is not within the first 65536 bytes; "
        "raise max_bytes"
    )
    assert result["bytes_read"] == 65536
    assert run(url=url, max_bytes=262144)["version"] == "1.89.2-1"


def test_a_missing_package_fails_with_the_url_and_404(server, run):
    url = server.url("/amazon-ecs-init-9.9.9.amd64.deb")
    result = run(url=url)
    assert result["failed"] is True
    assert result["msg"] == f"no package at {url} (HTTP 404)"


def test_an_html_page_fails_saying_what_came_instead(server, run):
    server.files["/login"] = (b"<!DOCTYPE html>\n<html><body>Sign in to the proxy</body></html>\n", False, 0)
    result = run(url=server.url("/login"))
    assert result["failed"] is True
    assert result["msg"] == (
        f"cannot tell which package {server.url('/login')} holds: not a .deb or .rpm package; "
        "it starts with b'<!DOCTYPE html>\\n' (an HTML page)"
    )


def test_connection_refused_fails_naming_the_url_and_the_cause(run):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/amazon-ecs-init-latest.amd64.deb"
    result = run(url=url)
    assert result["failed"] is True
    assert result["msg"].startswith(f"could not reach {url}: ")
    assert "Connection refused" in result["msg"]


def test_another_http_error_fails_with_its_status(server, run):
    url = server.url("/broken")
    assert run(url=url)["msg"] == f"could not read {url} (HTTP 500 Internal Server Error)"


def test_a_server_that_never_answers_fails_after_the_timeout(run):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel accepts the connection; nobody answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/amazon-ecs-init-latest.amd64.deb"
        started = time.monotonic()
        result = run(url=url, timeout=1)
    assert time.monotonic() - started < 5
    assert result["failed"] is True
    assert result["msg"] == f"could not reach {url}: timed out"


def test_credentials_in_the_url_are_left_out_of_messages(server, run):
    url = server.url("/gone.deb").replace("//", "//mirror:s3cret@")
    result = run(url=url)
    shown = server.url("/gone.deb").replace("//", "//<credentials>@")
    assert result["msg"] == f"no package at {shown} (HTTP 404)"
    assert "s3cret" not in result["msg"]


def test_the_proxy_in_the_environment_is_used(server, run, monkeypatch):
    server.files["/amazon-ecs-agent-eu-west-1/amazon-ecs-init-latest.amd64.deb"] = (hand_deb(), True, 0)
    monkeypatch.setenv("http_proxy", server.url(""))
    result = run(url="http://packages.invalid/amazon-ecs-agent-eu-west-1/amazon-ecs-init-latest.amd64.deb")
    assert result["version"] == "1.89.2-1"
    assert server.requests[0][0] == (
        "GET http://packages.invalid/amazon-ecs-agent-eu-west-1/amazon-ecs-init-latest.amd64.deb HTTP/1.1"
    )


def test_a_file_url_is_read(run, tmp_path):
    path = tmp_path / "amazon-ecs-init-latest.x86_64.rpm"
    path.write_bytes(hand_rpm(payload=os.urandom(100_000)))
    result = run(url=f"file://{path}", max_bytes=8192)
    assert (result["format"], result["version"], result["ranged"], result["bytes_read"]) == (
        "rpm",
        "1.89.2-1",
        False,
        8192,
    )


def test_check_mode_reads_as_a_normal_run(server, run):
    server.files["/ecs-init.deb"] = (hand_deb(control=CONTROL.replace("1.89.2-1", "1.90.0-1")), True, 0)
    result = run(url=server.url("/ecs-init.deb"), _ansible_check_mode=True)
    assert (result["version"], result["changed"]) == ("1.90.0-1", False)


@pytest.mark.parametrize(("option", "value"), [("max_bytes", 0), ("timeout", -1)])
def test_a_bad_number_fails_before_any_request(server, run, option, value):
    result = run(url=server.url("/ecs-init.deb"), **{option: value})
    assert result["failed"] is True
    assert result["msg"] == f"{option} ({value}) must be more than 0"
    assert server.requests == []
