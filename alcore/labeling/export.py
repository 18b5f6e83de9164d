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
from alcore.core.strategies import strategy_label
from alcore.formatting import (
    MISSING,
    ROW_MEANING,
    column_decimals,
    counted,
    format_cell,
    format_count,
    format_money,
    is_missing,
    markdown_text,
    row_column_name,
    shown_row,
)
from alcore.io.datasets import Dataset, build_transformer
from alcore.jsonable import plain, records
from alcore.labeling.quality import batch_name, method_name

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
    decimals = [column_decimals(dataset.frame[column]) for column in columns]
    previews = []
    for values in cells.itertuples(index=False):
        text = " · ".join(
            f"{name}: {format_cell(value, places)}" for name, value, places in zip(columns, values, decimals)
        )
        previews.append(text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…")
    return previews


def with_row_numbers(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with the row numbers people see (`shown_row` of its index, the stored row ids) as its first
    column, so an exported file can be matched back to the user's own (the files are written without the
    index). The column is `row_column_name`'s: "row" unless the table has one. In place: each caller
    numbers its own fresh table, which for the predictions is a copy of the whole table."""
    table.insert(0, row_column_name(table.columns), shown_row(table.index.to_numpy(dtype=np.int64)))
    return table


def labeled_table(dataset: Dataset, labels: pd.DataFrame) -> pd.DataFrame:
    """The labeled rows: the row number (`with_row_numbers`), the original columns with the label column
    holding the current label, labeled_by, labeled_at.

    labels: `ProjectStore.labels()`. Index: the stored row id (0-based).
    """
    table = dataset.frame.loc[labels["row"].to_numpy()].copy()
    table[dataset.label_column] = labels["label"].to_numpy(dtype=object)
    table["labeled_by"] = labels["labeler"].to_numpy(dtype=object)
    table["labeled_at"] = labels["labeled_at"].to_numpy()
    return with_row_numbers(table)


def predictions_table(dataset: Dataset, labels: pd.DataFrame, learner, pool, review_share: float = 0.1) -> pd.DataFrame:
    """Every row: the label column keeps given labels; rows nobody labeled get the model's label.

    Added columns: the row number first (`with_row_numbers`); then predicted_label and
    confidence (rows nobody labeled; empty for labeled rows), needs_review (True for the least confident
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
    return with_row_numbers(table)


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
        "batches_undone": progress.get("batches_undone", 0),
        "labels_per_class": {str(value): count for value, count in progress["by_class"].items()},
        "quality_curve": records(curve),
        "advice": advice,
        "settings": json.loads(json.dumps(shown, default=str)),
        "model_note": MODEL_NOTE,
        **({"monitoring": monitoring} if monitoring is not None else {}),
    }


def _percent(value) -> str:
    return MISSING if is_missing(value) else f"{value:.1%}"


REPORT_SETTINGS = {
    "model": "Model",
    "strategy": "Which rows to ask",
    "cold_start": "Before there is a model",
    "batch_size": "Rows per batch",
    "cost_per_label": "Cost per label",
    "budget": "Budget (labels)",
    "second_opinion_share": "Second opinions",
    "holdout_share": "Rows held out to measure quality",
    "semi_supervised": "Also learns from unlabeled rows",
    "simulate": "Labels replayed from the label column",
}
"""The settings a report names, in plain words; the rest (seeds, store ids, caches) are the program's own."""


def _setting_words(key: str, settings: dict) -> str | None:
    """One setting as the report writes it; None when it is off or unset and so says nothing."""
    value = settings.get(key)
    if key in ("strategy", "cold_start"):
        return strategy_label(value) if value else None
    if key == "cost_per_label":
        return format_money(value, settings.get("currency") or "$")
    if key == "second_opinion_share":
        return f"{value:.0%} of each batch" if value else None
    if key == "holdout_share":
        return f"{value:.0%} of the rows" if value else None
    if isinstance(value, bool):
        return "yes" if value else None
    return None if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def _section_table(title: str, header: list[str], alignment: str, cells: list[list[str]]) -> list[str]:
    """Lines of a report section: its title and a Markdown table (alignment: the rule row, e.g. "|---|---:|")."""
    return ["", f"## {title}", "", _table_row(header), alignment, *(_table_row(row) for row in cells)]


def _table_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _quality_cells(batch: int, point: dict | None) -> list[str]:
    """One batch's row of the quality table; an undone batch (no point) says its labels were taken back."""
    if point is None:
        return [batch_name(batch, True), MISSING, MISSING, "labels taken back", MISSING, ""]
    interval = MISSING if is_missing(point["low"]) else f"{point['low']:.1%} to {point['high']:.1%}"
    return [
        batch_name(batch),
        f"{point['n_labeled']:,}",
        _percent(point["estimate"]),
        interval,
        _percent(point["changed"]),
        method_name(point["method"]),
    ]


def report_markdown(document: dict) -> str:
    """The report as Markdown: counts, labels per class, the quality curve, advice, settings.

    Batches are named as on the page (`quality.batch_name`): the imported labels "imported", an undone
    batch under its own number marked "(undone)"; each way of estimating quality is explained once.
    What people typed (the project's name, its classes, the labelers' names) is text, as on the pages
    (`markdown_text`): a name like `![x](http://host/x.png)` must not make a Markdown viewer fetch that address.
    """
    monitoring = document.get("monitoring") or {}
    undone = [gain["batch"] for gain in monitoring.get("gains", []) if gain.get("undone")]
    submitted = f"{document['batches_submitted']:,} batches submitted" + (
        f" ({document['batches_undone']:,} undone)" if document.get("batches_undone") else ""
    )
    lines = [
        f"# Labeling report: {markdown_text(document['project'])}",
        "",
        f"{document['n_labeled']:,} rows labeled, {document['n_unlabeled']:,} unlabeled, "
        f"{document['n_skipped']:,} skipped; {submitted}.",
        "",
        f"**Advice:** {document['advice']}",
        "",
        "## Labels per class",
        "",
        "| class | labels |",
        "|---|---:|",
    ]
    lines += [f"| {markdown_text(value)} | {count:,} |" for value, count in document["labels_per_class"].items()]
    rows = [(point["batch"], point) for point in document["quality_curve"]] + [(batch, None) for batch in undone]
    lines += _section_table(
        "Estimated quality per batch",
        ["batch", "labeled", "accuracy", "95% interval", "predictions changed", "estimated from"],
        "|---:|---:|---:|---|---:|---|",
        [_quality_cells(batch, point) for batch, point in sorted(rows, key=lambda pair: pair[0])],
    )
    methods = {method_name(point["method"]): point["method"] for point in document["quality_curve"]}
    lines += ["", "How quality was estimated:", ""] + [f"- {name}: {method}." for name, method in methods.items()]
    if monitoring:
        lines += _monitoring_markdown(monitoring)
    lines += ["", "## Settings", ""]
    shown = {key: _setting_words(key, document["settings"]) for key in REPORT_SETTINGS}
    lines += [f"- {REPORT_SETTINGS[key]}: {words}" for key, words in shown.items() if words is not None]
    lines += ["", "## The model file", "", document["model_note"], ""]
    return "\n".join(lines)


def _rows_words(section: dict, most: int = 50) -> str:
    """ " Their rows (…): 3, 17, 42." for the report's disagreements, so a reader can find them in the file;
    the rows are already numbered as people number them (`report_section`)."""
    rows = section.get("disagreeing_rows") or []
    if not rows:
        return ""
    more = "…" if len(rows) > most else ""
    return f" Their rows ({ROW_MEANING}): {', '.join(f'{row:,}' for row in rows[:most])}{more}."


def _monitoring_markdown(section: dict) -> list[str]:
    """What each batch bought (gain, cost per accuracy point), the selection mix, agreement."""
    money = partial(format_money, currency=section.get("currency") or "$")
    lines = [
        "",
        "## What each batch bought",
        "",
        f"At {money(section['cost_per_label'])} per label. Labels given count the corrections made since the batch "
        "before; an undone batch was paid for, though its labels were taken back; a batch that gained nothing has "
        "no cost per point.",
        "",
        "| batch | labels given | points gained | cost | cost per accuracy point | predictions changed |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for gain in section["gains"]:
        points = MISSING if is_missing(gain.get("gain_points")) else f"{gain['gain_points']:+.1f}"
        lines.append(
            f"| {batch_name(gain['batch'], gain.get('undone', False))} | {format_count(gain['batch_size'])} | "
            f"{points} | {money(gain['cost'])} | "
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
            "| batch | " + " | ".join(map(markdown_text, classes)) + " |",
            "|---:|" + "---:|" * len(classes),
        ]
        undone = [gain["batch"] for gain in section["gains"] if gain.get("undone")]
        given = {batch: " | ".join(f"{count:,}" for count in rows["given"]) for batch, rows in mix.groupby("batch")}
        given |= {batch: " | ".join([MISSING] * len(classes)) for batch in undone}
        lines += [f"| {batch_name(batch, batch in undone)} | {given[batch]} |" for batch in sorted(given)]
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
                    f"{markdown_text(pair['labeler_a'])} & {markdown_text(pair['labeler_b'])}",
                    f"{pair['n_rows']:,}",
                    _percent(pair["agreement"]),
                    MISSING if is_missing(pair["kappa"]) else f"{pair['kappa']:.2f}",
                ]
                for pair in section["agreement"]
            ],
        )
        lines += [
            "",
            f"{counted(section['n_disagreements'], 'row')} labeled differently by two labelers.{_rows_words(section)}",
        ]
    return lines
