"""The batch form of the labeling page: who labels, the rows of the open batch with the model's guess
and a choice each, the oracle of a simulated project, and undo.

Every answer goes to `LabelingSession.submit`, which saves it before the model retrains.
"""

from __future__ import annotations

import secrets
import time

import pandas as pd
import streamlit as st

from alcore.formatting import ROW_MEANING, column_decimals, format_row
from alcore.io.datasets import Role
from alcore.labeling.session import NextBatchError
from alcore.labeling.store import StoreUnavailable, Submitted
from ui.access_ui import signed_in_person
from ui.batch_keys import SAVE_LABEL, batch_keys_ui, keys_caption, remembered_labeler
from ui.format import as_text, fmt_percent
from ui.label_ui import KEY, act_and_rerun, format_value, shown_in_words
from ui.state import Session

SKIP = "skip: not sure"
_ANSWER = KEY + "answer."
RETRY_SECONDS = 5
MAX_NAME_CHARS = 80
"""The longest labeler name, typed or in a link: it is written with every label (a link's name of 60,000
characters was stored whole with each one)."""
"""How often answers the database server could not take are sent again while it is unreachable."""


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
        st.query_params.get("labeler", "").strip()[:MAX_NAME_CHARS]  # a link is typed by anyone: as long as the box
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
    st.session_state.setdefault(KEY + "labeler", state.labeler)
    typed = column.text_input(
        "Your name",
        key=KEY + "labeler",
        max_chars=MAX_NAME_CHARS,
        help="Recorded with each label; your batch is kept for you.",
    ).strip()
    if typed and typed != state.labeler:
        state.labeler = st.query_params["labeler"] = typed
        with shown_in_words():
            state.labeling.switch_holder(typed)


def lease_ui(state: Session) -> None:
    """Keeps this person's batch reserved for them while the tab is open (every run of the page, and once a
    minute) until they have been idle for `IDLE_LEASES` leases. A run of the page is an action of theirs
    (a click, a submit, a refresh); the once-a-minute runs of the fragment below are not."""
    state.labeling_active_at = time.monotonic()
    _renewed_lease_ui(state)


@st.fragment(run_every=60)
def _renewed_lease_ui(state: Session) -> None:
    with shown_in_words():
        if not state.labeling.renew(idle_seconds=time.monotonic() - state.labeling_active_at):
            st.warning(
                "You were away long enough for some rows of this batch to go to another labeler. Answer them "
                "anyway: where someone labeled a row first, your answer is kept as a second opinion.",
                icon=":material/group:",
            )


def saved_notice(saved: Submitted) -> str:
    """What a submit must tell its person: answers that came after someone else labeled the rows."""
    if not saved.late:
        return ""
    rows = ", ".join(format_row(row) for row in saved.late[:10]) + ("…" if len(saved.late) > 10 else "")
    differ = (
        f" {len(saved.disagreeing)} of them differ from the label that stands and show as disagreements "
        "under Monitoring."
        if saved.disagreeing
        else ""
    )
    return (
        f"Someone else labeled {'row' if len(saved.late) == 1 else 'rows'} {rows} while you had them open, so your "
        f"answers there are kept as second opinions, not over their labels.{differ}"
    )


