"""The demo generators: a deterministic history of both seeds (fixtures, not rules)."""
