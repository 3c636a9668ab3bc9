"""The package mirror: AWS's bucket paths, checksums a user can check, signatures gpg accepts."""

import hashlib
import subprocess
import threading
import urllib.error
import urllib.request

import pytest

from tests.world import mirror, mirror_server
from tests.world.tests.conftest import make_deb


def _sums(directory):
    return dict(reversed(line.split("  ", 1)) for line in (directory / "SHA256SUMS").read_text().splitlines())


def _verify(tmp_path, root, signature, signed):
    home = tmp_path / "verify-gnupg"
    home.mkdir(mode=0o700, exist_ok=True)
    subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--import", str(root / "mirror-key.asc")],
        check=True,
        capture_output=True,
    )
    return subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--verify", str(signature), str(signed)],
        check=False,
        capture_output=True,
    )


def test_packages_are_placed_under_aws_bucket_paths_with_checksums(tmp_path, agent_debs):
    root = tmp_path / "mirror"
    assert mirror.build(agent_debs, root, log=lambda _: None)
    ssm = root / "ssm/latest/debian_amd64"
    ecs = root / "ecs"
    assert (ssm / "amazon-ssm-agent.deb").read_bytes() == agent_debs[0].read_bytes()
    assert (ecs / "amazon-ecs-init-latest.amd64.deb").read_bytes() == agent_debs[1].read_bytes()
    assert (ecs / "amazon-ecs-init-1.89.2-1.amd64.deb").exists()
    for directory in (ssm, ecs):
        sums = _sums(directory)
        for name, digest in sums.items():
            assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest
    assert "amazon-ssm-agent.deb" in _sums(ssm)
    assert "amazon-ecs-init-latest.amd64.deb" in _sums(ecs)
    assert not (root / "ssm/latest/debian_arm64").exists()


def test_signatures_verify_with_the_served_key_and_reject_a_changed_package(tmp_path, agent_debs):
    root = tmp_path / "mirror"
    mirror.build(agent_debs, root, log=lambda _: None)
    ssm_deb = root / "ssm/latest/debian_amd64/amazon-ssm-agent.deb"
    ecs_deb = root / "ecs/amazon-ecs-init-latest.amd64.deb"
    assert _verify(tmp_path, root, f"{ssm_deb}.sig", ssm_deb).returncode == 0
    assert (root / "ecs/amazon-ecs-init-latest.amd64.deb.asc").read_text().startswith("-----BEGIN PGP SIGNATURE")
    assert _verify(tmp_path, root, f"{ecs_deb}.asc", ecs_deb).returncode == 0
    tampered = tmp_path / "tampered.deb"
    tampered.write_bytes(ssm_deb.read_bytes() + b"\0")
    assert _verify(tmp_path, root, f"{ssm_deb}.sig", tampered).returncode != 0


def test_rebuilt_only_when_the_packages_change(tmp_path, agent_debs):
    root = tmp_path / "mirror"
    assert mirror.build(agent_debs, root, log=lambda _: None)
    key = (root / "mirror-key.asc").read_text()
    assert not mirror.build(agent_debs, root, log=lambda _: None)
    assert (root / "mirror-key.asc").read_text() == key
    changed = make_deb(tmp_path, "amazon-ssm-agent", "3.3.0.1", payload="new")
    assert mirror.build([changed, agent_debs[1]], root, log=lambda _: None)
    assert (root / "ssm/latest/debian_amd64/amazon-ssm-agent.deb").read_bytes() == changed.read_bytes()


def test_an_arch_all_package_is_served_for_both_architectures(tmp_path):
    debs = [
        make_deb(tmp_path, "amazon-ssm-agent", "1.0", arch="all"),
        make_deb(tmp_path, "amazon-ecs-init", "1.0", arch="all"),
    ]
    root = tmp_path / "mirror"
    mirror.build(debs, root, log=lambda _: None)
    for arch in ("amd64", "arm64"):
        assert (root / f"ssm/latest/debian_{arch}/amazon-ssm-agent.deb").exists()
        assert (root / f"ecs/amazon-ecs-init-latest.{arch}.deb").exists()


def test_a_missing_package_is_named(tmp_path, agent_debs):
    with pytest.raises(FileNotFoundError, match="amazon-ecs-init"):
        mirror.build(agent_debs[:1], tmp_path / "mirror", log=lambda _: None)


