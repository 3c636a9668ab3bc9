"""Bad input is refused early: one table of bad inputs for the modules and both roles.

Each case must fail with a message that names the input and the rule, and the emulator's
call log must show no AWS write. The instance_role and ssm_activation modules have their
own tables next to their tests (tests/integration/modules); this one covers the other four
modules and both roles. Role cases run in check mode against the controller itself (one
inventory host per case, connection local): argument_specs and preflight run first, so a
case that fails there fails before any task that writes, and the test also checks that no
task of the host reported a change. One role case also runs for real (not in check mode) on a
test host of the test world, where a run past the checks would install and register: it must
fail with its message, write nothing in AWS and leave the host's packages and files as they were.

`pytest -s` prints the table with each case's message.
"""

from __future__ import annotations

import json

import pytest

from tests.integration.ansible_runner import run_playbook

MODULE_CASES = {
    # module, arguments, words the message must contain (the input first, then the rule)
    "container_instance: malformed instance id": (
        "container_instance",
        {"cluster": "edge", "instance": "mi-1"},
        ["instance", "mi-1"],
    ),
    "container_instance: unknown state": (
        "container_instance",
        {"cluster": "edge", "instance": "mi-0123456789abcdef0", "state": "stopped"},
        ["state", "active, draining, absent"],
    ),
    "container_instance: drain_timeout not a number": (
        "container_instance",
        {"cluster": "edge", "instance": "mi-0123456789abcdef0", "drain_timeout": "soon"},
        ["drain_timeout", "int"],
    ),
    "container_instance: negative drain_timeout": (
        "container_instance",
        {"cluster": "edge", "instance": "mi-0123456789abcdef0", "drain_timeout": -5},
        ["drain_timeout", "-5"],
    ),
    "container_instance: malformed cluster name": (
        "container_instance",
        {"cluster": "my cluster!", "instance": "mi-0123456789abcdef0"},
        ["cluster", "my cluster!", "1-255 letters"],
    ),
    "container_instance_info: ARN given as instance id": (
        "container_instance_info",
        {"cluster": "edge", "instance_ids": ["arn:aws:ecs:us-east-1:123456789012:container-instance/edge/abc"]},
        ["instance_ids"],
    ),
    "container_instance_info: unknown status": (
        "container_instance_info",
        {"cluster": "edge", "instance_ids": ["mi-0123456789abcdef0"], "status": ["RUNNING"]},
        ["status", "ACTIVE"],
    ),
    "container_instance_info: cluster missing": (
        "container_instance_info",
        {"instance_ids": ["mi-0123456789abcdef0"]},
        ["cluster", "required"],
    ),
    "managed_instance: malformed instance id": (
        "managed_instance",
        {"instance_id": "mi-12345", "name": "x"},
        ["instance_id", "mi-12345"],
    ),
    "managed_instance: EC2 id instead of mi- id": (
        "managed_instance",
        {"instance_id": "i-0123456789abcdef0", "name": "x"},
        ["instance_id", "i-0123456789abcdef0"],
    ),
    "managed_instance: unknown state": (
        "managed_instance",
        {"instance_id": "mi-0123456789abcdef0", "state": "deleted"},
        ["state", "present, absent"],
    ),
    "managed_instance: tags not a dict": (
        "managed_instance",
        {"instance_id": "mi-0123456789abcdef0", "tags": ["team"]},
        ["tags", "dict"],
    ),
    "managed_instance: reserved aws: tag": (
        "managed_instance",
        {"instance_id": "mi-0123456789abcdef0", "tags": {"aws:team": "edge"}},
        ["tags", "aws:team", "reserves"],
    ),
    "managed_instance: Name tag contradicts name": (
        "managed_instance",
        {"instance_id": "mi-0123456789abcdef0", "name": "edge-1", "tags": {"Name": "edge-2"}},
        ["tags", "contradicts name"],
    ),
    "managed_instance_info: malformed instance id": (
        "managed_instance_info",
        {"instance_ids": ["mi-XYZ"]},
        ["instance_ids", "mi-XYZ"],
    ),
    "managed_instance_info: unknown ping status": (
        "managed_instance_info",
        {"ping_status": ["Up"]},
        ["ping_status", "Online"],
    ),
    "managed_instance_info: malformed activation id": (
        "managed_instance_info",
        {"activation_ids": ["not-a-uuid"]},
        ["activation_ids", "not-a-uuid", "UUID"],
    ),
}

