"""Tests of alcore.core (pool, models, learner, stopping)."""
