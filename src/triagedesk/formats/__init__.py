"""File formats: JSON, JSONL and CSV rows to and from models (an adapter, not the engine)."""
