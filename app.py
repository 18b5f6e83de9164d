"""alcore's dashboard: `streamlit run app.py` from the repository root.

This entry file only sets up the page, creates the user's session object and
declares the pages; each page is a short file under app_pages/ (not pages/: Streamlit runs a folder of that name in its legacy multipage mode, bypassing this file, when a deep link is the first visit after a restart).
"""

import streamlit as st

from ui.access_ui import access_gate_ui
from ui.narrow import narrow_screen_ui
from ui.state import session


def main() -> None:
    st.set_page_config(page_title="alcore: label less, learn as much", page_icon=":material/school:", layout="wide")
    access_gate_ui()  # sign-in, or a refusal to serve a network with none, before any page runs
    session()
    pages = [
        st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("app_pages/data.py", title="Data", icon=":material/table_chart:"),
        st.Page("app_pages/explore.py", title="Explore", icon=":material/query_stats:"),
        st.Page("app_pages/label.py", title="Label", icon=":material/label:"),
    ]
    st.navigation(pages).run()
    narrow_screen_ui()  # after the page: an element drawn before it kept Explore's charts from showing


# Streamlit runs this file as __main__. A process that multiprocessing spawns from the server (the runs'
# manager) imports the server's main file as __mp_main__: it must not draw the app (nor print Streamlit's
# "use Streamlit in a file" warning into the server's log).
if __name__ == "__main__":
    main()
