"""The package mirror: AWS's bucket paths for every version, checksums a user can check, signatures gpg accepts."""

import hashlib
import io
import lzma
import subprocess
import tarfile
import threading
import urllib.error
import urllib.request

import pytest

from tests.world import mirror, mirror_server
from tests.world.tests.conftest import make_deb

SSM_OLD, SSM_NEW = "3.3.1142.0", "3.3.1611.0"
ECS_OLD, ECS_NEW = "1.89.2-1", "1.90.0-1"


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


def _debs_by_version(agent_debs):
    return {deb.name.split("_")[1]: deb for deb in agent_debs}


# mirror path -> the version it serves, for the amd64 packages of agent_debs
PLACED = {
    f"ssm/{SSM_OLD}/debian_amd64/amazon-ssm-agent.deb": SSM_OLD,
    f"ssm/{SSM_NEW}/debian_amd64/amazon-ssm-agent.deb": SSM_NEW,
    "ssm/latest/debian_amd64/amazon-ssm-agent.deb": SSM_NEW,
    f"ecs/amazon-ecs-init-{ECS_OLD}.amd64.deb": ECS_OLD,
    f"ecs/amazon-ecs-init-{ECS_NEW}.amd64.deb": ECS_NEW,
    "ecs/amazon-ecs-init-latest.amd64.deb": ECS_NEW,
}


def test_every_version_is_placed_under_aws_bucket_paths_and_latest_is_the_newest(tmp_path, agent_debs):
    root = tmp_path / "mirror"
    assert mirror.build(agent_debs, root, log=lambda _: None)
    by_version = _debs_by_version(agent_debs)
    for path, version in PLACED.items():
        assert (root / path).read_bytes() == by_version[version].read_bytes(), path
    assert (root / "ssm/latest/VERSION").read_text() == SSM_NEW
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*.deb")) == sorted(PLACED)
    assert not (root / "ssm/latest/debian_arm64").exists()


def test_each_package_directory_lists_every_file_in_it_in_sha256sums(tmp_path, agent_debs):
    root = tmp_path / "mirror"
    mirror.build(agent_debs, root, log=lambda _: None)
    directories = {(root / path).parent for path in PLACED}
    assert len(directories) == 4  # ssm/<old>/debian_amd64, ssm/<new>/..., ssm/latest/..., ecs
    for directory in directories:
        sums = _sums(directory)
        assert set(sums) == {f.name for f in directory.iterdir() if f.name != "SHA256SUMS"}, directory
        for name, digest in sums.items():
            assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest
    for path in PLACED:
        signature = ".sig" if path.startswith("ssm/") else ".asc"
        assert {path.rpartition("/")[2], path.rpartition("/")[2] + signature} <= set(_sums((root / path).parent))


@pytest.mark.parametrize("reverse", [False, True], ids=["given-oldest-first", "given-newest-first"])
def test_newest_is_decided_by_debian_version_order_not_by_name_or_order(tmp_path, reverse):
    # As strings 3.3.999.0 sorts after 3.3.1000.0 and 1.9.0-1 after 1.10.0-1; as versions they come first.
    debs = [
        make_deb(tmp_path, "amazon-ssm-agent", "3.3.999.0", payload="old"),
        make_deb(tmp_path, "amazon-ssm-agent", "3.3.1000.0", payload="new"),
        make_deb(tmp_path, "amazon-ecs-init", "1.9.0-1", payload="old"),
        make_deb(tmp_path, "amazon-ecs-init", "1.10.0-1", payload="new"),
    ]
    root = tmp_path / "mirror"
    mirror.build(debs[::-1] if reverse else debs, root, log=lambda _: None)
    assert (root / "ssm/latest/debian_amd64/amazon-ssm-agent.deb").read_bytes() == debs[1].read_bytes()
    assert (root / "ssm/latest/VERSION").read_text() == "3.3.1000.0"
    assert (root / "ecs/amazon-ecs-init-latest.amd64.deb").read_bytes() == debs[3].read_bytes()


