"""Widget groups of the labeling page: the project store, starting or opening a project,
the batch form, progress, history and export.

Nothing here trains a model or scores a row: every step calls `alcore.labeling.LabelingSession`,
which saves each answer before it does anything else.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Callable
from contextlib import contextmanager
from functools import partial
from numbers import Integral, Real
from pathlib import Path

import pandas as pd
import streamlit as st

from alcore.core.learner import DEFAULT_STRATEGY
from alcore.core.models import MODELS
from alcore.core.pool import EmptyPoolError
from alcore.core.strategies import REGISTRY, strategy_names
from alcore.io.datasets import DataError, Role, make_dataset
from alcore.labeling import export, project_monitoring
from alcore.labeling.members import allows
from alcore.labeling.records import NO_SUCH_PROJECT, ProjectNotFound
from alcore.labeling.session import LabelingSession
from alcore.labeling.store import ProjectStore, StoreError, StoreWriteError, Submitted
from ui.access_ui import claim_project, project_role, signed_in_person, visible_project_ids
from ui.batch_keys import SAVE_LABEL, batch_keys_ui, keys_caption, remembered_labeler
from ui.charts import class_counts_chart
from ui.data_ui import UPLOAD_TYPES, guessed_label_column, measurement_warning_ui, read_upload
from ui.format import MISSING, as_text, fmt_percent
from ui.label_charts import quality_chart
from ui.server_config import data_dir
from ui.state import Session

SKIP = "skip: not sure"
NEW_COLUMN = "(a new, empty column)"
COLD_STARTS = {"kcenter": "spread over the data (kcenter)", "random": "at random"}
_KEY = "label."  # prefix of this page's widget keys in st.session_state
_ANSWER = _KEY + "answer."
PROBLEMS = (DataError, StoreError, ValueError)


# -- where projects live ----------------------------------------------------
# Shared by every session on this server. Safe: a ProjectStore holds only the folder's path and one
# idle connection, and opens a fresh SQLite connection per call; it keeps no project, label or model
# in memory. Each user's open project (a LabelingSession) lives in their own Session object, never here.
@st.cache_resource(show_spinner=False)
def project_store(folder: str) -> ProjectStore:
    return ProjectStore(folder)


def store_ui() -> ProjectStore:
    """This server's project store; when its folder cannot be used at all, the page says why and stops."""
    try:
        return project_store(str(data_dir()))
    except StoreError as error:
        st.error(f"{as_text(error)} Set the folder with `data_dir` in .streamlit/secrets.toml or ALCORE_DATA_DIR.")
        st.stop()


@contextmanager
def shown_in_words(what_to_do: str = ""):
    """Show an expected problem (a bad file, a store error, an empty pool) as a message, not a traceback."""
    try:
        yield
    except EmptyPoolError:
        st.success("Every row is labeled: there is nothing left to ask. Download the labeled table below.")
    except PROBLEMS as error:
        st.error(f"{as_text(error)} {what_to_do}".strip())


def act_and_rerun(state: Session, action: Callable[[], str | None], failed: str = "") -> None:
    """Run a button's `action` in the script run that saw the click, keep what the page should say (the
    action's notice, or the problem) for the top of the batch, and draw the page again.

    Not an on_click callback: a server restarted under an open tab knows no callbacks of the old one, so
    the first click there would run none (issue 16). The batch form's answers are keyed by its batch, so
    after a problem they are still filled in; after a success the next batch starts empty.
    failed: the start of the message when the store cannot be written ("Your labels could not be saved").
    """
    try:
        state.labeling_notice = action() or ""
    except EmptyPoolError:
        state.labeling_notice = "Every row is labeled: there is nothing left to ask. Download the labeled table below."
    except StoreWriteError as error:
        state.labeling_notice = (
            f"{failed}: {error.reason}. Nothing was lost, and your answers are still in the form: {error.what_to_do}."
            if failed
            else as_text(error)
        )
    except PROBLEMS as error:
        state.labeling_notice = f"{as_text(error)} Nothing you had already submitted was lost."
    st.rerun()


