"""The request lifecycle's legal moves as the seeds draw them: what the action table is checked against."""

from __future__ import annotations

LEGAL = {
    ("pending_payment", "pending_assignment"), ("pending_payment", "cancelled"),
    ("pending_assignment", "assigned"), ("pending_assignment", "cancelled"),
    ("assigned", "assigned"), ("assigned", "in_review"), ("assigned", "waiting"), ("assigned", "cancelled"),
    ("assigned", "pending_assignment"),  # unassign: an unacknowledged assignment taken back (undo)
    ("in_review", "completed"), ("in_review", "waiting"), ("in_review", "assigned"), ("in_review", "cancelled"),
    ("waiting", "in_review"), ("waiting", "assigned"), ("waiting", "cancelled"),
    ("completed", "refunded"),
}