def test_signatures_of_every_version_verify_with_the_served_key_and_reject_a_changed_package(tmp_path, agent_debs):
    root = tmp_path / "mirror"
    mirror.build(agent_debs, root, log=lambda _: None)
    for path in PLACED:
        package = root / path
        if path.startswith("ssm/"):
            signature = package.with_name(package.name + ".sig")
            assert not signature.read_bytes().startswith(b"-----BEGIN")  # binary, as AWS publishes it
        else:
            signature = package.with_name(package.name + ".asc")
            assert signature.read_text().startswith("-----BEGIN PGP SIGNATURE")
        assert _verify(tmp_path, root, signature, package).returncode == 0, path
    ssm_deb = root / "ssm/latest/debian_amd64/amazon-ssm-agent.deb"
    tampered = tmp_path / "tampered.deb"
    tampered.write_bytes(ssm_deb.read_bytes() + b"\0")
    assert _verify(tmp_path, root, f"{ssm_deb}.sig", tampered).returncode != 0
    # One version's signature does not pass for the other's package.
    old = root / f"ssm/{SSM_OLD}/debian_amd64/amazon-ssm-agent.deb"
    assert _verify(tmp_path, root, f"{ssm_deb}.sig", old).returncode != 0


def test_rebuilt_only_when_the_packages_or_the_layout_change(tmp_path, agent_debs):
    root = tmp_path / "mirror"
    assert mirror.build(agent_debs, root, log=lambda _: None)
    key = (root / "mirror-key.asc").read_text()
    assert not mirror.build(agent_debs, root, log=lambda _: None)
    assert (root / "mirror-key.asc").read_text() == key
    newer = make_deb(tmp_path, "amazon-ssm-agent", "3.3.2000.0", payload="newer")
    assert mirror.build([*agent_debs, newer], root, log=lambda _: None)
    assert (root / "ssm/latest/debian_amd64/amazon-ssm-agent.deb").read_bytes() == newer.read_bytes()
    assert (root / "ssm/latest/VERSION").read_text() == "3.3.2000.0"
    # A tree an older layout wrote for the very same packages is written again.
    stamp = root / mirror.STAMP
    stamp.write_text(mirror.packages_digest([*agent_debs, newer]) + "\n")
    assert mirror.build([*agent_debs, newer], root, log=lambda _: None)


def test_an_arch_all_package_is_served_for_both_architectures(tmp_path):
    debs = [
        make_deb(tmp_path, "amazon-ssm-agent", "1.0", arch="all"),
        make_deb(tmp_path, "amazon-ecs-init", "1.0", arch="all"),
    ]
    root = tmp_path / "mirror"
    mirror.build(debs, root, log=lambda _: None)
    for arch in ("amd64", "arm64"):
        assert (root / f"ssm/latest/debian_{arch}/amazon-ssm-agent.deb").exists()
        assert (root / f"ssm/1.0/debian_{arch}/amazon-ssm-agent.deb").exists()
        assert (root / f"ecs/amazon-ecs-init-latest.{arch}.deb").exists()
        assert (root / f"ecs/amazon-ecs-init-1.0.{arch}.deb").exists()


def test_a_missing_package_is_named(tmp_path, agent_debs):
    with pytest.raises(FileNotFoundError, match="amazon-ecs-init"):
        mirror.build(agent_debs[:2], tmp_path / "mirror", log=lambda _: None)


def test_two_different_packages_for_one_version_and_architecture_are_refused(tmp_path, agent_debs):
    same_version = make_deb(tmp_path, "amazon-ecs-init", ECS_NEW, arch="all")
    with pytest.raises(ValueError, match=f"two packages for amazon-ecs-init {ECS_NEW} amd64"):
        mirror.build([*agent_debs, same_version], tmp_path / "mirror", log=lambda _: None)


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


