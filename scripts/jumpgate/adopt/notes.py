"""What an import could not map, or mapped narrower than the source: one note per cause, with
the source's ARN. Kinds are stable (docs/import.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = {
    "deny": "a Deny statement: its effect is imported (the paths it denies are left out), "
    "the statement is not",
    "not-action": "NotAction or NotResource: imported as the roles it allows, not as written",
    "condition": "a condition jumpgate cannot express: an Allow with it is not imported, a Deny "
    "with it applies unconditionally",
    "element": "a policy element jumpgate cannot evaluate: not imported",
    "foreign-trust": "the role trusts principals outside the identity account's users: "
    "their access is not imported",
    "user-trust": "the role trusts named users only: imported as grants to exactly them",
    "no-mfa": "the source allows this without MFA: jumpgate requires MFA (narrower)",
    "user-without-mfa": "the user has no MFA device: imported, but they must enrol one first",
    "user-policy": "access from the user's own policy, not a group: imported into the team "
    "`ungrouped`",
    "user-name": "the user name is not a valid jumpgate user name: renamed",
    "role-permissions": "the role's permissions cannot be a jumpgate level: its access is not "
    "imported",
    "session": "the role allows longer sessions than its environment's imported maximum",
    "expiry-rounded": "the source expires during a day: imported to end at the day before",
    "mfa-age": "a maximum MFA age: imported as the environment's (the smallest of its roles)",
    "environment": "the environment was guessed from the account name",
    "unknown-account": "a policy allows roles in an account that was not imported",
}


@dataclass(frozen=True, order=True)
class Note:
    kind: str
    arn: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "arn": self.arn, "message": self.message}


@dataclass
class Notes:
    items: set[Note] = field(default_factory=set)

    def add(self, kind: str, arn: str, message: str = "") -> None:
        assert kind in KINDS, kind
        self.items.add(Note(kind, arn, message or KINDS[kind]))

    def sorted(self) -> list[Note]:
        return sorted(self.items)
