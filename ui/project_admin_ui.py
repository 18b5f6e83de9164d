"""The open project's header (who is labeling, in which role) and its owner's administration:
rename, members and their roles, archive, delete (after a confirmation, with the labels offered first).

Each control is drawn only for someone whose role allows it, so a viewer's or labeler's browser has no
widget that could trigger it; the store calls behind them are the same ones the engine tests cover.
"""

from __future__ import annotations

import streamlit as st

from alcore.core.strategies import strategy_label
from alcore.labeling import export
from alcore.labeling.members import ROLES
from alcore.labeling.store import ProjectStore
from ui.access_ui import signed_in_person
from ui.batch_form_ui import labeler_ui
from ui.format import as_text
from ui.label_ui import shown_in_words
from ui.project_start_ui import close_project
from ui.state import Session

_KEY = "label.admin."


def project_header_ui(state: Session) -> None:
    """Title and settings, who labels (a typed name, or the signed-in person), add a class (owner), close."""
    labeling, settings = state.labeling, state.labeling.settings
    st.title(as_text(labeling.name), anchor=False)
    st.caption(
        f"{len(labeling.dataset.frame):,} rows · label column {as_text(labeling.dataset.label_column)} · "
        f"classes: {as_text(', '.join(map(str, labeling.classes)))} · model {settings.get('model')} · "
        f"strategy {strategy_label(settings.get('strategy'))} · {settings.get('batch_size')} rows per batch"
    )
    if state.project_archived:
        st.info(
            "This project is archived: it is kept whole and can be read, not labeled.", icon=":material/inventory_2:"
        )
    name, new_class, close = st.columns([2, 2, 1], vertical_alignment="bottom")
    labeler_ui(state, name)
    if state.may("manage") and not state.project_archived:
        with new_class.popover("Add a class", icon=":material/add:"):
            added = st.text_input("New class", key="label.new_class")
            if st.button("Add", key="label.add_class") and added.strip():
                with shown_in_words():
                    labeling.add_class(added.strip())
                    st.rerun()
    close.button("Close project", icon=":material/close:", on_click=close_project, args=(state,))


def project_admin_ui(state: Session, store: ProjectStore) -> None:
    """The owner's panel; draws nothing for anyone else."""
    if not state.may("manage"):
        return
    with st.expander("Manage this project", icon=":material/settings:"):
        rename, archive = st.columns([3, 1], vertical_alignment="bottom")
        new_name = rename.text_input("Project name", value=state.labeling.name, max_chars=120, key=_KEY + "name")
        if rename.button("Rename", key=_KEY + "rename") and new_name.strip() != state.labeling.name:
            with shown_in_words():
                store.rename(state.labeling.project_id, new_name)
                state.labeling.name = new_name.strip()
                st.rerun()
        label = "Restore from the archive" if state.project_archived else "Archive"
        if archive.button(label, icon=":material/inventory_2:", key=_KEY + "archive"):
            store.archive(state.labeling.project_id, archived=not state.project_archived)
            st.rerun()
        if signed_in_person() is not None:
            members_ui(state, store)
        delete_ui(state, store)


def members_ui(state: Session, store: ProjectStore) -> None:
    """Who is in the project with which role; add someone by their sign-in e-mail, change or remove them."""
    project_id = state.labeling.project_id
    st.markdown("**Members**: owners manage, labelers label, viewers only look")
    members = store.members(project_id)
    st.dataframe({"Person": list(members), "Role": list(members.values())}, hide_index=True)
    with st.form(_KEY + "member", clear_on_submit=True, border=False):
        person_column, role_column, add_column = st.columns([3, 3, 1], vertical_alignment="bottom")
        person = person_column.text_input("Sign-in e-mail", key=_KEY + "person")
        role = role_column.radio("Role", ROLES, index=1, horizontal=True, key=_KEY + "role")
        if add_column.form_submit_button("Add or change") and person.strip():
            with shown_in_words():
                store.set_member(project_id, person, role)
                st.rerun()
    others = [person for person in members if person != signed_in_person()]
    if others:
        leaving, remove = st.columns([3, 2], vertical_alignment="bottom")
        chosen = leaving.selectbox("Member", others, key=_KEY + "leaving")
        if remove.button("Remove from the project", key=_KEY + "remove"):
            with shown_in_words():
                store.remove_member(project_id, chosen)
                st.rerun()


def delete_ui(state: Session, store: ProjectStore) -> None:
    """Delete for good, after typing the project's name; the labeled rows are offered for download first."""
    labeling = state.labeling
    st.markdown("**Delete the project**: its table and every label are removed for good. Keep a copy first:")
    st.download_button(
        "Labeled rows (CSV)",
        lambda: export.to_csv_bytes(labeling.labeled_table()),
        file_name="labeled-rows-before-delete.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=_KEY + "export",
    )
    typed = st.text_input("Type the project's name to delete it", key=_KEY + "confirm")
    if st.button("Delete for good", type="primary", icon=":material/delete_forever:", disabled=typed != labeling.name):
        store.delete_project(labeling.project_id)
        close_project(state)
        st.rerun()