def test_server_answers_every_regions_bucket_path_and_lists_nothing(served_mirror, agent_debs):
    _, base = served_mirror
    by_version = _debs_by_version(agent_debs)
    for region in ("us-east-1", "eu-central-1"):
        for path, version in PLACED.items():
            bucket = f"amazon-ssm-{region}" if path.startswith("ssm/") else f"amazon-ecs-agent-{region}"
            assert _fetch(f"{base}/{bucket}/{path.split('/', 1)[1]}") == by_version[version].read_bytes(), path
        assert _fetch(f"{base}/amazon-ssm-{region}/latest/VERSION") == SSM_NEW.encode()
    with pytest.raises(urllib.error.HTTPError) as listing:
        urllib.request.urlopen(f"{base}/amazon-ecs-agent-us-east-1/")
    assert listing.value.code == 403
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/amazon-ssm-us-east-1/latest/debian_arm64/amazon-ssm-agent.deb")
    assert missing.value.code == 404


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "ap-southeast-2"])
def test_each_regions_buckets_serve_packages_checksums_and_signatures(tmp_path, served_mirror, agent_debs, region):
    """What the role fetches in that region: the package, the SHA256SUMS beside it, its signature."""
    _, base = served_mirror
    (tmp_path / "mirror-key.asc").write_bytes(_fetch(f"{base}/mirror-key.asc"))
    by_version = _debs_by_version(agent_debs)
    for index, (path, version) in enumerate(PLACED.items()):
        key = path.split("/", 1)[1]
        directory, _, name = f"/{key}".rpartition("/")
        bucket = f"amazon-ssm-{region}" if path.startswith("ssm/") else f"amazon-ecs-agent-{region}"
        url = f"{base}/{bucket}{directory}/"
        signature_suffix = ".sig" if path.startswith("ssm/") else ".asc"
        package = _fetch(url + name)
        assert package == by_version[version].read_bytes()
        sums = dict(reversed(line.split("  ", 1)) for line in _fetch(url + "SHA256SUMS").decode().splitlines())
        assert sums[name] == hashlib.sha256(package).hexdigest()
        signature = _fetch(url + name + signature_suffix)
        assert sums[name + signature_suffix] == hashlib.sha256(signature).hexdigest()
        (tmp_path / f"{index}-{name}").write_bytes(package)
        (tmp_path / f"{index}-{name}{signature_suffix}").write_bytes(signature)
        verified = _verify(
            tmp_path, tmp_path, tmp_path / f"{index}-{name}{signature_suffix}", tmp_path / f"{index}-{name}"
        )
        assert verified.returncode == 0, verified.stderr


@pytest.mark.parametrize(
    "path",
    [
        "/amazon-ssm-us-eest-1/latest/debian_amd64/amazon-ssm-agent.deb",  # no such region: no such bucket
        "/amazon-ecs-agent-eu-west-9/amazon-ecs-init-latest.amd64.deb",
        "/amazon-ecs-agent-/amazon-ecs-init-latest.amd64.deb",
        "/ssm/latest/debian_amd64/amazon-ssm-agent.deb",  # the region-neutral tree is not a bucket
        "/ssm/latest/VERSION",
        "/ecs/SHA256SUMS",
        "/index.json",
        "/amazon-ssm-us-east-1/../index.json",
        "/amazon-ssm-us-east-1/%2e%2e/index.json",
        "/amazon-ssm-eu-west-1/latest/debian_amd64/missing.deb",
        "/amazon-ssm-eu-west-1/3.3.0.0/debian_amd64/amazon-ssm-agent.deb",  # a version the mirror lacks
        "/amazon-ecs-agent-eu-west-1/amazon-ecs-init-1.0.0-1.amd64.deb",
    ],
)
def test_anything_but_a_listed_regions_bucket_or_the_key_is_missing(served_mirror, path):
    _, base = served_mirror
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(base + path)
    assert missing.value.code == 404


