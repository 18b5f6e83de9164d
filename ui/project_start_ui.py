"""Opening or starting a labeling project: the project a link names, the list of projects, and the form
that starts one from the Data page's table or an uploaded file.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import streamlit as st

from alcore.core.learner import DEFAULT_STRATEGY
from alcore.core.models import MODELS
from alcore.core.strategies import REGISTRY, strategy_label, strategy_names
from alcore.formatting import column_decimals, counted
from alcore.io.datasets import DataError, Role, make_dataset
from alcore.io.tables import row_numbering_note, table_notes
from alcore.labeling.members import allows
from alcore.labeling.records import NO_SUCH_PROJECT, ProjectNotFound
from alcore.labeling.session import LabelingSession
from alcore.labeling.store import ProjectStore, StoreError, StoreUnavailable, TooManyProjects
from ui.access_ui import new_project_owner, project_role, visible_project_ids
from ui.data_ui import UPLOAD_TYPES, guessed_label_column, measurement_warning_ui, notes_ui, read_upload_ui
from ui.format import as_text, fmt_percent
from ui.label_ui import KEY, format_value, shown_in_words
from ui.state import Session

NEW_COLUMN = "(a new, empty column)"


# -- opening a project -------------------------------------------------------
def open_from_link_ui(state: Session, store: ProjectStore) -> LabelingSession | None:
    """The project the URL names (a link or a refresh), else the one this session has open.

    The URL always carries the open project's id, so a refresh reopens it from the store.
    """
    wanted = st.query_params.get("project")
    if wanted and (state.labeling is None or str(state.labeling.project_id) != wanted):
        state.labeling = None
        wanted_id = wanted
    else:
        wanted_id = None if state.labeling is None else state.labeling.project_id
    if wanted_id is None:
        return None
    try:
        state.project_role = project_role(store, wanted_id)  # on every run: the owner may have changed it
        if not allows(state.project_role, "see"):
            raise ProjectNotFound(NO_SUCH_PROJECT)  # the same words as for a missing one: nothing to learn here
        state.project_archived = store.archived_at(wanted_id) is not None
        if state.labeling is None:
            with st.spinner("Opening the project and retraining the model on its labels…"):
                state.labeling = LabelingSession.open(store, wanted_id, labeler=state.labeler or None)
    except StoreUnavailable as error:
        if state.labeling is None:  # nothing to show until the database server is back; the link stays
            st.error(as_text(error))
            return None
        # The open project stays on screen from memory; its saves wait for the server (saving_paused_ui).
    except (StoreError, KeyError, ValueError) as error:
        st.error(f"{as_text(error)} Choose a project from the list below, or start a new one.")
        st.query_params.pop("project", None)
        state.labeling = None
        return None
    st.query_params["project"] = str(state.labeling.project_id)
    return state.labeling


def project_list_ui(store: ProjectStore) -> None:
    """The projects this visitor may see, newest activity first, each a link that opens it; archived ones apart."""
    try:
        visible = visible_project_ids(store)
        projects = [p for p in store.list_projects() if visible is None or p.id in visible]
    except StoreError as error:
        st.error(f"{error} Set another folder with `data_dir` in .streamlit/secrets.toml or ALCORE_DATA_DIR.")
        return
    if not projects:
        st.caption("No labeling project yet: start one below.")
        return
    _project_links([p for p in projects if not p.archived])
    archived = [p for p in projects if p.archived]
    if archived:
        with st.expander(f"Archived projects ({len(archived):,})", icon=":material/inventory_2:"):
            _project_links(archived)


def _project_links(projects) -> None:
    """One link per project; projects of the same name (a file uploaded twice: the new-user walk had two
    'reviews_to_label' links, told apart only by a tooltip) say their number, the one in their link, and when
    each was started (two can start in the same minute)."""
    repeated = {name for name, count in Counter(project.name for project in projects).items() if count > 1}
    for project in projects:
        share = fmt_percent(project.n_labeled / project.n_rows if project.n_rows else 0)
        started = f" · project {project.id}, started {project.created:%Y-%m-%d %H:%M} UTC"
        st.page_link(
            "app_pages/label.py",
            label=f"{as_text(project.name)}: {project.n_labeled:,} of {project.n_rows:,} rows labeled ({share})"
            + (started if project.name in repeated else ""),
            icon=":material/folder_open:",
            query_params={"project": str(project.id)},
            help=f"Created {project.created:%Y-%m-%d %H:%M}, last change {project.updated:%Y-%m-%d %H:%M} (UTC)",
        )


def close_project(state: Session) -> None:
    """Leave the project: this person's open batch goes back to the others at once."""
    if state.labeling is not None:
        with shown_in_words():
            state.labeling.close()
    state.labeling, state.labeling_notice, state.project_role = None, "", None
    st.query_params.pop("project", None)


