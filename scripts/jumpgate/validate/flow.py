"""The one-way flow shared by every command: load → validate → expand (→ render)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from jumpgate.core.findings import Finding, has_errors, sort_findings
from jumpgate.generate.expand import expand
from jumpgate.generate.expansion import Expansion
from jumpgate.model.organization import Organization, load_organization
from jumpgate.model.password_policy import check as check_password_policy
from jumpgate.model.reader import DataFiles
from jumpgate.validate.crosscheck import check_expansion, check_references
from jumpgate.validate.names import check_names
from jumpgate.validate.redundant import find_redundant_grants


@dataclass
class Result:
    org: Organization
    expansion: Expansion  # built even from flawed input (it skips what does not resolve)
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


def validate(root: Path, today: dt.date | None = None, *, cache_root: Path | None = None) -> Result:
    today = today or dt.datetime.now(dt.UTC).date()
    # The loading boundary: caches (of `cache_root`, default `root`) before loader and schemas.
    files = DataFiles(root, cache_root)
    org, findings = load_organization(root, files.load)
    files.save()
    findings += check_references(org, today)
    findings += check_password_policy(root)
    # Expansion skips whatever did not resolve, so quota and size rules still report
    # alongside reference errors; commands refuse to render while any error remains.
    expansion = expand(org)
    findings += check_expansion(org, expansion)
    findings += check_names(org, expansion)
    findings += find_redundant_grants(expansion)
    return Result(org, expansion, sort_findings(findings))
