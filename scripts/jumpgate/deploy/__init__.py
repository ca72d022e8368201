"""Plan and deploy: AWS clients for one target, change sets per stack, stages in a thread pool,
offboarding before removals, the password policy, progress and summaries. May import core,
model, generate and validate; never the emulator (the CLI chooses the target).
"""
