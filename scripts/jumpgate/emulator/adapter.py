"""Install every local-only patch into the moto server process.

Imported only by the emulator's server process (`python -m jumpgate.emulator.serve`), never by
the deploy engine, so the production path (real AWS) is untouched. What is patched and why:

- cfn_types: AWS::IAM::Group and AWS::IAM::RolePolicy resource types.
- cfn_iam: User Groups/Tags and
  in-place updates; Role ManagedPolicyArns, trust policy and MaxSessionDuration updates;
  ManagedPolicy document updates; AWS-managed policies loaded on demand.
- cfn_engine: change sets that see parameter changes (with Replacement), stacks that record
  executed parameters/tags, AWS-like failure and rollback states with failed resource events,
  termination protection.
- enforcement (+ authorize, principals): IAM enforcement as AWS evaluates it, STS sessions with
  MFA, role sessions, identities (docs/emulator.md); self_service: the baseline's self-service;
  clock: `aws:CurrentTime` with an override (`/moto-api/jumpgate/clock`).
- realistic: AWS timing, throttling, faults and credential lifetimes, off until configured
  (`jumpgate local-aws up --realistic`).
- GetAccountPasswordPolicy omits MaxPasswordAge when passwords never expire, as AWS does (moto
  returns 0, which reads as a difference on every run); ListServiceSpecificCredentials exists
  (moto answers HTTP 500), with none.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.cloudformation import parsing
from moto.core.responses import ActionResult
from moto.iam import responses as iam_responses
from moto.moto_api._internal import urls as moto_api_urls

from jumpgate.emulator import (
    cfn_engine,
    cfn_iam,
    cfn_types,
    clock,
    enforcement,
    realistic,
    self_service,
)

_installed = False


def _no_service_specific_credentials(self: Any) -> ActionResult:
    return ActionResult({"ServiceSpecificCredentials": []})


def _get_account_password_policy(self: Any) -> ActionResult:
    policy = copy.copy(self.backend.get_account_password_policy())
    if not policy.max_password_age:
        policy.max_password_age = None
    return ActionResult({"PasswordPolicy": policy})


def install() -> None:
    global _installed
    if _installed:
        return
    cfn_iam.install()
    assert cfn_types.LocalGroup.cloudformation_type() == "AWS::IAM::Group"  # registered
    cfn_engine.install()
    enforcement.install()
    self_service.install()
    clock.from_environment()
    moto_api_urls.url_paths["{0}/moto-api/jumpgate/clock"] = clock.handler
    realistic.install()  # after cfn_engine: it wraps the patched CloudFormation backend
    response: Any = iam_responses.IamResponse
    response.get_account_password_policy = _get_account_password_policy
    response.list_service_specific_credentials = _no_service_specific_credentials
    # moto caches its resource-type map on first use; make sure the new types are in it.
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    _installed = True
