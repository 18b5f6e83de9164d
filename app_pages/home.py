"""Home: what alcore does, and the ways in."""

import streamlit as st

st.title("alcore: label less, learn as much", anchor=False)
st.markdown(
    "Labeling data by hand is slow and costly. **Active learning** lets the model choose which rows "
    "a person labels next (the ones it would learn the most from), so it reaches the same quality "
    "with far fewer labels. alcore measures how many labels, and how much money, that saves "
    "**on your own data** before you spend any."
)

st.subheader("How it works", anchor=False)
st.markdown(
    "1. **Bring a table** with a column of known answers (the labels), or try a built-in demo.\n"
    "2. **Compare strategies.** alcore hides the labels, lets each strategy ask for them a batch at a "
    "time, and compares it with picking rows at random, over several repetitions.\n"
    "3. **Read the savings**: labels and money saved to reach your target quality, with charts and "
    "tables to download for your slides."
)

st.subheader("Start here", anchor=False)
demo, upload, label = st.columns(3)
with demo.container(border=True):
    st.markdown("**Try a demo**  \nNo file needed: flowers, wines, handwritten digits, product reviews and more.")
    st.page_link("app_pages/data.py", label="Pick a demo", icon=":material/science:", query_params={"source": "demo"})
with upload.container(border=True):
    st.markdown("**Upload your data**  \nCSV, TSV, Excel, Parquet or JSON Lines, with a column of known labels.")
    st.page_link("app_pages/data.py", label="Upload a table", icon=":material/upload_file:")
with label.container(border=True):
    st.markdown(
        "**Label your own rows**  \nLabeling projects: alcore asks you about the rows that teach the model most."
    )
    st.page_link("app_pages/label.py", label="Open labeling projects", icon=":material/label:")
