"""The headless dispatcher: applies each profile's policy on a clock, delivers the outbox, takes issues in."""
