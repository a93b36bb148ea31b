"""The Textual desk: screens, widgets and styles."""