def _fields_markdown(row: pd.Series, text_columns: list[str], decimals: dict, max_fields: int = 24) -> str:
    """Text fields in full (wrapped), each under its name; the other fields flow on as few lines as fit.
    decimals: column -> its precision (`column_decimals`), so 20 reads "20" beside 190, not "20.00"."""
    texts = [f"**{format_value(c)}**  \n{format_value(row[c])}" for c in row.index if c in text_columns]
    others = [
        f"**{format_value(c)}**: {format_value(row[c], decimals.get(c))}" for c in row.index if c not in text_columns
    ]
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
    decimals = {column: column_decimals(labeling.dataset.frame[column]) for column in shown_columns}
    if state.labeling_saved:
        st.toast(state.labeling_saved, icon=":material/check_circle:")
        state.labeling_saved = ""
    st.caption(keys_caption(labeling.classes))
    with st.form(f"{KEY}batch.{batch.batch_id}", enter_to_submit=False):
        for i, row in enumerate(batch.rows):
            with st.container(border=True):
                fields, why = st.columns([3, 2], gap="medium")
                fields.markdown(_fields_markdown(batch.table.loc[row, shown_columns], text_columns, decimals))
                why.caption(
                    _guess_line(
                        batch.guesses[i], batch.confidences[i], (batch.row_reasons or [""] * len(batch.rows))[i]
                    )
                )
                st.radio(
                    f"Label for row {format_row(row)}",
                    options,
                    index=None,
                    horizontal=True,
                    key=answer_key(batch.batch_id, i),
                    format_func=format_value,
                )
        st.caption(
            f"{len(batch.rows)} rows. A row left unanswered counts as skipped; skipped rows may be asked again later. "
            f"Row numbers are {ROW_MEANING}."
        )
        if st.form_submit_button(SAVE_LABEL, type="primary", icon=":material/save:"):
            act_and_rerun(state, lambda: submit_answers(state, batch), failed="Your labels could not be saved")
    batch_keys_ui(batch.batch_id, state.labeler)


def submit_answers(state: Session, batch) -> str:
    """Read the form's answers and submit them; returns what the person must be told about them. When the
    database server cannot be reached, the answers wait in `state.unsaved_answers` (`saving_paused_ui`)."""
    answers = {}
    for i, row in enumerate(batch.rows):
        answer = st.session_state.get(answer_key(batch.batch_id, i))
        answers[row] = None if answer in (None, SKIP) else answer
    return send_answers(state, answers)


def send_answers(state: Session, answers: dict) -> str:
    """Submit `answers` to the open batch (again, when they waited: a submit of the same answers writes
    them once); returns what the person must be told about them."""
    try:
        state.labeling.submit(answers, labeler=state.labeler or "anonymous")
    except (StoreUnavailable, NextBatchError) as error:
        if not isinstance(error, StoreUnavailable) and not isinstance(error.__cause__, StoreUnavailable):
            raise
        state.unsaved_answers = answers
        return ""
    state.unsaved_answers = None
    given = sum(answer is not None for answer in answers.values())
    state.labeling_saved = f"Saved: {given:,} labels, {len(answers) - given:,} skipped. Here is the next batch."
    return saved_notice(state.labeling.last_submitted)


@st.fragment(run_every=RETRY_SECONDS)
def saving_paused_ui(state: Session) -> None:
    """While the database server is unreachable: says saving is paused, and sends the waiting answers
    again every few seconds; once they are saved, the whole page is drawn again with the next batch."""
    waiting = len(state.unsaved_answers)
    if state.labeling.store.reachable():  # a quick check, so the message is not greyed out by a long retry
        notice = send_answers(state, state.unsaved_answers)
        if state.unsaved_answers is None:
            state.labeling_notice = notice
            st.rerun(scope="app")
    st.warning(
        f"Saving is paused: the database server cannot be reached. Your {waiting:,} answers are kept here and "
        f"sent again every {RETRY_SECONDS} seconds (last try {pd.Timestamp.now():%H:%M:%S}); the next batch "
        "appears once they are saved. Nothing you submitted is lost.",
        icon=":material/cloud_off:",
    )


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
        key=f"{KEY}oracle.{batch.batch_id}",
        help="Answers each row with the label already in the label column, then shows the next batch.",
    ):
        act_and_rerun(state, lambda: oracle_answers(state), "The oracle's labels could not be saved")


def undo_ui(state: Session) -> None:
    """Undo is offered once this person submitted a batch: only their own (imported labels are never undone)."""
    if st.button(
        "Undo your last batch",
        icon=":material/undo:",
        key=KEY + "undo",
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
