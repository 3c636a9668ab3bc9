# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tag the collection leaves on a managed instance it named, which one batched lookup can see.

AWS documents DescribeInstanceInformation's Name as the activation's default instance name, not
the Name tag, and SSM has no batched tag read. So next to Name and the instance's tags the
collection sets MARKER_KEY to naming_marker(): the instance id with a digest of the name and
tags. A lookup filtered on the markers a batch expects (100 per call) returns exactly the
instances already named and tagged as wanted; the id in the value keeps an instance from
passing for another one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

MARKER_KEY = "ecs-anywhere:named"


def naming_marker(instance_id, name, tags):
    """The marker value for INSTANCE_ID named NAME with TAGS (a dict)."""
    wanted = [str(name), sorted([str(key), str(value)] for key, value in (tags or {}).items())]
    digest = hashlib.sha256(json.dumps(wanted, separators=(",", ":")).encode("utf-8")).hexdigest()[:20]
    return "%s:%s" % (instance_id, digest)
