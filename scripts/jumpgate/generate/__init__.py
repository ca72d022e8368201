"""Expand and render: the organization becomes roles, groups, people and stacks, the policy
documents the templates produce, the parameter files and the manifest. May import
`jumpgate.core` and `jumpgate.model`.
"""
