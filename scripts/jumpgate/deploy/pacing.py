"""How many stack operations run at once in one account: a cap that halves when the account
is throttled and grows back by one per success after a quiet period (additive increase,
multiplicative decrease, as TCP and botocore's adaptive mode do).

CloudFormation, IAM and STS request rates are per account and unpublished; the one public
measurement is DescribeStacks throttled above ~5 calls/s (docs/facts.md). A stack costs about
4 reads and 3 writes over ~35 s, so ~32 operations in flight keep an account near that rate
(BENCHMARKS.md, "Real-AWS estimates"); the cap is the default, throttling lowers it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

PER_ACCOUNT = 32
QUIET_SECONDS = 30.0  # no growth for this long after a throttle (real seconds)


@dataclass
class _Account:
    limit: int
    running: int = 0
    quiet_until: float = 0.0
    lowest: int = 0


class AccountPacer:
    def __init__(self, per_account: int = PER_ACCOUNT, time_scale: float = 1.0) -> None:
        self.per_account = max(1, per_account)
        self.time_scale = time_scale
        self._accounts: dict[str, _Account] = {}
        self._lock = threading.Lock()

    def _get(self, account_id: str) -> _Account:
        state = self._accounts.get(account_id)
        if state is None:
            state = self._accounts[account_id] = _Account(self.per_account)
            state.lowest = self.per_account
        return state

    def try_start(self, account_id: str) -> bool:
        with self._lock:
            state = self._get(account_id)
            if state.running >= state.limit:
                return False
            state.running += 1
            return True

    def finish(self, account_id: str, ok: bool = True) -> None:
        with self._lock:
            state = self._get(account_id)
            state.running = max(0, state.running - 1)
            if ok and state.limit < self.per_account and time.monotonic() >= state.quiet_until:
                state.limit += 1

    def throttled(self, account_id: str) -> None:
        with self._lock:
            state = self._get(account_id)
            now = time.monotonic()
            if now >= state.quiet_until:  # one halving per quiet period, not one per error
                state.limit = max(1, state.limit // 2)
                state.lowest = min(state.lowest, state.limit)
            state.quiet_until = now + QUIET_SECONDS * self.time_scale

    def lowest_limits(self) -> dict[str, int]:
        """Accounts whose cap was lowered by throttling, with the lowest cap reached."""
        with self._lock:
            return {a: s.lowest for a, s in self._accounts.items() if s.lowest < self.per_account}
