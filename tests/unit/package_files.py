"""Real .deb and .rpm bytes for the package_version tests: built by hand after deb(5) and rpm's file
format, and with dpkg-deb where the machine has it."""

import io
import os
import shutil
import struct
import subprocess
import tarfile

CONTROL = (
    "Package: amazon-ecs-init\n"
    "Version: 1.89.2-1\n"
    "Architecture: amd64\n"
    "Maintainer: Amazon Web Services <ecs-agent@example.com>\n"
    "Description: Amazon Elastic Container Service initialization\n"
    " A second line of the description: with a colon.\n"
)

HAS_DPKG_DEB = shutil.which("dpkg-deb") is not None


def ar_member(name, data):
    header = b"%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name.encode(), 1700000000, 0, 0, b"100644", len(data))
    assert len(header) == 60
    return header + data + (b"\n" if len(data) % 2 else b"")


def ar_archive(*members):
    return b"!<arch>\n" + b"".join(ar_member(name, data) for name, data in members)


def control_tar(control=CONTROL, compression="gz", extra=None):
    """The control member's bytes: ./control (and the extra files, {name: bytes}) in a tar."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{compression}" if compression else "w") as archive:
        directory = tarfile.TarInfo("./")
        directory.type = tarfile.DIRTYPE
        archive.addfile(directory)
        for name, data in dict({"control": control.encode()}, **(extra or {})).items():
            info = tarfile.TarInfo("./" + name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def hand_deb(control=CONTROL, compression="gz", data=b"", extra=None, before_control=()):
    suffix = f".{compression}" if compression else ""
    return ar_archive(
        ("debian-binary", b"2.0\n"),
        *before_control,
        ("control.tar" + suffix, control_tar(control, compression, extra)),
        ("data.tar" + suffix, data),
    )


def dpkg_deb(directory, compression, control=CONTROL, extra=None, data_size=0):
    """A .deb that dpkg-deb builds (-Z gzip, xz, zstd or none), with data_size random bytes of data."""
    root = directory / ("root-" + compression)
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(control)
    for name, data in (extra or {}).items():
        path = root / "DEBIAN" / name
        path.write_bytes(data)
        path.chmod(0o755)
    if data_size:
        (root / "opt").mkdir()
        (root / "opt" / "payload").write_bytes(os.urandom(data_size))
    output = directory / (f"package-{compression}.deb")
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Z" + compression, "--build", str(root), str(output)],
        check=True,
        capture_output=True,
    )
    return output.read_bytes()


# rpm: lead, signature header padded to 8 bytes, main header, payload.
RPM_BIN, RPM_INT32, RPM_STRING, RPM_STRING_ARRAY, RPM_I18NSTRING = 7, 4, 6, 8, 9


def rpm_header(entries):
    """A header as rpm writes it: magic, counts, index sorted by tag, store (INT32s aligned to 4)."""
    index, store = [], b""
    for tag, kind, value in sorted(entries, key=lambda entry: entry[0]):
        if kind == RPM_INT32:
            store += b"\0" * (-len(store) % 4)
            offset, count = len(store), 1
            store += struct.pack(">I", value)
        elif kind in (RPM_STRING, RPM_I18NSTRING):
            offset, count = len(store), 1
            store += value.encode() + b"\0"
        elif kind == RPM_STRING_ARRAY:
            offset, count = len(store), len(value)
            store += b"".join(item.encode() + b"\0" for item in value)
        else:
            offset, count = len(store), len(value)
            store += value
        index.append(struct.pack(">iiii", tag, kind, offset, count))
    return b"\x8e\xad\xe8\x01\0\0\0\0" + struct.pack(">II", len(index), len(store)) + b"".join(index) + store


def rpm_lead(name="amazon-ecs-init-1.89.2-1"):
    # magic, major 3, minor 0, type 0 (binary), arch 1, name[66], os 1, signature type 5, reserved[16]
    return b"\xed\xab\xee\xdb" + struct.pack(">BBhh66shh16s", 3, 0, 0, 1, name.encode(), 1, 5, b"")


def rpm_signature():
    # Tag 1000 here is SIGTAG_SIZE, not NAME: the signature header has its own tag numbers.
    header = rpm_header(
        [
            (62, RPM_BIN, b"\0" * 16),
            (268, RPM_BIN, b"\x89" * 284),  # an RSA signature's size
            (269, RPM_STRING, "ab" * 20),
            (273, RPM_STRING, "cd" * 32),
            (1000, RPM_INT32, 123456),
            (1004, RPM_BIN, b"\x11" * 16),
        ]
    )
    assert len(header) % 8, "the signature header should need padding"
    return header + b"\0" * (-len(header) % 8)


def rpm_main(*, name="amazon-ecs-init", version="1.89.2", release="1", arch="x86_64", epoch=None, changelog=0):
    entries = [
        (63, RPM_BIN, b"\0" * 16),
        (1004, RPM_I18NSTRING, "Amazon Elastic Container Service initialization"),
        (1082, RPM_STRING_ARRAY, ["- a release note " + "x" * 1000] * changelog),
    ]
    for tag, value in ((1000, name), (1001, version), (1002, release), (1022, arch)):
        if value is not None:
            entries.append((tag, RPM_STRING, value))
    if epoch is not None:
        entries.append((1003, RPM_INT32, epoch))
    return rpm_header(entries)


def hand_rpm(payload=b"", **main):
    return rpm_lead() + rpm_signature() + rpm_main(**main) + payload
