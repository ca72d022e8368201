"""Check: the gate's offline policy rules (one rule per module in `checks/`), suppressions, pre-
commit hook entry points, output formats and IAM Access Analyzer through cfn-policy-validator.
May import core, model, generate and validate.
"""
