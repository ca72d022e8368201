"""Where generated files live, relative to the repository root (a leaf module: cheap to import)."""

from __future__ import annotations

PARAMETERS = "cloudformation/parameters"
MANIFEST = "cloudformation/manifest.json"
