"""Adopt: read an existing identity account and its target accounts and write jumpgate's data
files. May import core, model, generate, validate, report, deploy's clients."""
