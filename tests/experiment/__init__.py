"""Tests of alcore.experiment (simulation, execution, metrics, report)."""
