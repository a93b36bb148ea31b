"""Pure rules over what arrives at the intake: alerts read as issues (more to come: grouping, thresholds)."""
