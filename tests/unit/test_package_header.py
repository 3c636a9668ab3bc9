"""Which package a .deb or .rpm holds, from its first bytes (plugins/module_utils/package_header.py)."""

import io
import os
import tarfile

import pytest
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.package_header import (
    NotWithinBytes,
    PackageHeaderError,
    read_package,
)

from tests.unit.package_files import (
    CONTROL,
    HAS_DPKG_DEB,
    ar_archive,
    control_tar,
    dpkg_deb,
    hand_deb,
    hand_rpm,
    rpm_lead,
    rpm_main,
    rpm_signature,
)

ECS_INIT_DEB = {"format": "deb", "package": "amazon-ecs-init", "version": "1.89.2-1", "architecture": "amd64"}
ECS_INIT_RPM = {"format": "rpm", "package": "amazon-ecs-init", "version": "1.89.2-1", "architecture": "x86_64"}
TARFILE_READS_ZSTD = "zst" in tarfile.TarFile.OPEN_METH
needs_dpkg_deb = pytest.mark.skipif(not HAS_DPKG_DEB, reason="dpkg-deb is not installed")


def control_end(deb):
    """The offset just past the control member of a deb whose second member is the control tarball."""
    debian_binary = 8 + 60 + 4
    size = int(deb[debian_binary + 48 : debian_binary + 58])
    return debian_binary + 60 + size


@pytest.mark.parametrize("compression", ["gz", "xz", None])
def test_a_hand_built_deb_is_read_from_its_control_file(compression):
    assert read_package(hand_deb(compression=compression, data=os.urandom(1000))) == ECS_INIT_DEB


@needs_dpkg_deb
@pytest.mark.parametrize("compression", ["gzip", "xz", "none"])
def test_a_deb_dpkg_deb_built_is_read(tmp_path, compression):
    deb = dpkg_deb(tmp_path, compression, control=CONTROL.replace("1.89.2-1", "1:1.89.2-1"), data_size=5000)
    assert read_package(deb) == dict(ECS_INIT_DEB, version="1:1.89.2-1")


@needs_dpkg_deb
def test_a_zstd_control_member_fails_saying_python_and_that_a_pinned_version_needs_no_lookup(tmp_path):
    deb = dpkg_deb(tmp_path, "zstd")
    if TARFILE_READS_ZSTD:
        assert read_package(deb) == ECS_INIT_DEB
        return
    with pytest.raises(PackageHeaderError) as error:
        read_package(deb)
    message = str(error.value)
    assert "control.tar.zst (zstd)" in message
    assert "before Python 3.14" in message
    assert "a pinned version needs no lookup" in message


@pytest.mark.skipif(TARFILE_READS_ZSTD, reason="this Python reads zstd")
def test_a_zstd_control_member_is_refused_before_decompressing():
    deb = ar_archive(("debian-binary", b"2.0\n"), ("control.tar.zst", b"\x28\xb5\x2f\xfd" + b"\0" * 40))
    with pytest.raises(PackageHeaderError, match=r"control\.tar\.zst \(zstd\).*3\.14"):
        read_package(deb)


def test_members_named_with_an_underscore_before_control_are_skipped():
    deb = hand_deb(before_control=[("_gpgorigin", b"signature")])
    assert read_package(deb) == ECS_INIT_DEB


def test_ar_names_with_a_trailing_slash_are_understood():
    deb = ar_archive(("debian-binary/", b"2.0\n"), ("control.tar.gz/", control_tar()))
    assert read_package(deb) == ECS_INIT_DEB


def test_the_control_data_just_within_the_bytes_is_enough_and_one_byte_less_is_not():
    deb = hand_deb(data=os.urandom(5000))
    end = control_end(deb)
    assert read_package(deb[:end]) == ECS_INIT_DEB
    with pytest.raises(NotWithinBytes) as error:
        read_package(deb[: end - 1])
    assert str(error.value) == (f"the package's control data is not within the first {end - 1} bytes; raise max_bytes")


@pytest.mark.parametrize("length", [8, 30, 8 + 60 + 4, 8 + 60 + 4 + 59])
def test_a_deb_cut_before_the_control_member_asks_for_more_bytes(length):
    with pytest.raises(NotWithinBytes, match=f"not within the first {length} bytes; raise max_bytes"):
        read_package(hand_deb()[:length])


def test_a_whole_file_that_ends_early_is_called_damaged_not_short_of_bytes():
    deb = hand_deb()
    cut = deb[: control_end(deb) - 10]
    with pytest.raises(PackageHeaderError) as error:
        read_package(cut, complete=True)
    assert not isinstance(error.value, NotWithinBytes)
    assert f"the file ends after {len(cut)} bytes, inside its control data" in str(error.value)


def test_a_deb_without_a_version_field_is_refused():
    control = CONTROL.replace("Version: 1.89.2-1\n", "")
    with pytest.raises(PackageHeaderError, match=r"^its control file has no Version field$"):
        read_package(hand_deb(control=control))


def test_control_field_names_are_case_insensitive_and_only_the_first_paragraph_counts():
    control = "package: amazon-ecs-init\nVERSION: 2.0.0-1\nArchitecture: arm64\n\nVersion: 9\n"
    assert read_package(hand_deb(control=control)) == dict(ECS_INIT_DEB, version="2.0.0-1", architecture="arm64")


