"""Tests of the dashboard helpers in ui/ (no Streamlit run)."""
