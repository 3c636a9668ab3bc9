"""The emulator-only control API under /_emulator/ (reset, call log, faults, config, state, ECS simulation)."""

from __future__ import annotations

import json

from tests.emulator.aws_errors import AwsError
from tests.emulator.aws_request import read_body
from tests.emulator.faults import FaultSpecError

CONTROL_PREFIX = "/_emulator/"


class ControlApi:
    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        route = environ.get("PATH_INFO", "")[len(CONTROL_PREFIX) :].strip("/")
        try:
            payload = json.loads(read_body(environ) or b"null")
            status, result = self._dispatch(method, route, payload, environ)
        except (ValueError, FaultSpecError, AwsError) as error:
            status, result = 400, {"error": getattr(error, "message", str(error))}
        body = json.dumps(result, default=str).encode()
        start_response(
            f"{status} {'OK' if status < 400 else 'Error'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _dispatch(self, method: str, route: str, payload, environ: dict):
        app = self.app
        if (method, route) == ("GET", "health"):
            return 200, {"ok": True}
        if (method, route) == ("POST", "reset"):
            app.reset()
            return 200, {"ok": True}
        if route == "calls" and method == "GET":
            return 200, {"calls": app.call_log.entries()}
        if route == "calls" and method == "DELETE":
            app.call_log.clear()
            return 200, {"ok": True}
        if route == "faults" and method == "GET":
            return 200, app.faults.get()
        if route == "faults" and method == "PUT":
            app.faults.set(payload or {})
            return 200, app.faults.get()
        if route == "faults" and method == "DELETE":
            app.faults.clear()
            return 200, {"ok": True}
        if route == "config" and method == "GET":
            return 200, app.patches.config()
        if route == "config" and method == "PUT":
            return 200, app.patches.configure(payload)
        if (method, route) == ("GET", "activation-codes"):
            # Test-only: lets secret scans know what to look for. Never in `state`.
            return 200, {"codes": list(app.patches.issued_codes)}
        if (method, route) == ("GET", "state"):
            return 200, app.patches.state()
        if (method, route) == ("POST", "ecs/tasks"):
            return 200, app.patches.set_running_tasks(payload or {})
        if (method, route) == ("POST", "ecs/agent-session"):
            # Where the agent calls from tells its session from a clone's.
            return 200, app.patches.end_agent_session(payload or {}, environ.get("REMOTE_ADDR", ""))
        if (method, route) == ("POST", "ecs/services"):
            return 200, app.patches.put_service(payload or {})
        if (method, route) == ("GET", "ecs/services"):
            return 200, app.patches.service_records()
        return 404, {"error": f"no control route {method} {CONTROL_PREFIX}{route}"}