EXTERNAL_INSTANCE_CASES = {
    # variables given to the role, words the message must contain
    "external_instance: region missing": ({"ecs_anywhere_region": None}, ["ecs_anywhere_region", "required"]),
    "external_instance: malformed region": ({"ecs_anywhere_region": "useast1"}, ["ecs_anywhere_region", "useast1"]),
    "external_instance: malformed cluster name": (
        {"ecs_anywhere_cluster": "my cluster!"},
        ["ecs_anywhere_cluster", "my cluster!"],
    ),
    "external_instance: role ARN instead of a name": (
        {"ecs_anywhere_role_name": "arn:aws:iam::123456789012:role/ecsAnywhereRole"},
        ["ecs_anywhere_role_name"],
    ),
    "external_instance: unknown state": ({"ecs_anywhere_state": "gone"}, ["ecs_anywhere_state", "present, absent"]),
    "external_instance: unknown Docker source": (
        {"ecs_anywhere_docker_source": "snap"},
        ["ecs_anywhere_docker_source", "distro, docker, none"],
    ),
    "external_instance: timeout not a number": (
        {"ecs_anywhere_verify_timeout": "soon"},
        ["ecs_anywhere_verify_timeout", "int"],
    ),
    "external_instance: negative timeout": (
        {"ecs_anywhere_verify_timeout": -5},
        ["ecs_anywhere_verify_timeout", "-5", "more than 0"],
    ),
    "external_instance: activation expiry not a duration": (
        {"ecs_anywhere_activation_expires_in": "forever"},
        ["ecs_anywhere_activation_expires_in", "forever", "not a duration"],
    ),
    "external_instance: activation expiry beyond 30 days": (
        {"ecs_anywhere_activation_expires_in": "40d"},
        ["ecs_anywhere_activation_expires_in", "30 days"],
    ),
    "external_instance: ftp mirror": (
        {"ecs_anywhere_package_mirror": "ftp://mirror.example"},
        ["ecs_anywhere_package_mirror", "ftp://mirror.example"],
    ),
    "external_instance: md5 checksum": (
        {"ecs_anywhere_ssm_agent_checksum": "md5:0123456789abcdef0123456789abcdef"},
        ["ecs_anywhere_ssm_agent_checksum", "sha256:"],
    ),
    "external_instance: proxy without scheme": (
        {"ecs_anywhere_http_proxy": "proxy.example:3128"},
        ["ecs_anywhere_http_proxy", "proxy.example:3128"],
    ),
    "external_instance: instance tags not a dict": (
        {"ecs_anywhere_instance_tags": ["team"]},
        ["ecs_anywhere_instance_tags", "dict"],
    ),
    "external_instance: package URL and file both given": (
        {
            "ecs_anywhere_ssm_agent_package_url": "https://mirror.example/amazon-ssm-agent.deb",
            "ecs_anywhere_ssm_agent_package_file": "/srv/amazon-ssm-agent.deb",
        },
        ["ecs_anywhere_ssm_agent_package_url", "ecs_anywhere_ssm_agent_package_file"],
    ),
    "external_instance: ECS_CLUSTER in ecs_config contradicts the cluster": (
        {"ecs_anywhere_ecs_config": {"ECS_CLUSTER": "other"}},
        ["ecs_anywhere_ecs_config", "ECS_CLUSTER"],
    ),
}

CONTROL_PLANE_CASES = {
    "control_plane: region missing": ({"ecs_anywhere_region": None}, ["ecs_anywhere_region", "required"]),
    "control_plane: malformed region": ({"ecs_anywhere_region": "US East"}, ["ecs_anywhere_region", "US East"]),
    "control_plane: malformed cluster name": (
        {"ecs_anywhere_cluster": "my cluster!"},
        ["ecs_anywhere_cluster", "my cluster!", "1-255 letters"],
    ),
    "control_plane: extra policy not an ARN or name": (
        {"ecs_anywhere_role_extra_policies": ["Not A Policy"]},
        ["managed_policies", "Not A Policy"],
    ),
    "control_plane: unknown source region": (
        {"ecs_anywhere_role_source_regions": ["mars-north-1"]},
        ["source_regions", "mars-north-1"],
    ),
    "control_plane: role tags not a dict": (
        {"ecs_anywhere_role_tags": ["team"]},
        ["ecs_anywhere_role_tags", "dict"],
    ),
}

