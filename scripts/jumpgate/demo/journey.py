"""The newcomer's journey (`jumpgate demo`), on a scratch copy of the repository.

Start the emulator → full pipeline stage by stage → verify (zero drift) → a second change made
as a user would (edit team and organization files, render) → the pipeline without the approval
(the new prod grant is not in IAM) → with it (only the touched stacks change, the grant is)
→ verify again → prove access with IAM enforcement on → a person's onboarding page and their
AWS CLI profile at work → stop.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from jumpgate.core import totp
from jumpgate.core.aws import DEFAULT_STRICT_ROLE
from jumpgate.deploy.clients import Target
from jumpgate.emulator import control
from jumpgate.generate.render import rendered_files, write
from jumpgate.validate.flow import validate
from jumpgate.verify.drift import verify

IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".jumpgate",
    ".jumpgate-cache",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "*.egg-info",
    "build",
    "tests",
    "benchmarks",
)
NEWCOMER = ("hugo", "Hugo Silva", "crm")
LEAVER = ("dmitri", "crm")
GRANTEE = "quinn"  # marketing: gets read-only on crm-prod (cross-team)


def scratch_copy(root: Path) -> Path:
    target = Path(tempfile.mkdtemp(prefix="jumpgate-demo-")) / "repo"
    shutil.copytree(root, target, ignore=IGNORE)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if old not in text:
        raise RuntimeError(f"demo edit: {old!r} not found in {path}")
    path.write_text(text.replace(old, new, 1))


def second_change(root: Path) -> list[str]:
    """The team change of the journey, as text edits a person would make; then render."""
    crm = root / "teams" / "crm.yaml"
    name, full, _ = NEWCOMER
    _edit(
        crm, "people:\n", f"people:\n  {name}: {{name: {full}, email: {name}@learnaws.example}}\n"
    )
    leaver = LEAVER[0]
    text = crm.read_text()
    crm.write_text(re.sub(rf"(?m)^  {leaver}: .*\n", "", text))
    org = root / "org" / "organization.yaml"
    text = org.read_text()
    prod = text.index("\n  prod:")
    head, tail = text[:prod], text[prod:]
    tail = re.sub(r"mfa_max_age_seconds: \d+", "mfa_max_age_seconds: 900", tail, count=1)
    # Prod sessions already sit at IAM's 1 h minimum; shorten staging's 8 h to 4 h instead,
    # which shows a MaxSessionDuration update reaching the roles.
    staging = head.index("\n  staging:")
    head = head[:staging] + re.sub(
        r"max_session_seconds: \d+", "max_session_seconds: 14400", head[staging:], count=1
    )
    org.write_text(head + tail)
    marketing = root / "teams" / "marketing.yaml"
    marketing.write_text(
        marketing.read_text().rstrip("\n")
        + f"\n  # Cross-team: reviewed by CRM (CODEOWNERS).\n  - who: [{GRANTEE}]\n"
        "    level: readonly\n    accounts: [crm-prod]\n"
    )
    result = validate(root)
    if not result.ok:
        raise RuntimeError(f"the demo's change does not validate: {result.findings[:3]}")
    outcome = write(root, rendered_files(result.org, result.expansion))
    return [
        f"add {name} ({full}) to crm",
        f"remove {leaver} from crm (has an access key, an MFA device and a password)",
        "prod: a session needs an MFA sign-in at most 15 min old (was 1 h; prod sessions "
        "are already at IAM's 1 h minimum)",
        "staging: sessions last at most 4 h (was 8 h)",
        f"cross-team grant: {GRANTEE} (marketing) read-only on crm-prod",
        f"render: {len(outcome.written)} file(s) written, {len(outcome.deleted)} deleted",
    ]


def mfa_code(endpoint: str, seed: str) -> str:
    """The code the person's authenticator app shows now (the emulator's clock)."""
    return totp.code(seed, control.emulator_now(endpoint))


def give_credentials(endpoint: str, account_id: str, region: str, user: str) -> dict[str, str]:
    """What a person does on first login: a password, an MFA device (two consecutive codes from
    its seed, as an authenticator app shows them), an access key."""
    iam = control.admin_client(endpoint, account_id, "iam", region)
    iam.create_login_profile(UserName=user, Password="Correct-Horse-42!")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
    serial, seed = device["SerialNumber"], device["Base32StringSeed"]
    if isinstance(seed, bytes):
        seed = seed.decode()
    now = control.emulator_now(endpoint)
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=serial,
        AuthenticationCode1=totp.code(seed, now, -1),
        AuthenticationCode2=totp.code(seed, now),
    )
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return {
        "key": key["AccessKeyId"],
        "secret": key["SecretAccessKey"],
        "serial": serial,
        "seed": seed,
    }


def prove_access(
    console: Console,
    endpoint: str,
    region: str,
    creds: dict[str, str],
    granted: str,
    other: str,
    user: str,
) -> bool:
    """With IAM enforcement on: the person's own key reaches `granted`, never `other`."""
    import boto3
    from botocore.exceptions import ClientError

    def client(service: str, key: str, secret: str, token: str | None = None) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
        )

    def attempt(label: str, call: Callable[[], Any], expect_ok: bool) -> bool:
        try:
            call()
            outcome, ok = "allowed", expect_ok
        except ClientError as err:
            outcome, ok = f"denied ({err.response['Error']['Code']})", not expect_ok
        mark = "[green]✓[/]" if ok else "[bold red]✗[/]"
        console.print(f"  {mark} {label}: {outcome}")
        return ok

    own = client("sts", creds["key"], creds["secret"])
    results = [
        attempt(
            f"{user}'s access key without MFA assumes {granted.split(':role')[1]}",
            lambda: own.assume_role(RoleArn=granted, RoleSessionName=user),
            expect_ok=False,
        )
    ]
    code = mfa_code(endpoint, creds["seed"])
    session = own.get_session_token(SerialNumber=creds["serial"], TokenCode=code)
    c = session["Credentials"]
    mfa = client("sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    results.append(
        attempt(
            f"{user} with MFA assumes granted {granted}",
            lambda: mfa.assume_role(RoleArn=granted, RoleSessionName=user),
            expect_ok=True,
        )
    )
    results.append(
        attempt(
            f"{user} with MFA assumes NOT granted {other}",
            lambda: mfa.assume_role(RoleArn=other, RoleSessionName=user),
            expect_ok=False,
        )
    )
    return all(results)


