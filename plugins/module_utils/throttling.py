# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retry policy every AWS call of the collection goes through."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# SSM and ECS throttle with "ThrottlingException", which AWSRetry does not
# retry by default (it knows IAM's "Throttling").
THROTTLING_ERROR_CODES = ["ThrottlingException", "TooManyUpdates"]

aws_retry = AWSRetry.jittered_backoff(retries=10, delay=1, max_delay=20, catch_extra_error_codes=THROTTLING_ERROR_CODES)
