"""A host in a directory, for tests: the built agent executables run with AGENT_STANDIN_ROOT.

The executables are the very files the .deb installs (same zipapp builder); only
the root prefix and the test knobs (heartbeat, poll period, introspection port)
differ from a real test host. ``HostSandbox.with_dpkg`` installs the .deb files
themselves with ``dpkg --root`` (maintainer scripts run outside a chroot, with
DPKG_ROOT set, so they leave this machine's services alone) and runs what dpkg put there.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from .build import ECS_INIT_VERSIONS, SSM_AGENT_VERSIONS
from .executable import build_executable
from .fake_dockerd import make_server
from .runtime.host_paths import ROOT_ENV

RUN_TIMEOUT = 30
# Where each package puts its executable, and the runtime module it runs.
EXECUTABLES = {
    "amazon-ssm-agent": ("/usr/bin/amazon-ssm-agent", "ssm_agent"),
    "amazon-ecs-init": ("/usr/libexec/amazon-ecs-init", "ecs_init"),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FakeDocker:
    """Answers GET /_ping and /version on a unix socket, as dockerd does (fake_dockerd.py)."""

    def __init__(self, socket_path: Path):
        socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.server = make_server(str(socket_path))
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        self.path = socket_path

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.path.unlink(missing_ok=True)


class HostSandbox:
    def __init__(self, root: Path, executables: dict[str, Path]):
        self.root = root
        self.executables = executables
        self.processes: list[subprocess.Popen] = []
        self.docker: FakeDocker | None = None
        self.introspection_port = free_port()
        self.base_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            ROOT_ENV: str(root),
            "AGENT_STANDIN_HEARTBEAT_SECONDS": "0.2",
            "AGENT_STANDIN_POLL_SECONDS": "0.2",
            "AGENT_STANDIN_INTROSPECTION_PORT": str(self.introspection_port),
        }

    @classmethod
    def create(
        cls,
        tmp_path: Path,
        *,
        ssm_agent_version: str = SSM_AGENT_VERSIONS[-1],
        ecs_init_version: str = ECS_INIT_VERSIONS[-1],
    ) -> HostSandbox:
        """Executables of these package versions (default: the newest, what an unpinned install gets)."""
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        versions = {"amazon-ssm-agent": ssm_agent_version, "amazon-ecs-init": ecs_init_version}
        executables = {}
        for name, (_, module) in EXECUTABLES.items():
            target = bin_dir / name
            target.write_bytes(build_executable(module, versions[name]))
            target.chmod(0o755)
            executables[name] = target
        root = tmp_path / "host"
        root.mkdir()
        return cls(root, executables)

    @classmethod
    def with_dpkg(cls, tmp_path: Path) -> HostSandbox:
        """An empty root with a dpkg database: install packages with ``dpkg(...)``, then run what they installed."""
        root = tmp_path / "host"
        for directory in ("info", "updates", "triggers"):
            (root / "var/lib/dpkg" / directory).mkdir(parents=True)
        (root / "var/lib/dpkg/status").touch()
        return cls(root, {name: root / path.lstrip("/") for name, (path, _) in EXECUTABLES.items()})

    def dpkg(self, *args: str) -> subprocess.CompletedProcess:
        """dpkg on this root; python3, the packages' one dependency, is this machine's."""
        return subprocess.run(
            ["dpkg", f"--root={self.root}", "--force-script-chrootless", "--force-depends", *args],
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )

    def dpkg_install(self, *debs: Path) -> str:
        """dpkg -i; its output, or AssertionError with it when dpkg fails."""
        result = self.dpkg("--install", *map(str, debs))
        if result.returncode != 0:
            raise AssertionError(f"dpkg --install failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def installed_version(self, package: str) -> str:
        """The Version dpkg's database holds for an installed package."""
        result = self.dpkg("--status", package)
        if result.returncode != 0:
            raise AssertionError(f"{package} is not installed: {result.stderr}")
        return next(line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.startswith("Version: "))

    def path(self, host_path: str) -> Path:
        return self.root / host_path.lstrip("/")

    def _command(self, name: str, args) -> list[str]:
        # sys.executable runs the zipapp the way /usr/bin/python3 runs it on a host.
        return [sys.executable, str(self.executables[name]), *args]

    def run(self, name: str, *args: str, env: dict | None = None, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            self._command(name, args),
            env={**self.base_env, **(env or {})},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )

    def start(self, name: str, *args: str, env: dict | None = None) -> subprocess.Popen:
        process = subprocess.Popen(
            self._command(name, args),
            env={**self.base_env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> tuple[int, str]:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        return process.returncode, output

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
        if self.docker:
            self.docker.stop()

    # configuration, through the real agents' knobs

    def write_ssm_config(self, endpoint: str, **ssm: object) -> None:
        config = {"Ssm": {"Endpoint": endpoint, **ssm}, "Mgs": {"Endpoint": ""}}
        target = self.path("/etc/amazon/ssm/amazon-ssm-agent.json")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(config))

    def write_ecs_config(self, path: str = "/etc/ecs/ecs.config", **values: str) -> None:
        target = self.path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(f"{key}={value}\n" for key, value in values.items()))

    def write_registration(self, instance_id: str, region: str) -> None:
        """The SSM agent's identity, as -register leaves it (for ECS agent tests that need no SSM)."""
        store = self.path("/var/lib/amazon/ssm/Vault/Store")
        store.mkdir(parents=True, exist_ok=True)
        (store / "RegistrationKey").write_text(json.dumps({"instanceID": instance_id, "region": region}))

    def start_docker(self) -> FakeDocker:
        # AF_UNIX paths are limited to 107 bytes; pytest's tmp paths are short enough.
        self.docker = FakeDocker(self.path("/var/run/docker.sock"))
        return self.docker

    # state

    def registration(self) -> dict:
        return json.loads(self.path("/var/lib/amazon/ssm/Vault/Store/RegistrationKey").read_text())

    def ecs_state(self) -> dict:
        return json.loads(self.path("/var/lib/ecs/data/ecs_agent_data.json").read_text())["Data"]

    def files_containing(self, secret: str) -> list[Path]:
        return [p for p in self.root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]

    def wait_for_log(self, host_path: str, text: str, timeout: float = 15) -> str:
        """The log's content once it holds text; AssertionError with the content when it never does."""
        deadline = time.monotonic() + timeout
        path = self.path(host_path)
        while True:
            content = path.read_text() if path.exists() else ""
            if text in content:
                return content
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared in {host_path}:\n{content}")
            time.sleep(0.1)

    def metadata(self, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.introspection_port}/v1/metadata"
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    return json.load(response)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
