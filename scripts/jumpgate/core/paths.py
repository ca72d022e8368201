"""Where generated files live, relative to the repository root (a leaf module: cheap to import)."""

from __future__ import annotations

PARAMETERS = "cloudformation/parameters"
MANIFEST = "cloudformation/manifest.json"
# the generated template of each people batch (`people_batches` in org/organization.yaml)
PEOPLE_TEMPLATES = "cloudformation/people"
