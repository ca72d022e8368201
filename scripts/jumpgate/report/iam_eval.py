"""The IAM evaluator moved to `jumpgate.core.iam_eval` (the emulator uses it too, and may import
only core); this name stays for code that still imports it from report."""

from __future__ import annotations

from jumpgate.core.iam_eval import *  # noqa: F403
from jumpgate.core.iam_eval import __all__  # noqa: F401
