"""Names the deploy engine and the local emulator agree on, without importing each other."""

from __future__ import annotations

# The bootstrap role the engine assumes in every account, as it follows "role/" in its ARN:
# path and name (cloudformation/pipeline/bootstrap.yaml; the pipeline's JUMPGATE_DEPLOYER_ROLE).
DEFAULT_ROLE = "jumpgate/jumpgate-deployer"
# The deployer of strict (prod) accounts and of the identity account's stacks that reach them:
# only the pipeline's post-approval role may assume it (the pipeline's
# JUMPGATE_STRICT_DEPLOYER_ROLE). Strict accounts have no other deployer.
DEFAULT_STRICT_ROLE = "jumpgate/jumpgate-strict-deployer"
LOCAL_KEY = "jumpgatelocal"  # any key: the emulator maps unknown keys to its default account
# The emulator's stand-ins for the pipeline's two CodeBuild roles (a build gets its role's
# credentials from its container on AWS): LOCAL_KEY acts as the pre-approval deploy role,
# LOCAL_STRICT_KEY as the post-approval one.
LOCAL_STRICT_KEY = "jumpgatelocalstrict"


def deployer_names(prefix: str) -> frozenset[str]:
    """The names of bootstrap.yaml's two deployer roles, which share jumpgate's role path."""
    return frozenset({f"{prefix}-deployer", f"{prefix}-strict-deployer"})
