"""Tests of alcore.labeling (session, store, quality, monitoring, export)."""
