"""Verify: IAM read back from a target and compared with the declared access (drift). May import
core, model, generate, validate and deploy's clients; never the emulator.
"""
