"""gate/checks/holder.py called directly: how a statement's resources are probed (lists,
policy variables), documents whose Statement is one object, what cannot be evaluated, and the
policies on the paths of the holder's own managed policies. (E710/W711 through the CLI:
test_escalation_resource_aware.py.)"""

from __future__ import annotations

from typing import Any

from jumpgate.gate.checks.holder import ROLE, Holder

ROLE_ARN = "arn:aws:iam::107000000007:role/jumpgate/jumpgate-crm-exports"
NO_OTHER_ROLES = {"Effect": "Deny", "Action": "sts:AssumeRole*", "Resource": "*"}


def allow(action: str, resource: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def test_a_resource_list_and_its_policy_variables_are_probed() -> None:
    holder = Holder(ROLE, (ROLE_ARN,), ())
    mine = allow("iam:PutRolePolicy", ["arn:aws:iam::*:role/${aws:username}"])
    assert holder.reaches(mine, "iam:PutRolePolicy")
    assert not holder.reaches(mine, "iam:PutUserPolicy")
    assert not Holder(ROLE, (ROLE_ARN,), ({"Statement": [NO_OTHER_ROLES]},)).reaches(
        allow("sts:AssumeRole", ["arn:aws:iam::*:role/${aws:username}"]), "sts:AssumeRole"
    )


def test_a_statement_that_is_one_object() -> None:
    holder = Holder(ROLE, (ROLE_ARN,), ({"Statement": allow("s3:GetObject", "*")},))
    assert holder.may("s3:GetObject") and not holder.may("s3:PutObject")
    denying = Holder(ROLE, (ROLE_ARN,), ({"Statement": NO_OTHER_ROLES},))
    assert denying.denies == [NO_OTHER_ROLES]
    assert not denying.acts_as_other_roles


def test_what_the_evaluator_cannot_read_is_assumed_to_reach() -> None:
    odd = {**allow("iam:PutRolePolicy", "*"), "Bogus": 1}
    assert Holder(ROLE, (ROLE_ARN,), ()).reaches(odd, "iam:PutRolePolicy")


def test_policy_versions_of_its_own_managed_policies() -> None:
    """A holder that cannot act as anyone else (and holds no policy the gate does not see)
    benefits from new versions of the policies attached to it (each of them, not only the
    last), and of policies on their paths."""
    own = (
        "arn:aws:iam::107000000007:policy/team/Exports",
        "arn:aws:iam::107000000007:policy/other/Audit",
    )
    holder = Holder(ROLE, (ROLE_ARN,), ({"Statement": [NO_OTHER_ROLES]},), policy_arns=own)
    assert not holder.acts_as_other_roles and not holder.acts_as_users
    action = "iam:CreatePolicyVersion"
    assert holder.benefits(allow(action, own[0]), action)
    assert holder.benefits(allow(action, "arn:aws:iam::107000000007:policy/team/*"), action)
    assert not holder.benefits(allow(action, "arn:aws:iam::107000000007:policy/x/Y"), action)
