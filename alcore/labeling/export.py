"""Files out of a labeling project: the labeled rows, predictions for the rest, the model, a report.

Tables are built from the dataset and the store's current labels; the writers
turn any frame into CSV, Excel or Parquet bytes for a download button. CSV and
Excel cells holding text that starts with = + - @ (or a tab or carriage
return) get a leading single quote, so a spreadsheet shows them as text
instead of running them as formulas (OWASP "CSV injection"). Only text is
touched: the number -3 stays a number. Parquet is data, not a spreadsheet,
and is written as is.
"""

from __future__ import annotations

import io
import json
import math
from functools import partial

import joblib
import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from alcore.core.models import fit_estimator, make_model
from alcore.formatting import format_money
from alcore.io.datasets import Dataset, build_transformer
from alcore.jsonable import plain, records

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PREVIEW_CHARS = 80
SOURCES = {"imported": "imported", "simulated oracle": "oracle"}
MODEL_NOTE = (
    "The model file is a joblib (pickle) file: loading it runs code, so load only files you trust. "
    "Load it with joblib.load(path) in Python with alcore installed and the same scikit-learn version it was "
    "saved with; model.predict(table) takes a table with the original columns and returns class labels."
)


# -- safe cells ----------------------------------------------------------------
def neutralise_cell(value):
    """Text that a spreadsheet would run as a formula, prefixed with a single quote; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells and column names cannot start a formula; numbers untouched."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        if ptypes.is_object_dtype(values) or ptypes.is_string_dtype(values):
            safe[column] = values.map(neutralise_cell, na_action="ignore").astype(object)
    safe.columns = [neutralise_cell(str(name)) for name in safe.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte-order mark so Excel reads accents right), formulas neutralised.

    Lines end in CRLF (RFC 4180) so that a cell holding a bare carriage return
    is quoted: with "\n" line ends it would not be, and a reader would start a
    new row, and a new, un-neutralised cell, in the middle of it.
    """
    return neutralise_formulas(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_excel_bytes(frame: pd.DataFrame) -> bytes:
    """An .xlsx workbook, formulas neutralised; times in UTC without a zone (Excel has none)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    safe = neutralise_formulas(frame)
    for column in safe.columns:
        values = safe[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            safe[column] = values.dt.tz_convert("UTC").dt.tz_localize(None)
        elif ptypes.is_object_dtype(values):  # control characters are not allowed in a workbook
            safe[column] = values.map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)
    buffer = io.BytesIO()
    safe.to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Parquet bytes; a column mixing text and numbers is written as text."""
    buffer = io.BytesIO()
    try:
        frame.to_parquet(buffer, index=False)
    except (TypeError, ValueError):  # pyarrow's ArrowTypeError / ArrowInvalid
        mixed = {
            column: frame[column].map(lambda v: v if v is None else str(v))
            for column in frame.columns
            if ptypes.is_object_dtype(frame[column])
        }
        buffer = io.BytesIO()
        frame.assign(**mixed).to_parquet(buffer, index=False)
    return buffer.getvalue()


# -- tables --------------------------------------------------------------------
def row_previews(dataset: Dataset, rows: np.ndarray) -> list[str]:
    """A short 'column: value · ...' text per row (feature columns first), for history tables."""
    columns = (dataset.feature_columns() or [c for c in dataset.frame.columns if c != dataset.label_column])[:4]
    if len(rows) == 0:
        return []
    cells = dataset.frame.loc[rows, columns]
    previews = []
    for values in cells.itertuples(index=False):
        text = " · ".join(
            f"{name}: {value:.4g}" if isinstance(value, float) else f"{name}: {value}"
            for name, value in zip(columns, values)
        )
        previews.append(text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…")
    return previews


def labeled_table(dataset: Dataset, labels: pd.DataFrame) -> pd.DataFrame:
    """The labeled rows: original columns, the label column holding the current label, labeled_by, labeled_at.

    labels: `ProjectStore.labels()`. Index: row id (named "row").
    """
    table = dataset.frame.loc[labels["row"].to_numpy()].copy()
    table[dataset.label_column] = labels["label"].to_numpy(dtype=object)
    table["labeled_by"] = labels["labeler"].to_numpy(dtype=object)
    table["labeled_at"] = labels["labeled_at"].to_numpy()
    table.index.name = "row"
    return table


def predictions_table(dataset: Dataset, labels: pd.DataFrame, learner, pool, review_share: float = 0.1) -> pd.DataFrame:
    """Every row: the label column keeps given labels; rows nobody labeled get the model's label.

    Added columns: predicted_label and confidence (rows nobody labeled; empty
    for labeled rows), needs_review (True for the least confident
    `review_share` of them, at least one; all of them while there is no
    model), final_label (given, else predicted) and label_source
    (person / imported / oracle / model).
    learner: the session's fitted ActiveLearner; pool: its training pool.
    """
    n_rows = len(dataset.frame)
    rows = labels["row"].to_numpy(dtype=np.int64)
    given = np.full(n_rows, None, dtype=object)
    given[rows] = labels["label"].to_numpy(dtype=object)
    has_label = np.zeros(n_rows, dtype=bool)
    has_label[rows] = True
    source = np.full(n_rows, None, dtype=object)
    source[rows] = [SOURCES.get(who, "person") for who in labels["labeler"]]

    unlabeled = np.flatnonzero(~has_label)
    predicted = np.full(n_rows, None, dtype=object)
    confidence = np.full(n_rows, np.nan)
    needs_review = np.zeros(n_rows, dtype=bool)
    if len(unlabeled) and learner.is_cold_:
        needs_review[unlabeled] = True
    elif len(unlabeled):
        proba = learner.predict_proba(pool, unlabeled)
        lookup = np.empty(len(pool.classes), dtype=object)
        lookup[:] = pool.classes
        predicted[unlabeled] = lookup[proba.argmax(axis=1)]
        confidence[unlabeled] = proba.max(axis=1)
        n_review = min(len(unlabeled), max(1, math.ceil(review_share * len(unlabeled))))
        needs_review[unlabeled[np.argsort(confidence[unlabeled], kind="stable")[:n_review]]] = True
        source[unlabeled] = "model"

    table = dataset.frame.copy()
    table[dataset.label_column] = given
    table["predicted_label"] = predicted
    table["confidence"] = confidence
    table["needs_review"] = needs_review
    table["final_label"] = np.where(has_label, given, predicted)
    table["label_source"] = source
    table.index.name = "row"
    return table


def model_bytes(dataset: Dataset, learner, pool) -> bytes:
    """joblib bytes of a Pipeline(feature transform, classifier) trained on the pool's labels.

    Unlike the learner's own estimator (which predicts class codes), the
    pipeline takes the original columns and predicts class labels. See MODEL_NOTE.
    """
    if learner.is_cold_:
        raise ValueError("There is no model yet: label rows of at least two classes first.")
    from sklearn.pipeline import make_pipeline

    transform = build_transformer(dataset.roles).fit(dataset.frame)
    labeled = pool.labeled_indices()
    y = np.asarray(pool.labels(labeled).tolist())  # int or str dtype, as scikit-learn wants
    classifier = fit_estimator(make_model(learner.estimator, learner.random_state), pool.X[labeled], y)
    buffer = io.BytesIO()
    joblib.dump(make_pipeline(transform, classifier), buffer)
    return buffer.getvalue()


# -- the report ----------------------------------------------------------------
def report(
    name: str, settings: dict, progress: dict, curve: pd.DataFrame, advice: str, monitoring: dict | None = None
) -> dict:
    """Labels per class, the quality curve, the advice and the settings, JSON-able.

    monitoring: `alcore.labeling.project_monitoring.report_section(...)` (what each batch
    bought, the selection mix, agreement), kept under "monitoring" when given.
    """
    shown = {key: value for key, value in settings.items() if key != "quality_cache"}
    return {
        "project": name,
        "n_labeled": progress["n_labeled"],
        "n_unlabeled": progress["n_unlabeled"],
        "n_skipped": progress["n_skipped"],
        "batches_submitted": progress["batches_submitted"],
        "labels_per_class": {str(value): count for value, count in progress["by_class"].items()},
        "quality_curve": records(curve),
        "advice": advice,
        "settings": json.loads(json.dumps(shown, default=str)),
        "model_note": MODEL_NOTE,
        **({"monitoring": monitoring} if monitoring is not None else {}),
    }


def _percent(value) -> str:
    return "–" if value is None else f"{value:.1%}"


def _section_table(title: str, header: list[str], alignment: str, cells: list[list[str]]) -> list[str]:
    """Lines of a report section: its title and a Markdown table (alignment: the rule row, e.g. "|---|---:|")."""
    return ["", f"## {title}", "", _table_row(header), alignment, *(_table_row(row) for row in cells)]


def _table_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def report_markdown(document: dict) -> str:
    """The report as Markdown: counts, labels per class, the quality curve, advice, settings."""
    lines = [
        f"# Labeling report: {document['project']}",
        "",
        f"{document['n_labeled']:,} rows labeled, {document['n_unlabeled']:,} unlabeled, "
        f"{document['n_skipped']:,} skipped; {document['batches_submitted']:,} batches submitted.",
        "",
        f"**Advice:** {document['advice']}",
        "",
        "## Labels per class",
        "",
        "| class | labels |",
        "|---|---:|",
    ]
    lines += [f"| {value} | {count:,} |" for value, count in document["labels_per_class"].items()]
    lines += _section_table(
        "Estimated quality per batch",
        ["batch", "labeled", "accuracy", "95% interval", "predictions changed"],
        "|---:|---:|---:|---|---:|",
        [
            [
                str(point["batch"]),
                f"{point['n_labeled']:,}",
                _percent(point["estimate"]),
                "–" if point["low"] is None else f"{point['low']:.1%} to {point['high']:.1%}",
                _percent(point["changed"]),
            ]
            for point in document["quality_curve"]
        ],
    )
    methods = list(dict.fromkeys(point["method"] for point in document["quality_curve"]))
    if methods:
        lines += ["", "How quality was estimated: " + " / ".join(methods) + "."]
    if document.get("monitoring"):
        lines += _monitoring_markdown(document["monitoring"])
    lines += ["", "## Settings", ""]
    lines += [f"- {key}: {value}" for key, value in document["settings"].items() if key != "roles"]
    lines += ["", "## The model file", "", document["model_note"], ""]
    return "\n".join(lines)


def _monitoring_markdown(section: dict) -> list[str]:
    """What each batch bought (gain, cost per accuracy point), the selection mix, agreement."""
    money = partial(format_money, currency=section.get("currency") or "$")
    lines = [
        "",
        "## What each batch bought",
        "",
        f"At {money(section['cost_per_label'])} per label; a batch that gained nothing has no cost per point.",
        "",
        "| batch | labels given | points gained | cost | cost per accuracy point | predictions changed |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for gain in section["gains"]:
        points = "–" if gain["gain_points"] is None else f"{gain['gain_points']:+.1f}"
        given = "–" if gain["batch_size"] is None else f"{gain['batch_size']:,.0f}"
        lines.append(
            f"| {gain['batch']} | {given} | {points} | {money(gain['cost'])} | "
            f"{money(gain['cost_per_point'])} | {_percent(gain['changed_share'])} |"
        )
    if section.get("small_gains"):
        lines += ["", section["small_gains"]]
    mix = pd.DataFrame(section["selection_mix"])
    if not mix.empty:
        classes = list(dict.fromkeys(mix["class"]))
        lines += [
            "",
            "## What each batch asked about",
            "",
            f"Labels given per class in each batch; last line: the predicted mix of {section['predicted_mix_note']}.",
            "",
            "| batch | " + " | ".join(classes) + " |",
            "|---:|" + "---:|" * len(classes),
        ]
        for batch, rows in mix.groupby("batch", sort=True):
            lines.append(f"| {batch} | " + " | ".join(f"{count:,}" for count in rows["given"]) + " |")
        predicted = mix.drop_duplicates("class").set_index("class")["predicted_share"]
        if predicted.notna().any():
            lines.append("| predicted mix | " + " | ".join(_percent(plain(predicted[c])) for c in classes) + " |")
    if section.get("agreement"):
        lines += _section_table(
            "Agreement between labelers",
            ["labelers", "rows both labeled", "agreement", "Cohen's kappa"],
            "|---|---:|---:|---:|",
            [
                [
                    f"{pair['labeler_a']} & {pair['labeler_b']}",
                    f"{pair['n_rows']:,}",
                    _percent(pair["agreement"]),
                    "–" if pair["kappa"] is None else f"{pair['kappa']:.2f}",
                ]
                for pair in section["agreement"]
            ],
        )
        lines += ["", f"{section['n_disagreements']:,} row(s) labeled differently by two labelers."]
    return lines