def labeler_name(state: Session) -> str:
    """Who is labeling in this tab: the name in the URL (a refresh, a restart or a shared link resumes their
    own batch), else the one typed before, else the name this browser typed on an earlier visit, else a
    visitor name of its own, never one shared by strangers. With sign-in it is the signed-in person, whatever
    the URL says."""
    person = signed_in_person()
    if person is not None:
        state.labeler = person
        st.query_params.pop("labeler", None)
        return person
    state.labeler = (
        st.query_params.get("labeler", "").strip()
        or state.labeler
        or remembered_labeler()  # the name this browser typed on an earlier visit
        or f"visitor-{secrets.token_hex(2)}"
    )
    st.query_params["labeler"] = state.labeler
    return state.labeler


def labeler_ui(state: Session, column) -> None:
    """The name box: another name gives back the old name's batch and resumes or opens the new name's.
    With sign-in there is no box: the sign-in says who labels."""
    if signed_in_person() is not None:
        column.markdown(f"You are **{as_text(state.labeler)}**, {state.project_role} of this project")
        return
    st.session_state.setdefault(_KEY + "labeler", state.labeler)
    typed = column.text_input(
        "Your name", key=_KEY + "labeler", max_chars=80, help="Recorded with each label; your batch is kept for you."
    ).strip()
    if typed and typed != state.labeler:
        state.labeler = st.query_params["labeler"] = typed
        with shown_in_words():
            state.labeling.switch_holder(typed)


@st.fragment(run_every=60)
def lease_ui(state: Session) -> None:
    """Keeps this person's batch reserved for them while the tab is open (every run, and once a minute)."""
    with shown_in_words():
        if not state.labeling.renew():
            st.warning(
                "You were away long enough for some rows of this batch to go to another labeler. Answer them "
                "anyway: where someone labeled a row first, your answer is kept as a second opinion.",
                icon=":material/group:",
            )


def saved_notice(saved: Submitted) -> str:
    """What a submit must tell its person: answers that came after someone else labeled the rows."""
    if not saved.late:
        return ""
    rows = ", ".join(f"{row:,}" for row in saved.late[:10]) + ("…" if len(saved.late) > 10 else "")
    differ = (
        f" {len(saved.disagreeing)} of them differ from the label that stands and show as disagreements "
        "under Monitoring."
        if saved.disagreeing
        else ""
    )
    return (
        f"Someone else labeled row(s) {rows} while you had them open, so your answers there are kept as second "
        f"opinions, not over their labels.{differ}"
    )


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
    for project in projects:
        share = fmt_percent(project.n_labeled / project.n_rows if project.n_rows else 0)
        st.page_link(
            "app_pages/label.py",
            label=f"{as_text(project.name)}: {project.n_labeled:,} of {project.n_rows:,} rows labeled ({share})",
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
        choice = st.radio("Which table?", list(names), format_func=names.get, horizontal=True, key=_KEY + "source")
    if choice == "loaded":
        dataset = state.dataset
        roles = {c: r for c, r in dataset.roles.items() if r is not Role.LABEL}
        return dataset.frame, roles, dataset.name, dataset.label_column
    uploaded = st.file_uploader(
        "Your table",
        type=UPLOAD_TYPES,
        key=_KEY + "upload",
        help="One row per example and a header row. The label column may be empty, partly filled, or missing.",
    )
    if uploaded is None:
        return None
    content = uploaded.getvalue()
    digest, suffix = hashlib.sha256(content).hexdigest(), Path(uploaded.name).suffix.lower()
    try:
        frame = read_upload(state, digest, suffix, content)
    except DataError as error:
        st.error(as_text(error))
        return None
    return frame, {}, Path(uploaded.name).stem, guessed_label_column(f"{digest}{suffix}", True, frame)


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
        key=_KEY + "label_column",
    )
    new_column = right.text_input(
        "Name of the new column",
        value="label",
        disabled=label_choice != NEW_COLUMN,
        help="Used only for a new, empty column.",
    )
    if label_choice != NEW_COLUMN:
        measurement_warning_ui(frame[label_choice], label_choice)
    with st.form(_KEY + "new"):
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
            format_func=lambda s: f"{s}: {REGISTRY[s].description}",
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
            key=_KEY + "semi_supervised",
            help="The model also trains on the unlabeled rows it is at least 90% sure of, with its own guess as "
            "their label (self-training). Its guesses are never saved as labels.",
        )
        start = st.form_submit_button("Start labeling", type="primary", icon=":material/play_arrow:")
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
                f"A project needs at least two classes; the column '{label_column}' has {len(classes)} label(s). "
                "Type the classes, separated by commas."
            )
        created = LabelingSession.create(
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
        )
        claim_project(store, created.project_id)
        return created
    return None


