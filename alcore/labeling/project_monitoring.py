"""The monitoring figures of one labeling project, and its report, ready for the page and the file.

Glue between a `LabelingSession` (its store, model and settings) and the pure
functions of `alcore.labeling.monitoring` and `alcore.labeling.export`; it sits
above the session (the session never imports it). Batches carry one numbering everywhere,
`quality.numbered_batches` (1, 2, ... in the order they were saved, an undone batch keeping its number,
the imported labels 0), as in `LabelingSession.quality()` and `progress()`; the store's batch ids are
not shown to people, and the batch open now is the next number.

What is approximated, and said so where it is shown:
- the predicted mix each batch is compared with is today's model's, not the
  model that picked the batch (the store keeps no past predictions);
- gains and "predictions changed" come from the quality estimate per batch
  (from the labels alcore did not pick once there are enough of them, else
  cross-validation on the labeled rows; `alcore.labeling.quality`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from alcore.core.selection import selection_mix
from alcore.formatting import shown_row
from alcore.jsonable import records
from alcore.labeling import export, monitoring
from alcore.labeling.quality import numbered_batches
from alcore.labeling.session import LabelingSession

FIT_THREADS = 1  # small labeled sets: one BLAS thread is fastest (see alcore.labeling.FIT_THREADS)


def _imported(session: LabelingSession) -> set:
    found = session.settings.get("imported_batch_id")
    return set() if found is None else {int(found)}


def numbered(session: LabelingSession, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """DataFrame[batch_id, batch, undone] of the project's answered batches (`quality.numbered_batches`)."""
    events = session.store.events(session.project_id) if events is None else events
    return numbered_batches(events, session.settings.get("imported_batch_id"))


def undone_numbers(session: LabelingSession) -> list[int]:
    """The numbers of the batches that were undone, for the charts to mark them."""
    found = numbered(session)
    return found.loc[found["undone"], "batch"].tolist()


def batch_numbers(numbers: pd.DataFrame, batches=()) -> dict[int, int]:
    """Store batch id -> its number (`numbered`); an open batch gets the next one (one given back, none)."""
    found = dict(zip(numbers["batch_id"].tolist(), numbers["batch"].tolist()))
    for batch in batches:
        if batch.status == "open" and not batch.given_back:
            found.setdefault(int(batch.id), max(found.values(), default=0) + 1)
    return found


def today_predictions(session: LabelingSession) -> np.ndarray | None:
    """(n_rows,) the current model's predicted label of every row; None while there is no model."""
    if session.is_cold:
        return None
    with threadpool_limits(FIT_THREADS):
        return session.learner.predict(session.train_pool)


