"""Realistic mode, inside moto's models: stack and change-set latency, transient stack
failures, IAM propagation and credential lifetimes (see realistic.py for the settings).

moto applies a change set at once. Here the stack then reports `<KIND>_IN_PROGRESS` until its
modelled duration (start-up + slowest resource, × time_scale) has passed, and only then its
real outcome; a change set reports `CREATE_IN_PROGRESS` for `change_set_seconds`. A transient
stack failure ("Rate exceeded" from IAM inside CloudFormation, the usual one on IAM-heavy
accounts) leaves the stack as AWS does: ROLLBACK_COMPLETE after a CREATE, UPDATE_ROLLBACK_COMPLETE
(unchanged) after an UPDATE.
"""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING, Any

from moto.cloudformation import models as _cfn_models
from moto.core.utils import utcnow
from moto.iam import models as _iam_models
from moto.sts import models as _sts_models

from jumpgate.emulator.realistic_iam_cost import iam_write_calls

if TYPE_CHECKING:
    from jumpgate.emulator.realistic import State

cfn: Any = _cfn_models
iam: Any = _iam_models
sts: Any = _sts_models

TRANSIENT_REASON = (
    "Rate exceeded (Service: Iam, Status Code: 400, Error Code: Throttling) "
    "[realistic mode: transient]"
)

# stack id → (monotonic time it settles, final status); change set id → (time, status, execution)
_stacks: dict[str, tuple[float, str]] = {}
_change_sets: dict[str, tuple[float, str, str]] = {}


def _settle(backend: Any) -> None:
    """Settle this backend's (account's) due operations; other accounts' wait for theirs."""
    now = time.monotonic()
    for stack_id, (ready, final) in list(_stacks.items()):
        stack = backend.stacks.get(stack_id) or backend.deleted_stacks.get(stack_id)
        if ready <= now and stack is not None:
            _stacks.pop(stack_id, None)
            stack.status = final
    for cs_id, (ready, status, execution) in list(_change_sets.items()):
        change_set = backend.change_sets.get(cs_id)
        if ready <= now and change_set is not None:
            _change_sets.pop(cs_id, None)
            change_set.status, change_set.execution_status = status, execution


