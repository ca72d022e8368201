"""jumpgate: IAM user access for a multi-account AWS organization, as code."""

from __future__ import annotations

__version__ = "0.1.0"