# -- starting a project --------------------------------------------------------
def table_source_ui(state: Session) -> tuple[pd.DataFrame, dict, str, str] | None:
    """(frame, roles, name, label column) from the Data page's dataset (with the label column chosen there) or
    from an uploaded file (with the guessed one: the partly empty column with few values); None until there is one."""
    choice = "upload"
    if state.dataset is not None:
        names = {
            "loaded": f"The table loaded on the Data page ({as_text(state.dataset.name)})",
            "upload": "Upload a file",
        }
        choice = st.radio("Which table?", list(names), format_func=names.get, horizontal=True, key=KEY + "source")
    if choice == "loaded":
        dataset = state.dataset
        roles = {c: r for c, r in dataset.roles.items() if r is not Role.LABEL}
        return dataset.frame, roles, table_title(dataset.name), dataset.label_column
    uploaded = st.file_uploader(
        "Your table",
        type=UPLOAD_TYPES,
        key=KEY + "upload",
        help="One row per example and a header row. The label column may be empty, partly filled, or missing.",
    )
    if uploaded is None or (read := read_upload_ui(state, uploaded)) is None:
        return None
    frame, key, _ = read
    notes_ui([row_numbering_note(frame), *table_notes(frame)])  # as on the Data page
    return frame, {}, table_title(uploaded.name), guessed_label_column(key, frame)


def table_title(name: str) -> str:
    """A project's first name from its table's: "arrests.xlsx" -> "arrests" (the Data page keeps the file's
    name, an upload here gave the stem; a demo's name stays whole)."""
    path = Path(name)
    return path.stem if path.suffix.lower().lstrip(".") in UPLOAD_TYPES else name


