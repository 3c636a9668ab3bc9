"""Where the external_instance role downloads from and which SSM endpoints it writes, per input.

The role computes these in roles/external_instance/vars/main.yml; ansible itself renders them here
(one ansible-playbook run for every case), so the test sees what a host would get.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
ROLE = REPO / "roles" / "external_instance"

CASES = {
    "defaults": {},
    "ipv6": {"ecs_anywhere_ip_compatibility": "ipv6"},
    "ipv6 china": {"ecs_anywhere_ip_compatibility": "ipv6", "ecs_anywhere_region": "cn-north-1"},
    "pinned": {"ecs_anywhere_ssm_agent_version": "3.3.1142.0", "ecs_anywhere_ecs_init_version": "1.89.2-1"},
    "mirror wins over dual-stack": {
        "ecs_anywhere_ip_compatibility": "ipv6",
        "ecs_anywhere_package_mirror": "https://mirror.example/aws/",
    },
    "explicit endpoint and settings win": {
        "ecs_anywhere_ip_compatibility": "ipv6",
        "ecs_anywhere_ssm_endpoint": "https://vpce-1.ssm.eu-west-1.vpce.amazonaws.com",
        "ecs_anywhere_ssm_agent_config": {"Mgs": {"Endpoint": "https://mgs.example"}},
    },
    "exec explicit url": {"ecs_anywhere_exec_binaries_url": "file:///srv/amazon-ssm-agent-binaries.tar.gz"},
}

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_facts: {architecture: x86_64}
    __ecs_anywhere_ssm_agent_bucket_dir: debian
    __ecs_anywhere_package_format: deb
    __ecs_anywhere_ecs_init_arch: amd64
  tasks:
    - ansible.builtin.include_vars: @VARS_FILE@
    - ansible.builtin.set_fact:
        rendered: "{{ rendered | default({}) | combine({item.key: {
          'ssm_agent': __ecs_anywhere_ssm_agent_url, 'ecs_init': __ecs_anywhere_ecs_init_url,
          'ssm_latest': __ecs_anywhere_ssm_agent_latest_version_url, 'ecs_latest': __ecs_anywhere_ecs_init_latest_url,
          'exec_binaries': __ecs_anywhere_exec_binaries_url, 'ssm_settings': __ecs_anywhere_ssm_agent_settings}}) }}"
      loop: "{{ cases | dict2items }}"
      vars:
        case: "{{ defaults | combine(item.value) }}"
        ecs_anywhere_region: "{{ case.ecs_anywhere_region }}"
        ecs_anywhere_ip_compatibility: "{{ case.ecs_anywhere_ip_compatibility }}"
        ecs_anywhere_package_mirror: "{{ case.ecs_anywhere_package_mirror }}"
        ecs_anywhere_ssm_agent_package_url: "{{ case.ecs_anywhere_ssm_agent_package_url }}"
        ecs_anywhere_ecs_init_package_url: "{{ case.ecs_anywhere_ecs_init_package_url }}"
        ecs_anywhere_ssm_agent_version: "{{ case.ecs_anywhere_ssm_agent_version }}"
        ecs_anywhere_ecs_init_version: "{{ case.ecs_anywhere_ecs_init_version }}"
        ecs_anywhere_ssm_endpoint: "{{ case.ecs_anywhere_ssm_endpoint }}"
        ecs_anywhere_ssm_agent_config: "{{ case.ecs_anywhere_ssm_agent_config }}"
        ecs_anywhere_exec_binaries_url: "{{ case.ecs_anywhere_exec_binaries_url }}"
        ecs_anywhere_exec_ssm_version: "{{ case.ecs_anywhere_exec_ssm_version }}"
        # The version each package ends on (module_utils/agent_versions.py decides; tested apart).
        __ecs_anywhere_agents:
          amazon-ssm-agent: {target: "{{ case.ecs_anywhere_ssm_agent_version }}"}
          amazon-ecs-init: {target: "{{ case.ecs_anywhere_ecs_init_version }}"}
    - ansible.builtin.copy:
        content: "{{ rendered | to_json }}"
        dest: @OUT@
        mode: "0600"
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("urls")
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    # Only the role's own defaults for the inputs the URLs depend on; the test region otherwise.
    defaults = {k: v for k, v in defaults.items() if not isinstance(v, str) or "{{" not in v}
    defaults["ecs_anywhere_region"] = "eu-west-1"
    out = tmp / "rendered.json"
    playbook = tmp / "render.yml"
    # The role's vars, but the version each package ends on is the case's (the agent_targets filter
    # decides it on a host; test_agent_versions.py tests that decision).
    role_vars = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())
    del role_vars["__ecs_anywhere_agents"]
    (tmp / "role_vars.yml").write_text(yaml.safe_dump(role_vars))
    playbook.write_text(PLAYBOOK.replace("@VARS_FILE@", str(tmp / "role_vars.yml")).replace("@OUT@", str(out)))
    (tmp / "vars.json").write_text(json.dumps({"cases": CASES, "defaults": defaults}))
    env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    result = subprocess.run(
        [Path(sys.executable).parent / "ansible-playbook", str(playbook), "-e", f"@{tmp / 'vars.json'}"],
        capture_output=True,
        text=True,
        env=env,
        check=False,  # the output is what the assertion shows
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(out.read_text())


def test_defaults_are_the_regional_buckets_latest_and_no_ssm_settings(rendered):
    case = rendered["defaults"]
    assert (
        case["ssm_agent"]
        == "https://s3.eu-west-1.amazonaws.com/amazon-ssm-eu-west-1/latest/debian_amd64/amazon-ssm-agent.deb"
    )
    assert (
        case["ecs_init"]
        == "https://s3.eu-west-1.amazonaws.com/amazon-ecs-agent-eu-west-1/amazon-ecs-init-latest.amd64.deb"
    )
    assert case["exec_binaries"] == (
        "https://s3.eu-west-1.amazonaws.com/amazon-ssm-eu-west-1/3.3.1611.0/linux_amd64/amazon-ssm-agent-binaries.tar.gz"
    )
    assert case["ssm_settings"] == {}
    # Where the latest versions are looked up (ecs_anywhere_upgrade_agents).
    assert case["ssm_latest"] == "https://s3.eu-west-1.amazonaws.com/amazon-ssm-eu-west-1/latest/VERSION"
    assert case["ecs_latest"] == case["ecs_init"]


def test_ipv6_uses_the_dual_stack_bucket_and_ssm_endpoints(rendered):
    case = rendered["ipv6"]
    assert case["ssm_agent"].startswith("https://s3.dualstack.eu-west-1.amazonaws.com/amazon-ssm-eu-west-1/latest/")
    assert case["ecs_init"].startswith("https://s3.dualstack.eu-west-1.amazonaws.com/amazon-ecs-agent-eu-west-1/")
    assert case["exec_binaries"].startswith(
        "https://s3.dualstack.eu-west-1.amazonaws.com/amazon-ssm-eu-west-1/3.3.1611.0/"
    )
    assert case["ssm_settings"] == {
        "Ssm": {"Endpoint": "https://ssm.eu-west-1.api.aws"},
        "Mgs": {"Endpoint": "https://ssmmessages.eu-west-1.api.aws"},
        "Mds": {"Endpoint": "https://ec2messages.eu-west-1.api.aws"},
    }


def test_ipv6_in_china_uses_the_china_suffixes(rendered):
    case = rendered["ipv6 china"]
    assert case["ssm_agent"].startswith("https://s3.dualstack.cn-north-1.amazonaws.com.cn/amazon-ssm-cn-north-1/")
    assert case["ssm_settings"]["Ssm"] == {"Endpoint": "https://ssm.cn-north-1.api.amazonwebservices.com.cn"}


def test_pinned_versions_are_in_the_download_paths(rendered):
    case = rendered["pinned"]
    assert case["ssm_agent"] == (
        "https://s3.eu-west-1.amazonaws.com/amazon-ssm-eu-west-1/3.3.1142.0/debian_amd64/amazon-ssm-agent.deb"
    )
    assert (
        case["ecs_init"]
        == "https://s3.eu-west-1.amazonaws.com/amazon-ecs-agent-eu-west-1/amazon-ecs-init-1.89.2-1.amd64.deb"
    )
    # The latest is looked up at the same place whatever the pin.
    assert case["ecs_latest"].endswith("/amazon-ecs-agent-eu-west-1/amazon-ecs-init-latest.amd64.deb")


def test_a_mirror_wins_over_the_dual_stack_bucket(rendered):
    case = rendered["mirror wins over dual-stack"]
    assert (
        case["ssm_agent"] == "https://mirror.example/aws/amazon-ssm-eu-west-1/latest/debian_amd64/amazon-ssm-agent.deb"
    )
    assert case["exec_binaries"].startswith("https://mirror.example/aws/amazon-ssm-eu-west-1/3.3.1611.0/linux_amd64/")
    assert case["ssm_latest"] == "https://mirror.example/aws/amazon-ssm-eu-west-1/latest/VERSION"
    assert (
        case["ecs_latest"] == "https://mirror.example/aws/amazon-ecs-agent-eu-west-1/amazon-ecs-init-latest.amd64.deb"
    )


def test_explicit_ssm_endpoint_and_settings_win_over_dual_stack(rendered):
    case = rendered["explicit endpoint and settings win"]
    assert case["ssm_settings"] == {
        "Ssm": {"Endpoint": "https://vpce-1.ssm.eu-west-1.vpce.amazonaws.com"},
        "Mgs": {"Endpoint": "https://mgs.example"},
        "Mds": {"Endpoint": "https://ec2messages.eu-west-1.api.aws"},
    }


def test_exec_binaries_url_can_be_given(rendered):
    assert rendered["exec explicit url"]["exec_binaries"] == "file:///srv/amazon-ssm-agent-binaries.tar.gz"
