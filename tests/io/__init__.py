"""Tests of alcore.io (tables, roles, features, demos, chunked scoring)."""
