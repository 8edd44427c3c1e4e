"""The `paperboy` command line: one module per command group."""
