"""The dashboard's pages, one short file each; `streamlit run app.py` runs them by path (st.Page).

A package only so the import-linter contracts in pyproject.toml can name it.
"""