def selection(session: LabelingSession) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(mix, scores): per batch the classes given against today's predicted mix of the pool
    (`monitoring.selection_mix`), and the scores of the picked rows (`monitoring.pick_scores`).
    Imported labels are no batch of the loop and are left out."""
    events = session.store.events(session.project_id)
    batches = [b for b in session.store.batches(session.project_id) if b.id not in _imported(session)]
    numbers = batch_numbers(numbered(session, events), batches)
    given = monitoring.label_batches(events)
    given = given[~given["batch"].isin(_imported(session))].assign(batch=lambda f: f["batch"].map(numbers))
    mix = selection_mix(given, today_predictions(session), classes=session.classes)
    scores = monitoring.pick_scores(batches)
    scores = scores.assign(batch=scores["batch"].map(numbers)).dropna(subset=["score", "batch"])
    return mix, scores.astype({"batch": np.int64})


def gains(session: LabelingSession) -> pd.DataFrame:
    """Per answered batch, by its number: `monitoring.batch_gains` at the project's cost per label, plus
    changed_share (share of predictions on the stop set that changed, from the quality cache) and undone.

    batch_size and cost count every label given (`monitoring.labels_given`: second opinions and
    corrections included, since each is paid for); the imported labels (already in the table) cost
    nothing; an undone batch is listed with what it cost and no estimate (its labels were taken back).
    """
    events = session.store.events(session.project_id)
    quality = session.quality()
    cost_per_label = float(session.settings.get("cost_per_label", 1.0))
    given = monitoring.labels_given(events)
    found = monitoring.batch_gains(quality, cost_per_label)
    found["batch_size"] = quality["batch_id"].map(given).fillna(0).to_numpy(dtype=float)
    found["cost"] = found["batch_size"] * cost_per_label
    # Labels that were already in the table cost nothing now: they are not a purchase.
    found.loc[quality["batch_id"].isin(_imported(session)).to_numpy(), "cost"] = 0.0
    found["cost_per_point"] = (found["cost"] / found["gain_points"]).where(found["gain_points"] > 0)
    found = found.assign(changed_share=quality["changed"].astype(float).to_numpy(), undone=False)
    undone = numbered(session, events).query("undone")
    taken_back = pd.DataFrame(
        {
            "batch": undone["batch"],
            "batch_size": undone["batch_id"].map(given).fillna(0).astype(float),
            "undone": True,
        }
    ).assign(cost=lambda frame: frame["batch_size"] * cost_per_label)
    if taken_back.empty:
        return found
    return pd.concat([found, taken_back], ignore_index=True).sort_values("batch", ignore_index=True)


def small_gains_sentence(session: LabelingSession, found: pd.DataFrame | None = None) -> str:
    """The plain sentence when gains have become small ("" otherwise)."""
    found = gains(session) if found is None else found
    return monitoring.small_gains_sentence(found, currency=currency(session))


def currency(session: LabelingSession) -> str:
    return session.settings.get("currency") or "$"


def suspicious(session: LabelingSession) -> pd.DataFrame:
    """Labels the model, cross-validated on the other labeled rows, confidently doubts
    (`monitoring.suspicious_labels`), with who gave them. Costs k fits: call it on a button."""
    labels = session.store.labels(session.project_id)
    columns = ["row", "given", "suggested", "confidence", "given_probability", "labeler"]
    if labels.empty:
        return pd.DataFrame(columns=columns)
    with threadpool_limits(FIT_THREADS):
        found = monitoring.suspicious_labels(
            session.X,
            labels["row"].to_numpy(),
            labels["label"].tolist(),
            model=session.settings["model"],
            random_state=session.settings.get("random_state", 0),
        )
    by_row = dict(zip(labels["row"], labels["labeler"]))
    return found.assign(labeler=found["row"].map(by_row))[columns]


def agreement(session: LabelingSession) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pairs, rows): Cohen's kappa per pair of labelers, and the rows they labeled differently."""
    events = session.store.events(session.project_id)
    return monitoring.labeler_agreement(events), monitoring.disagreements(events)


def pace(session: LabelingSession) -> pd.DataFrame:
    """Labels per minute and seconds per row, per labeler, timed from when each batch was shown.
    Imported labels took no one's time and are left out."""
    events = session.store.events(session.project_id)
    events = events[~events["batch_id"].isin(_imported(session))]
    return monitoring.labeling_pace(events, session.store.batches(session.project_id))


# -- the report's section ---------------------------------------------------------
def report_section(session: LabelingSession) -> dict:
    """What each batch bought, the selection mix and agreement, as JSON-able data for the report.

    gains: [{batch, n_labeled, estimate, batch_size, gain_points, cost, cost_per_point, changed_share, undone}];
    selection_mix: [{batch, class, given, given_share, predicted_share}] (classes as text);
    agreement: [{labeler_a, labeler_b, n_rows, agreement, kappa}] and the rows two labelers labeled differently,
    numbered as people number them (`shown_row`: the report is read beside the file), with their count
    (empty when no row has two labelers).
    """
    found = gains(session)
    mix, _ = selection(session)
    pairs, differing = agreement(session)
    return {
        "cost_per_label": float(session.settings.get("cost_per_label", 1.0)),
        "currency": currency(session),
        "gains": records(found),
        "small_gains": small_gains_sentence(session, found),
        "selection_mix": records(mix.assign(**{"class": mix["class"].astype(str)})),
        "predicted_mix_note": "today's model over the whole table, used for every batch (past predictions are not kept)",
        "agreement": records(pairs),
        "n_disagreements": len(differing),
        "disagreeing_rows": sorted(int(row) for row in shown_row(differing["row"].unique())),
    }


def project_report(session: LabelingSession) -> dict:
    """Labels per class, the quality curve, what each batch bought, the selection mix, agreement,
    the advice and the settings, as plain JSON-able data (`export.report`)."""
    return export.report(
        session.name,
        session.settings,
        session.progress(),
        session.quality(),
        session.advice(),
        report_section(session),
    )


def project_report_markdown(session: LabelingSession) -> str:
    """The project's report as a Markdown file for people (`export.report_markdown`)."""
    return export.report_markdown(project_report(session))
