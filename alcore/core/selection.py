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
    counts = pd.Series(list(labels), dtype=object).value_counts()
    counts = pd.Series([int(counts.get(value, 0)) for value in classes], index=range(len(classes)))
    total = counts.sum()
    return counts / total if total else counts * math.nan


def class_list(classes: Sequence | None, *label_sets: Iterable) -> list:
    """`classes` as given, or every value seen in `label_sets` (missing ones left out), sorted as text."""
    if classes is not None:
        return list(classes)
    seen = dict.fromkeys(value for labels in label_sets for value in labels if not pd.isna(value))
    return sorted(seen, key=str)


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
    Returns DataFrame[batch, class, given, given_share, predicted_share]; each
    share column sums to 1 per batch.
    """
    per_batch = isinstance(predicted, Mapping)
    predicted_sets = list(predicted.values()) if per_batch else ([] if predicted is None else [predicted])
    classes = class_list(classes, given["label"], *predicted_sets)
    overall = None if per_batch or predicted is None else class_shares(predicted, classes)
    parts = []
    for batch, labels in given.groupby("batch", sort=False)["label"]:
        if per_batch:
            reference = class_shares(predicted[batch], classes) if batch in predicted else None
        else:
            reference = overall
        counts = pd.Series(list(labels), dtype=object).value_counts()
        given_counts = [int(counts.get(value, 0)) for value in classes]
        parts.append(
            pd.DataFrame(
                {
                    "batch": batch,
                    "class": pd.Series(classes, dtype=object),
                    "given": given_counts,
                    "given_share": np.divide(given_counts, len(labels)),
                    "predicted_share": math.nan if reference is None else reference.to_numpy(),
                }
            )
        )
    columns = ["batch", "class", "given", "given_share", "predicted_share"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
