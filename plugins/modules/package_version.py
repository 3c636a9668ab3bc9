#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
---
module: package_version
short_description: Tell which package a .deb or .rpm URL holds, from its first bytes
version_added: 0.1.0
description:
  - Reads the start of a C(.deb) or C(.rpm) file at a URL and returns the package's name, version and
    architecture, without downloading the whole file.
  - Made for AWS's ECS agent bucket, which publishes C(amazon-ecs-init-latest.<arch>.deb) and
    C(.rpm) but no file that tells which version "latest" is.
  - Asks for the first O(max_bytes) bytes with an HTTP C(Range) header, and reads at most that many
    whether the server sends only those (HTTP 206) or the whole file (HTTP 200, a server without
    C(Range) support); then closes the connection.
  - Tells the format by the file's first bytes, not by the URL's suffix.
  - A C(.deb) is read from the C(./control) file of its C(control.tar), C(control.tar.gz) or
    C(control.tar.xz) member (C(Package), C(Version), C(Architecture)). A C(control.tar.zst) member
    needs Python 3.14 or later on the host.
  - An C(.rpm) is read from its main header (tags C(NAME), C(VERSION), C(RELEASE), C(ARCH) and
    C(EPOCH)).
  - Runs on the managed host. It uses the host's C(http_proxy), C(https_proxy) and C(no_proxy)
    environment variables.
  - Never changes anything; supports check mode.
author:
  - onprem.ecs_anywhere maintainers (@onprem)
options:
  url:
    description:
      - The package's URL, C(https://), C(http://) or C(file://).
    type: str
    required: true
  max_bytes:
    description:
      - The most bytes to read. The module fails and says to raise it when the package's control data
        (C(.deb)) or header (C(.rpm)) lies beyond them.
    type: int
    default: 65536
  timeout:
    description:
      - Seconds to wait for the connection and for each read.
    type: int
    default: 30
  validate_certs:
    description:
      - Whether to check the server's TLS certificate.
    type: bool
    default: true
attributes:
  check_mode:
    description: Runs in check mode as in a normal run; it only reads.
    support: full
  diff_mode:
    description: Nothing to show a difference of.
    support: none
notes:
  - Never changes anything.
"""

EXAMPLES = r"""
- name: Which ECS agent version is the bucket's latest?
  onprem.ecs_anywhere.package_version:
    url: https://s3.eu-west-1.amazonaws.com/amazon-ecs-agent-eu-west-1/amazon-ecs-init-latest.amd64.deb
  environment:
    https_proxy: http://proxy.example.com:3128
  register: ecs_init_latest

- name: Show it
  ansible.builtin.debug:
    msg: "{{ ecs_init_latest.package }} {{ ecs_init_latest.version }} ({{ ecs_init_latest.architecture }})"
"""

RETURN = r"""
package:
  description: The package's name (C(Package) of a C(.deb), C(NAME) of an C(.rpm)).
  returned: success
  type: str
  sample: amazon-ecs-init
version:
  description:
    - The package's version. For a C(.deb) its C(Version) field as written, an epoch included.
    - For an C(.rpm) C(VERSION-RELEASE); its epoch is in RV(epoch).
  returned: success
  type: str
  sample: 1.89.2-1
architecture:
  description: The package's architecture as the package names it (C(amd64), C(arm64), C(x86_64), C(aarch64)).
  returned: success
  type: str
  sample: amd64
epoch:
  description: The C(.rpm)'s C(EPOCH) tag.
  returned: when the package is an C(.rpm) with an epoch
  type: int
  sample: 1
format:
  description: C(deb) or C(rpm), as the file's first bytes tell.
  returned: success
  type: str
  sample: deb
bytes_read:
  description: How many bytes were read, at most O(max_bytes).
  returned: success
  type: int
  sample: 65536
ranged:
  description: Whether the server answered the C(Range) request with only the bytes asked for (HTTP 206).
  returned: success
  type: bool
  sample: true
"""

import http.client
import re
import socket
import urllib.error

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import ConnectionError as UrlConnectionError
from ansible.module_utils.urls import open_url
from ansible_collections.onprem.ecs_anywhere.plugins.module_utils.package_header import (
    PackageHeaderError,
    read_package,
)

READ_CHUNK = 16384
_CREDENTIALS = re.compile(r"//[^/@]*@")
_READ_ERRORS = (UrlConnectionError, http.client.HTTPException, socket.timeout, OSError)


class PackageReadError(Exception):
    """The URL could not be read; the message says why."""


def shown(url):
    """The URL as messages show it: credentials in it are left out."""
    return _CREDENTIALS.sub("//<credentials>@", url)


def read_start(response, max_bytes):
    chunks = []
    total = 0
    while total < max_bytes:
        chunk = response.read(min(READ_CHUNK, max_bytes - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def fetch_start(url, max_bytes, timeout, validate_certs):
    """(the file's first max_bytes bytes or fewer, whether the server answered 206)."""
    try:
        response = open_url(
            url, headers={"Range": f"bytes=0-{max_bytes - 1}"}, timeout=timeout, validate_certs=validate_certs
        )
    except urllib.error.HTTPError as e:
        e.close()
        if e.code == 404:
            raise PackageReadError(f"no package at {shown(url)} (HTTP 404)") from None
        raise PackageReadError(f"could not read {shown(url)} (HTTP {e.code} {e.reason})") from None
    except urllib.error.URLError as e:
        raise PackageReadError(f"could not reach {shown(url)}: {e.reason}") from None
    except _READ_ERRORS as e:
        raise PackageReadError(f"could not reach {shown(url)}: {e}") from None
    try:
        return read_start(response, max_bytes), response.getcode() == 206
    except _READ_ERRORS as e:
        raise PackageReadError(f"reading {shown(url)} broke off: {e}") from None
    finally:
        response.close()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            max_bytes=dict(type="int", default=65536),
            timeout=dict(type="int", default=30),
            validate_certs=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    url, max_bytes, timeout = module.params["url"], module.params["max_bytes"], module.params["timeout"]
    problems = [
        f"{name} ({module.params[name]}) must be more than 0"
        for name in ("max_bytes", "timeout")
        if module.params[name] <= 0
    ]
    if problems:
        module.fail_json(msg="; ".join(problems))
    try:
        data, ranged = fetch_start(url, max_bytes, timeout, module.params["validate_certs"])
    except PackageReadError as e:
        module.fail_json(msg=str(e))
    try:
        package = read_package(data, complete=len(data) < max_bytes)
    except PackageHeaderError as e:
        module.fail_json(msg=f"cannot tell which package {shown(url)} holds: {e}", bytes_read=len(data))
    module.exit_json(changed=False, bytes_read=len(data), ranged=ranged, **package)


if __name__ == "__main__":
    main()
