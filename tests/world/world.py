"""Bring the whole world up (images, hosts, emulator, package mirror) and take it down again.

Everything ``up`` starts is recorded in STATE_DIR/world.json as soon as it exists, and every
container carries a label naming STATE_DIR, so ``down`` cleans up after a partial ``up`` too.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from tests.world import apt_cache, apt_cache_server, hosts, images, mirror, servers, ssh
from tests.world.locks import locked

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".build" / "world"


def parse_hosts(spec: str, prefix: str) -> list[dict]:
    """``bookworm,trixie`` or ``name=bookworm,...`` -> [{"name", "suite"}]; names get a counter when repeated."""
    wanted = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, suite = item.rpartition("=")
        if suite not in images.SUITES:
            raise ValueError(f"host {item!r}: the suite must be one of {', '.join(images.SUITES)}")
        wanted.append({"name": name, "suite": suite})
    for suite in {w["suite"] for w in wanted if not w["name"]}:
        unnamed = [w for w in wanted if not w["name"] and w["suite"] == suite]
        for index, entry in enumerate(unnamed, 1):
            entry["name"] = f"{prefix}-{suite}" + (f"-{index}" if len(unnamed) > 1 else "")
    if not wanted:
        # The servers bind to the bridge gateway, which exists only while a host is attached.
        raise ValueError("at least one host is needed")
    names = [w["name"] for w in wanted]
    if len(set(names)) != len(names):
        raise ValueError(f"host names must be unique: {names}")
    return wanted


CONNECTIONS = {"ssh": "ssh", "podman": "containers.podman.podman"}
# What each server answers when a host checks it can reach it.
HEALTH_PATHS = {"emulator": "/_emulator/health", "mirror": "/mirror-key.asc", "apt_cache": apt_cache_server.HEALTH_PATH}
# Where up tells a host's apt to fetch Debian's files through the world's apt cache.
APT_PROXY_CONF = "/etc/apt/apt.conf.d/01ecsa-world-apt-cache"
_saving = threading.Lock()


def _save(state_dir: Path, world: dict) -> None:
    with _saving:
        tmp = state_dir / "world.json.tmp"
        tmp.write_text(json.dumps(world, indent=2) + "\n")
        tmp.replace(state_dir / "world.json")


def load(state_dir: Path) -> dict:
    try:
        return json.loads((state_dir / "world.json").read_text())
    except (OSError, ValueError):
        return {}


def ensure_images(suites: set[str], log=print) -> dict[str, str]:
    """Build (or reuse) the images of these suites, in parallel; returns suite -> image name."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        built = dict(zip(suites, pool.map(lambda s: images.build(s, log=log), suites), strict=True))
    for name, was_built, seconds in built.values():
        log(f"world: image {name} {'built' if was_built else 'cached'} ({seconds:.1f} s)")
    if any(was_built for _, was_built, _ in built.values()):
        images.prune_stale(log=log)  # images of older recipes; one still in use by a container stays
    return {suite: result[0] for suite, result in built.items()}


def ensure_mirror(agents_dir: Path | None, log=print) -> Path:
    """The mirror tree for these packages; one tree per package set, so worlds running side by side never clash."""
    with locked(CACHE / "mirror.lock"):
        debs = sorted(agents_dir.glob("*.deb")) if agents_dir else mirror.build_agents(CACHE / "agents")
        root = CACHE / "mirror" / mirror.packages_digest(debs)[:12]
        mirror.build(debs, root, log=log)
    return root


def _host_url(url: str, gateway: str) -> str:
    return url.replace("//127.0.0.1:", f"//{gateway}:", 1)


