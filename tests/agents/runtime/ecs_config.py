"""The ECS agent's configuration: environment files and the knobs it reads from them.

Values come from /var/lib/ecs/ecs.config, then /etc/ecs/ecs.config (the user's file
wins), then the process environment (systemd's EnvironmentFile= and drop-ins).
"""

import os
from dataclasses import dataclass

from .host_paths import ECS_CONFIG_FILES, host_path

DEFAULT_CLUSTER = "default"


def read_env_file(path: str) -> dict:
    """KEY=VALUE lines as systemd reads them: comments and blank lines skipped, quotes stripped."""
    values = {}
    try:
        with open(host_path(path), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return values
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


@dataclass
class EcsConfig:
    cluster: str
    cluster_configured: bool
    region: str
    external: bool
    backend_host: str
    gpu_support: bool
    environment: dict

    @classmethod
    def load(cls, environ: dict | None = None) -> "EcsConfig":
        merged: dict = {}
        for path in ECS_CONFIG_FILES:
            merged.update(read_env_file(path))
        merged.update(os.environ if environ is None else environ)
        # Proxy variables reach urllib through os.environ, whichever file set them.
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
            if merged.get(name):
                os.environ[name] = merged[name]
        cluster = merged.get("ECS_CLUSTER", "").strip()
        return cls(
            cluster=cluster or DEFAULT_CLUSTER,
            cluster_configured=bool(cluster),
            region=merged.get("AWS_DEFAULT_REGION") or merged.get("AWS_REGION") or "",
            external=merged.get("ECS_EXTERNAL", "").lower() == "true",
            backend_host=merged.get("ECS_BACKEND_HOST", ""),
            gpu_support=merged.get("ECS_ENABLE_GPU_SUPPORT", "").lower() == "true",
            environment=merged,
        )