def test_server_answers_every_regions_bucket_path_and_lists_nothing(tmp_path, agent_debs):
    root = tmp_path / "mirror"
    mirror.build(agent_debs, root, log=lambda _: None)
    (server,) = mirror_server.make_servers(str(root), ["127.0.0.1"], 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for region in ("us-east-1", "eu-central-1"):
            with urllib.request.urlopen(
                f"{base}/amazon-ssm-{region}/latest/debian_amd64/amazon-ssm-agent.deb"
            ) as answer:
                assert answer.read() == agent_debs[0].read_bytes()
            with urllib.request.urlopen(f"{base}/amazon-ecs-agent-{region}/amazon-ecs-init-latest.amd64.deb") as answer:
                assert answer.read() == agent_debs[1].read_bytes()
        with pytest.raises(urllib.error.HTTPError) as listing:
            urllib.request.urlopen(f"{base}/amazon-ecs-agent-us-east-1/")
        assert listing.value.code == 403
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/amazon-ssm-us-east-1/latest/debian_arm64/amazon-ssm-agent.deb")
        assert missing.value.code == 404
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def served_mirror(tmp_path, agent_debs):
    root = tmp_path / "mirror"
    mirror.build(agent_debs, root, log=lambda _: None)
    (server,) = mirror_server.make_servers(str(root), ["127.0.0.1"], 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url) as answer:
        return answer.read()


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "ap-southeast-2"])
def test_each_regions_buckets_serve_packages_checksums_and_signatures(tmp_path, served_mirror, agent_debs, region):
    """What the role fetches in that region: the package, the SHA256SUMS beside it, its signature."""
    _, base = served_mirror
    (tmp_path / "mirror-key.asc").write_bytes(_fetch(f"{base}/mirror-key.asc"))
    fetched = [
        (f"{base}/amazon-ssm-{region}/latest/debian_amd64/", "amazon-ssm-agent.deb", ".sig", agent_debs[0]),
        (f"{base}/amazon-ecs-agent-{region}/", "amazon-ecs-init-latest.amd64.deb", ".asc", agent_debs[1]),
        (f"{base}/amazon-ecs-agent-{region}/", "amazon-ecs-init-1.89.2-1.amd64.deb", ".asc", agent_debs[1]),
    ]
    for directory, name, signature_suffix, source in fetched:
        package = _fetch(directory + name)
        assert package == source.read_bytes()
        sums = dict(reversed(line.split("  ", 1)) for line in _fetch(directory + "SHA256SUMS").decode().splitlines())
        assert sums[name] == hashlib.sha256(package).hexdigest()
        assert sums[name + signature_suffix] == hashlib.sha256(_fetch(directory + name + signature_suffix)).hexdigest()
        (tmp_path / name).write_bytes(package)
        (tmp_path / (name + signature_suffix)).write_bytes(_fetch(directory + name + signature_suffix))
        verified = _verify(tmp_path, tmp_path, tmp_path / (name + signature_suffix), tmp_path / name)
        assert verified.returncode == 0, verified.stderr


@pytest.mark.parametrize(
    "path",
    [
        "/amazon-ssm-us-eest-1/latest/debian_amd64/amazon-ssm-agent.deb",  # no such region: no such bucket
        "/amazon-ecs-agent-eu-west-9/amazon-ecs-init-latest.amd64.deb",
        "/amazon-ecs-agent-/amazon-ecs-init-latest.amd64.deb",
        "/ssm/latest/debian_amd64/amazon-ssm-agent.deb",  # the region-neutral tree is not a bucket
        "/ecs/SHA256SUMS",
        "/index.json",
        "/amazon-ssm-us-east-1/../index.json",
        "/amazon-ssm-us-east-1/%2e%2e/index.json",
        "/amazon-ssm-eu-west-1/latest/debian_amd64/missing.deb",
    ],
)
def test_anything_but_a_listed_regions_bucket_or_the_key_is_missing(served_mirror, path):
    _, base = served_mirror
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(base + path)
    assert missing.value.code == 404


def test_server_refuses_to_bind_all_interfaces(capsys):
    with pytest.raises(SystemExit):
        mirror_server.main(["--root", "/nonexistent", "--host", "0.0.0.0"])
    assert "all interfaces" in capsys.readouterr().err
