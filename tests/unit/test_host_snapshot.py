"""The external_instance role's checks before any write (module_utils/host_inputs.py, ssm_tags.py)
and the note of what a host's reads say (plugins/action/host_snapshot.py)."""

import base64
import json

import pytest
from ansible_collections.onprem.ecs_anywhere.plugins.action.host_snapshot import snapshot
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.host_inputs import host_problems, input_problems
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.ssm_tags import name_problem, tag_problems

GOOD = {
    "ecs_anywhere_state": "present",
    "ecs_anywhere_region": "eu-west-1",
    "ecs_anywhere_cluster": "edge",
    "ecs_anywhere_role_name": "service-role/ecsAnywhereRole",
    "ecs_anywhere_activation_expires_in": "1d12h",
    "ecs_anywhere_activation_tags": {"team": "platform"},
    "ecs_anywhere_instance_name": "edge-01.example.com",
    "ecs_anywhere_instance_tags": {"site": "lyon 2", "cost-center": "4711"},
    "ecs_anywhere_verify_timeout": "300",
    "ecs_anywhere_drain_timeout": 0,
    "ecs_anywhere_min_free_disk_mb": 1024,
    "ecs_anywhere_package_mirror": "file:///srv/mirror",
    "ecs_anywhere_ssm_agent_checksum": "sha256:https://mirror.example.com/SHA256SUMS",
    "ecs_anywhere_ecs_init_checksum": "",
    "ecs_anywhere_http_proxy": "http://user:secret@proxy.example.com:3128",
    "ecs_anywhere_ecs_config": {"ECS_LOGLEVEL": "debug"},
    "ecs_anywhere_docker_source": "distro",
    "ecs_anywhere_start_agents": True,
    "ecs_anywhere_force_reregister": False,
    "ecs_anywhere_drain_force": False,
}
DEBIAN = {
    "distribution": "Debian",
    "distribution_major_version": "12",
    "distribution_version": "12.8",
    "architecture": "x86_64",
    "service_mgr": "systemd",
    "user_uid": 0,
}
PLATFORM = {
    "supported_platforms": {"Debian": ["12", "13"], "RedHat": ["9"]},
    "supported_architectures": {"x86_64": "amd64", "aarch64": "arm64"},
    "docker_distro_packages": ["docker.io"],
    "docker_repo_packages": ["docker-ce"],
}


def test_good_inputs_pass():
    assert input_problems(GOOD) == []


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"ecs_anywhere_region": "Europe"}, ["ecs_anywhere_region 'Europe'", "AWS region name"]),
        ({"ecs_anywhere_cluster": "my cluster"}, ["ecs_anywhere_cluster 'my cluster'", "1-255"]),
        ({"ecs_anywhere_role_name": "arn:aws:iam::1:role/x"}, ["ecs_anywhere_role_name", "not an ARN"]),
        (
            {"ecs_anywhere_activation_expires_in": "tomorrow"},
            ["ecs_anywhere_activation_expires_in 'tomorrow'", "duration"],
        ),
        ({"ecs_anywhere_activation_expires_in": "31d"}, ["ecs_anywhere_activation_expires_in '31d'", "30 days"]),
        ({"ecs_anywhere_verify_timeout": 0}, ["ecs_anywhere_verify_timeout (0)", "more than 0"]),
        ({"ecs_anywhere_drain_timeout": "soon"}, ["ecs_anywhere_drain_timeout (soon)", "0 or more"]),
        ({"ecs_anywhere_package_mirror": "mirror.local"}, ["ecs_anywhere_package_mirror 'mirror.local'", "file://"]),
        ({"ecs_anywhere_ecs_init_checksum": "md5:abc"}, ["ecs_anywhere_ecs_init_checksum", "sha256:<64 hex digits>"]),
        ({"ecs_anywhere_http_proxy": "proxy:3128"}, ["ecs_anywhere_http_proxy 'proxy:3128'", "http(s)://host:port"]),
        (
            {"ecs_anywhere_ssm_agent_package_url": "https://x/a.deb", "ecs_anywhere_ssm_agent_package_file": "a.deb"},
            ["ecs_anywhere_ssm_agent_package_url and ecs_anywhere_ssm_agent_package_file contradict"],
        ),
        ({"ecs_anywhere_ecs_config": {"ecs_cluster": "other"}}, ["ecs_anywhere_ecs_config sets ECS_CLUSTER"]),
        ({"ecs_anywhere_instance_name": "edge\t01"}, ["ecs_anywhere_instance_name 'edge\t01'", "'\\t'", "SSM refuses"]),
        (
            {"ecs_anywhere_instance_tags": {"site": "a,b"}},
            ["ecs_anywhere_instance_tags: the value of tag 'site'", "','"],
        ),
        ({"ecs_anywhere_instance_tags": {"#1": "x"}}, ["ecs_anywhere_instance_tags: tag key '#1'", "'#'"]),
        ({"ecs_anywhere_ssm_agent_version": "3.3"}, ["ecs_anywhere_ssm_agent_version '3.3'", "four numbers"]),
        ({"ecs_anywhere_ecs_init_version": "1.90.0"}, ["ecs_anywhere_ecs_init_version '1.90.0'", "release"]),
        (
            {"ecs_anywhere_upgrade_agents": True, "ecs_anywhere_ecs_init_version": "1.90.0-1"},
            ["ecs_anywhere_upgrade_agents", "file:// mirror", "pin ecs_anywhere_ssm_agent_version"],
        ),
        ({"ecs_anywhere_instance_tags": {"aws:x": "y"}}, ["ecs_anywhere_instance_tags: tag key 'aws:x'", "reserves"]),
        (
            {"ecs_anywhere_instance_tags": {f"k{n}": "v" for n in range(50)}},
            [
                "ecs_anywhere_instance_tags: 52 tags with Name, ecs-anywhere:named, which the collection sets",
                "at most 50",
            ],
        ),
        ({"ecs_anywhere_activation_tags": {"k": "v" * 257}}, ["ecs_anywhere_activation_tags", "257 characters"]),
    ],
)
def test_each_bad_input_is_named_with_its_rule(changes, words):
    problems = input_problems(dict(GOOD, **changes))
    assert len(problems) == 1, problems
    for word in words:
        assert word in problems[0], (word, problems[0])


