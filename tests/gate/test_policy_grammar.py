"""jumpgate.gate.policy_grammar: exact findings for each kind of bad policy, no finding for the
policies this repository deploys or for AWS's documented shapes, never an exception."""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from jumpgate.gate.policy_grammar import HINTS, OPERATORS, GrammarProblem, grammar_problems

REPO = Path(__file__).resolve().parents[2]
V = "2012-10-17"
ROLE = "arn:aws:iam::111122223333:role/jumpgate/crm-admin"


def identity(**statement: Any) -> dict[str, Any]:
    st = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    return {"Version": V, "Statement": [{**st, **statement}]}


def cond(condition: Any) -> dict[str, Any]:
    return identity(Condition=condition)


def trust(**statement: Any) -> dict[str, Any]:
    st = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}
    return {"Version": V, "Statement": [{**st, "Action": "sts:AssumeRole", **statement}]}


def without(policy: dict[str, Any], key: str) -> dict[str, Any]:
    policy["Statement"][0].pop(key)
    return policy


C = ("Statement", 0, "Condition")
# (name, kind, policy, [(path, code, message)]), hints checked separately
BAD: list[tuple[str, str, Any, list[tuple[tuple[Any, ...], str, str]]]] = [
    ("operator typo", "identity", cond({"StringEqual": {"aws:PrincipalTag/team": "crm"}}),
     [((*C, "StringEqual"), "unknown-operator", "unknown condition operator 'StringEqual'")]),
    ("operator case", "identity", cond({"stringequals": {"aws:username": "a"}}),
     [((*C, "stringequals"), "unknown-operator", "unknown condition operator 'stringequals'")]),
    ("Null with IfExists", "identity", cond({"NullIfExists": {"aws:TokenIssueTime": "true"}}),
     [((*C, "NullIfExists"), "unknown-operator",
       "'NullIfExists': Null takes neither IfExists nor ForAllValues:/ForAnyValue:")]),
    ("set prefix on Null", "identity", cond({"ForAnyValue:Null": {"aws:TagKeys": "true"}}),
     [((*C, "ForAnyValue:Null"), "unknown-operator",
       "'ForAnyValue:Null': Null takes neither IfExists nor ForAllValues:/ForAnyValue:")]),
    ("dict as a value", "identity", cond({"StringEquals": {"aws:username": {"a": "b"}}}),
     [((*C, "StringEquals", "aws:username"), "bad-condition-value",
       "StringEquals value for aws:username is an object {'a': 'b'}: a condition value is a "
       "string, number or boolean (or a list of them)")]),
    ("nested list as a value", "identity", cond({"StringLike": {"s3:prefix": [["a/*"]]}}),
     [((*C, "StringLike", "s3:prefix", 0), "bad-condition-value",
       "StringLike value for s3:prefix is a list ['a/*']: a condition value is a string, "
       "number or boolean (or a list of them)")]),
    ("null as a value", "identity", cond({"StringEquals": {"aws:username": None}}),
     [((*C, "StringEquals", "aws:username"), "bad-condition-value",
       "StringEquals value for aws:username is null: a condition value is a string, number or "
       "boolean (or a list of them)")]),
    ("Bool not boolean", "identity", cond({"Bool": {"aws:MultiFactorAuthPresent": "yes"}}),
     [((*C, "Bool", "aws:MultiFactorAuthPresent"), "bad-condition-value",
       "Bool value 'yes' for aws:MultiFactorAuthPresent is not true or false")]),
    ("Bool number", "identity", cond({"BoolIfExists": {"aws:SecureTransport": 1}}),
     [((*C, "BoolIfExists", "aws:SecureTransport"), "bad-condition-value",
       "BoolIfExists value 1 for aws:SecureTransport is not true or false")]),
    ("Numeric not number", "identity",
     cond({"NumericLessThan": {"aws:MultiFactorAuthAge": "one hour"}}),
     [((*C, "NumericLessThan", "aws:MultiFactorAuthAge"), "bad-condition-value",
       "NumericLessThan value 'one hour' for aws:MultiFactorAuthAge is not a number")]),
    ("Numeric boolean", "identity", cond({"NumericEquals": {"s3:max-keys": True}}),
     [((*C, "NumericEquals", "s3:max-keys"), "bad-condition-value",
       "NumericEquals value True for s3:max-keys is not a number")]),
    ("Date not date", "identity", cond({"DateLessThan": {"aws:CurrentTime": "next week"}}),
     [((*C, "DateLessThan", "aws:CurrentTime"), "bad-condition-value",
       "DateLessThan value 'next week' for aws:CurrentTime is not an ISO 8601 date or epoch "
       "seconds")]),
    ("Date impossible day", "identity",
     cond({"DateGreaterThan": {"aws:CurrentTime": ["2026-01-01", "2026-02-30T00:00:00Z"]}}),
     [((*C, "DateGreaterThan", "aws:CurrentTime", 1), "bad-condition-value",
       "DateGreaterThan value '2026-02-30T00:00:00Z' for aws:CurrentTime is not an ISO 8601 "
       "date or epoch seconds")]),
    ("IpAddress not CIDR", "identity", cond({"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}}),
     [((*C, "IpAddress", "aws:SourceIp"), "bad-condition-value",
       "IpAddress value '10.0.0.0/33' for aws:SourceIp is not an IP address or CIDR range")]),
    ("Binary not base64", "identity", cond({"BinaryEquals": {"aws:x": "not base64!"}}),
     [((*C, "BinaryEquals", "aws:x"), "bad-condition-value",
       "BinaryEquals value 'not base64!' for aws:x is not base64")]),
    ("Arn not ARN", "identity", cond({"ArnLike": {"aws:PrincipalArn": "role/admin"}}),
     [((*C, "ArnLike", "aws:PrincipalArn"), "bad-condition-value",
       "ArnLike value 'role/admin' for aws:PrincipalArn is not an ARN")]),
    ("Null not boolean", "identity", cond({"Null": {"aws:TokenIssueTime": "maybe"}}),
     [((*C, "Null", "aws:TokenIssueTime"), "bad-condition-value",
       "Null value 'maybe' for aws:TokenIssueTime is not true or false")]),
    ("key without prefix", "identity", cond({"Bool": {"MultiFactorAuthPresent": "true"}}),
     [((*C, "Bool", "MultiFactorAuthPresent"), "bad-condition-key",
       "condition key 'MultiFactorAuthPresent' is not prefix:name")]),
    ("operator block not an object", "identity", cond({"Bool": "true"}),
     [((*C, "Bool"), "bad-condition",
       "'Bool' takes an object of condition keys, not 'true'")]),
    ("Condition a list", "identity", cond([{"Bool": {"aws:SecureTransport": "true"}}]),
     [(C, "bad-condition",
       "Condition is a list [{'Bool': {'aws:SecureTransport': 'true'}}], not an object")]),
    ("Allow without Resource", "identity", without(identity(), "Resource"),
     [(("Statement", 0), "missing-resource",
       "statement has neither Resource nor NotResource (an identity policy needs one)")]),
    ("Resource and NotResource", "identity", identity(NotResource="arn:aws:s3:::c"),
     [(("Statement", 0, "NotResource"), "conflicting-keys",
       "statement has both Resource and NotResource")]),
    ("no Action", "identity", without(identity(), "Action"),
     [(("Statement", 0), "missing-action", "statement has neither Action nor NotAction")]),
    ("Action and NotAction", "identity", identity(NotAction="s3:PutObject"),
     [(("Statement", 0, "NotAction"), "conflicting-keys",
       "statement has both Action and NotAction")]),
    ("empty Action list", "identity", identity(Action=[]),
     [(("Statement", 0, "Action"), "bad-value",
       "Action is an empty list, not a string or a list")]),
    ("Action entry not a string", "identity", identity(Action=["s3:GetObject", 7]),
     [(("Statement", 0, "Action", 1), "bad-value", "Action entry 7 is not a string")]),
    ("Resource not an ARN", "identity", identity(Resource="my-bucket"),
     [(("Statement", 0, "Resource"), "bad-resource",
       "Resource 'my-bucket' is not an ARN or '*'")]),
    ("no Effect", "identity", without(identity(), "Effect"),
     [(("Statement", 0), "missing-effect", "statement 0 has no Effect")]),
    ("Effect case", "identity", identity(Effect="allow"),
     [(("Statement", 0, "Effect"), "bad-effect", "Effect 'allow' is not Allow or Deny")]),
    ("duplicate Sid", "identity",
     {"Version": V, "Statement": [identity(Sid="Read")["Statement"][0]] * 2},
     [(("Statement", 1, "Sid"), "duplicate-sid", "Sid 'Read' is also the Sid of statement 0")]),
    ("Sid characters", "identity", identity(Sid="read-exports"),
     [(("Statement", 0, "Sid"), "bad-sid",
       "Sid 'read-exports' has characters other than A-Z, a-z, 0-9")]),
    ("Principal in identity policy", "identity", identity(Principal="*"),
     [(("Statement", 0, "Principal"), "prohibited-key",
       "Principal is not allowed in an identity policy")]),
    ("unknown statement key", "identity", identity(Resources="*"),
     [(("Statement", 0, "Resources"), "unknown-key", "unknown statement element 'Resources'")]),
    ("unknown top-level key", "identity", {**identity(), "Statements": []},
     [(("Statements",), "unknown-key", "unknown policy element 'Statements'")]),
    ("Version typo", "identity", {**identity(), "Version": "2012-10-18"},
     [(("Version",), "bad-version", "Version is '2012-10-18', not a policy language version")]),
    ("Version as a YAML date", "identity", {**identity(), "Version": dt.date(2012, 10, 17)},
     [(("Version",), "bad-version", "Version is the date 2012-10-17, not a string")]),
    ("variables without Version", "identity",
     {"Statement": identity(Resource="arn:aws:s3:::b/${aws:username}/*")["Statement"]},
     [((), "version-for-variables", "policy variable in 'arn:aws:s3:::b/${aws:username}/*' "
       "needs Version '2012-10-17': else it is literal text")]),
    ("no Statement", "identity", {"Version": V},
     [((), "missing-statement", "the policy has no Statement")]),
    ("policy a list", "identity", [],
     [((), "not-an-object", "the policy is an empty list, not an object")]),
    ("trust without Principal", "trust", without(trust(), "Principal"),
     [(("Statement", 0), "missing-principal", "statement 0 has no Principal")]),
    ("trust with Resource", "trust", trust(Resource="*"),
     [(("Statement", 0, "Resource"), "prohibited-key",
       "Resource is not allowed in a trust policy")]),
    ("trust with NotPrincipal", "trust",
     trust(Effect="Deny", NotPrincipal={"AWS": "arn:aws:iam::111122223333:root"}),
     [(("Statement", 0, "NotPrincipal"), "prohibited-key",
       "NotPrincipal is not allowed in a trust policy")]),
    ("trust with a non-sts action", "trust", trust(Action=["sts:AssumeRole", "s3:GetObject"]),
     [(("Statement", 0, "Action", 1), "bad-trust-action",
       "Action 's3:GetObject' is not an sts: action")]),
    ("Principal a string", "trust", trust(Principal="arn:aws:iam::111122223333:root"),
     [(("Statement", 0, "Principal"), "bad-principal",
       "Principal is 'arn:aws:iam::111122223333:root', not \"*\" or an object of principal "
       "types")]),
    ("empty Resource entry", "identity", identity(Resource=["arn:aws:s3:::b", ""]),
     [(("Statement", 0, "Resource", 1), "bad-value", "Resource entry is empty")]),
    ("unknown principal type", "trust", trust(Principal={"Account": "111122223333"}),
     [(("Statement", 0, "Principal", "Account"), "bad-principal",
       "unknown principal type 'Account'")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "policy", "expected"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_bad_policy(kind: Any, policy: Any, expected: list[tuple[Any, str, str]]) -> None:
    found = grammar_problems(policy, kind)
    assert [(p.path, p.code, p.message) for p in found] == expected
    for p in found:
        assert p.hint and "\n" not in p.hint and "\n" not in p.message


@pytest.mark.parametrize(
    ("policy", "hint"),
    [
        (cond({"StringEqual": {"aws:username": "a"}}), "did you mean 'StringEquals'?"),
        (cond({"StringEqualsIfExist": {"aws:username": "a"}}),
         "did you mean 'StringEqualsIfExists'?"),
        (cond({"ForAnyValues:StringLike": {"aws:TagKeys": "a"}}),
         "did you mean 'ForAnyValue:StringLike'?"),
        (cond({"stringequals": {"aws:username": "a"}}), "did you mean 'StringEquals'?"),
        (identity(Effect="allow"), "did you mean 'Allow'?"),
        (identity(effect="Allow"), "did you mean 'Effect'?"),
        (identity(Sid="read-exports"), "use letters and digits only: 'readexports'"),
        (cond({"Bool": {"MultiFactorAuthPresent": "true"}}),
         "did you mean 'aws:MultiFactorAuthPresent'?"),
        (without(identity(), "Resource"), HINTS["missing-resource"]),
    ],
)  # fmt: skip
def test_hints(policy: Any, hint: str) -> None:
    assert hint in [p.hint for p in grammar_problems(policy, "identity")]


# --- what must pass ---------------------------------------------------------------------------


def _team_policies() -> list[Any]:
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "policy" and isinstance(value, dict):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted([*REPO.glob("teams/*.yaml"), *REPO.glob("org/*.yaml")]):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def test_repository_custom_policies_pass() -> None:
    policies = _team_policies()
    assert policies, "teams/*.yaml has custom policies"
    for policy in policies:
        assert grammar_problems(policy, "identity") == []


class _Fn:
    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> _Fn:
    if isinstance(node, yaml.ScalarNode):
        return _Fn(suffix, loader.construct_scalar(node))
    if isinstance(node, yaml.SequenceNode):
        return _Fn(suffix, loader.construct_sequence(node, deep=True))
    return _Fn(suffix, loader.construct_mapping(node, deep=True))  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _construct)
NOVALUE = object()
PARAMS: dict[str, Any] = {
    "AWS::Partition": "aws",
    "AWS::AccountId": "111122223333",
    "AWS::NoValue": NOVALUE,
    "IdentityAccountId": "111122223333",
    "Path": "/jumpgate/",
    "PeoplePath": "/people/",
    "RoleName": "crm-admin",
    "RoleArns": [ROLE, "arn:aws:iam::444455556666:role/jumpgate/crm-admin"],
    "AccountIds": ["111122223333", "444455556666"],
    "Expires": "2026-12-31T00:00:00Z",
    "MfaMaxAgeSeconds": "3600",
    "TrustedStrictGroups": ["*:a1b2c3d4:*", "*:e5f6a7b8:*"],
}


def _resolve(node: Any, flag: bool) -> Any:
    """The template's value with every condition `flag` (enough for its policy documents)."""
    if isinstance(node, _Fn):
        if node.tag == "Ref":
            return PARAMS[node.value]
        if node.tag == "Sub":
            text = re.sub(r"\$\{(?!!)([^}]+)\}", lambda m: str(PARAMS[m[1]]), node.value)
            return text.replace("${!", "${")
        if node.tag == "If":
            return _resolve(node.value[1] if flag else node.value[2], flag)
        raise AssertionError(f"unexpected !{node.tag} in a policy document")
    if isinstance(node, dict):
        pairs = ((k, _resolve(v, flag)) for k, v in node.items())
        return {k: v for k, v in pairs if v is not NOVALUE}
    if isinstance(node, list):
        return [v for v in (_resolve(i, flag) for i in node) if v is not NOVALUE]
    return node


def _template_documents() -> list[tuple[str, str, Any]]:
    out = []

    def walk(name: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("PolicyDocument", "AssumeRolePolicyDocument") and isinstance(
                    value, dict
                ):
                    kind = "trust" if key == "AssumeRolePolicyDocument" else "identity"
                    for flag in (True, False):
                        out.append((f"{name} {key} {flag}", kind, _resolve(value, flag)))
                else:
                    walk(name, value)
        elif isinstance(node, list):
            for item in node:
                walk(name, item)

    for path in sorted(REPO.glob("cloudformation/templates/*.yaml")):
        walk(path.name, yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader))
    return out


def test_template_policies_pass() -> None:
    documents = _template_documents()
    assert {kind for _, kind, _ in documents} == {"identity", "trust"} and len(documents) >= 6
    for name, kind, document in documents:
        assert grammar_problems(document, kind) == [], name  # type: ignore[arg-type]


GROUP_POLICY = {  # jumpgate.policies: the compact group policy of a grant with an expiry
    "Version": V,
    "Statement": [
        {
            "Sid": "AssumeGrantedRolesWithMfa",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Resource": "arn:aws:iam::*:role/jumpgate/crm-admin",
            "Condition": {
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "StringEqualsIfExists": {"sts:SourceIdentity": "${aws:username}"},
                "StringEquals": {"aws:ResourceAccount": ["111122223333", "444455556666"]},
                "DateLessThan": {"aws:CurrentTime": "2026-12-31T00:00:00Z"},
            },
        }
    ],
}
TRUST_POLICY = {  # jumpgate.policies.trust_policy with every option on
    "Version": V,
    "Statement": [
        {
            "Sid": "PeopleOfIdentityAccountWithMfa",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
                "StringEquals": {"sts:RoleSessionName": "${aws:username}"},
                "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/people/*"},
            },
        },
        {
            "Sid": "SourceIdentityRequired",
            "Effect": "Deny",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"Null": {"sts:SourceIdentity": "true"}},
        },
    ],
}

# Shapes of the example policies in AWS's IAM User Guide (policy elements, condition operators,
# example identity-based policies, role trust policies).
DOC_IDENTITY = [
    cond({"ForAnyValue:StringLike": {"aws:TagKeys": ["key1*", "key2"]}}),
    cond({"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}),
    cond({"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": "Team"}}),
    cond({"StringEqualsIfExists": {"ec2:InstanceType": ["t3.micro", "t3.small"]}}),
    cond({"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/job": "intern"}}),
    cond({"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}}),
    cond({"Null": {"aws:TokenIssueTime": "true"}}),
    cond({"Null": {"aws:RequestTag/${aws:PrincipalTag/team}": False}}),
    cond({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:my-topic-*"}}),
    cond({"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::amzn-s3-demo-bucket"}}),
    cond({"ArnNotLikeIfExists": {"aws:PrincipalArn": ["arn:aws:iam::*:role/Admin*", "*"]}}),
    cond({"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
          "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}}),
    cond({"DateLessThanEquals": {"aws:TokenIssueTime": ["2026-11-29", 1798761599, "1798761599",
                                                        "2026-11-29T12:00:00.123+01:00"]}}),
    cond({"DateLessThan": {"aws:CurrentTime": dt.date(2026, 12, 31)}}),
    cond({"NumericLessThanEquals": {"aws:MultiFactorAuthAge": 3600}}),
    cond({"NumericGreaterThanIfExists": {"s3:max-keys": ["10", "-1.5"]}}),
    cond({"Bool": {"aws:SecureTransport": False}, "BoolIfExists": {"aws:ViaAWSService": "True"}}),
    cond({"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.7", "2001:DB8:1234:5678::/64"]},
          "NotIpAddress": {"aws:SourceIp": "192.0.2.64/26"}}),
    cond({"BinaryEquals": {"aws:x": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}),
    cond({"StringEquals": {"aws:RequestedRegion": ["eu-west-1"], "aws:PrincipalOrgID": "o-1"},
          "StringNotLike": {"ec2:ResourceTag/Cost Center": "${aws:PrincipalTag/Cost Center}"}}),
    {"Version": V, "Id": "ExamplePolicy", "Statement": {
        "Sid": "DenyAllOutsideEU", "Effect": "Deny", "NotAction": ["iam:*", "sts:*"],
        "NotResource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1"]}}}},
    {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    identity(Resource=["arn:aws:s3:::b", "arn:aws:s3:::b/*", "arn:aws:dynamodb:*:*:table/T"]),
]  # fmt: skip
GITHUB = "token.actions.githubusercontent.com"
DOC_TRUST = [
    trust(Principal={"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}),
    trust(Principal="*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
    trust(Principal={"Federated": f"arn:aws:iam::111122223333:oidc-provider/{GITHUB}"},
          Action="sts:AssumeRoleWithWebIdentity",
          Condition={"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                     "StringLike": {f"{GITHUB}:sub": "repo:org/r:*"}}),
    trust(Principal={"Federated": "arn:aws:iam::111122223333:saml-provider/idp"},
          Action=["sts:AssumeRoleWithSAML", "sts:TagSession"],
          Condition={"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}),
    trust(Principal={"AWS": ["111122223333", "arn:aws:iam::444455556666:role/x"]},
          Action=["sts:AssumeRole", "sts:SetSourceIdentity"],
          Condition={"StringEquals": {"sts:ExternalId": "Unique ID Assigned by Example Corp"},
                     "StringLike":
                     {"oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71:sub":
                      "system:serviceaccount:default:*"}}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("policy", "kind"),
    [(GROUP_POLICY, "identity"), (TRUST_POLICY, "trust")]
    + [(p, "identity") for p in DOC_IDENTITY]
    + [(p, "trust") for p in DOC_TRUST],
)
def test_valid_policies_pass(policy: Any, kind: Any) -> None:
    assert grammar_problems(policy, kind) == []


def test_operator_table_is_complete() -> None:
    assert len({op for op in OPERATORS if ":" not in op and "IfExists" not in op}) == 27
    assert len(OPERATORS) == 1 + 26 * 2 * 3  # Null takes neither IfExists nor a set prefix
    assert "ForAllValues:StringEqualsIfExists" in OPERATORS and "NullIfExists" not in OPERATORS


# --- never raises, and fast -------------------------------------------------------------------

ODD: list[Any] = [
    None, True, 0, -1, 10**5000, 1.5, float("nan"), "", "*", "${", "x" * 500, "a\nb", "é",
    [], [None], [[[]]], {}, {"": None}, {1: 2}, {None: []}, {(1, 2): "t"}, dt.date(2026, 1, 1),
    dt.datetime(2026, 1, 1), b"bytes", {"a"}, object(), ("tuple",), "2012-10-17", "Allow",
    "StringEquals", {"StringEquals": {"aws:x": "y"}}, {"AWS": "*"}, "arn:aws:iam::1:root",
]  # fmt: skip
KEYS = [
    "Version", "Statement", "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
    "Principal", "NotPrincipal", "Condition", "Bool", "Null", "ForAnyValue:StringLike",
    "DateLessThan", "IpAddress", "ArnLike", "aws:x", 3, None,
]  # fmt: skip


def _mutate(node: Any, rng: random.Random, depth: int = 0) -> Any:
    if isinstance(node, dict) and node and rng.random() < 0.8:
        key = rng.choice(list(node))
        roll = rng.random()
        if roll < 0.2:
            node.pop(key)
        elif roll < 0.35:
            node[rng.choice(KEYS)] = rng.choice(ODD)
        else:
            node[key] = _mutate(node[key], rng, depth + 1)
        return node
    if isinstance(node, list) and node and rng.random() < 0.8:
        j = rng.randrange(len(node))
        node[j] = _mutate(node[j], rng, depth + 1)
        return node
    return copy.deepcopy(rng.choice(ODD + [node] * 2))


def test_never_raises_on_mutated_policies() -> None:
    rng = random.Random(20261129)
    seeds = [GROUP_POLICY, TRUST_POLICY, *DOC_IDENTITY, *DOC_TRUST]
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    inputs: list[Any] = [*ODD, cyclic, {"Statement": cyclic}, cond({"Bool": {"aws:x": cyclic}})]
    for _ in range(4000):
        policy = copy.deepcopy(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            policy = _mutate(policy, rng)
        inputs.append(policy)
    for policy in inputs:
        for kind in ("identity", "trust"):
            found = grammar_problems(policy, kind)
            assert all(isinstance(p, GrammarProblem) for p in found)
            assert "internal-error" not in {p.code for p in found}, (policy, found)
            for p in found:
                assert "\n" not in p.message and "\n" not in p.hint and len(p.message) < 400
                assert all(isinstance(e, str | int) for e in p.path)
