"""Fault injection: worker processes on a private Redis, the faults and bad inputs, the tally."""