def test_proxy_credentials_are_never_echoed():
    [problem] = input_problems(dict(GOOD, ecs_anywhere_http_proxy="http://user:secret@proxy/path"))
    assert "secret" not in problem and "<credentials>" in problem


def test_every_bad_input_is_reported_at_once():
    bad = dict(GOOD, ecs_anywhere_region="", ecs_anywhere_cluster="", ecs_anywhere_instance_tags={"a": "b,c"})
    assert len(input_problems(bad)) == 3


def test_ssm_accepts_letters_of_any_script_spaces_and_its_punctuation():
    assert name_problem("Zürich-Lager_2 /a:b=c+d@e.f", "name") is None
    assert tag_problems({"Ort": "Zürich 東京"}, "tags") == []
    assert name_problem("a" * 256, "name") is None
    assert "257 characters" in name_problem("a" * 257, "name")
    assert "'\\n'" in name_problem("a\nb", "name")


def test_the_tags_the_collection_sets_count_against_the_fifty():
    tags = {f"k{n}": "v" for n in range(48)}
    keep = ("Name", "ecs-anywhere:named")
    assert tag_problems(tags, "tags", keep=keep) == []
    assert tag_problems(dict(tags, k48="v"), "tags", keep=keep) == [
        "tags: 51 tags with Name, ecs-anywhere:named, which the collection sets; SSM takes at most 50 per resource"
    ]
    # The caller's own key already in the tags is not counted twice.
    assert tag_problems(dict(tags, Name="x"), "tags", keep=keep) == []


def test_the_naming_marker_is_the_collections_own_tag():
    [problem] = input_problems(dict(GOOD, ecs_anywhere_activation_tags={"ecs-anywhere:named": "x"}))
    assert problem == (
        "ecs_anywhere_activation_tags: tag key 'ecs-anywhere:named' is the collection's own (it marks named instances)"
    )


def test_a_supported_host_passes():
    assert host_problems(DEBIAN, PLATFORM, GOOD, free_disk_mb=2048, nvidia_smi=None) == []


