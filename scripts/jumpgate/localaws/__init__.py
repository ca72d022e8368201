"""The local AWS emulator (moto) and the adapter that closes its gaps; local target only."""