# Unusual but valid: the checks must let these through (on the controller the role then
# stops at its host checks, which is how this case ends).
GOOD_EXTERNAL_INSTANCE_VARS = {
    "ecs_anywhere_activation_expires_in": "1d 12h",
    "ecs_anywhere_ecs_config": {"ECS_LOGLEVEL": "debug", "ECS_ENABLE_TASK_IAM_ROLE": True},
    "ecs_anywhere_http_proxy": "http://user:secret@proxy.example:3128",
    "ecs_anywhere_ssm_agent_checksum": "sha256:" + "ab" * 32,
    "ecs_anywhere_role_name": "service-role/ecsAnywhere@edge",
    "ecs_anywhere_package_mirror": "file:///srv/mirror",
}
ROLE_CASES = {**EXTERNAL_INSTANCE_CASES, **CONTROL_PLANE_CASES}
INPUT_CHECK_TASK = "Check the inputs and the host, and note what the host says about itself"
GOOD_ROLE_VARS = {"ecs_anywhere_region": "us-east-1", "ecs_anywhere_cluster": "edge"}


def _host_name(label: str) -> str:
    return "case_" + "".join(c if c.isalnum() else "_" for c in label)


@pytest.fixture(scope="module")
def module_run(emulator_server, tmp_path_factory):
    """Every module case as one task of one playbook: one ansible start-up."""
    emulator_server.reset()
    tasks = [
        {"name": label, f"onprem.ecs_anywhere.{module}": args, "ignore_errors": True}
        for label, (module, args, _) in MODULE_CASES.items()
    ]
    playbook = tmp_path_factory.mktemp("bad_input") / "modules.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    run = run_playbook(playbook, emulator_server.env())
    return run, emulator_server.calls(agent=None)


@pytest.fixture(scope="module")
def role_run(emulator_server, tmp_path_factory):
    """Every role case as one inventory host (connection local) of one check-mode run."""
    emulator_server.reset()
    directory = tmp_path_factory.mktemp("bad_input_roles")
    good = {"external_instance: good inputs": (GOOD_EXTERNAL_INSTANCE_VARS, [])}
    groups = {
        "external_instance_cases": {**EXTERNAL_INSTANCE_CASES, **good},
        "control_plane_cases": CONTROL_PLANE_CASES,
    }
    inventory = {"all": {"children": {}}}
    for group, cases in groups.items():
        hosts = {}
        for label, (variables, _) in cases.items():
            merged = {**GOOD_ROLE_VARS, **variables, "ansible_connection": "local"}
            hosts[_host_name(label)] = {key: value for key, value in merged.items() if value is not None}
        inventory["all"]["children"][group] = {"hosts": hosts}
    (directory / "inventory.json").write_text(json.dumps(inventory))
    # One play: ansible ends a playbook once every host of a play has failed.
    role = "{{ 'external_instance' if 'external_instance_cases' in group_names else 'control_plane' }}"
    plays = [
        {
            "hosts": "all",
            "gather_facts": False,
            "vars": {"ecs_anywhere_aws_endpoint_url": emulator_server.url},
            "tasks": [
                {"name": "Run the role", "ansible.builtin.include_role": {"name": f"onprem.ecs_anywhere.{role}"}}
            ],
        }
    ]
    (directory / "roles.yml").write_text(json.dumps(plays))
    run = run_playbook(
        directory / "roles.yml", emulator_server.env(), inventory=directory / "inventory.json", check=True
    )
    return run, emulator_server.calls(agent=None)


def _failure(results: list[dict]) -> dict | None:
    return next((result for result in results if result.get("failed")), None)


def _report(label: str, message: str) -> None:
    print(f"\n| {label} | {' '.join(message.split())[:220]} |")


@pytest.mark.parametrize("label", list(MODULE_CASES))
def test_module_refuses_bad_input_before_any_write(module_run, label):
    run, calls = module_run
    _, args, words = MODULE_CASES[label]
    result = run.result(label)
    _report(label, result.get("msg", ""))
    assert result.get("failed") is True, (args, result)
    for word in words:
        assert word in result["msg"], (label, word, result["msg"])
    assert [call for call in calls if call["write"]] == []


