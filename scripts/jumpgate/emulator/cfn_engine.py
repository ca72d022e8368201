"""CloudFormation stack behaviour moto 5.2.5 lacks, for the local target only.

- a change set lists resources touched by parameter changes too (also through Fn::Sub), with
  Replacement, and the PhysicalResourceId of what it modifies or removes;
- executing a change set records its parameters and tags on the stack (moto keeps the old
  ones, so the next identical change set would not be recognised as a no-op);
- a failing resource fails the stack like AWS (CREATE_FAILED → ROLLBACK_COMPLETE,
  UPDATE_FAILED → UPDATE_ROLLBACK_COMPLETE, resource events with the reason) instead of an
  HTTP 500, and an update's failure restores the previous template and parameters;
- UpdateTerminationProtection exists, and a protected stack refuses deletion;
- a CREATE change set for a stack name that is alive fails as in AWS.
"""

from __future__ import annotations

import contextlib
import re
import threading
from typing import Any

from moto.cloudformation import models as _cfn_models
from moto.cloudformation import parsing as _parsing
from moto.cloudformation import responses as _cfn_responses
from moto.cloudformation.exceptions import ValidationError
from moto.core.responses import ActionResult

cfn: Any = _cfn_models
parsing: Any = _parsing
cfn_responses: Any = _cfn_responses

# Properties whose change replaces the resource (AWS documentation, IAM resource types).
REPLACING = {
    "AWS::IAM::User": ("UserName",),
    "AWS::IAM::Group": ("GroupName",),
    "AWS::IAM::Role": ("RoleName", "Path"),
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName", "Path"),
    "AWS::IAM::RolePolicy": ("RoleName", "PolicyName"),
}

_LIVE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")


class ResourceFailed(Exception):
    def __init__(self, logical_id: str, resource_type: str, cause: Exception) -> None:
        super().__init__(str(cause))
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.cause = cause


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {message}"


def _tracking(original: Any) -> Any:
    def wrapper(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original(logical_id, resource_json, *args, **kwargs)
        except ResourceFailed:
            raise
        except Exception as exc:
            raise ResourceFailed(logical_id, resource_json.get("Type", "?"), exc) from exc

    return wrapper


def _conditional_update(original: Any) -> Any:
    """A resource whose Condition turned false is deleted (moto would update it with values
    that no longer exist); one whose Condition turned true is created by moto's lazy map."""

    def update(
        logical_id: str, resource_json: dict[str, Any], resources_map: Any, *args: Any, **kw: Any
    ) -> Any:
        condition = resource_json.get("Condition")
        if condition and not resources_map.lazy_condition_map[condition]:
            existing = resources_map._parsed_resources.get(logical_id)
            if existing is not None:
                resources_map._delete_resource(existing, resource_json)
            return None
        if logical_id in resources_map._parsed_resources and (
            resources_map._parsed_resources[logical_id] is None
        ):
            del resources_map._parsed_resources[logical_id]  # absent so far: create it now
            return resources_map[logical_id]
        return original(logical_id, resource_json, resources_map, *args, **kw)

    return update


def _resolved(stack: Any, logical_id: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """A resource's properties with the stack's current parameters (best effort)."""
    try:
        resource_json = stack.resource_map._resource_json_map[logical_id]
        props = parsing.clean_json(resource_json.get("Properties", {}), stack.resource_map)
        return props if isinstance(props, dict) else {}
    except Exception:
        return {}


def _diff(self: Any) -> list[Any]:
    resource_map = self.stack.resource_map
    by_action = resource_map.build_resource_diff(self.template_dict, self.parameters)
    changes = []
    new_resources = self.template_dict.get("Resources", {})
    for action in ("Add", "Modify", "Remove"):
        for name in by_action[action]:
            source = new_resources if action != "Remove" else resource_map._resource_json_map
            rtype = source[name]["Type"]
            change = cfn.Change(action=action, logical_resource_id=name, resource_type=rtype)
            if action == "Modify":
                change.replacement = _replacement(self, name, rtype)
            if action != "Add":  # AWS names what exists (moto leaves it out)
                parsed = resource_map._parsed_resources.get(name)
                physical = getattr(parsed, "physical_resource_id", None)
                if physical:
                    change.physical_resource_id = str(physical)
            changes.append(change)
    return changes


def _replacement(change_set: Any, name: str, rtype: str) -> str:
    keys = REPLACING.get(rtype, ())
    if not keys:
        return "False"
    old = _resolved(change_set.stack, name, change_set.stack.parameters)
    new_params = change_set.parameters or {}
    new_json = change_set.template_dict["Resources"][name].get("Properties", {})
    for key in keys:
        value = new_json.get(key)
        if isinstance(value, dict) and "Ref" in value and value["Ref"] in new_params:
            value = new_params[value["Ref"]]
        if isinstance(value, dict):
            return "Conditional"
        if key in old and value is not None and str(value) != str(old[key]):
            return "True"
    return "False"


_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_:.]+)\}")