def nothing_to_ask(frame: pd.DataFrame, label_column: str, guessed_column: str) -> str:
    """The question put to someone whose label column is already full: which column did they mean?"""
    values = ", ".join(format_value(value) for value in sorted(frame[label_column].dropna().unique())[:5])
    empty = frame[guessed_column].isna().sum() if guessed_column != label_column else 0
    mean = f" Did you mean `{guessed_column}`, empty in {empty:,} rows?" if empty else ""
    return (
        f"Every row of `{label_column}` already has a value ({values}…), so there would be nothing to ask.{mean} "
        "Choose the column whose empty cells you want to fill, or (a new, empty column), "
        "or switch on 'Simulate the labeler' to replay these labels."
    )


# -- the batch form ------------------------------------------------------------
def format_value(value) -> str:
    """A cell as a person reads it: numbers with sensible digits, text escaped so Markdown shows it as typed."""
    if value is None or value is pd.NA or (isinstance(value, Real) and math.isnan(value)):
        return MISSING
    if isinstance(value, bool | Integral):
        return str(value)
    if isinstance(value, Real):
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.4g}"
    return as_text(value)


def _fields_markdown(row: pd.Series, text_columns: list[str], max_fields: int = 24) -> str:
    """Text fields in full (wrapped), each under its name; the other fields flow on as few lines as fit."""
    texts = [f"**{format_value(c)}**  \n{format_value(row[c])}" for c in row.index if c in text_columns]
    others = [f"**{format_value(c)}**: {format_value(row[c])}" for c in row.index if c not in text_columns]
    hidden = len(others) - max_fields
    others = others[:max_fields] + ([f"*… and {hidden} more fields*"] if hidden > 0 else [])
    return "\n\n".join(texts + [" · ".join(others)] if others else texts)


def _guess_line(guess, confidence, reason: str) -> str:
    """The model's guess and why the row was asked, e.g. "Model's guess: **spam** (62% sure) · least sure: …"."""
    said = (
        "Model's guess: none yet"
        if guess is None
        else f"Model's guess: **{format_value(guess)}** ({fmt_percent(confidence)} sure)"
    )
    if guess is None and reason.startswith("second opinion"):
        said = "Model's guess: hidden"
    return f"{said}  \nWhy asked: {format_value(reason)}" if reason else said


def answer_key(batch_id: int, position: int) -> str:
    """Choices are keyed by their batch and place in it: a restarted server matches the open tab's choices
    to the same batch, and the next batch starts with fresh, empty widgets (the page reruns at once after
    a submit, so the old batch's choices never linger on screen)."""
    return f"{_ANSWER}{batch_id}.{position}"


def batch_form_ui(state: Session, batch) -> None:
    """One form for the whole batch: each row's fields, the model's guess and why it was asked, and a choice."""
    labeling = state.labeling
    options = [*labeling.classes, SKIP]
    text_columns = [c for c, role in labeling.dataset.roles.items() if role is Role.TEXT]
    shown_columns = [c for c in batch.table.columns if c != labeling.dataset.label_column]
    if state.labeling_saved:
        st.toast(state.labeling_saved, icon=":material/check_circle:")
        state.labeling_saved = ""
    st.caption(keys_caption(labeling.classes))
    with st.form(f"{_KEY}batch.{batch.batch_id}", enter_to_submit=False):
        for i, row in enumerate(batch.rows):
            with st.container(border=True):
                fields, why = st.columns([3, 2], gap="medium")
                fields.markdown(_fields_markdown(batch.table.loc[row, shown_columns], text_columns))
                why.caption(
                    _guess_line(
                        batch.guesses[i], batch.confidences[i], (batch.row_reasons or [""] * len(batch.rows))[i]
                    )
                )
                st.radio(
                    f"Label for row {row:,}",
                    options,
                    index=None,
                    horizontal=True,
                    key=answer_key(batch.batch_id, i),
                    format_func=format_value,
                )
        st.caption(
            f"{len(batch.rows)} rows. A row left unanswered counts as skipped; skipped rows may be asked again later."
        )
        if st.form_submit_button(SAVE_LABEL, type="primary", icon=":material/save:"):
            act_and_rerun(state, lambda: submit_answers(state, batch), failed="Your labels could not be saved")
    batch_keys_ui(batch.batch_id, state.labeler)


