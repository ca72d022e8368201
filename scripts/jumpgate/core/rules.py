"""The rule catalogue: every finding's stable id, its title and the default fix hint.

The first letter of an id is its severity: E error (blocks), W warning (reported, does not
block unless asked), I info. Ids are never reused; docs/rules.md is generated from this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from jumpgate.core.findings import Severity, severity_of_id


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title: str
    hint: str

    @property
    def severity(self) -> Severity:
        return severity_of_id(self.rule_id)


_RULES = [
    # E0xx: files that cannot be read as data
    Rule("E001", "file cannot be read", "make it a readable UTF-8 text file"),
    Rule("E002", "YAML syntax error", "fix the YAML syntax (indent with spaces, never tabs)"),
    Rule("E003", "duplicate key", "remove or rename one of the duplicate keys"),
    Rule("E004", "empty file", "add the file's content, or delete the file"),
    Rule("E005", "file too large", "data files are small; split or trim the file"),
    Rule(
        "E006",
        "not a regular file",
        "replace the symbolic link, device or folder with a regular file in the repository",
    ),
    Rule("E007", "YAML feature not allowed", "write plain text keys and values, without tags"),
    Rule(
        "E008",
        "working tree differs from the commit",
        "the gate checks the files on disk: stage the file (`git add`/`git rm`) or move it away",
    ),
    # E1xx: one file against its schema
    Rule("E101", "schema violation", "see schemas/ for the allowed shape of this file"),
    Rule("E102", "file name does not match its content", "rename the file after its name"),
    Rule(
        "E103",
        "file name is not a valid name",
        "rename the file: lowercase ASCII letters, digits and hyphens, starting with a letter "
        "or digit",
    ),
    # E2xx: references across files
    Rule("E201", "duplicate account id", "each AWS account id appears in one account file"),
    Rule("E202", "names differ only by case", "IAM names are case-insensitive: rename one"),
    Rule("E203", "not exactly one identity account", "mark one account `environment: identity`"),
    Rule("E204", "unknown team", "use the name of a file in teams/"),
    Rule("E205", "unknown environment", "use an environment defined in org/organization.yaml"),
    Rule("E206", "unknown account", "use the name of a file in accounts/"),
    Rule(
        "E207",
        "unknown access level",
        "use a level of org/organization.yaml or a permission set of this team",
    ),
    Rule("E208", "unknown person", "list the person under `people:` of this team"),
    Rule(
        "E209",
        "person's identity differs between teams",
        "use the same name and email in every team file",
    ),
    Rule("E210", "team declared twice", "each team has exactly one file in teams/"),
    Rule("W211", "grant reaches no account", "remove the grant, or add the team's account"),
    Rule("E212", "duplicate group name", "give one of the grants a distinct `group:` name"),
    Rule("E213", "permission set shadows an organization level", "rename the permission set"),
    Rule(
        "E214",
        "grant into the identity account",
        "people already live in the identity account; grant target accounts only",
    ),
    Rule(
        "E215",
        "two people make the same stack name",
        "stack names keep only letters, digits and hyphens: rename one of the people",
    ),
    Rule("E216", "account declared twice", "each account has exactly one file in accounts/"),
    Rule(
        "W217",
        "grant already covered by another grant",
        "remove this grant (or narrow the other one): it only adds an IAM group",
    ),
    Rule(
        "E218",
        "two declarations make the same generated name",
        "rename one of them: each role, group, user, stack and parameter file has one source",
    ),
    Rule(
        "E219",
        "name reserved for jumpgate's own infrastructure",
        "rename it: the deployer, pipeline and baseline resources use this name",
    ),
    Rule(
        "E220",
        "two prod-reaching groups share a strict-group id",
        "rename one group (`group:`): prod roles tell strict groups apart by this id",
    ),
    # E3xx: IAM naming and per-principal limits
    Rule(
        "E301", "invalid IAM name", "use at most the allowed length of letters, digits and +=,.@_-"
    ),
    Rule(
        "E302",
        "role path and name too long for console Switch Role",
        "shorten the level or team name",
    ),
    Rule("E303", "person in too many groups", "merge grants: IAM allows 10 groups per user"),
    # E4xx: the organization's access rules
    Rule(
        "E401",
        "level not allowed in this environment",
        "choose a level allowed there (see org/organization.yaml)",
    ),
    Rule(
        "E402",
        "elevated access without expiry and reason",
        "add `expires: YYYY-MM-DD` and `reason:` to the grant",
    ),
    Rule("W403", "grant has expired", "IAM already denies it; remove the grant"),
    Rule("E404", "expiry too far ahead", "elevated access is time-bound; shorten `expires`"),
    # E45x: org/access-rules.yaml, checked on the effective-access model (`jumpgate check`)
    Rule(
        "E450",
        "access rule names something that does not exist",
        "name a team, level, environment, account or person of the organization",
    ),
    Rule(
        "E451",
        "level held outside the account's owning team",
        "grant it only to the owning team's people, or list the person in the rule's `except`",
    ),
    Rule(
        "E452",
        "standing access where the access rules require an expiry",
        "add `expires: YYYY-MM-DD` and `reason:` to the grant",
    ),
    Rule(
        "E453",
        "access the access rules require is missing",
        "grant the level to the team in the accounts the message names",
    ),
    Rule(
        "E454",
        "too many people hold a level in one account",
        "narrow the grant's `who` (or raise `max` in org/access-rules.yaml, with a reason)",
    ),
    Rule(
        "E455",
        "account reached from outside the team it is restricted to",
        "remove the grant, or list the person in the rule's `except`",
    ),
    Rule("E456", "duplicate access rule id", "give each rule of org/access-rules.yaml its own id"),
    Rule(
        "E406",
        "level would replace the environment's permissions boundary",
        "remove the level's `permissions_boundary` (the environment's applies), or change the "
        "environment's",
    ),
    # E5xx: AWS and CloudFormation quotas
    Rule("E501", "parameter value too large", "split the grant over several groups"),
    Rule("E502", "policy too large", "split the grant or the policy"),
    Rule("E503", "template over a CloudFormation quota", "split the template"),
    Rule("E504", "session duration out of range", "use 3600 to 43200 seconds"),
    Rule(
        "W505",
        "account close to a quota",
        "request the increase the message names before the quota is reached (a quota that "
        "cannot be raised means splitting)",
    ),
    Rule(
        "E506",
        "account over a quota",
        "request the increase the message names and record it under `quotas:`, or split",
    ),
    # E6xx: rendered files
    Rule("E601", "generated file is stale", "run `jumpgate render` and commit the result"),
    Rule("E602", "generated file is missing", "run `jumpgate render` and commit the result"),
    Rule("E603", "generated file is orphaned", "run `jumpgate render` (it deletes orphans)"),
    # E7xx/W7xx/I7xx: policy checks (`jumpgate check`). Where severity depends on the
    # environment a rule has two ids: the E one in strict environments (prod), the W one elsewhere.
    Rule("E701", "unknown service", "use a service prefix AWS defines (see the hint)"),
    Rule("E702", "unknown action", "use an action AWS defines (see the hint)"),
    Rule("W703", "action does not apply to the statement's resources", "match actions to ARNs"),
    Rule("E704", "every action allowed (strict environment)", "list the actions needed"),
    Rule("W705", "every action allowed", "list the actions needed"),
    Rule("E706", "NotAction/NotResource with Allow (strict environment)", "list what is allowed"),
    Rule("W707", "NotAction/NotResource with Allow", "list what is allowed"),
    Rule("E708", "write action on every resource (strict environment)", "name the resources"),
    Rule("W709", "write action on every resource", "name the resources"),
    Rule("E710", "privilege-escalation action (strict environment)", "remove the action"),
    Rule("W711", "privilege-escalation action", "remove the action"),
    Rule("E712", "iam:PassRole with a compute action (strict environment)", "drop one of them"),
    Rule("W713", "iam:PassRole with a compute action", "drop one of them"),
    Rule("E714", "iam:PassRole on every role (strict environment)", "name the roles"),
    Rule("W715", "iam:PassRole on every role", "name the roles"),
    Rule("E716", "role can be assumed without MFA", "require Bool aws:MultiFactorAuthPresent"),
    Rule("E717", "assume-role target outside the organization", "remove the statement"),
    Rule("E718", "trust policy trusts other than the identity account", "trust it only"),
    Rule("E719", "trust policy trusts every principal", "trust the identity account only"),
    Rule("E720", "session longer than the environment allows", "shorten max_session_seconds"),
    Rule("I721", "level's session length capped by the environment", "nothing to do"),
    Rule("E722", "admin-like level without expires and reason", "add `expires` and `reason`"),
    Rule("W723", "strict environment without an MFA age limit", "set mfa_max_age_seconds"),
    Rule("W724", "policy close to its size limit", "split the policy"),
    Rule(
        "W725",
        "prod role differs from its Access Analyzer reference",
        "run `jumpgate analyze --write-references` and commit the reference",
    ),
    Rule("E726", "policy IAM would refuse or misread (grammar)", "fix the key or value named"),
    Rule("E727", "AWS managed policy not in the list", "use an existing policy's ARN"),
    Rule("E728", "customer managed policy of another account", "use the role's own account's"),
    Rule("E729", "standing write access in a strict environment", "add `expires` and `reason`"),
    Rule("E730", "suppression has expired", "fix the finding, or renew with a new reason"),
    Rule("W731", "suppression matches no finding", "remove the suppression"),
    Rule("E732", "suppression of a rule that cannot be suppressed", "name an E7xx/W7xx rule"),
    Rule("E733", "elevated access expires too far ahead", "shorten `expires`"),
    Rule("W734", "standing declaration names no level", "fix or remove the name"),
    Rule("E740", "parameter file does not fit its template", "run `jumpgate render`"),
    Rule("E741", "JSON syntax error", "fix the JSON syntax"),
    Rule(
        "E742",
        "pipeline template the gate cannot resolve",
        "use the intrinsics the gate resolves (docs/gate.md), or fix the template",
    ),
    # E8xx/W8xx/I8xx: IAM Access Analyzer through cfn-policy-validator (`jumpgate analyze`)
    Rule("E801", "Access Analyzer error", "fix the policy as the message says"),
    Rule("E802", "Access Analyzer security warning", "fix the policy as the message says"),
    Rule("W803", "Access Analyzer warning", "fix the policy as the message says"),
    Rule("I804", "Access Analyzer suggestion", "consider the suggestion"),
    Rule(
        "E805",
        "prod role gains access beyond its reference",
        "if intended, run `jumpgate analyze --write-references` and commit the reference",
    ),
    Rule(
        "E806",
        "a never-granted action is granted",
        "remove the action (analyze/never-granted.json)",
    ),
    Rule(
        "E807",
        "prod role has no reference policy",
        "run `jumpgate analyze --write-references` and commit the reference",
    ),
    Rule(
        "E808",
        "prod role's managed policies differ from its reference",
        "if intended, run `jumpgate analyze --write-references` and commit the reference",
    ),
    Rule(
        "E809", "stack cannot be parsed for analysis", "run `jumpgate render`; check the template"
    ),
    # E9xx/W9xx: drift — deployed IAM state differs from the manifest (`jumpgate verify`)
    Rule("E901", "declared user missing", "deploy the identity stage (`jumpgate deploy`)"),
    Rule("E902", "undeclared user on jumpgate's path", "remove it, or declare the person"),
    Rule("E903", "group memberships differ", "deploy the identity stage; never edit by hand"),
    Rule("E904", "declared group missing", "deploy the identity stage"),
    Rule("E905", "undeclared group on jumpgate's path", "remove it, or declare the grant"),
    Rule("E906", "group policy differs", "deploy the identity stage; never edit by hand"),
    Rule("E907", "declared role missing", "deploy the role's stage"),
    Rule("E908", "undeclared role on jumpgate's path", "remove it, or declare the level"),
    Rule("E909", "trust policy differs", "deploy the role's stage; never edit by hand"),
    Rule("E910", "attached managed policies differ", "deploy the stage; never attach by hand"),
    Rule("E911", "inline policies differ", "deploy the stage; never edit by hand"),
    Rule("E912", "session duration differs", "deploy the role's stage"),
    Rule("E913", "permissions boundary differs", "deploy the role's stage"),
    Rule("E914", "account cannot be read", "check the bootstrap role and credentials"),
    Rule("W915", "person's tags differ", "deploy the identity stage"),
    Rule("E916", "account password policy differs", "deploy the identity stage"),
    Rule(
        "E917",
        "deployed access differs from the declared access",
        "deploy the stage that owns the path (or remove what was added outside jumpgate)",
    ),
    Rule(
        "E918",
        "deployed policies cannot be evaluated",
        "a policy was changed outside jumpgate: deploy the identity stage to restore it",
    ),
    Rule(
        "E919",
        "a person has policies of their own",
        "remove them: jumpgate people get access only through their groups",
    ),
    Rule("W920", "access key older than 90 days", "rotate it (CIS AWS Foundations 1.14)"),
    Rule(
        "E921",
        "a user outside jumpgate's path may assume a jumpgate role",
        "remove the policy that allows it; access goes through jumpgate's people only",
    ),
]

RULES: dict[str, Rule] = {rule.rule_id: rule for rule in _RULES}


def severity_of(rule_id: str) -> Severity:
    return RULES[rule_id].severity


def hint_of(rule_id: str) -> str:
    return RULES[rule_id].hint


def catalogue_markdown() -> str:
    lines = [
        "# jumpgate rules",
        "",
        "Generated by `jumpgate rules --format markdown`; do not edit by hand.",
        "The first letter of an id gives its severity: E error, W warning, I info.",
        "",
        "| id | severity | title | fix |",
        "| --- | --- | --- | --- |",
    ]
    for rule in _RULES:
        lines.append(f"| {rule.rule_id} | {rule.severity.value} | {rule.title} | {rule.hint} |")
    return "\n".join(lines) + "\n"
