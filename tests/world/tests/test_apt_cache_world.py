"""A real host's apt fetches Debian's files through its world's apt cache: sources unchanged, packages kept once."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.world import apt_cache, images, ssh, world

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]


def _cli(*args, store):
    return subprocess.run(
        [sys.executable, "-m", "tests.world", *args],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, apt_cache.ROOT_ENV: str(store)},
    )


def test_apt_on_a_host_downloads_through_the_cache_and_a_second_download_is_a_hit(tmp_path, agent_debs):
    state, store = tmp_path / "world", tmp_path / "store"
    up = _cli(
        "up",
        "--state-dir",
        str(state),
        "--hosts",
        f"ecsa-apt{tmp_path.name[-6:]}=bookworm",
        "--no-emulator",
        "--agents-dir",
        str(agent_debs[0].parent),
        store=store,
    )
    try:
        assert up.returncode == 0, up.stderr
        recorded = json.loads(up.stdout)
        (host,) = recorded["hosts"]
        cache = recorded["servers"]["apt_cache"]
        assert cache["host_url"].startswith(f"http://{recorded['gateway']}:")
        script = (
            f"cat /etc/apt/sources.list {world.APT_PROXY_CONF} && apt-get update -qq"
            " && mkdir -p /tmp/a /tmp/b && cd /tmp/a && apt-get download -qq tini && cd /tmp/b && apt-get download -qq tini"
            " && cmp /tmp/a/tini_*.deb /tmp/b/tini_*.deb"
        )
        on_host = subprocess.run(
            ssh.command(state.resolve(), host["address"], script),
            check=False,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert on_host.returncode == 0, on_host.stdout + on_host.stderr
        # The host's sources still name Debian's mirror; only the transport is the world's cache.
        assert f"deb {images.debian_mirror()} bookworm main" in on_host.stdout
        assert f'"{cache["host_url"]}";' in on_host.stdout
        answers = [
            line.split() for line in Path(cache["log"]).read_text().splitlines() if line.startswith(host["address"])
        ]
        outcomes = {(fields[1], fields[-1].rsplit("/", 1)[-1].split("_")[0]) for fields in answers}
        assert ("PASS", "InRelease") in outcomes  # never kept: apt always asks Debian's mirror
        tini = [fields[1] for fields in answers if "/pool/main/t/tini/" in fields[-1]]
        assert tini == ["MISS", "HIT"]
        assert len(list((store / "deb").rglob("tini_*.deb"))) == 1
        assert list(store.rglob(f"{apt_cache.PARTIAL_PREFIX}*")) == []
    finally:
        down = _cli("down", "--state-dir", str(state), store=store)
    assert down.returncode == 0, down.stderr