def test_a_control_tarball_without_control_is_refused():
    deb = ar_archive(("debian-binary", b"2.0\n"), ("control.tar.gz", control_tar(extra={"postinst": b"#!/bin/sh\n"})))
    assert read_package(deb) == ECS_INIT_DEB  # with ./control it reads
    empty = ar_archive(("debian-binary", b"2.0\n"), ("control.tar.gz", control_tar_without_control()))
    with pytest.raises(PackageHeaderError, match=r"its control\.tar\.gz holds no \./control file"):
        read_package(empty)


def control_tar_without_control():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("./md5sums")
        archive.addfile(info, io.BytesIO(b""))
    return buffer.getvalue()


def test_a_damaged_control_member_is_named():
    deb = ar_archive(("debian-binary", b"2.0\n"), ("control.tar.gz", b"\x1f\x8b" + os.urandom(200)))
    with pytest.raises(PackageHeaderError, match=r"its control\.tar\.gz is damaged"):
        read_package(deb)


def test_an_ar_archive_that_is_not_a_deb_is_refused():
    with pytest.raises(PackageHeaderError, match=r"an ar archive but not a Debian package: its first member is 'x\.o'"):
        read_package(ar_archive(("x.o", b"\x7fELF")))


def test_debian_binary_followed_by_data_is_refused():
    deb = ar_archive(("debian-binary", b"2.0\n"), ("data.tar.gz", b"x"))
    with pytest.raises(PackageHeaderError, match=r"no control member: 'data\.tar\.gz' follows debian-binary"):
        read_package(deb)


@pytest.mark.parametrize(
    ("start", "words"),
    [
        (
            b"<!DOCTYPE html>\n<html><body>Proxy login</body></html>",
            "it starts with b'<!DOCTYPE html>\\n' (an HTML page)",
        ),
        (b"<?xml version='1.0'?><Error><Code>AccessDenied</Code>", "(an XML document, such as an S3 error)"),
        (b"\x1f\x8b\x08\x00" + b"\0" * 20, "(gzip data)"),
        (b"", "it is empty"),
        (b"hello world, not a package at all", "it starts with b'hello world, not'"),
    ],
)
def test_what_is_not_a_deb_or_rpm_is_described(start, words):
    with pytest.raises(PackageHeaderError) as error:
        read_package(start)
    assert str(error.value).startswith("not a .deb or .rpm package; ")
    assert words in str(error.value)


def test_an_rpm_is_read_from_its_main_header_past_the_padded_signature():
    # The signature header carries tag 1000 (its SIZE) as well; only the main header's NAME counts.
    assert read_package(hand_rpm(payload=os.urandom(3000))) == ECS_INIT_RPM


def test_an_rpms_epoch_is_returned_apart_from_its_version():
    assert read_package(hand_rpm(epoch=2)) == dict(ECS_INIT_RPM, epoch=2)
    assert "epoch" not in read_package(hand_rpm())


def test_an_rpm_whose_header_runs_past_the_bytes_is_read_when_its_names_are_within_them():
    rpm = hand_rpm(changelog=200)  # a long changelog after the names
    assert len(rpm) > 200_000
    assert read_package(rpm[:65536]) == ECS_INIT_RPM


@pytest.mark.parametrize(
    "where",
    ["in the lead", "in the signature header", "before the main header", "in the main header's index", "in NAME"],
)
def test_an_rpm_cut_before_its_names_asks_for_more_bytes(where):
    signature_end = 96 + len(rpm_signature())
    main = rpm_main()
    name_at = main.index(b"amazon-ecs-init\0")
    length = {
        "in the lead": 50,
        "in the signature header": 96 + 20,
        "before the main header": signature_end + 8,
        "in the main header's index": signature_end + 40,
        "in NAME": signature_end + name_at + 5,
    }[where]
    rpm = hand_rpm()
    with pytest.raises(NotWithinBytes) as error:
        read_package(rpm[:length])
    assert str(error.value) == f"the package's header data is not within the first {length} bytes; raise max_bytes"
    assert read_package(rpm[: signature_end + len(main)]) == ECS_INIT_RPM


def test_an_rpm_without_a_release_is_refused():
    with pytest.raises(PackageHeaderError, match=r"^its header has no RELEASE tag \(1002\)$"):
        read_package(hand_rpm(release=None))


def test_an_rpm_lead_without_a_signature_header_is_refused():
    with pytest.raises(PackageHeaderError, match="an rpm lead but no signature header at byte 96"):
        read_package(rpm_lead() + b"\0" * 200)


def test_an_rpm_whose_tag_points_outside_its_data_is_refused():
    rpm = bytearray(hand_rpm())
    main_at = 96 + len(rpm_signature())
    # Second index entry (NAME, after tag 63): its offset field.
    rpm[main_at + 16 + 16 + 8 : main_at + 16 + 16 + 12] = (10**6).to_bytes(4, "big")
    with pytest.raises(PackageHeaderError, match=r"tag 1000 points outside its data"):
        read_package(bytes(rpm))
