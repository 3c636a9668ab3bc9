"""The emulator's WSGI application and HTTP servers: moto behind a layer that logs, injects faults and patches."""

from __future__ import annotations

import importlib
import ipaddress
import threading

from moto.core.base_backend import BackendDict, backend_lock
from moto.core.model_instances import reset_model_data
from moto.iam.models import IAMBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from tests.emulator import ACCOUNT_ID
from tests.emulator.aws_errors import AwsError, error_code_of, error_response
from tests.emulator.aws_request import identify
from tests.emulator.call_log import CallLog
from tests.emulator.control_api import CONTROL_PREFIX, ControlApi
from tests.emulator.faults import Faults
from tests.emulator.patches import Patches
from tests.emulator.regions import check_region


class EmulatorApp:
    def __init__(self, ping_timeout: float = 60.0, switches: dict | None = None) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.call_log = CallLog()
        self.faults = Faults()
        self.patches = Patches(ping_timeout=ping_timeout, faults=self.faults, switches=switches)
        self.control = ControlApi(self)

    def reset(self) -> None:
        # moto's own reset re-initialises every backend (IAM reloads ~1,300 managed policies per
        # partition, EC2 its AMIs) only to throw them away: seconds per reset. Dropping the
        # backends is enough; moto builds fresh ones on the next call.
        with backend_lock:
            for backend in BackendDict._instances:
                backend.clear()
            BackendDict._instances.clear()
        reset_model_data()
        self.patches.reset()
        self.faults.clear()
        self.call_log.clear()

    def __call__(self, environ: dict, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self.control(environ, start_response)

        request = identify(environ)
        try:
            check_region(request.region, request.query_protocol)
            self.faults.apply(request.service, request.operation, request.query_protocol)
            answer = self.patches.handle(request, environ)
        except AwsError as error:
            answer = error_response(error, request.service, request.query_protocol)
        if answer is None:
            return self._call_moto(request, environ, start_response)
        status, headers, body = answer
        self.call_log.record(request, status, error_code_of(body) if status >= 400 else None)
        start_response(f"{status} {'OK' if status < 400 else 'Error'}", headers)
        return [body]

    def _call_moto(self, request, environ: dict, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        result = self.moto(environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status = captured.get("status", 500)
        self.call_log.record(request, status, error_code_of(body) if status >= 400 else None)
        return [body]


def check_bind_address(host: str) -> None:
    """Serving on every interface would expose the emulator beyond this machine."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise SystemExit(f"--host must be an IP address, got {host!r}") from None
    if address.is_unspecified:
        raise SystemExit(f"--host {host} would bind to all interfaces; use 127.0.0.1 or the podman gateway")


def start_servers(app: EmulatorApp, hosts: list[str], port: int) -> list:
    """Serve the same app on every host; port 0 picks a free port on the first host and reuses it."""
    servers = []
    for host in hosts:
        check_bind_address(host)
        server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
        port = server.server_address[1]
        servers.append(server)
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"emulator-{host}", daemon=True
        ).start()
    return servers


def warm_up() -> None:
    """Import the backends the tests use and parse the IAM managed policies while nobody waits."""
    for service in ("ecs", "iam", "ssm", "sts"):
        importlib.import_module(f"moto.{service}.responses")
    IAMBackend("aws", ACCOUNT_ID)