def parse_classes(text: str) -> list[str]:
    """ "spam, ham , spam" -> ["spam", "ham"]: distinct, in the order typed."""
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def new_project_ui(state: Session, store: ProjectStore) -> LabelingSession | None:
    """The form that starts a project; returns the new session once it is created."""
    source = table_source_ui(state)
    if source is None:
        st.caption("Or load it on the Data page first, where you can also say what each column is for:")
        st.page_link("app_pages/data.py", label="Go to the Data page", icon=":material/table_chart:")
        return None
    frame, roles, table_name, guessed_column = source
    columns = [str(column) for column in frame.columns]
    left, right = st.columns(2)
    label_choice = left.selectbox(
        "Label column",
        [NEW_COLUMN, *columns],
        index=1 + columns.index(guessed_column),
        help="Where the labels go. Rows already labeled there count as labeled; empty rows are the ones to ask.",
        key=KEY + "label_column",
    )
    new_column = right.text_input(
        "Name of the new column",
        value="label",
        disabled=label_choice != NEW_COLUMN,
        help="Used only for a new, empty column.",
    )
    # Start stays off for such a column: pressed, it only said the warning's words again, as an error.
    not_classes = label_choice != NEW_COLUMN and measurement_warning_ui(frame[label_choice], label_choice)
    with st.form(KEY + "new"):
        name = st.text_input("Project name", value=table_name or "My labeling project", max_chars=120)
        classes_text = st.text_input(
            "Classes, separated by commas",
            placeholder="e.g. positive, negative, neutral",
            help="Leave empty to use the labels already present in the label column. You can add a class later.",
        )
        left, right = st.columns(2)
        model = left.selectbox("Model", list(MODELS), format_func=lambda m: f"{m}: {MODELS[m].description}")
        strategy = right.selectbox(
            "Which rows to ask first",
            strategy_names(),
            index=strategy_names().index(DEFAULT_STRATEGY),
            format_func=lambda s: f"{strategy_label(s)}: {REGISTRY[s].description}",
        )
        batch_size = left.number_input("Rows per batch", 1, 100, 10)
        cost = right.number_input("Cost per label", 0.0, 1_000_000.0, 1.0, step=0.5)
        simulate = st.toggle(
            "Simulate the labeler from the label column",
            help="For a demo: the labels already in the column "
            "answer each batch when you press a button, so you can watch the loop without typing.",
        )
        semi_supervised = st.toggle(
            "Also learn from the unlabeled rows (semi-supervised)",
            key=KEY + "semi_supervised",
            help="The model also trains on the unlabeled rows it is at least 90% sure of, with its own guess as "
            "their label, at most as many per class as the class has labels (the surest ones: self-training). "
            "Its guesses are never saved as labels.",
        )
        start = st.form_submit_button(
            "Start labeling", type="primary", icon=":material/play_arrow:", disabled=not_classes
        )
    if not start:
        return None
    label_column = new_column.strip() if label_choice == NEW_COLUMN else label_choice
    if label_choice == NEW_COLUMN:
        if not label_column or label_column in columns:
            st.error(
                f"Name the new label column with a name the table does not use yet ('{as_text(label_column)}' is taken or empty)."
            )
            return None
        frame = frame.assign(**{label_column: float("nan")})
    with shown_in_words("Fix the settings above and press Start labeling again."), st.spinner("Creating the project…"):
        dataset = make_dataset(frame, label_column, roles=roles, name=name)
        if not simulate and dataset.labeled_mask().all():
            raise DataError(nothing_to_ask(frame, label_column, guessed_column))
        classes = parse_classes(classes_text) or dataset.classes()
        if len(classes) < 2:
            raise DataError(
                f"A project needs at least two classes; the column '{label_column}' has "
                f"{counted(len(classes), 'label')}. Type the classes, separated by commas."
            )
        owner, most_owned = new_project_owner()
        try:
            return LabelingSession.create(
                store,
                name.strip() or table_name,
                dataset,
                classes,
                model=model,
                strategy=strategy,
                batch_size=int(batch_size),
                cost_per_label=float(cost),
                simulate=simulate,
                semi_supervised=semi_supervised,
                labeler=state.labeler or None,
                owner=owner,
                most_owned=most_owned,
            )
        except TooManyProjects as error:  # complete in itself: no setting above would help
            st.error(as_text(error))
    return None


def nothing_to_ask(frame: pd.DataFrame, label_column: str, guessed_column: str) -> str:
    """The question put to someone whose label column is already full: which column did they mean?"""
    decimals = column_decimals(frame[label_column])
    values = ", ".join(format_value(value, decimals) for value in sorted(frame[label_column].dropna().unique())[:5])
    empty = frame[guessed_column].isna().sum() if guessed_column != label_column else 0
    mean = f" Did you mean `{guessed_column}`, empty in {empty:,} rows?" if empty else ""
    return (
        f"Every row of `{label_column}` already has a value ({values}…), so there would be nothing to ask.{mean} "
        "Choose the column whose empty cells you want to fill, or (a new, empty column), "
        "or switch on 'Simulate the labeler' to replay these labels."
    )