def up(
    state_dir: Path,
    wanted: list[dict],
    *,
    emulator: bool = True,
    agents_dir: Path | None = None,
    connection: str = "ssh",
    log=print,
) -> dict:
    if connection not in CONNECTIONS:
        raise ValueError(f"connection {connection!r}: one of {', '.join(CONNECTIONS)}")
    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    world = load(state_dir)
    if world.get("hosts") or world.get("servers"):
        raise RuntimeError(f"a world is already recorded in {state_dir}; run down first")
    network = hosts.network_name(state_dir)
    world = {
        "state_dir": str(state_dir),
        "connection": connection,
        "network": network,
        "hosts": [],
        "servers": {},
        "timings": {},
    }
    _save(state_dir, world)

    image_of = ensure_images({w["suite"] for w in wanted}, log=log)
    world["timings"]["images"] = round(time.monotonic() - started, 1)
    mirror_root = ensure_mirror(agents_dir, log=log)

    mark = time.monotonic()
    # Left from an earlier up of this state directory that was never taken down.
    hosts.remove(*hosts.labelled(state_dir))
    hosts.remove_networks(*hosts.labelled_networks(state_dir))
    hosts.create_network(network, state_dir)
    world.update(hosts.network_info(network))  # subnet, gateway
    for entry in wanted:
        world["hosts"].append({**entry, "image": image_of[entry["suite"]]})
        _save(state_dir, world)
        hosts.start(entry["name"], image_of[entry["suite"]], state_dir, network=network)
    public_key = ssh.make_key(state_dir) if connection == "ssh" else None

    def ready(entry: dict) -> None:
        entry["systemd"] = hosts.wait_booted(entry["name"])
        if connection == "ssh":
            entry["address"] = hosts.address(entry["name"], network)
            hosts.install_authorized_key(entry["name"], public_key)
            ssh.wait_ready(state_dir, entry["address"])  # also opens the master the first task reuses
        else:
            entry["address"] = entry["name"]

    with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
        list(pool.map(ready, world["hosts"]))
    if connection == "ssh":
        world["ssh"] = {"private_key": str(ssh.key_file(state_dir)), "common_args": ssh.common_args(state_dir)}
    world["timings"]["hosts"] = round(time.monotonic() - mark, 1)

    # The bridge (and so the gateway address) exists once a container is attached: servers come after hosts.
    gateway = world["gateway"]
    world["arch"] = subprocess.run(
        ["dpkg", "--print-architecture"], check=True, capture_output=True, text=True
    ).stdout.strip()
    bind = ["--host", "127.0.0.1", "--host", gateway, "--port", "0"]

    def start_server(name: str, module: str, args: list[str], url_key: str) -> dict:
        def record(started: dict) -> None:
            world["servers"][name] = started
            _save(state_dir, world)

        server = servers.spawn(
            module, args, log=state_dir / f"{name}.log", url_key=url_key, cwd=REPO, owner=state_dir, on_start=record
        )
        server["host_url"] = _host_url(server["url"], gateway)
        _save(state_dir, world)
        return server

    mark = time.monotonic()
    wanted_servers = [("mirror", "tests.world.mirror_server", ["--root", str(mirror_root), *bind], "MIRROR_URL")]
    if emulator:
        wanted_servers.append(("emulator", "tests.emulator", bind, "EMULATOR_URL"))
    debian = images.debian_mirror()
    cache_dir = _apt_cache_dir(debian, log)
    if cache_dir:
        cache_args = ["--upstream", debian, "--cache-dir", str(cache_dir), *bind]
        wanted_servers.append(("apt_cache", "tests.world.apt_cache_server", cache_args, "APT_CACHE_URL"))
    with ThreadPoolExecutor(max_workers=len(wanted_servers)) as pool:
        list(pool.map(lambda spec: start_server(*spec), wanted_servers))
    world["servers"]["mirror"]["root"] = str(mirror_root)
    if cache_dir:
        world["servers"]["apt_cache"].update(upstream=debian, cache_dir=str(cache_dir))
    world["timings"]["servers"] = round(time.monotonic() - mark, 1)

    def prepare(entry: dict) -> None:
        if cache_dir:
            # Only the transport changes: sources.list still names Debian's mirror, apt still downloads and verifies.
            proxy = world["servers"]["apt_cache"]["host_url"]
            setting = f'Acquire::http::Proxy::{apt_cache_server.upstream_host(debian)} "{proxy}";\n'
            _write_on_host(world, entry, APT_PROXY_CONF, setting)
        for name, server in world["servers"].items():
            url = server["host_url"] + HEALTH_PATHS[name]
            if not _reaches(world, entry, url):
                raise RuntimeError(f"host {entry['name']} cannot reach the {name} at {url}")

    with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
        list(pool.map(prepare, world["hosts"]))

    world["timings"]["up"] = round(time.monotonic() - started, 1)
    _save(state_dir, world)
    (state_dir / "inventory.yml").write_text(yaml.safe_dump(inventory(world), sort_keys=False))
    return world


