"""The gate's policy rules, one per module (`r_*.py`), and what they share: the targets
they run over, the action database, the escalation lists and the pass cache. Run by
`jumpgate.gate.run`."""
