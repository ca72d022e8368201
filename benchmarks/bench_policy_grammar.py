"""Benchmark: the offline policy grammar check and the AWS managed policy list. A script, not a
test: medians of N runs, next to a floor measured in the same run (a dict copy of the policy).

    .venv/bin/python benchmarks/bench_policy_grammar.py [--runs 7]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from jumpgate.gate import managed_policies
from jumpgate.gate.policy_grammar import grammar_problems

GROUP_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AssumeGrantedRolesWithMfa",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Resource": ["arn:aws:iam::105000000005:role/jumpgate/jumpgate-admin"],
            "Condition": {
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "StringEqualsIfExists": {"sts:SourceIdentity": "${aws:username}"},
                "DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"},
            },
        }
    ],
}


def per_call(function: Callable[[], object], runs: int, calls: int = 500) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    floor = per_call(lambda: copy.deepcopy(GROUP_POLICY), args.runs)
    grammar = per_call(lambda: grammar_problems(GROUP_POLICY, "identity"), args.runs)

    def load() -> object:
        managed_policies.snapshot.cache_clear()
        return managed_policies.snapshot()

    loading = per_call(load, args.runs, calls=20)
    print(f"floor (deep copy of the policy)   {floor * 1e6:8.1f} µs")
    print(f"grammar_problems (group policy)   {grammar * 1e6:8.1f} µs  ({grammar / floor:.1f}x)")
    print(f"managed policy list, first load   {loading * 1e3:8.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
