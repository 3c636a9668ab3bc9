"""README's quick start, followed literally by a new user, against the test world.

The install, inventory and run blocks are read from README.md (the code blocks after the
``<!-- quickstart:NAME -->`` markers), so a README change that breaks them fails here. What
the test world must change is added the way a user with VPC endpoints and a package mirror
adds it: ``group_vars/all.yml`` beside the inventory (endpoints, mirror) and AWS credentials
in the environment. The README's example hosts are replaced by the world's host, with the
connection settings the world's inventory gives it. Everything else (region, cluster, the
commands) is the README's.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.request
import uuid
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
README = REPO / "README.md"


def quickstart_blocks(text: str) -> dict[str, str]:
    """NAME -> the body of the first fenced code block after each ``<!-- quickstart:NAME -->``."""
    pattern = re.compile(r"<!-- quickstart:([\w-]+) -->\s*\n```[\w-]*\n(.*?)\n```", re.DOTALL)
    return {name: body for name, body in pattern.findall(text)}


def commands(block: str) -> list[str]:
    """Shell lines of a block, comments and blank lines dropped."""
    lines = [line.split(" #", 1)[0].strip() for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def recap(stdout: str) -> dict[str, dict[str, int]]:
    """host -> PLAY RECAP counters (ok, changed, unreachable, failed, ...) of ansible's default output."""
    found = {}
    for host, counters in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", stdout, re.MULTILINE):
        found[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counters)}
    return found


def find_group(groups: dict, name: str) -> dict | None:
    """The group ``name`` in a YAML inventory (top level or nested under ``children``)."""
    for group, body in (groups or {}).items():
        if group == name:
            return body
        found = find_group((body or {}).get("children"), name)
        if found is not None:
            return found
    return None


def inventory_var(inventory: dict, name: str):
    """A variable the README's inventory sets for group ecs_anywhere or for all."""
    for group in ("ecs_anywhere", "all"):
        variables = (find_group(inventory, group) or {}).get("vars") or {}
        if name in variables:
            return variables[name]
    raise KeyError(name)


def test_readme_has_every_quickstart_block():
    blocks = quickstart_blocks(README.read_text())
    assert set(blocks) == {"install", "inventory", "run", "deregister"}
    inventory = yaml.safe_load(blocks["inventory"])
    assert find_group(inventory, "ecs_anywhere")["hosts"], "the inventory example has no hosts"
    assert inventory_var(inventory, "ecs_anywhere_region")


def test_pip_line_is_what_the_tests_run_with():
    """The versions the quick start asks pip for are satisfied by the ones tested here."""
    (pip_line,) = [c for c in commands(quickstart_blocks(README.read_text())["install"]) if " pip install " in c]
    wanted = [Requirement(arg) for arg in shlex.split(pip_line)[4:] if not arg.startswith("-")]
    assert {r.name for r in wanted} >= {"ansible", "boto3", "botocore"}
    for requirement in wanted:
        installed = metadata.version(requirement.name)
        assert requirement.specifier.contains(installed), f"{requirement} but tests run {installed}"


def _emulator(url: str, path: str):
    with urllib.request.urlopen(url + path, timeout=30) as response:
        return json.load(response)


