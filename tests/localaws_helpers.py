"""One local emulator for the whole test session, reset between tests; a small organization.

The emulator is started on 127.0.0.1 by the first test that needs it and stopped at the end of
the session (see the `emulator` fixtures of test_deploy*.py, test_local_aws*.py, test_verify*.py).
"""

from __future__ import annotations

import io
import json
import shutil
import urllib.request
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from helpers import REPO, copy_org
from jumpgate.cli.main import main
from jumpgate.emulator import control
from jumpgate.generate.render import rendered_files, write
from jumpgate.validate.flow import validate

IDENTITY = "100000000001"
REGION = "eu-west-1"
_server: dict[str, Any] = {}


def start(log_dir: Path) -> str:
    """The session's emulator endpoint (started on first use)."""
    if "endpoint" not in _server:
        # Enforcement off for speed; the tests of enforcement turn it on (control.enforce_iam).
        process, port = control.start_server(log_dir / "local-aws.log", enforce=False)
        _server.update(process=process, endpoint=f"http://127.0.0.1:{port}")
    return str(_server["endpoint"])


def stop() -> None:
    process = _server.pop("process", None)
    _server.pop("endpoint", None)
    if process is not None:
        process.terminate()
        process.wait(timeout=10)


def reset(endpoint: str, root: Path) -> None:
    """Forget every resource, then create the organization's accounts (bootstrap roles)."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
    org = validate(root).org
    accounts = {a.name: a.id for a in org.accounts.values()}
    control.bootstrap_accounts(
        endpoint, accounts, IDENTITY, org.region, strict_accounts=org.strict_account_ids()
    )


def emulated_org(tmp: Path, endpoint: str) -> Path:
    """`small_org` with its accounts freshly bootstrapped in the emulator at `endpoint`."""
    root = small_org(tmp)
    reset(endpoint, root)
    return root


def small_org(tmp: Path) -> Path:
    """The example organization reduced to the CRM team and its accounts (18 stacks)."""
    root = copy_org(REPO, tmp / "repo")
    shutil.copytree(REPO / "cloudformation" / "templates", root / "cloudformation" / "templates")
    if (REPO / "org" / "password-policy.yaml").exists() and not (
        root / "org" / "password-policy.yaml"
    ).exists():
        shutil.copy2(REPO / "org" / "password-policy.yaml", root / "org" / "password-policy.yaml")
    # The example's access rules name the teams removed here (deploy runs them in its gate).
    (root / "org" / "access-rules.yaml").unlink(missing_ok=True)
    for team in ("bi", "it", "marketing"):
        (root / "teams" / f"{team}.yaml").unlink()
        for account in (root / "accounts").glob(f"{team}-*.yaml"):
            account.unlink()
    rerender(root)
    return root


def rerender(root: Path) -> None:
    result = validate(root)
    assert result.ok, [f for f in result.findings if f.rule_id.startswith("E")][:3]
    write(root, rendered_files(result.org, result.expansion))


def jumpgate(*argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def deploy_json(root: Path, command: str, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = jumpgate(
        command, "--root", str(root), "--target", "local", "--format", "json", *extra
    )
    assert out.strip(), err
    return code, json.loads(out)


def actions(document: dict[str, Any]) -> dict[str, str]:
    return {
        f"{s['account']}/{s['stack']}": s["action"]
        for stage in document["stages"]
        for s in stage["stacks"]
    }


def planned(document: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(stage, stack) -> action of every stack a plan would change."""
    return {
        (stage["stage"], s["stack"]): s["action"]
        for stage in document["stages"]
        for s in stage["stacks"]
        if s["action"] != "unchanged"
    }


def iam(endpoint: str, account_id: str) -> Any:
    return control.admin_client(endpoint, account_id, "iam", REGION)


def cfn(endpoint: str, account_id: str) -> Any:
    return control.admin_client(endpoint, account_id, "cloudformation", REGION)
