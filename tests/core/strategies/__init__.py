"""Tests of alcore.core.strategies: the contract over the registry, then one file per strategy module."""
