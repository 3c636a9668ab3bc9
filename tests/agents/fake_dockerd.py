#!/usr/bin/python3
"""A stand-in dockerd for tests: answers GET /_ping and /version on a unix socket, nothing else.

Python standard library only, one file: the sandbox imports it, and tests on a systemd test host
copy it there and run it as docker.service (``fake_dockerd.py [SOCKET]``, default /var/run/docker.sock),
since amazon-ecs-init only asks whether Docker answers.
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import UnixStreamServer

DEFAULT_SOCKET = "/var/run/docker.sock"


class UnixHTTPServer(UnixStreamServer, ThreadingHTTPServer):
    def server_bind(self):
        UnixStreamServer.server_bind(self)
        self.server_name, self.server_port = "docker", 0


class DockerHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/_ping":
            body = b"OK"
        elif self.path == "/version":
            body = json.dumps({"Version": "20.10.24"}).encode()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def address_string(self):
        return "docker"

    def log_message(self, *_args):
        pass


def make_server(socket_path: str) -> UnixHTTPServer:
    if os.path.exists(socket_path):
        os.unlink(socket_path)  # left by an earlier run
    return UnixHTTPServer(socket_path, DockerHandler)


if __name__ == "__main__":
    make_server(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOCKET).serve_forever()
