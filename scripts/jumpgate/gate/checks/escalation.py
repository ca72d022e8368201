"""The well-known privilege-escalation actions (docs/facts.md), alone and in combinations."""

from __future__ import annotations

ALONE = (
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AddUserToGroup",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "glue:UpdateDevEndpoint",
    "lambda:UpdateFunctionCode",
)

PASS_ROLE = "iam:PassRole"

# With iam:PassRole, each of these runs code as any role the caller may pass.
WITH_PASS_ROLE = (
    "ec2:RunInstances",
    "lambda:CreateFunction",
    "glue:CreateDevEndpoint",
    "cloudformation:CreateStack",
    "codebuild:CreateProject",
)

FULL_WILDCARDS = ("*", "*:*")

# AWS managed policies that make a role an administrator (of the account or of IAM).
ADMIN_MANAGED_POLICIES = (
    "AdministratorAccess",
    "PowerUserAccess",
    "IAMFullAccess",
    "AWSOrganizationsFullAccess",
)
