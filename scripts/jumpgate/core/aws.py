"""Names the deploy engine and the local emulator agree on, without importing each other."""

from __future__ import annotations

# The bootstrap role the engine assumes in every account, as it follows "role/" in its ARN:
# path and name (cloudformation/pipeline/bootstrap.yaml; the pipeline's JUMPGATE_DEPLOYER_ROLE).
DEFAULT_ROLE = "jumpgate/jumpgate-deployer"
LOCAL_KEY = "jumpgatelocal"  # any key: the emulator maps unknown keys to its default account