def _shell(line: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    """Run one README line; its output also goes to cwd/quickstart.log, so a hung run can be watched."""
    started = time.monotonic()
    log = cwd / "quickstart.log"
    with log.open("a") as out:
        out.write(f"\n$ {line}\n")
        out.flush()
        try:
            done = subprocess.run(
                ["bash", "-c", f"set -o pipefail; ({line}) 2> >(tee -a stderr.log >&2) | tee -a quickstart.log"],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=1500,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{line} did not finish in 1500 s; its output so far:\n{log.read_text()[-8000:]}")
    print(f"quick start: {line}: {time.monotonic() - started:.0f} s")
    return done


# One host; the first run installs Docker from Debian inside it. About 4 minutes on an idle machine.
@pytest.mark.timeout(2400)
def test_quick_start_literally(tmp_path):
    blocks = quickstart_blocks(README.read_text())
    home = tmp_path / "home"
    work = home / "edge"
    work.mkdir(parents=True)
    # A new user's shell: the project's venv on PATH (pip's part of the install), no ANSIBLE_* settings,
    # an empty home (collections land in ~/.ansible/collections as for anyone).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "AWS_"))}
    env.update(HOME=str(home), PATH=f"{BIN}{os.pathsep}{env['PATH']}")

    # 1. Install: the release tarball, as `ansible-galaxy collection build` makes it, then the README's lines.
    subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(work), str(REPO)],
        check=True,
        capture_output=True,
    )
    for line in commands(blocks["install"]):
        if " pip install " in line:
            continue  # checked against the venv by test_pip_line_is_what_the_tests_run_with
        done = _shell(line, work, env)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
    assert (home / ".ansible/collections/ansible_collections/onprem/ecs_anywhere/MANIFEST.json").is_file()

    state = tmp_path / "world"
    prefix = f"ecsa-qs-{uuid.uuid4().hex[:6]}"
    try:
        up = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.world",
                "up",
                "--state-dir",
                str(state),
                "--hosts",
                "bookworm",
                "--name-prefix",
                prefix,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert up.returncode == 0, up.stderr
        world_inventory = yaml.safe_load((state / "inventory.yml").read_text())["all"]
        world_vars = world_inventory["vars"]
        world_hosts = world_inventory["children"]["ecs_anywhere"]["hosts"]

        # 2. Inventory: the README's, with the world's host in place of the example hosts.
        inventory = yaml.safe_load(blocks["inventory"])
        find_group(inventory, "ecs_anywhere")["hosts"] = world_hosts
        (work / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
        # What a site with VPC endpoints and a package mirror sets; the hosts here are reached as root.
        emulator, emulator_for_hosts = (
            world_vars["ecsa_world_emulator_url"],
            world_vars["ecsa_world_emulator_url_for_hosts"],
        )
        (work / "group_vars").mkdir()
        (work / "group_vars" / "all.yml").write_text(
            yaml.safe_dump(
                {
                    "ecs_anywhere_aws_endpoint_url": emulator,
                    "ecs_anywhere_ssm_endpoint": emulator_for_hosts,
                    "ecs_anywhere_ecs_endpoint": emulator_for_hosts,
                    "ecs_anywhere_package_mirror": world_vars["ecsa_world_mirror_url_for_hosts"],
                    "ansible_become": False,
                }
            )
        )
        env.update(AWS_ACCESS_KEY_ID="quickstart", AWS_SECRET_ACCESS_KEY="quickstart", AWS_ENDPOINT_URL=emulator)
        host = next(iter(world_hosts))
        region = inventory_var(inventory, "ecs_anywhere_region")
        cluster = inventory_var(inventory, "ecs_anywhere_cluster")

        # 3. Run: check mode, the real run, the re-run.
        runs = []
        for line in commands(blocks["run"]):
            mark = max((c["seq"] for c in _emulator(emulator, "/_emulator/calls")["calls"]), default=0)
            done = _shell(line, work, env)
            assert done.returncode == 0, f"{line}\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
            assert "[WARNING]" not in done.stderr and "DEPRECATION" not in done.stderr, done.stderr
            calls = [c for c in _emulator(emulator, "/_emulator/calls")["calls"] if c["seq"] > mark and not c["agent"]]
            runs.append((line, recap(done.stdout), [c["operation"] for c in calls if c["write"]], done.stdout))

        first_real = next(i for i, (line, *_) in enumerate(runs) if "--check" not in line)
        for line, counters, writes, _ in runs[:first_real]:
            assert writes == [], f"{line} wrote in AWS: {writes}"
            assert counters[host]["failed"] == 0 and counters[host]["changed"] > 0, counters
        line, counters, writes, stdout = runs[first_real]
        assert counters[host]["changed"] > 0, counters
        assert "CreateActivation" in writes and "DeleteActivation" in writes, writes
        assert re.search(r"mi-[0-9a-f]{17}", stdout), "the run reports no mi- id"
        for line, counters, writes, _ in runs[first_real + 1 :]:
            assert all(c["changed"] == 0 for c in counters.values()), f"{line} changed: {counters}"
            assert writes == [], f"{line} wrote in AWS: {writes}"

        aws = _emulator(emulator, "/_emulator/state")
        named = [i for i in aws["managed_instances"] if {"Key": "Name", "Value": host} in i["Tags"]]
        assert len(named) == 1, f"managed instances: {aws['managed_instances']}"
        assert named[0]["PingStatus"] == "Online" and named[0]["region"] == region, named
        joined = [
            c for c in aws["container_instances"].get(cluster, []) if c["ec2InstanceId"] == named[0]["InstanceId"]
        ]
        assert [c["status"] for c in joined] == ["ACTIVE"], aws["container_instances"]
        assert joined[0]["region"] == region

        # 4. Take the host out.
        for line in commands(blocks["deregister"]):
            done = _shell(line, work, env)
            assert done.returncode == 0, f"{line}\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
            assert recap(done.stdout)[host]["failed"] == 0
        aws = _emulator(emulator, "/_emulator/state")
        assert [i for i in aws["managed_instances"] if {"Key": "Name", "Value": host} in i["Tags"]] == []
        assert [c for c in aws["container_instances"].get(cluster, []) if c["status"] == "ACTIVE"] == []
    finally:
        subprocess.run(
            [sys.executable, "-m", "tests.world", "down", "--state-dir", str(state)],
            cwd=REPO,
            capture_output=True,
            timeout=300,
            check=False,
        )
