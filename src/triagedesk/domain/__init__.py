"""The pure engine: models, profiles, escalation, matching; no I/O frameworks, no Textual."""
