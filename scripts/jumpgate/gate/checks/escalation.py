"""The well-known privilege-escalation actions (docs/facts.md), alone and in combinations, and
what the holder of each needs to benefit from it (judged in holder.py)."""

from __future__ import annotations

# Always escalation: a credential for a user is that user's access.
CREDENTIALS = ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile")
# Always escalation: they run new code as a role that already exists.
NEW_CODE = ("glue:UpdateDevEndpoint", "lambda:UpdateFunctionCode")
# Escalation when the holder is among the users (or in the groups) changed, or can act as a
# user it may change (a credential action on users).
USERS_AND_GROUPS = (
    "iam:AddUserToGroup",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
)
# Escalation when the holder's own role is among the roles changed, or when it may act as
# another role: assume one (a trust policy alone can allow that) or run code as one.
ROLES = (
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
)
# Escalation when the policies changed may be attached to the holder, or to a principal it
# may act as.
POLICY_VERSIONS = ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion")

# Every escalation action; the order of today's messages (the first three name the finding).
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
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
)

# A holder may act as a role when it can call any of these: assume it (the role's trust
# policy alone may allow that), or run code that runs as an existing role, no iam:PassRole
# needed (docs/facts.md).
ASSUME_ROLE = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")
RUN_AS_ROLE = (
    "lambda:InvokeFunction",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "codebuild:StartBuild",
    "codebuild:StartBuildBatch",
    "codebuild:UpdateProject",
    "ssm:SendCommand",
    "ssm:StartSession",
    "states:StartExecution",
    "states:StartSyncExecution",
    "glue:UpdateDevEndpoint",
    "glue:StartJobRun",
    "ec2-instance-connect:SendSSHPublicKey",
    "sagemaker:CreatePresignedNotebookInstanceUrl",
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