def _parameters(thing: Any) -> dict[str, str]:
    """A change set's or stack's input parameters (moto keeps them as a dict)."""
    found = getattr(thing, "parameters", None) or {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _types(template: dict[str, Any]) -> list[str]:
    resources = template.get("Resources") or {}
    return [str(r.get("Type", "")) for r in resources.values() if isinstance(r, dict)]


def install(state: State) -> None:
    backend = cfn.CloudFormationBackend

    def create_change_set(original: Any) -> Any:
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            change_set_id, stack_id = original(self, *args, **kwargs)
            settings = state.settings
            change_set = self.change_sets[change_set_id]
            if settings is not None:
                ready = time.monotonic() + settings.scaled(settings.change_set_seconds)
                _change_sets[change_set_id] = (
                    ready,
                    change_set.status,
                    change_set.execution_status,
                )
                change_set.status, change_set.execution_status = "CREATE_IN_PROGRESS", "UNAVAILABLE"
            return change_set_id, stack_id

        return wrapper

    def describe_change_set(original: Any) -> Any:
        def wrapper(self: Any, change_set_name: str) -> Any:
            _settle(self)
            return original(self, change_set_name)

        return wrapper

    def execute_change_set(original: Any) -> Any:
        def wrapper(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
            _settle(self)
            settings = state.settings
            change_set = self.describe_change_set(change_set_name)
            stack = self.stacks[change_set.stack_id]
            kind = change_set.change_set_type
            name = stack.name
            before = dict(stack.template_dict or {}) if kind == "UPDATE" else {}
            transient = (
                settings is not None
                and change_set.execution_status == "AVAILABLE"
                and (
                    state.take_forced(settings.fail_stacks, name)
                    or state.chance(settings.transient_stack_rate)
                )
            )
            if transient:
                state.count("transient-stack")
                change_set.execution_status = "EXECUTE_FAILED"
                stack._add_stack_event(f"{kind}_IN_PROGRESS", "User Initiated")
                types = _types(change_set.template_dict) or ["AWS::IAM::Role"]
                logical = next(iter(change_set.template_dict.get("Resources") or {"Resource": 0}))
                stack.events.append(
                    cfn.Event(
                        stack_id=stack.stack_id,
                        stack_name=name,
                        logical_resource_id=logical,
                        physical_resource_id="",
                        resource_type=types[0],
                        resource_status=f"{kind}_FAILED",
                        resource_status_reason=TRANSIENT_REASON,
                        resource_properties=None,
                    )
                )
                final = "ROLLBACK_COMPLETE" if kind == "CREATE" else "UPDATE_ROLLBACK_COMPLETE"
                stack._add_stack_event(final)
            else:
                original(self, change_set_name, stack_name)
                final = stack.status
            if settings is None:
                stack.status = final
                return
            seconds = settings.stack_seconds(_types(change_set.template_dict))
            if not transient:  # CloudFormation's own IAM calls share the account's IAM rate
                calls = iam_write_calls(before, change_set.template_dict, _parameters(change_set))
                served = state.reserve(self.account_id, "iam-write", calls)
                seconds = max(seconds, settings.scaled(settings.stack_startup_seconds) + served)
            _stacks[stack.stack_id] = (time.monotonic() + seconds, final)
            stack.status = f"{kind}_IN_PROGRESS"

        return wrapper

    def delete_stack(original: Any) -> Any:
        def wrapper(self: Any, name_or_stack_id: str) -> None:
            _settle(self)
            settings = state.settings
            found = [
                s for s in list(self.stacks.values()) if name_or_stack_id in (s.name, s.stack_id)
            ]
            original(self, name_or_stack_id)
            if settings is None:
                return
            for stack in found:
                if stack.status == "DELETE_COMPLETE":
                    seconds = settings.stack_seconds(_types(stack.template_dict))
                    calls = iam_write_calls(stack.template_dict, {}, _parameters(stack))
                    served = state.reserve(self.account_id, "iam-write", calls)
                    seconds = max(seconds, settings.scaled(settings.stack_startup_seconds) + served)
                    _stacks[stack.stack_id] = (time.monotonic() + seconds, "DELETE_COMPLETE")
                    stack.status = "DELETE_IN_PROGRESS"

        return wrapper

    def describe_stacks(original: Any) -> Any:
        def wrapper(self: Any, name_or_stack_id: str) -> Any:
            _settle(self)
            return original(self, name_or_stack_id)

        return wrapper

    backend.create_change_set = create_change_set(backend.create_change_set)
    backend.describe_change_set = describe_change_set(backend.describe_change_set)
    backend.execute_change_set = execute_change_set(backend.execute_change_set)
    backend.delete_stack = delete_stack(backend.delete_stack)
    backend.describe_stacks = describe_stacks(backend.describe_stacks)

    create_role = iam.IAMBackend.create_role

    def iam_create_role(self: Any, role_name: str, *args: Any, **kwargs: Any) -> Any:
        role = create_role(self, role_name, *args, **kwargs)
        with state.lock:
            state.role_created[(self.account_id, role_name)] = time.monotonic()
        return role

    iam.IAMBackend.create_role = iam_create_role

    assume_role = sts.STSBackend.assume_role

    def sts_assume_role(self: Any, *args: Any, **kwargs: Any) -> Any:
        role = assume_role(self, *args, **kwargs)
        settings = state.settings
        if settings is not None:
            lifetime = settings.scaled(settings.credential_seconds or kwargs["duration"])
            role.expiration = utcnow() + datetime.timedelta(seconds=lifetime)
            with state.lock:
                state.sessions[role.access_key_id] = (
                    role.account_id,
                    time.monotonic() + lifetime,
                )
        return role

    sts.STSBackend.assume_role = sts_assume_role
