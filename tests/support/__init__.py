"""Shared test support: one clock, one store factory, the domain's worlds and the desk's flows."""
