"""The core every step shares: findings (file, line, column, rule id, hint), the rule catalogue,
AWS limits, repository paths and the cache-file primitives. It imports nothing else of
jumpgate.
"""
