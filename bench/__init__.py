"""The benchmark: `python -m bench.run [--quick]` (see bench/README.md). Not part of the service."""
