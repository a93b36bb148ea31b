"""The local document store: TinyDB on a crash-safe journal, typed repositories, import/export."""