def submit_answers(state: Session, batch) -> str:
    """Read the form's answers and submit them; returns what the person must be told about them."""
    answers = {}
    for i, row in enumerate(batch.rows):
        answer = st.session_state.get(answer_key(batch.batch_id, i))
        answers[row] = None if answer in (None, SKIP) else answer
    state.labeling.submit(answers, labeler=state.labeler or "anonymous")
    given = sum(answer is not None for answer in answers.values())
    state.labeling_saved = f"Saved: {given:,} labels, {len(answers) - given:,} skipped. Here is the next batch."
    return saved_notice(state.labeling.last_submitted)


def oracle_answers(state: Session) -> str:
    """The label column answers the open batch (as the simulated oracle); what the person must be told."""
    state.labeling.submit_oracle()
    return saved_notice(state.labeling.last_submitted)


def oracle_ui(state: Session, batch) -> None:
    """The simulate switch's button: the label column answers this batch."""
    if batch.oracle is None:
        return
    if st.button(
        "Let the oracle answer this batch",
        icon=":material/smart_toy:",
        key=f"{_KEY}oracle.{batch.batch_id}",
        help="Answers each row with the label already in the label column, then shows the next batch.",
    ):
        act_and_rerun(state, lambda: oracle_answers(state), "The oracle's labels could not be saved")


def undo_ui(state: Session) -> None:
    """Undo is offered once this person submitted a batch: only their own (imported labels are never undone)."""
    if st.button(
        "Undo your last batch",
        icon=":material/undo:",
        key=_KEY + "undo",
        help="Takes back the batch you submitted last (the project's last one, for its owner when people sign in): "
        "recorded, not erased, and its rows are asked again.",
        disabled=not state.labeling.can_undo(state.labeler, anyone=undoes_anyones(state)),
    ):
        act_and_rerun(state, lambda: undo_own_batch(state), "The undo could not be saved")


def undoes_anyones(state: Session) -> bool:
    """Only a signed-in owner takes back other people's batches; without sign-in everyone undoes only their own."""
    return signed_in_person() is not None and state.may("manage")


def undo_own_batch(state: Session) -> None:
    state.labeling.undo_last_batch(state.labeler, anyone=undoes_anyones(state))


# -- progress, history, export -------------------------------------------------
def progress_ui(labeling: LabelingSession) -> None:
    """Labels so far (by class), the quality estimate per batch, and the advisor's sentence."""
    progress = labeling.progress()
    labeled, left, skipped, batches = st.columns(4)
    labeled.metric("Labeled", f"{progress['n_labeled']:,}")
    left.metric("Still unlabeled", f"{progress['n_unlabeled']:,}")
    skipped.metric("Skipped", f"{progress['n_skipped']:,}")
    batches.metric("Batches submitted", f"{progress['batches_submitted']:,}")
    st.info(labeling.advice(), icon=":material/lightbulb:")
    by_class, quality = st.columns([2, 3], gap="large")
    counts = pd.DataFrame(
        {"class": [str(c) for c in progress["by_class"]], "rows": list(progress["by_class"].values())}
    )
    with by_class:
        st.markdown("**Labels by class**")
        if counts["rows"].sum():
            st.altair_chart(class_counts_chart(counts), width="stretch")
        else:
            st.caption("No label yet.")
    with quality:
        estimates = labeling.quality()
        if estimates["estimate"].notna().sum() == 0:
            st.caption("The quality estimate appears once a few rows of at least two classes are labeled.")
        else:
            st.altair_chart(quality_chart(estimates), width="stretch")
            st.caption(f"Estimated by {estimates['method'].dropna().iloc[-1]}")


