"""A person's onboarding page (`jumpgate onboard PERSON`): how to sign in, enrol MFA, and reach
each granted role from the AWS CLI and the console — computed from the effective-access model,
so the page lists exactly the roles IAM would let this person assume today.

Why the CLI needs an MFA session first: the identity baseline denies everything but
self-service while `aws:MultiFactorAuthPresent` is false or absent (`BoolIfExists`), and AWS
puts no such key in a request signed with long-term access keys — so the AWS CLI's own role
profile (`source_profile` with keys + `mfa_serial`, a direct AssumeRole) is denied. The config
asks a credential helper for a GetSessionToken-with-MFA session (aws-vault by default) and
assumes the roles from it. STS caps a role assumed from such a session at one hour (role
chaining), whatever the role's MaxSessionDuration: `duration_seconds` says so. Sources:
docs/onboarding.md.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote, urlencode

from jumpgate.generate.expansion import Expansion
from jumpgate.model.organization import Organization
from jumpgate.report.access import effective_access

CHAINED_SESSION_MAX = 3600  # STS: a role assumed with temporary credentials lasts at most 1 h
SWITCH_ROLE_MAX_CHARS = 64  # console Switch Role: the role's path and name together
# The console's Switch Role colours: production red, then by deploy order.
STRICT_COLOR = "F2B0A9"
COLORS = ("B7CA9D", "99BCE3", "FAD791", "FBBF93")
DEFAULT_HELPER = "aws-vault exec {base} --json"


class OnboardError(Exception):
    """The person is not in the team files (a usage error)."""


@dataclass(frozen=True)
class RoleProfile:
    """One granted role, as a CLI profile and a console Switch Role link."""

    profile: str
    account: str
    account_id: str
    environment: str
    level: str
    role_arn: str
    expires: str | None
    duration_seconds: int
    max_session_seconds: int
    mfa_max_age_seconds: int | None
    display_name: str
    color: str
    switch_role_url: str | None
    console_note: str


@dataclass(frozen=True)
class Onboarding:
    person: str
    name: str
    email: str
    teams: list[str]
    organization: str
    identity_account_id: str
    region: str
    signin_url: str
    user_arn: str
    mfa_serial: str
    base_profile: str
    session_profile: str
    credential_process: str
    roles: list[RoleProfile]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def environment_colors(org: Organization) -> dict[str, str]:
    colors, index = {}, 0
    for name, env in org.environments.items():
        if env.strict:
            colors[name] = STRICT_COLOR
        else:
            colors[name] = COLORS[index % len(COLORS)]
            index += 1
    return colors


def switch_role(
    role_path_and_name: str, account_id: str, display: str, color: str, source_identity: bool
) -> tuple[str | None, str]:
    """The console Switch Role link, or None and why the console cannot use the role."""
    if source_identity:
        return None, (
            "not from the console: the role requires SourceIdentity, which Switch Role cannot "
            "set; use the CLI profile"
        )
    if len(role_path_and_name) > SWITCH_ROLE_MAX_CHARS:
        return None, (
            f"not from the console: path and name are {len(role_path_and_name)} characters "
            f"(Switch Role allows {SWITCH_ROLE_MAX_CHARS}); use the CLI profile"
        )
    query = urlencode(
        {
            "roleName": role_path_and_name,
            "account": account_id,
            "displayName": display,
            "color": color,
        },
        quote_via=quote,
        safe="/",
    )
    return f"https://signin.aws.amazon.com/switchrole?{query}", ""


def onboarding(
    org: Organization,
    expansion: Expansion,
    person: str,
    today: dt.date,
    helper: str = DEFAULT_HELPER,
) -> Onboarding:
    user = expansion.users.get(person)
    identity = expansion.identity
    if user is None or identity is None:
        raise OnboardError(f"unknown person {person!r}: not in any team file")
    base = org.name
    colors = environment_colors(org)
    roles = []
    for path in effective_access(org, expansion, today, people_only={person}):
        env = org.environments[path.environment]
        level = path.level.replace("/", "-")
        display = f"{path.account} {level}"
        color = colors.get(path.environment, COLORS[0])
        url, note = switch_role(
            f"{org.path.strip('/')}/{path.role}".lstrip("/"),
            path.account_id,
            display,
            color,
            env.require_source_identity,
        )
        roles.append(
            RoleProfile(
                profile=f"{path.account}-{level}",
                account=path.account,
                account_id=path.account_id,
                environment=path.environment,
                level=path.level,
                role_arn=path.role_arn,
                expires=path.expires,
                duration_seconds=min(path.max_session_seconds, CHAINED_SESSION_MAX),
                max_session_seconds=path.max_session_seconds,
                mfa_max_age_seconds=path.mfa_max_age_seconds,
                display_name=display,
                color=color,
                switch_role_url=url,
                console_note=note,
            )
        )
    partition_prefix = f"arn:aws:iam::{identity.id}"
    mfa_serial = f"{partition_prefix}:mfa/{person}"
    return Onboarding(
        person=person,
        name=user.name,
        email=user.email,
        teams=list(user.teams),
        organization=org.name,
        identity_account_id=identity.id,
        region=org.region,
        signin_url=f"https://{identity.id}.signin.aws.amazon.com/console",
        user_arn=f"{partition_prefix}:user{org.path}{person}",
        mfa_serial=mfa_serial,
        base_profile=base,
        session_profile=f"{base}-mfa",
        credential_process=helper.replace("{base}", base).replace("{mfa_serial}", mfa_serial),
        roles=roles,
    )


def aws_config(ob: Onboarding) -> str:
    """The ~/.aws/config profiles: the key's, the MFA session's, one per granted role."""
    lines = [
        f"# jumpgate: {ob.person} ({ob.name}) in {ob.organization}; `jumpgate onboard "
        f"{ob.person} --aws-config` writes this.",
        "# The access key (identity account): in aws-vault (`aws-vault add "
        f"{ob.base_profile}`), which asks for the MFA code and caches the session.",
        f"[profile {ob.base_profile}]",
        f"region = {ob.region}",
        f"mfa_serial = {ob.mfa_serial}",
        "",
        "# The MFA session (GetSessionToken with MFA): the only source the roles accept.",
        f"[profile {ob.session_profile}]",
        f"region = {ob.region}",
        f"credential_process = {ob.credential_process}",
        "",
    ]
    for role in ob.roles:
        until = f", until {role.expires}" if role.expires else ""
        lines += [
            f"# {role.level} in {role.account} ({role.environment}{until})",
            f"[profile {role.profile}]",
            f"source_profile = {ob.session_profile}",
            f"role_arn = {role.role_arn}",
            f"role_session_name = {ob.person}",
            f"duration_seconds = {role.duration_seconds}",
            f"region = {ob.region}",
            "",
        ]
    return "\n".join(lines)


def as_json(ob: Onboarding) -> str:
    return json.dumps({**ob.as_dict(), "aws_config": aws_config(ob)}, indent=2) + "\n"


def _hours(seconds: int) -> str:
    return f"{seconds // 3600} h" if seconds % 3600 == 0 else f"{seconds // 60} min"


def as_markdown(ob: Onboarding) -> str:
    out = [
        f"# Access to {ob.organization} AWS: {ob.name} ({ob.person})",
        "",
        f"Sign in: <{ob.signin_url}> as IAM user `{ob.person}`.",
        "",
        "## First sign-in",
        "",
        "1. An administrator creates your password out of band — never in Git or CloudFormation "
        "— with `aws iam create-login-profile --user-name "
        f"{ob.person} --password '<generated>' --password-reset-required` and gives it to you "
        "by a separate channel (in person, a password manager share). You choose a new one at "
        "first sign-in.",
        "2. Enrol MFA: *Security credentials → Assign MFA device* (virtual MFA device named "
        f"`{ob.person}`). Until you sign in with MFA you may only change your password, view "
        "the password rules and manage your own MFA device; everything else, every role "
        "included, is denied.",
        "3. Sign out and sign in again with MFA. Then create one access key for the CLI "
        "(*Security credentials → Create access key*) and store it in aws-vault: "
        f"`aws-vault add {ob.base_profile}`.",
        "",
        "## Your roles",
        "",
        "| profile | account | level | until | CLI session | console |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in ob.roles:
        console = f"[Switch Role]({r.switch_role_url})" if r.switch_role_url else "—"
        mfa = f"; MFA ≤ {_hours(r.mfa_max_age_seconds)} old" if r.mfa_max_age_seconds else ""
        out.append(
            f"| `{r.profile}` | {r.account} ({r.environment}) | {r.level} | "
            f"{r.expires or 'standing'} | {_hours(r.duration_seconds)}{mfa} | {console} |"
        )
    if not ob.roles:
        out.append("| — | no role granted today | | | | |")
    notes = [f"- `{r.profile}`: {r.console_note}" for r in ob.roles if r.console_note]
    out += [
        "",
        *notes,
        "- Switch Role keeps the console session of your MFA sign-in (1 h per role); a role with "
        "a maximum MFA age needs a sign-in at most that old. The console's session name is not "
        "documented by AWS: if a role refuses Switch Role, use its CLI profile.",
        "",
    ]
    out += [
        "## AWS CLI",
        "",
        "Put this in `~/.aws/config`, then `aws sts get-caller-identity --profile "
        f"{ob.roles[0].profile if ob.roles else ob.session_profile}`. Every role is assumed "
        "from an MFA session (GetSessionToken): the baseline denies an AssumeRole signed with "
        "your access key alone, and STS then caps a role session at 1 h.",
        "",
        "```ini",
        aws_config(ob).rstrip("\n"),
        "```",
        "",
    ]
    return "\n".join(out)
