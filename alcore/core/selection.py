"""What a strategy asked about: the class mix of picked rows against a reference mix.

Shared by simulations (alcore.experiment) and labeling projects (alcore.labeling).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd


def class_shares(labels: Iterable, classes: Sequence) -> pd.Series:
    """Share of each of `classes` among `labels`, indexed 0..len(classes)-1; NaN when there are no labels."""
    counts = pd.Series(_class_codes(labels, classes)).value_counts()
    counts = counts[counts.index >= 0].reindex(range(len(classes)), fill_value=0)
    total = counts.sum()
    return counts / total if total else counts * math.nan


def class_list(classes: Sequence | None, *label_sets: Iterable) -> list:
    """`classes` as given, or every value seen in `label_sets` (missing ones left out), sorted as text."""
    if classes is not None:
        return list(classes)
    seen = dict.fromkeys(value for labels in label_sets for value in _as_labels(labels).dropna().unique())
    return sorted(seen, key=str)


def _as_labels(labels: Iterable) -> pd.Series:
    return labels.astype(object) if isinstance(labels, pd.Series) else pd.Series(list(labels), dtype=object)


def _class_codes(labels: Iterable, classes: Sequence) -> np.ndarray:
    """Each label's position in `classes`; -1 for a missing label or one not among them. Hash lookups in
    pandas, not a Python loop over rows: a comparison's monitoring counts every round of every seed."""
    return pd.Index(list(classes), dtype=object).get_indexer(_as_labels(labels))


def selection_mix(
    given: pd.DataFrame,
    predicted: Mapping[Hashable, Sequence] | Sequence | None = None,
    classes: Sequence | None = None,
) -> pd.DataFrame:
    """Per batch, the class mix the labelers gave against the model's predicted mix of the pool.

    given: DataFrame[batch, label] (e.g. `label_batches(events)`).
    predicted: the predicted labels of the whole pool, (n_rows,) — either one
        array (today's model, used for every batch: cheap, but it is not the
        model that picked the early batches) or a mapping batch -> array (the
        model that picked that batch); None leaves predicted_share NaN.
    classes: the project's classes, so a class never asked about shows a 0 share.
    Returns DataFrame[batch, class, given, given_share, predicted_share], batches in the order they first
    appear in `given`; each share column sums to 1 per batch (a missing label counts in the batch's size).
    """
    per_batch = isinstance(predicted, Mapping)
    predicted_sets = list(predicted.values()) if per_batch else ([] if predicted is None else [predicted])
    classes = class_list(classes, given["label"], *predicted_sets)
    batch_of_row, batches = pd.factorize(given["batch"], sort=False)
    codes = _class_codes(given["label"], classes)
    counted = (codes >= 0) & (batch_of_row >= 0)
    counts = np.zeros((len(batches), len(classes)), dtype=np.int64)
    np.add.at(counts, (batch_of_row[counted], codes[counted]), 1)
    sizes = np.bincount(batch_of_row[batch_of_row >= 0], minlength=len(batches))
    if per_batch:
        nothing = np.full(len(classes), math.nan)
        references = [class_shares(predicted[b], classes).to_numpy() if b in predicted else nothing for b in batches]
        predicted_share = np.concatenate(references) if references else np.empty(0)
    elif predicted is None:
        predicted_share = math.nan
    else:
        predicted_share = np.tile(class_shares(predicted, classes).to_numpy(), len(batches))
    return pd.DataFrame(
        {
            "batch": np.repeat(np.asarray(batches), len(classes)),
            "class": pd.Series(classes * len(batches), dtype=object),
            "given": counts.ravel(),
            "given_share": (counts / np.maximum(sizes, 1)[:, None]).ravel(),
            "predicted_share": predicted_share,
        }
    )
