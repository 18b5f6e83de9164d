"""Page helpers for the dashboard: charts, formatting, session state, widget groups (`*_ui`).

Nothing here trains a model or computes a metric; that is `alcore`'s job.
"""
