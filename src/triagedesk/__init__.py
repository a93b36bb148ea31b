"""triagedesk: a keyboard-first terminal desk for expert triage."""

__version__ = "0.1.0"
