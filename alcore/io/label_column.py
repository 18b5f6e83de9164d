"""Which column holds the labels: the guess a person would make, from names and content together.

A table rarely says which column is the answer. A person looks at the names ("survived", "species",
"loan_status") and at the values (a few repeated values, not an id, not a price). For a labeling
project the person also looks for the column that is partly empty: the rows still to label.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from alcore.io.datasets import MAX_CLASSES, Role, clean_labels, infer_roles, is_quantity

__all__ = ["LABEL_WORDS", "guess_label_column", "looks_like_measurement"]

LABEL_WORDS = (
    "label",
    "labels",
    "class",
    "target",
    "y",
    "category",
    "outcome",
    "survived",
    "churn",
    "attrition",
    "exited",
    "default",
    "fraud",
    "spam",
    "sentiment",
    "species",
    "diagnosis",
    "status",
    "result",
    "response",
    "approved",
    "verdict",
    "decision",
    "vote",
    "grade",
    "type",
)
"""Names (or name parts, as in "loan_status" or "is_fraud") that people give the column of answers."""
_WORDS = re.compile(r"[a-z]+")


def looks_like_measurement(column: pd.Series) -> bool:
    """True for a number to predict (a price, a length, an age), not classes: the rule of `is_quantity`."""
    return is_quantity(column)


def guess_label_column(frame: pd.DataFrame, for_labeling: bool = False) -> str:
    """The column a person would take as the labels; the last column when nothing fits better.

    Candidates have between 2 and MAX_CLASSES distinct values, are no row id, free text or
    measurement. Among them a name like a label wins, then fewer distinct values, then a place nearer
    an edge of the table (`_nearness_to_an_edge`). `for_labeling`: a partly empty column comes first
    (its empty rows are the ones to label), and a wholly empty column named like a label is a candidate too.
    """
    columns = [str(column) for column in frame.columns]
    roles = infer_roles(frame.set_axis(columns, axis=1))
    nearness = _nearness_to_an_edge(columns, roles)
    scores = {}
    for position, name in enumerate(columns):
        score = _score(name, frame.iloc[:, position], roles[name], for_labeling)
        if score is not None:
            scores[name] = score + 0.01 * nearness[name]
    return max(scores, key=scores.get) if scores else columns[-1]


def _nearness_to_an_edge(columns: list[str], roles: dict[str, Role]) -> dict[str, float]:
    """Per column, from about 0.5 (the middle) to about 1 (either end): how near it stands to an end of the
    table, row ids and dates left aside (they get 0: an index often comes first); on a tie, the later one.

    People put the answer at an end: last in a CSV made for learning, first in R's tables (the response of a
    model formula), under the index. Between two columns of yes/no, "a later one wins" took a feature over
    the first column: 'citizen' over 'released' in carData's Arrests, 'hc' over 'lfp' in Mroz."""
    kept = [name for name in columns if roles[name] is not Role.IGNORE]
    nearness = dict.fromkeys(columns, 0.0)
    for place, name in enumerate(kept):
        from_an_end = min(place, len(kept) - 1 - place)
        later = place / len(kept) / 2  # less than one place nearer: it only breaks ties
        nearness[name] = 1.0 - (from_an_end - later) / len(kept)
    return nearness


def _score(name: str, column: pd.Series, role: Role, for_labeling: bool) -> float | None:
    """How much `column` looks like the labels, or None when it cannot be them."""
    labels = clean_labels(column)
    n_values, missing = labels.nunique(), labels.isna().mean()
    name_score = _name_score(name)
    if n_values == 0 and for_labeling and name_score >= 2:
        return 4.0 + name_score  # an empty column named "label": made to be filled in
    partly_empty = for_labeling and 0 < missing < 1
    fewest = 1 if partly_empty else 2  # labeling may have started with one class
    if not fewest <= n_values <= MAX_CLASSES or role is Role.TEXT or looks_like_measurement(column):
        return None
    if role is Role.IGNORE and not partly_empty:  # a row id, a date (a one-class column is ignored as a feature too)
        return None
    score = name_score + 1.0 / np.log2(1 + max(n_values, 2))
    if partly_empty:
        score += 4.0 * missing  # the emptier, the more it looks like the rows still to label
    return score


def _name_score(name: str) -> float:
    lowered = name.strip().lower()
    if lowered in LABEL_WORDS:
        return 3.0
    if any(word in LABEL_WORDS and word != "y" for word in _WORDS.findall(lowered)):
        return 2.0
    return 0.0
