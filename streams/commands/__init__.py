"""The console command's subcommands, one module each.

Each module has `register(subparsers)`, which adds its parser and sets `func=run`, where
`run(args: argparse.Namespace) -> int` returns the exit code. Modules import heavy things (faust, the
broker tooling) inside `run`, so `lbp-streams read` or `codes` start fast.
"""

COMMANDS = ("worker", "replay", "read", "codes", "generate", "broker", "topics", "produce", "tail", "fhir", "audit")
