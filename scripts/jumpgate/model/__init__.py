"""Load: reading the data files (YAML with positions, JSON Schema) into the typed organization
model, and the password policy file. The caches of loading sit behind one boundary,
`model.reader`. May import `jumpgate.core` only.
"""