def _request(url: str, method: str = "GET", byte_range: str | None = None):
    """(status, headers, body) of one request; an HTTP error status is an answer, not an exception."""
    request = urllib.request.Request(url, method=method, headers={"Range": byte_range} if byte_range else {})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def large_package(tmp_path, agent_debs):
    """A mirror whose ecs-init 1.90.0-1 is about 150 KB (incompressible payload), served; (url, bytes)."""
    (tmp_path / "large").mkdir()
    payload = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(4700))
    large = make_deb(tmp_path / "large", "amazon-ecs-init", "1.90.0-1", payload=payload)
    root = tmp_path / "mirror"
    mirror.build([*agent_debs[:3], large], root, log=lambda _: None)
    (server,) = mirror_server.make_servers(str(root), ["127.0.0.1"], 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/amazon-ecs-agent-eu-west-1/amazon-ecs-init-latest.amd64.deb"
    yield url, large.read_bytes()
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-65535", 0, 65535),  # what a client reads to learn a package's version
        ("bytes=100-", 100, None),
        ("bytes=1000-1000", 1000, 1000),
        ("bytes=-10", -10, None),
        ("bytes=65536-99999999", 65536, None),  # past the end: up to the end
    ],
)
def test_a_single_byte_range_is_answered_206_with_its_content_range(large_package, header, first, last):
    url, data = large_package
    size = len(data)
    assert size > 100_000
    start = size + first if first < 0 else first
    end = size - 1 if last is None else last
    status, headers, body = _request(url, byte_range=header)
    assert status == 206
    assert headers["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert int(headers["Content-Length"]) == end - start + 1
    assert body == data[start : end + 1]


def test_head_with_a_range_answers_its_headers_only(large_package):
    url, data = large_package
    status, headers, body = _request(url, "HEAD", "bytes=0-65535")
    assert (status, headers["Content-Range"], headers["Content-Length"], body) == (
        206,
        f"bytes 0-65535/{len(data)}",
        "65536",
        b"",
    )
    status, headers, body = _request(url, "HEAD")
    assert (status, headers["Content-Length"], headers["Accept-Ranges"], body) == (200, str(len(data)), "bytes", b"")
    assert "Content-Range" not in headers


def test_a_range_past_the_end_is_416_and_odd_ranges_get_the_whole_file(large_package):
    url, data = large_package
    status, headers, _ = _request(url, byte_range=f"bytes={len(data)}-")
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{len(data)}"
    for ignored in ("bytes=0-1,5-6", "items=0-1", "bytes=10-5", "bytes=-"):
        status, headers, body = _request(url, byte_range=ignored)
        assert (status, body) == (200, data), ignored
        assert "Content-Range" not in headers


def test_a_range_on_a_missing_key_or_a_bucket_root_answers_as_without_one(large_package):
    url, _ = large_package
    base = url.rsplit("/", 1)[0]
    assert _request(base + "/amazon-ecs-init-0.1-1.amd64.deb", byte_range="bytes=0-10")[0] == 404
    assert _request(base + "/", byte_range="bytes=0-10")[0] == 403


def _control_field(deb_prefix: bytes, field: str) -> str:
    """A control field read from the first bytes of a .deb only: the ar header, then control.tar.xz."""
    assert deb_prefix.startswith(b"!<arch>\n")
    offset = 8
    while True:
        header = deb_prefix[offset : offset + 60]
        name, size = header[:16].decode().strip(), int(header[48:58])
        member = deb_prefix[offset + 60 : offset + 60 + size]
        if name.startswith("control.tar"):
            assert len(member) == size, "control.tar is not within the bytes read"
            with tarfile.open(fileobj=io.BytesIO(lzma.decompress(member) if name.endswith(".xz") else member)) as tar:
                control = tar.extractfile("./control").read().decode()
            return next(line.split(": ", 1)[1] for line in control.splitlines() if line.startswith(f"{field}: "))
        offset += 60 + size + size % 2


def test_the_first_64_kib_of_each_latest_stand_in_package_tell_its_version(tmp_path, standin_debs):
    """What a client does to learn what `latest` is without downloading it: one ranged GET."""
    root = tmp_path / "mirror"
    mirror.build(standin_debs, root, log=lambda _: None)
    (server,) = mirror_server.make_servers(str(root), ["127.0.0.1"], 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for path, version in (
            ("amazon-ssm-us-east-1/latest/debian_amd64/amazon-ssm-agent.deb", SSM_NEW),
            (f"amazon-ssm-us-east-1/{SSM_OLD}/debian_amd64/amazon-ssm-agent.deb", SSM_OLD),
            ("amazon-ecs-agent-us-east-1/amazon-ecs-init-latest.amd64.deb", ECS_NEW),
            (f"amazon-ecs-agent-us-east-1/amazon-ecs-init-{ECS_OLD}.amd64.deb", ECS_OLD),
        ):
            status, _, prefix = _request(f"{base}/{path}", byte_range="bytes=0-65535")
            assert status == 206
            assert len(prefix) <= 65536
            assert _control_field(prefix, "Version") == version, path
        assert _fetch(f"{base}/amazon-ssm-us-east-1/latest/VERSION") == SSM_NEW.encode()
    finally:
        server.shutdown()
        server.server_close()


def test_server_refuses_to_bind_all_interfaces(capsys):
    with pytest.raises(SystemExit):
        mirror_server.main(["--root", "/nonexistent", "--host", "0.0.0.0"])
    assert "all interfaces" in capsys.readouterr().err