def onboarding_and_cli_profile(
    console: Console, root: Path, endpoint: str, creds: dict[str, str], person: str, profile: str
) -> bool:
    """The person's page (a few lines) and their `jumpgate onboard` CLI profile, run by the real
    AWS CLI (a development dependency) against the emulator: the MFA session comes from
    GetSessionToken with the emulator's fixed code, where aws-vault would ask for it."""
    import json
    import os
    import subprocess
    import sys

    from jumpgate.report.onboard import as_markdown, aws_config, onboarding

    result, day = validate(root), dt.datetime.now(dt.UTC).date()
    page = onboarding(result.org, result.expansion, person, day)
    lines = as_markdown(page).splitlines()
    for line in [lines[2], *[x for x in lines if x.startswith(f"| `{profile}`")]]:
        console.print(f"  {line}", markup=False, soft_wrap=True)
    aws = Path(sys.executable).with_name("aws")
    if not aws.exists():
        console.print("  (the AWS CLI is not installed: `make setup` installs it)")
        return True
    code = mfa_code(endpoint, creds["seed"])  # what the person's authenticator app shows now
    helper = (
        f"{aws} sts get-session-token --profile {{base}} --serial-number {{mfa_serial}} "
        f'--token-code {code} --output json --query "{{Version: `1`, AccessKeyId: '
        "Credentials.AccessKeyId, SecretAccessKey: Credentials.SecretAccessKey, SessionToken: "
        'Credentials.SessionToken, Expiration: Credentials.Expiration}"'
    )
    page = onboarding(result.org, result.expansion, person, day, helper=helper)
    home = root.parent
    (home / "aws-config").write_text(aws_config(page))
    (home / "aws-credentials").write_text(
        f"[{page.base_profile}]\naws_access_key_id = {creds['key']}\n"
        f"aws_secret_access_key = {creds['secret']}\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    command = ["sts", "get-caller-identity", "--profile", profile]
    done = subprocess.run(
        [str(aws), *command], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    ok = done.returncode == 0
    answer = json.loads(done.stdout)["Arn"] if ok else done.stderr.strip()
    mark = "[green]✓[/]" if ok else "[bold red]✗[/]"
    console.print(f"  {mark} aws {' '.join(command)} → {answer}", soft_wrap=True)
    return ok


def _access_in(root: Path, endpoint: str, person: str, account: str) -> str:
    """The person's paths into one account as IAM has them (the access model over the
    read-back state), in words."""
    result = validate(root)
    target = Target("local", result.org.region, endpoint=endpoint)
    target.split_by_approval(result.org, DEFAULT_STRICT_ROLE)
    report = verify(result.org, result.expansion, target)
    found = [p.level for p in report.paths if p.person == person and p.account == account]
    return ", ".join(f"{account} {level}" for level in sorted(found))


def run_journey(root: Path, console: Console, cli: Callable[[list[str]], int]) -> int:
    started = time.monotonic()
    scratch = scratch_copy(root)
    console.print(f"scratch copy of the repository: {scratch} (your working tree is untouched)")
    try:
        return _journey(scratch, console, cli, started)
    finally:
        control.down(scratch)
        shutil.rmtree(scratch.parent, ignore_errors=True)


def _step(console: Console, text: str) -> None:
    console.rule(f"[bold cyan]{text}[/]")


def _journey(root: Path, console: Console, cli: Callable[[list[str]], int], t0: float) -> int:
    args = ["--root", str(root)]
    _step(console, "1. start the local AWS emulator (moto on 127.0.0.1) and create the accounts")
    if cli(["local-aws", "up", *args]) != 0:
        return 1
    endpoint = control.running_endpoint(root)
    assert endpoint is not None
    _step(
        console,
        "2. the pipeline, stage by stage: validate → identity → dev → staging → approval → prod",
    )
    if cli(["pipeline", *args, "--target", "local", "--approve"]) != 0:
        return 1
    _step(console, "3. verify: read IAM back from every account")
    if cli(["verify", *args, "--target", "local"]) != 0:
        return 1
    result = validate(root)
    org = result.org
    identity = next(a for a in org.accounts.values() if a.is_identity)
    leaver_creds = give_credentials(endpoint, identity.id, org.region, LEAVER[0])
    console.print(f"{LEAVER[0]} enrolled MFA and made an access key ({leaver_creds['key']})")
    _step(console, "4. a second change, as a user would make it")
    for line in second_change(root):
        console.print(f"  • {line}")
    _step(console, "5. the pipeline again, nobody approves: prod access waits")
    cli(["pipeline", *args, "--target", "local"])  # stops at the approval (exit 1)
    waiting = _access_in(root, endpoint, GRANTEE, "crm-prod")
    console.print(f"  {GRANTEE} in crm-prod, read back from IAM: {waiting or 'nothing'}")
    if waiting:
        console.print("[bold red]prod access was granted before the approval[/]")
        return 1
    _step(console, "5b. approved: only the touched stacks change, prod access granted")
    if cli(["pipeline", *args, "--target", "local", "--approve"]) != 0:
        return 1
    granted_now = _access_in(root, endpoint, GRANTEE, "crm-prod")
    console.print(f"  {GRANTEE} in crm-prod, read back from IAM: {granted_now or 'nothing'}")
    if not granted_now:
        return 1
    _step(console, "6. verify again")
    if cli(["verify", *args, "--target", "local"]) != 0:
        return 1
    _step(console, "7. prove access (IAM enforcement is on, as on AWS)")
    crm_prod = org.accounts["crm-prod"].id
    granted = f"arn:aws:iam::{crm_prod}:role{org.path}{org.prefix}-readonly"
    other = f"arn:aws:iam::{crm_prod}:role{org.path}{org.prefix}-admin"
    creds = give_credentials(endpoint, identity.id, org.region, GRANTEE)
    proven = prove_access(console, endpoint, org.region, creds, granted, other, GRANTEE)
    _step(console, f"8. {GRANTEE}'s onboarding page (`jumpgate onboard {GRANTEE}`) and CLI")
    proven &= onboarding_and_cli_profile(
        console, root, endpoint, creds, GRANTEE, "crm-prod-readonly"
    )
    _step(console, "9. stop the emulator")
    control.down(root)
    took = time.monotonic() - t0
    if not proven:
        console.print("[bold red]access proof failed[/]")
        return 1
    console.print(f"[bold green]journey complete[/] in {took:.0f} s")
    return 0