@pytest.mark.parametrize(
    ("facts", "inputs", "reads", "words"),
    [
        (
            {"distribution_major_version": "10", "distribution_version": "10.13"},
            {},
            {},
            ["Debian 10.13 is not supported"],
        ),
        ({"architecture": "armv7l"}, {}, {}, ["Architecture armv7l is not supported", "x86_64 and aarch64"]),
        ({"service_mgr": "sysvinit"}, {}, {}, ["need systemd and root", "sysvinit"]),
        ({"user_uid": 1000}, {}, {}, ["user id is 1000", "become: true"]),
        ({}, {"ecs_anywhere_docker_source": "nope"}, {}, ["ecs_anywhere_docker_source=nope has no Docker package"]),
        ({}, {}, {"free_disk_mb": 100}, ["/var has 100 MB free", "ecs_anywhere_min_free_disk_mb"]),
        ({}, {}, {"nvidia_smi": {"rc": 2, "stdout": "", "stderr": ""}}, ["nvidia-smi is not installed on edge-01"]),
        (
            {},
            {},
            {"nvidia_smi": {"rc": 9, "stdout": "", "stderr": "NVIDIA-SMI has failed"}},
            ["nvidia-smi failed on edge-01 (exit 9: NVIDIA-SMI has failed)"],
        ),
    ],
)
def test_each_host_problem_says_what_is_wrong(facts, inputs, reads, words):
    problems = host_problems(
        dict(DEBIAN, **facts), PLATFORM, dict(GOOD, inventory_hostname="edge-01", **inputs), **reads
    )
    assert len(problems) == 1, problems
    for word in words:
        assert word in problems[0], (word, problems[0])


def test_taking_a_host_out_needs_neither_docker_nor_disk():
    absent = dict(GOOD, ecs_anywhere_state="absent", ecs_anywhere_docker_source="nope")
    assert host_problems(DEBIAN, PLATFORM, absent, free_disk_mb=1) == []


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def test_snapshot_notes_what_the_reads_say():
    reads = {
        "registration_key": {"content": _b64(json.dumps({"instanceID": "mi-0123456789abcdef0", "privateKey": "k"}))},
        "ecs_config": {"content": _b64("ECS_CLUSTER=old\nECS_EXTERNAL=true\nECS_CLUSTER= edge \n")},
        "ecs_metadata": {"status": 200, "json": {"Cluster": "edge", "ContainerInstanceArn": "arn:ci"}},
        # dpkg-query's answer; rpm's for a missing package is "package amazon-ecs-init is not installed".
        "package_query": {
            "stdout_lines": [
                "amazon-ssm-agent installed 3.3.1142.0-1",
                "amazon-ecs-init not-installed ",
                "package amazon-ecs-init is not installed",
            ]
        },
    }
    facts = {
        "nodename": "edge-01",
        "hostname": "edge-01",
        "fqdn": "edge-01.lab",
        "ansible_host": "10.0.0.7",
        "default_ipv4": {"address": "10.0.0.7"},
        "all_ipv4_addresses": ["10.0.0.7", "172.17.0.1"],
    }
    noted = snapshot("edge-01", GOOD, reads, facts)
    assert noted["instance_id"] == "mi-0123456789abcdef0"
    assert noted["cluster"] == "edge"  # the last ECS_CLUSTER line wins, as in an environment file
    assert noted["container_instance_arn"] == "arn:ci"
    assert noted["installed_agents"] == ["amazon-ssm-agent"]
    assert noted["agents"]["amazon-ssm-agent"] == {
        "installed": "3.3.1142.0-1",
        "wanted": "latest",
        "managed": True,
        "resolve_latest": False,
    }
    assert noted["agents"]["amazon-ecs-init"]["installed"] == ""
    assert noted["aws"] == {
        "region": "eu-west-1",
        "endpoint_url": GOOD.get("ecs_anywhere_aws_endpoint_url", ""),
        "profile": "",
    }
    assert noted["target_cluster"] == "edge" and noted["batch"] == {"ecs_anywhere_state": "present"}
    # What SSM's heartbeat of the identity is matched with, to tell an original from its clones.
    assert noted["computer_names"] == ["edge-01", "edge-01.lab"]
    assert noted["addresses"] == ["10.0.0.7", "172.17.0.1"]
    assert "privateKey" not in json.dumps(noted) and "k" not in noted.values()


def test_snapshot_of_a_host_without_agents_or_with_an_unreadable_key():
    missing = {"failed": True, "msg": "file not found"}
    noted = snapshot("edge-02", GOOD, {"registration_key": missing, "ecs_config": missing, "ecs_metadata": missing})
    assert (noted["instance_id"], noted["cluster"], noted["container_instance_arn"], noted["installed_agents"]) == (
        "",
        "",
        "",
        [],
    )
    garbled = snapshot("edge-03", GOOD, {"registration_key": {"content": _b64("not json")}})
    assert garbled["instance_id"] == ""


def test_snapshot_ignores_an_agent_of_another_cluster():
    reads = {"ecs_metadata": {"json": {"Cluster": "lab", "ContainerInstanceArn": "arn:other"}}}
    assert snapshot("edge-01", GOOD, reads)["container_instance_arn"] == ""