def _references(template: Any) -> list[str]:
    """Ref targets and Fn::Sub variables (moto sees only Ref: a parameter used through !Sub
    would not mark the resource as changed)."""
    found: list[str] = []
    if isinstance(template, dict):
        for key, value in template.items():
            if key == "Ref" and isinstance(value, str):
                found.append(value)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                if isinstance(text, str):
                    found += [v for v in _SUB_VARIABLE.findall(text) if not v.startswith("!")]
                if isinstance(value, list) and len(value) > 1:
                    found += _references(value[1])
            else:
                found += _references(value)
    elif isinstance(template, list):
        for item in template:
            found += _references(item)
    return found


def _event(stack: Any, logical_id: str, rtype: str, status: str, reason: str | None) -> None:
    stack.events.append(
        cfn.Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id="",
            resource_type=rtype,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def _execute(original: Any) -> Any:
    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        if change_set.execution_status != "AVAILABLE":
            raise ValidationError(
                change_set_name, f"ChangeSet [{change_set_name}] cannot be executed in its state"
            )
        stack = self.stacks[change_set.stack_id]
        rmap = stack.resource_map
        saved = (
            rmap._template,
            dict(rmap.input_parameters),
            rmap._resource_json_map,
            dict(rmap._parsed_resources),
        )
        kind = change_set.change_set_type
        try:
            original(self, change_set_name, stack_name)
        except ResourceFailed as failure:
            change_set.execution_status = "EXECUTE_FAILED"
            reason = _reason(failure.cause)
            _event(stack, failure.logical_id, failure.resource_type, f"{kind}_FAILED", reason)
            if kind == "CREATE":
                stack._add_stack_event("ROLLBACK_IN_PROGRESS", "The following resource(s) failed")
                with contextlib.suppress(Exception):
                    rmap.delete()
                stack.status = "ROLLBACK_COMPLETE"
                stack._add_stack_event("ROLLBACK_COMPLETE")
            else:
                rmap._template, params, rmap._resource_json_map, parsed = saved
                rmap.input_parameters = params
                rmap._parsed_resources.clear()
                rmap._parsed_resources.update(parsed)
                rmap.load_parameters()
                stack.status = "UPDATE_ROLLBACK_COMPLETE"
                stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
            return
        stack.parameters = dict(change_set.parameters or {})
        if change_set.tags is not None:
            stack.tags = dict(change_set.tags)
        stack.output_map = stack._create_output_map()

    return execute_change_set


def _create_change_set(original: Any) -> Any:
    def create_change_set(
        self: Any, stack_name: str, change_set_name: str, *args: Any, **kwargs: Any
    ) -> Any:
        kind = kwargs.get("change_set_type", args[4] if len(args) > 4 else "CREATE")
        if kind == "CREATE":
            for stack in list(self.stacks.values()):
                if stack.name == stack_name:
                    raise ValidationError(stack_name, f"Stack [{stack_name}] already exists")
        else:
            live = [s for s in list(self.stacks.values()) if s.name == stack_name]
            if live and live[0].status not in _LIVE:
                raise ValidationError(
                    stack_name,
                    f"Stack:{live[0].stack_id} is in {live[0].status} state and "
                    "can not be updated.",
                )
        change_set_id, stack_id = original(self, stack_name, change_set_name, *args, **kwargs)
        change_set = self.change_sets[change_set_id]
        tags = kwargs.get("tags")
        if change_set.status == "FAILED" and tags and tags != change_set.stack.tags:
            change_set.status = "CREATE_COMPLETE"  # a change of stack tags is a change
            change_set.execution_status = "AVAILABLE"
            change_set.status_reason = None
        return change_set_id, stack_id

    return create_change_set


def _validate_different_update(original: Any) -> Any:
    def validate(self: Any, incoming: Any, stack_body: str, old_stack: Any) -> None:
        tags = {item["Key"]: item["Value"] for item in self._get_param("Tags", [])}
        if tags and tags != old_stack.tags:
            return
        original(self, incoming, stack_body, old_stack)

    return validate


def _delete_stack(original: Any) -> Any:
    def delete_stack(self: Any, name_or_stack_id: str) -> None:
        found = [s for s in list(self.stacks.values()) if name_or_stack_id in (s.name, s.stack_id)]
        for stack in found:
            if stack.enable_termination_protection:
                raise ValidationError(
                    name_or_stack_id,
                    f"Stack [{stack.name}] cannot be deleted while TerminationProtection is "
                    "enabled",
                )
        try:
            original(self, name_or_stack_id)
        except Exception as exc:  # moto raises the last resource error of a delete
            failure = exc if isinstance(exc, ResourceFailed) else None
            for stack in found:
                logical = failure.logical_id if failure else stack.name
                rtype = failure.resource_type if failure else "AWS::CloudFormation::Stack"
                reason = _reason(failure.cause if failure else exc)
                _event(stack, logical, rtype, "DELETE_FAILED", reason)
                stack.status = "DELETE_FAILED"
                self.stacks[stack.stack_id] = stack
                self.deleted_stacks.pop(stack.stack_id, None)

    return delete_stack


def _update_termination_protection(self: Any) -> Any:
    name = self._get_param("StackName")
    enable = str(self._get_param("EnableTerminationProtection")).lower() == "true"
    stack = self.cloudformation_backend.get_stack(name)
    stack.enable_termination_protection = enable
    return ActionResult({"StackId": stack.stack_id})


def _delete_resource(original: Any) -> Any:
    def delete(resource_name: Any, resource_json: dict[str, Any], *args: Any) -> Any:
        try:
            return original(resource_name, resource_json, *args)
        except Exception as exc:
            raise ResourceFailed(str(resource_name), resource_json.get("Type", "?"), exc) from exc

    return delete


def _describe_stacks(self: Any, name_or_stack_id: str) -> list[Any]:
    """moto iterates its stack table while other requests add to it ("OrderedDict mutated
    during iteration", an HTTP 500: 31 of 5,488 stacks in an XL deploy): read a snapshot
    (list() of a dict copies it without releasing the GIL), and find a stack id directly."""
    stacks = list(self.stacks.values())
    if not name_or_stack_id:
        return stacks
    by_id = self.stacks.get(name_or_stack_id)
    if by_id is not None:
        return [by_id]
    for stack in stacks:
        if stack.name == name_or_stack_id or stack.stack_id == name_or_stack_id:
            return [stack]
    for stack in list(self.deleted_stacks.values()) if self.deleted_stacks else []:
        if stack.stack_id == name_or_stack_id:
            return [stack]
    raise ValidationError(name_or_stack_id)


_CFN_LOCK = threading.RLock()


def _serialized(original: Any) -> Any:
    """One CloudFormation request at a time: moto's backend iterates and changes its stack
    table without a lock, so parallel deploys (8 workers at XL) hit "OrderedDict mutated
    during iteration" in moto's own code too. The server is GIL-bound anyway."""

    def call_action(self: Any) -> Any:
        with _CFN_LOCK:
            return original(self)

    return call_action


def install() -> None:
    parsing.get_references_from_template = _references
    parsing.parse_and_create_resource = _tracking(parsing.parse_and_create_resource)
    parsing.parse_and_update_resource = _tracking(
        _conditional_update(parsing.parse_and_update_resource)
    )
    parsing.parse_and_delete_resource = _delete_resource(parsing.parse_and_delete_resource)
    cfn.ChangeSet.diff = _diff
    backend = cfn.CloudFormationBackend
    backend.execute_change_set = _execute(backend.execute_change_set)
    backend.create_change_set = _create_change_set(backend.create_change_set)
    backend.delete_stack = _delete_stack(backend.delete_stack)
    backend.describe_stacks = _describe_stacks
    response: Any = cfn_responses.CloudFormationResponse
    response.call_action = _serialized(response.call_action)
    response._validate_different_update = _validate_different_update(
        response._validate_different_update
    )
    cfn_responses.CloudFormationResponse.update_termination_protection = (
        _update_termination_protection
    )
