"""Whether Docker answers: GET /_ping on its socket, as ecs-init checks before starting the agent."""

import http.client
import os
import socket

from .host_paths import DOCKER_SOCKET, host_path


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def docker_endpoint() -> str:
    return os.environ.get("DOCKER_HOST") or f"unix://{host_path(DOCKER_SOCKET)}"


def _connection(endpoint: str, timeout: float) -> http.client.HTTPConnection:
    if endpoint.startswith("unix://"):
        return _UnixConnection(endpoint[len("unix://") :], timeout)
    if endpoint.startswith("tcp://"):
        return http.client.HTTPConnection(endpoint[len("tcp://") :], timeout=timeout)
    raise ValueError(f"unsupported DOCKER_HOST {endpoint}")


def docker_get(path: str, timeout: float = 5) -> tuple[int, bytes]:
    connection = _connection(docker_endpoint(), timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def ping() -> str | None:
    """None when Docker answers OK, else why not."""
    try:
        status, body = docker_get("/_ping")
    except (OSError, ValueError, http.client.HTTPException) as error:
        return f"{docker_endpoint()}: {error}"
    if status != 200 or body.strip() != b"OK":
        return f"{docker_endpoint()}: /_ping answered {status} {body[:80]!r}"
    return None
