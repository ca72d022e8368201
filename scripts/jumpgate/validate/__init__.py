"""Validate: the cross-file rules (references, names, organization access rules, sizes, quotas)
and the one-way flow every command shares (load → validate → expand), with the validated-result
cache. Cross-file rules run on the expansion because names, sizes and quotas are properties of
what would be deployed. May import core, model and generate.
"""
