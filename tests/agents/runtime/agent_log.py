"""Log lines in the agents' format, to stdout (the journal) and to their log files."""

import os
import sys
import time

from .host_paths import host_path


class AgentLog:
    def __init__(self, *log_files: str):
        self._files = [host_path(path) for path in log_files]

    def _write(self, level: str, message: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {level} {message}\n"
        sys.stdout.write(line)
        sys.stdout.flush()
        for path in self._files:
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "a", encoding="utf-8") as handle:
                    handle.write(line)
            except OSError:
                # A read-only or missing log directory must not stop the agent.
                pass

    def info(self, message: str) -> None:
        self._write("INFO", message)

    def warn(self, message: str) -> None:
        self._write("WARN", message)

    def error(self, message: str) -> None:
        self._write("ERROR", message)

    def critical(self, message: str) -> None:
        self._write("CRITICAL", message)


def proxy_environment() -> list[str]:
    """The proxy variables the process sees, as the SSM agent reports them at start."""
    names = ("https_proxy", "http_proxy", "no_proxy", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY")
    return [f"{name}:{os.environ[name]}" for name in names if os.environ.get(name)]
