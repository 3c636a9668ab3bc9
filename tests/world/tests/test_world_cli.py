"""What a user of ``python -m tests.world`` notices without starting containers."""

import re
from pathlib import Path

import pytest

from tests.world import hosts, images, ssh, world


def test_hosts_are_named_after_prefix_and_suite():
    assert world.parse_hosts("bookworm,trixie", "ecsa-smoke") == [
        {"name": "ecsa-smoke-bookworm", "suite": "bookworm"},
        {"name": "ecsa-smoke-trixie", "suite": "trixie"},
    ]


def test_repeated_suites_get_a_counter_and_explicit_names_are_kept():
    names = [h["name"] for h in world.parse_hosts("bookworm,bookworm,db=trixie", "w")]
    assert names == ["w-bookworm-1", "w-bookworm-2", "db"]


def test_an_unknown_suite_is_refused_with_the_allowed_ones():
    with pytest.raises(ValueError, match="bookworm, trixie"):
        world.parse_hosts("bullseye", "w")


def test_duplicate_names_are_refused():
    with pytest.raises(ValueError, match="unique"):
        world.parse_hosts("a=bookworm,a=trixie", "w")


def test_image_tag_follows_the_recipe(monkeypatch):
    before = images.image_name("bookworm")
    assert before.startswith(f"{images.IMAGE_REPOSITORY}:bookworm-")
    assert images.image_name("bookworm") == before
    monkeypatch.setattr(images, "INCLUDE", (*images.INCLUDE, "less"))
    assert images.image_name("bookworm") != before


def test_debian_mirror_is_read_from_apt_sources(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d/debian.sources").write_text(
        "Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n\n"
        "Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\n"
    )
    assert images.debian_mirror(tmp_path) == "http://mirror.example/debian"


def test_debian_mirror_from_a_one_line_sources_list(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text("deb [arch=amd64] http://old.example/debian bookworm main\n")
    assert images.debian_mirror(tmp_path) == "http://old.example/debian"


def test_a_world_without_hosts_is_refused():
    with pytest.raises(ValueError, match="at least one host"):
        world.parse_hosts(" , ", "w")


def _recorded_world(connection):
    state_dir = "/tmp/" + "long-state-directory/" * 8
    record = {
        "state_dir": state_dir,
        "connection": connection,
        "network": "ecsa-world-0123456789ab",
        "gateway": "10.89.3.1",
        "arch": "amd64",
        "hosts": [{"name": "h1", "suite": "bookworm", "address": "10.89.3.2" if connection == "ssh" else "h1"}],
        "servers": {"mirror": {"url": "http://127.0.0.1:4000", "host_url": "http://10.89.3.1:4000"}},
    }
    if connection == "ssh":
        record["ssh"] = {"private_key": f"{state_dir}ssh/id_ed25519", "common_args": ssh.common_args(Path(state_dir))}
    return record


def test_ssh_inventory_reaches_root_by_address_with_pipelining_and_a_persistent_master():
    inventory = world.inventory(_recorded_world("ssh"))
    host = inventory["all"]["children"]["ecs_anywhere"]["hosts"]["h1"]
    assert host["ansible_connection"] == "ssh"
    assert host["ansible_host"] == "10.89.3.2"
    assert host["ansible_user"] == "root"
    assert host["ansible_pipelining"] is True
    assert host["ansible_ssh_private_key_file"].endswith("/ssh/id_ed25519")
    for option in ("StrictHostKeyChecking=no", "ControlMaster=auto", "ControlPersist=", "UserKnownHostsFile="):
        assert option in host["ansible_ssh_common_args"]
    assert inventory["all"]["vars"]["ecsa_world_mirror_url_for_hosts"] == "http://10.89.3.1:4000"
    assert inventory["all"]["vars"]["ecsa_world_network"] == "ecsa-world-0123456789ab"


def test_podman_inventory_keeps_the_podman_connection():
    host = world.inventory(_recorded_world("podman"))["all"]["children"]["ecs_anywhere"]["hosts"]["h1"]
    assert host["ansible_connection"] == "containers.podman.podman"
    assert "ansible_ssh_common_args" not in host


def test_control_socket_path_fits_the_unix_socket_limit_for_long_state_dirs():
    state_dir = Path("/tmp/" + "long-state-directory/" * 8)
    control_path = re.search(r"ControlPath=(\S+)", ssh.common_args(state_dir)).group(1)
    # %C expands to 40 hex digits; ssh adds a 17-character suffix while it creates the socket.
    assert len(control_path.replace("%C", "x" * 40)) + 17 < 104
    assert ssh.control_dir(state_dir) != ssh.control_dir(state_dir / "other")


def test_each_world_gets_its_own_network_name():
    assert hosts.network_name(Path("/tmp/a")) != hosts.network_name(Path("/tmp/b"))
    assert hosts.network_name(Path("/tmp/a")) == hosts.network_name(Path("/tmp/a"))
