"""Pure rules over what arrives at the intake: alerts read as issues, grouping, thresholds, auto-pause, maintenance
windows and flapping (`flow.py` applies them in order), and their replay for the backtest."""