def _apt_cache_dir(debian: str, log) -> Path | None:
    """The machine-wide apt cache's directory, or None where the hosts fetch from Debian directly."""
    directory = apt_cache.root()
    if directory is None:
        log(f"world: apt cache off (${apt_cache.ROOT_ENV}); hosts fetch from {debian} directly")
        return None
    try:
        apt_cache_server.upstream_host(debian)
    except ValueError as error:
        log(f"world: no apt cache: {error}")
        return None
    return directory


def _write_on_host(world: dict, entry: dict, path: str, content: str) -> None:
    """Write a file on the host over the world's own transport."""
    script = f"umask 022 && cat > {path}"
    if world["connection"] == "ssh":
        command = ssh.command(Path(world["state_dir"]), entry["address"], script)
    else:
        command = ["podman", "exec", "--interactive", entry["name"], "sh", "-c", script]
    result = subprocess.run(command, check=False, input=content, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"host {entry['name']}: writing {path} failed: {result.stderr.strip()}")


def _reaches(world: dict, entry: dict, url: str) -> bool:
    """The host fetches ``url``: over the world's own transport, so SSH worlds need no podman exec."""
    if world["connection"] == "ssh":
        probe = ssh.command(Path(world["state_dir"]), entry["address"], *hosts.curl_probe(url))
        return subprocess.run(probe, check=False, capture_output=True, timeout=30).returncode == 0
    return hosts.can_reach(entry["name"], url)


def _connection_vars(world: dict, host: dict) -> dict:
    if world["connection"] == "podman":
        return {"ansible_connection": CONNECTIONS["podman"]}
    return {
        "ansible_connection": "ssh",
        "ansible_host": host["address"],
        "ansible_user": "root",
        "ansible_ssh_private_key_file": world["ssh"]["private_key"],
        "ansible_ssh_common_args": world["ssh"]["common_args"],
        "ansible_pipelining": True,
    }


def inventory(world: dict) -> dict:
    """Ansible inventory: the hosts in group ecs_anywhere, the world's URLs as variables of all."""
    variables = {
        "ecsa_world_state_dir": world["state_dir"],
        "ecsa_world_gateway": world["gateway"],
        "ecsa_world_network": world["network"],
    }
    for name, server in world["servers"].items():
        variables[f"ecsa_world_{name}_url"] = server["url"]
        variables[f"ecsa_world_{name}_url_for_hosts"] = server["host_url"]
    return {
        "all": {
            "vars": variables,
            "children": {
                "ecs_anywhere": {
                    "hosts": {
                        h["name"]: {
                            **_connection_vars(world, h),
                            "ansible_python_interpreter": "/usr/bin/python3",
                            "ecsa_world_suite": h["suite"],
                            # Hosts run natively, so they share the controller's Debian architecture.
                            "ecsa_world_arch": world["arch"],
                        }
                        for h in world["hosts"]
                    }
                }
            },
        }
    }


def down(state_dir: Path, log=print) -> dict:
    """Stop the servers and remove the containers recorded for ``state_dir``; safe to repeat."""
    state_dir = state_dir.resolve()
    world = load(state_dir)
    report = {"memory_mib": {}}
    for name, record in world.get("servers", {}).items():
        log(f"world: stopping the {name} (pid {record.get('pid')})")
        servers.stop(record)
    for record in servers.owned_by(state_dir):
        log(f"world: stopping an unrecorded server of this world (pid {record['pid']})")
        servers.stop(record)
    # Only containers labelled with this state directory: never one this world did not start.
    names = sorted(hosts.labelled(state_dir))
    for name in names:
        memory = {key: round(value / 2**20, 1) for key, value in hosts.memory_bytes(name).items()}
        report["memory_mib"][name] = memory
        log(f"world: removing host {name} (memory MiB: {memory})")
    ssh.close_masters(state_dir)
    hosts.remove(*names)
    # Only this world's network (named from and labelled with its state directory): other worlds keep theirs.
    hosts.remove_networks(*hosts.labelled_networks(state_dir))
    for leftover in ("world.json", "inventory.yml"):
        (state_dir / leftover).unlink(missing_ok=True)
    if state_dir.exists():
        (state_dir / "last-down.json").write_text(json.dumps(report, indent=2) + "\n")
    return report
