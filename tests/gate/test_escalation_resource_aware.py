"""E710/W711 judge escalation by resource and holder (gate/checks/holder.py), the same for a
team's level as for the pipeline's own roles: each condition from both sides, through
`jumpgate check`; and the pipeline templates through the gate (gate/pipeline_templates.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from corpus.runner import TODAY
from helpers import REPO, run
from jumpgate.gate import hooks

CRM = "teams/crm.yaml"
BOOTSTRAP = "cloudformation/pipeline/bootstrap.yaml"
EXPORTS = """        - Sid: ReadWriteExports
          Effect: Allow
          Action: [s3:GetObject, s3:PutObject]
          Resource: arn:aws:s3:::learnaws-crm-exports/*
"""
OWN_ROLE = "arn:aws:iam::107000000007:role/jumpgate/jumpgate-crm-exports"
NO_ASSUME = ("Deny", "[sts:AssumeRole, sts:AssumeRoleWithSAML, sts:AssumeRoleWithWebIdentity]", "*")


def statement(effect: str, actions: str, resource: str, extra: str = "") -> str:
    return (
        f"        - Effect: {effect}\n          Action: {actions}\n"
        f"          Resource: {json.dumps(resource)}\n{extra}"
    )


def check(root: Path) -> list[tuple[str, str, int, int, str]]:
    code, out, _ = run("check", "--root", str(root), "--today", TODAY, "--format", "json")
    assert code in (0, 1), out
    return [(f["rule"], f["path"], f["line"], f["column"], f["message"]) for f in json.loads(out)]


def escalations(root: Path, *statements: tuple[str, ...]) -> list[tuple[str, int, str]]:
    """E710/W711 of the CRM exports set (prod: strict) with these statements instead."""
    path, kept = root / CRM, root.parent / "crm.yaml.before"
    if not kept.exists():  # each call starts from the file as the test left it first
        kept.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    text = kept.read_text(encoding="utf-8")
    assert text.count(EXPORTS) == 1
    path.write_text(text.replace(EXPORTS, "".join(statement(*s) for s in statements)))
    return [(r[0], r[2], r[4]) for r in check(root) if r[0] in ("E710", "W711")]


def line_of(root: Path, rel: str, needle: str, after: str = "") -> int:
    text = (root / rel).read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    return text.count("\n", 0, text.index(needle, start)) + 1


def message(entry: str, *found: str) -> str:
    return f"{entry!r} allows privilege escalation ({', '.join(found)})"


# ----------------------------------------------------------------------------- roles


def test_changing_other_roles_is_escalation_while_the_holder_may_assume_roles(org: Path) -> None:
    found = escalations(org, ("Allow", "iam:PutRolePolicy", "arn:aws:iam::*:role/app/*"))
    line = line_of(org, CRM, "iam:PutRolePolicy")
    assert found == [("E710", line, message("iam:PutRolePolicy", "iam:PutRolePolicy"))]


def test_changing_other_roles_is_not_escalation_when_it_cannot_act_as_them(org: Path) -> None:
    assert (
        escalations(org, ("Allow", "iam:PutRolePolicy", "arn:aws:iam::*:role/app/*"), NO_ASSUME)
        == []
    )


def test_a_deny_with_a_condition_proves_nothing(org: Path) -> None:
    mfa = "          Condition: {Bool: {aws:MultiFactorAuthPresent: 'true'}}\n"
    found = escalations(
        org, ("Allow", "iam:PutRolePolicy", "arn:aws:iam::*:role/app/*"), (*NO_ASSUME, mfa)
    )
    assert [f[0] for f in found] == ["E710"]


def test_a_deny_of_some_roles_only_leaves_assuming_the_others(org: Path) -> None:
    found = escalations(
        org,
        ("Allow", "iam:PutRolePolicy", "arn:aws:iam::*:role/app/*"),
        ("Deny", "sts:AssumeRole", "arn:aws:iam::*:role/app/*"),
    )
    assert [f[0] for f in found] == ["E710"]


def test_changing_roles_its_own_role_is_among_is_escalation(org: Path) -> None:
    found = escalations(
        org, ("Allow", "iam:UpdateAssumeRolePolicy", "arn:aws:iam::*:role/jumpgate/*"), NO_ASSUME
    )
    line = line_of(org, CRM, "iam:UpdateAssumeRolePolicy")
    assert found == [
        ("E710", line, message("iam:UpdateAssumeRolePolicy", "iam:UpdateAssumeRolePolicy"))
    ]


def test_its_own_role_denied_makes_the_same_statement_safe(org: Path) -> None:
    assert (
        escalations(
            org,
            ("Allow", "iam:UpdateAssumeRolePolicy", "arn:aws:iam::*:role/jumpgate/*"),
            ("Deny", "iam:UpdateAssumeRolePolicy", OWN_ROLE),
            NO_ASSUME,
        )
        == []
    )


@pytest.mark.parametrize(
    "runner",
    [
        [("Allow", "lambda:InvokeFunction", "arn:aws:lambda:*:*:function:*")],
        [("Allow", "ssm:SendCommand", "*")],
        [("Allow", "codebuild:StartBuild", "arn:aws:codebuild:*:*:project/*")],
        [("Allow", "[iam:PassRole, ec2:RunInstances]", "*")],
    ],
)
def test_running_code_as_a_role_makes_changing_roles_escalation(
    org: Path, runner: list[tuple[str, str, str]]
) -> None:
    found = escalations(
        org, ("Allow", "iam:AttachRolePolicy", "arn:aws:iam::*:role/app/*"), NO_ASSUME, *runner
    )
    assert [f[2] for f in found] == [message("iam:AttachRolePolicy", "iam:AttachRolePolicy")]


def test_a_level_with_managed_policies_may_hold_anything(org: Path) -> None:
    path = org / CRM
    anchor = "    description: Read and write the CRM export bucket, nothing else\n"
    managed = "    managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n"
    path.write_text(path.read_text(encoding="utf-8").replace(anchor, anchor + managed))
    found = escalations(org, ("Allow", "iam:PutRolePolicy", "arn:aws:iam::*:role/app/*"), NO_ASSUME)
    assert [f[0] for f in found] == ["E710"]


# ----------------------------------------------------------------------------- users, groups


def test_changing_users_and_groups_off_the_people_path_is_escalation(org: Path) -> None:
    """Any IAM user off jumpgate's people path may have credentials its holder can read."""
    for resource in ("arn:aws:iam::*:group/*", "*", "arn:aws:iam::*:group/ci/*"):
        groups = ("Allow", "[iam:AddUserToGroup, iam:PutGroupPolicy]", resource)
        assert [(f[0], f[2]) for f in escalations(org, groups)] == [
            ("E710", message("iam:AddUserToGroup", "iam:AddUserToGroup")),
            ("E710", message("iam:PutGroupPolicy", "iam:PutGroupPolicy")),
        ], resource


def test_changing_people_needs_a_way_to_act_as_a_user(org: Path) -> None:
    groups = (
        "Allow",
        "[iam:AddUserToGroup, iam:PutGroupPolicy]",
        "arn:aws:iam::*:group/jumpgate/*",
    )
    assert escalations(org, groups) == []
    found = escalations(org, groups, ("Allow", "iam:CreateLoginProfile", "arn:aws:iam::*:user/*"))
    assert [(f[0], f[2]) for f in found] == [
        ("E710", message("iam:AddUserToGroup", "iam:AddUserToGroup")),
        ("E710", message("iam:PutGroupPolicy", "iam:PutGroupPolicy")),
        ("E710", message("iam:CreateLoginProfile", "iam:CreateLoginProfile")),
    ]


# ----------------------------------------------------------------------------- the rest


def test_policy_versions_need_a_holder_that_may_hold_them(org: Path) -> None:
    versions = ("Allow", "iam:CreatePolicyVersion", "arn:aws:iam::*:policy/app/*")
    assert escalations(org, versions, NO_ASSUME) == []
    assert [f[0] for f in escalations(org, versions)] == ["E710"]


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("iam:CreateAccessKey", "arn:aws:iam::*:user/app/*"),
        ("lambda:UpdateFunctionCode", "arn:aws:lambda:*:*:function:app-*"),
    ],
)
def test_credentials_and_new_code_stay_escalation(org: Path, action: str, resource: str) -> None:
    found = escalations(org, ("Allow", action, resource), NO_ASSUME)
    assert found == [("E710", line_of(org, CRM, action), message(action, action))]


# ----------------------------------------------------------------------------- templates


@pytest.fixture
def repo(org: Path) -> Path:
    """The example organization with the pipeline templates (the `org` fixture has none)."""
    shutil.copytree(REPO / "cloudformation" / "pipeline", org / "cloudformation" / "pipeline")
    return org


def test_the_pipeline_templates_pass_the_gate(repo: Path) -> None:
    code, out, err = run("check", "--root", str(repo), "--today", TODAY, "--format", "json")
    assert (code, json.loads(out)) == (0, [])
    assert "check: 66 policies checked" in err  # 43 of the example repo, 23 of the templates


def remove(root: Path, rel: str, start: str, end: str) -> None:
    """Cut a template's text from `start` (included) to `end` (excluded)."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    cut = text.index(start)
    path.write_text(text[:cut] + text[text.index(end, cut) :])


ROLE_CHANGES = (
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
)
BOTH = "(DeployerRole, StrictDeployerRole)"


def template_rows(root: Path) -> list[tuple[str, str, int, int, str]]:
    return [r for r in check(root) if r[1].startswith("cloudformation/")]


def test_without_never_change_itself_the_deployers_can_change_their_own_role(repo: Path) -> None:
    remove(repo, BOOTSTRAP, "          # The deployers live on", "          # Deployers never")
    expected = [
        (
            "E710",
            BOOTSTRAP,
            line_of(repo, BOOTSTRAP, f"- {action}\n", "Sid: JumpgateRoles"),
            19,
            f"{message(action, action)} {BOTH}",
        )
        for action in ROLE_CHANGES
    ]
    expected.append(
        (
            "E710",
            BOOTSTRAP,
            line_of(repo, BOOTSTRAP, "Action: iam:AttachRolePolicy"),
            23,
            f"{message('iam:AttachRolePolicy', 'iam:AttachRolePolicy')} {BOTH}",
        )
    )
    assert template_rows(repo) == sorted(expected, key=lambda r: r[2])


def test_without_the_sts_deny_the_deployers_could_assume_a_role_they_change(repo: Path) -> None:
    remove(repo, BOOTSTRAP, "          # Deployers never", "          # Read-only listing")
    found = template_rows(repo)
    versions = line_of(repo, BOOTSTRAP, "- iam:CreatePolicyVersion")
    assert [(r[0], r[2]) for r in found if r[2] == versions] == [("E710", versions)]
    actions = {r[4].split("'")[1] for r in found}
    assert actions == {
        *ROLE_CHANGES,
        "iam:AttachRolePolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
    }
    assert all(r[0] == "E710" and r[4].endswith(BOTH) for r in found)


def test_the_cfn_lint_hook_judges_a_changed_pipeline_template(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    remove(repo, BOOTSTRAP, "          # Deployers never", "          # Read-only listing")
    monkeypatch.chdir(repo)
    capsys.readouterr()
    assert hooks.main(["cfn-lint", BOOTSTRAP]) == 1
    out = capsys.readouterr().out
    line = line_of(repo, BOOTSTRAP, "- iam:UpdateAssumeRolePolicy\n", "Sid: JumpgateRoles")
    assert f"{BOOTSTRAP}:{line}:19: E710 " in out


def test_a_template_the_gate_cannot_resolve_is_e742(repo: Path) -> None:
    path = repo / BOOTSTRAP
    text = path.read_text(encoding="utf-8")
    old = '            Resource: "*"\n          # Read-only listing'
    path.write_text(text.replace(old, old.replace('"*"', '!Select [0, ["*"]]'), 1))
    line = line_of(repo, BOOTSTRAP, "!Select")
    assert template_rows(repo) == [
        (
            "E742",
            BOOTSTRAP,
            line,
            23,
            "the gate cannot resolve this template's IAM: "
            "Fn::Select is not supported by the gate's resolver",
        )
    ]


def test_unreadable_yaml_is_e742_at_its_line(repo: Path) -> None:
    (repo / "cloudformation/pipeline/broken.yaml").write_text("Resources: [\n", encoding="utf-8")
    rows = [r for r in template_rows(repo) if r[1].endswith("broken.yaml")]
    assert [(r[0], r[2], r[3]) for r in rows] == [("E742", 2, 1)]


def test_deployers_rewriting_their_own_managed_policies_is_escalation(repo: Path) -> None:
    """The deployers' rights are managed policies on /<prefix>-bootstrap/; policy versions on
    any path that covers it would let them rewrite their own rights."""
    path = repo / BOOTSTRAP
    own = 'Resource: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/${Prefix}/*"'
    wide = 'Resource: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*"'
    text = path.read_text(encoding="utf-8")
    assert text.count(own) == 1
    path.write_text(text.replace(own, wide))
    found = {(r[0], r[2], r[4].split("'")[1]) for r in template_rows(repo)}
    assert found == {
        ("E710", line_of(repo, BOOTSTRAP, f"- {action}\n"), action)
        for action in ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion")
    }


# ------------------------------------------------------------------ found by mutation testing


def test_changing_users_off_the_people_path_is_escalation(org: Path) -> None:
    users = ("Allow", "iam:AttachUserPolicy", "arn:aws:iam::*:user/*")
    assert [(f[0], f[2]) for f in escalations(org, users)] == [
        ("E710", message("iam:AttachUserPolicy", "iam:AttachUserPolicy"))
    ]
    people = ("Allow", "iam:AttachUserPolicy", "arn:aws:iam::*:user/jumpgate/*")
    assert escalations(org, people) == []


def test_an_action_its_own_deny_takes_away_is_no_escalation(org: Path) -> None:
    for action in ("iam:PutRolePolicy", "iam:AttachGroupPolicy", "iam:CreatePolicyVersion"):
        allowed = ("Allow", action, "*")
        denied = ("Deny", action, "*")
        assert escalations(org, allowed, denied) == [], action


def test_every_escalation_action_an_entry_covers_is_counted(org: Path) -> None:
    found = escalations(org, ("Allow", "iam:Put*", "*"))
    covered = "iam:PutUserPolicy, iam:PutGroupPolicy, iam:PutRolePolicy"
    assert [(f[0], f[2]) for f in found] == [
        ("E710", f"'iam:Put*' allows privilege escalation ({covered} and 1 more)")
    ]
    exact = escalations(org, ("Allow", "iam:Put*Policy", "*"))
    assert [f[2] for f in exact] == [f"'iam:Put*Policy' allows privilege escalation ({covered})"]


def test_a_full_wildcard_entry_does_not_hide_the_entries_after_it(org: Path) -> None:
    found = escalations(org, ("Allow", '["*", "iam:PutRolePolicy"]', "*"))
    assert [(f[0], f[2]) for f in found] == [
        ("E710", message("iam:PutRolePolicy", "iam:PutRolePolicy"))
    ]


def test_the_finding_says_how_to_fix_it(org: Path) -> None:
    escalations(org, ("Allow", "iam:PutRolePolicy", "*"))
    code, out, _ = run("check", "--root", str(org), "--today", TODAY, "--format", "json")
    hints = {f["hint"] for f in json.loads(out) if f["rule"] == "E710"}
    assert (code, hints) == (
        1,
        {"remove the action; escalation paths are granted only as the admin level"},
    )


def test_policy_versions_on_the_path_of_its_own_policies_are_escalation(repo: Path) -> None:
    """Any policy on the path of the deployers' own (/<prefix>-bootstrap/) counts, not only
    their exact names."""
    path = repo / BOOTSTRAP
    own = 'Resource: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/${Prefix}/*"'
    near = own.replace("policy/${Prefix}/*", "policy/${Prefix}-bootstrap/z*")
    path.write_text(path.read_text(encoding="utf-8").replace(own, near))
    found = {r[4].split("'")[1] for r in template_rows(repo) if r[0] == "E710"}
    assert found == {"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"}


@pytest.mark.parametrize(
    ("action", "kind"), [("iam:AttachUserPolicy", "user"), ("iam:AddUserToGroup", "group")]
)
def test_everything_but_the_people_path_is_off_it(org: Path, action: str, kind: str) -> None:
    """NotResource: every user or group except jumpgate's people reaches the others."""
    found = escalations(
        org, ("Allow", action, "*"), ("Deny", action, f"arn:aws:iam::*:{kind}/jumpgate/*")
    )
    assert [(f[0], f[2]) for f in found] == [("E710", message(action, action))]
    not_people = statement("Allow", action, "x").replace(
        '          Resource: "x"\n', f'          NotResource: "arn:aws:iam::*:{kind}/jumpgate/*"\n'
    )
    path = org / CRM
    text = (org.parent / "crm.yaml.before").read_text(encoding="utf-8")
    path.write_text(text.replace(EXPORTS, not_people))
    rows = [(r[0], r[4]) for r in check(org) if r[0] in ("E710", "W711")]
    assert rows == [("E710", message(action, action))]
