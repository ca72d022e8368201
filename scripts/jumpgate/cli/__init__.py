"""The command line: `main` parses arguments and imports one module per command when it is chosen;
each command module has `HELP`, `add_arguments(parser)` and `run(args) -> int`. The top of the
import graph: it may import every other package.
"""
