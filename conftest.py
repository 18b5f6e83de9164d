"""pytest's root conftest: its presence puts the repository root on sys.path, so tests
can import the dashboard's `ui` package (app.py, app_pages/ and ui/ are not installed;
`streamlit run app.py` finds them the same way, from the entry file's folder)."""
