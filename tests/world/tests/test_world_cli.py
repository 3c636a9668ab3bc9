"""What a user of ``python -m tests.world`` notices without starting containers."""

import pytest

from tests.world import images, world


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