def history_ui(state: Session) -> None:
    """Every label so far; change one in the table (recorded as a correction, the old one kept in the log).
    Read-only for whoever may not label (a viewer, or anyone in an archived project)."""
    labeling = state.labeling
    current = labeling.labeled_table()
    label_column = labeling.dataset.label_column
    if current.empty:
        st.caption("No label yet.")
        return
    preview = [c for c in current.columns if c not in (label_column, "labeled_by", "labeled_at")][:3]
    table = current[[label_column, "labeled_by", "labeled_at", *preview]].astype({label_column: object})
    table = table.sort_values("labeled_at", ascending=False, kind="stable")  # the latest first: most likely to fix
    events = labeling.history()
    edited = st.data_editor(
        table,
        key=f"{_KEY}history.{labeling.project_id}.{len(events)}",
        disabled=["_index", "labeled_by", "labeled_at", *preview] if state.may("label") else True,
        column_config={
            label_column: st.column_config.SelectboxColumn(
                "Label (change it here)", options=labeling.classes, required=True
            ),
            "labeled_by": "By",
            "labeled_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
        },
        height=min(400, 38 + 35 * len(table)),
    )
    changed = edited.index[edited[label_column] != table[label_column]]
    if len(changed):
        with shown_in_words("The other labels are unchanged."):
            for row in changed:
                labeling.relabel(int(row), edited.at[row, label_column], labeler=state.labeler or "anonymous")
            st.rerun()
    with st.expander("Every event, oldest first (labels, skips, corrections, undos)"):
        st.dataframe(events, hide_index=True)


FORMAT_NAMES = {"csv": "CSV", "xlsx": "Excel", "parquet": "Parquet"}
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}


def export_ui(labeling: LabelingSession) -> None:
    """Downloads; each file is built only when its button is clicked (deferred), so the page stays fast."""
    stem = "".join(c if c.isalnum() else "-" for c in labeling.name).strip("-") or "project"
    writers = {"csv": export.to_csv_bytes, "xlsx": export.to_excel_bytes, "parquet": export.to_parquet_bytes}
    st.markdown("**The labeled rows** (original columns, the label, who labeled it and when)")
    for column, (extension, write) in zip(st.columns(3), writers.items()):
        column.download_button(
            f"Labeled rows ({FORMAT_NAMES[extension]})",
            lambda write=write: write(labeling.labeled_table()),
            file_name=f"{stem}-labeled.{extension}",
            mime=MIME[extension],
            icon=":material/download:",
            on_click="ignore",
        )
    st.markdown(
        "**Every row with the model's predicted label and confidence**; the least confident are flagged for a look"
    )
    left, right = st.columns(2)
    for column, extension in zip((left, right), ("csv", "xlsx")):
        column.download_button(
            f"Predictions ({FORMAT_NAMES[extension]})",
            lambda write=writers[extension]: write(labeling.predictions_table()),
            file_name=f"{stem}-predictions.{extension}",
            mime=MIME[extension],
            icon=":material/download:",
            on_click="ignore",
            disabled=labeling.is_cold,
            help="Available once the model is trained (two classes labeled)." if labeling.is_cold else None,
        )
    st.markdown("**The model and a short report**")
    left, right = st.columns(2)
    left.download_button(
        "Model (joblib)",
        labeling.model_bytes,
        file_name=f"{stem}-model.joblib",
        mime="application/octet-stream",
        icon=":material/download:",
        on_click="ignore",
        disabled=labeling.is_cold,
    )
    left.caption(export.MODEL_NOTE)
    right.download_button(
        "Report (Markdown)",
        partial(project_monitoring.project_report_markdown, labeling),
        file_name=f"{stem}-report.md",
        mime="text/markdown",
        icon=":material/download:",
        on_click="ignore",
    )
