"""An HTTP endpoint that answers the agents' SSM and ECS calls as AWS would and records every request.

One endpoint serves every region (as the emulator does); the region a call is for lives only in its
SigV4 credential scope. Tests read ``calls`` (region, service, operation, body) for the AWS calls and
``requests`` for everything, headers and the routes real AWS lacks included.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
INSTANCE_ID = "mi-0123456789abcdef0"


class RecordingEndpoint:
    def __init__(self, *, stall_seconds: dict[str, float] | None = None):
        """stall_seconds: path -> seconds to wait before answering a POST there (a server that hangs)."""
        self.calls: list[tuple[str, str, str, dict]] = []
        self.requests: list[dict] = []
        self.stall_seconds = stall_seconds or {}
        self.closing = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                endpoint.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if self.path in endpoint.stall_seconds:
                    endpoint.closing.wait(endpoint.stall_seconds[self.path])
                if self.path != "/":
                    self._answer(404, {"message": f"no route {self.path}"})
                    return
                scope = SCOPE.search(self.headers.get("Authorization", ""))
                region, service = scope.groups() if scope else ("", "")
                operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
                endpoint.calls.append((region, service, operation, body))
                answer = {}
                if operation == "RegisterManagedInstance":
                    answer = {"InstanceId": INSTANCE_ID}
                elif operation == "RegisterContainerInstance":
                    arn = f"arn:aws:ecs:{region}:123456789012:container-instance/{body['cluster']}/0123abcd"
                    answer = {"containerInstance": {"containerInstanceArn": arn}}
                elif operation == "DiscoverPollEndpoint":
                    answer = {"endpoint": "http://127.0.0.1"}
                self._answer(200, answer)

            def _answer(self, status: int, answer: dict) -> None:
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def wait_for(self, operation: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not any(call[2] == operation for call in self.calls):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {operation} among {[call[:3] for call in self.calls]}")
            time.sleep(0.05)

    def requests_to(self, path: str) -> list[dict]:
        return [request for request in self.requests if request["path"] == path]

    def close(self):
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()