@pytest.mark.parametrize("label", list(ROLE_CASES))
def test_role_refuses_bad_input_before_any_write(role_run, label):
    run, calls = role_run
    _, words = ROLE_CASES[label]
    host = _host_name(label)
    results = run.results(host)
    failure = _failure(results)
    assert failure is not None, (label, [r["_task"] for r in results])
    _report(label, failure.get("msg", ""))
    for word in words:
        assert word in failure["msg"], (label, word, failure["msg"])
    changed_before = [r["_task"] for r in results if r.get("changed")]
    assert changed_before == [], (label, changed_before)
    assert run.stats[host]["changed"] == 0
    assert [call for call in calls if call["write"]] == []


def test_unusual_but_valid_inputs_pass_the_input_checks(role_run):
    run, _ = role_run
    results = run.results(_host_name("external_instance: good inputs"))
    # One task checks the inputs, then the host: on the controller, no systemd host, it may stop
    # at the host checks, after the inputs passed.
    checks = [r for r in results if r["_task"].endswith(INPUT_CHECK_TASK)]
    assert len(checks) == 1, [r["_task"] for r in results]
    check = checks[0]
    assert not check.get("failed") or not check.get("msg", "Invalid input").startswith("Invalid input"), check
    failure = _failure(results)
    assert failure is None or "Invalid input" not in failure.get("msg", ""), failure
    assert "secret" not in json.dumps(results)


# One role case for real (not check mode) on a test host that a real run would change: packages
# from the world's mirror, endpoints the host reaches. Refused, the run must leave the host as it was.
REAL_RUN_CASE = "external_instance: ECS_CLUSTER in ecs_config contradicts the cluster"
# Where a run that got past the checks would write: the agents' packages, configuration, state and downloads.
HOST_PLACES = ["/etc", "/usr", "/var/lib", "/var/cache", "/root"]
ANSIBLE_REMOTE_TMP = "/root/.ansible/tmp"


def _host_state(world_host, stamp: str) -> dict:
    """Installed packages, and the files under HOST_PLACES changed since ``stamp`` was touched."""
    return {
        "packages": world_host["run"]("dpkg-query", "-W", "-f", "${Package} ${Version} ${Status}\\n"),
        # Ansible's own remote temporary directory aside.
        "changed files": world_host["run"](
            "find", *HOST_PLACES, "-xdev", "-path", ANSIBLE_REMOTE_TMP, "-prune", "-o", "-newer", stamp, "-print"
        ).split(),
    }


@pytest.mark.slow
def test_role_refuses_bad_input_for_real_on_a_test_host(world_host, tmp_path):
    variables, words = EXTERNAL_INSTANCE_CASES[REAL_RUN_CASE]
    knobs = world_host["vars"]
    stamp = "/run/bad-input-stamp"
    world_host["run"]("mkdir", "-p", ANSIBLE_REMOTE_TMP)
    world_host["run"]("touch", stamp)
    before = _host_state(world_host, stamp)
    emulator = world_host["emulator"]
    mark = max((call["seq"] for call in emulator.calls(agent=None)), default=0)
    play = {
        "hosts": world_host["name"],
        "gather_facts": False,
        "vars": {
            **GOOD_ROLE_VARS,
            "ecs_anywhere_aws_endpoint_url": knobs["ecsa_world_emulator_url"],
            "ecs_anywhere_ssm_endpoint": knobs["ecsa_world_emulator_url_for_hosts"],
            "ecs_anywhere_ecs_endpoint": knobs["ecsa_world_emulator_url_for_hosts"],
            "ecs_anywhere_package_mirror": knobs["ecsa_world_mirror_url_for_hosts"],
            **variables,
        },
        "tasks": [
            {"name": "Run the role", "ansible.builtin.include_role": {"name": "onprem.ecs_anywhere.external_instance"}}
        ],
    }
    playbook = tmp_path / "real_run.yml"
    playbook.write_text(json.dumps([play]))

    run = run_playbook(playbook, emulator.env(), inventory=world_host["inventory"])

    results = run.results(world_host["name"])
    failure = _failure(results)
    assert failure is not None, [r["_task"] for r in results]
    message = failure.get("msg", "")
    _report(f"{REAL_RUN_CASE} (real run)", message)
    for word in words:
        assert word in message, (word, failure)
    assert [r["_task"] for r in results if r.get("changed")] == []
    assert run.stats[world_host["name"]]["changed"] == 0
    assert [call for call in emulator.calls(agent=None) if call["seq"] > mark and call["write"]] == []
    assert _host_state(world_host, stamp) == before
