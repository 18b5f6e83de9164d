"""Second opinions: a share of labeled rows is asked again, of another labeler, to measure agreement.

Stateless on purpose: which rows of a batch want a second opinion is drawn
from a generator seeded by (project seed, batch id), so every tab and every
restart agrees without storing a queue. A chosen row waits until someone other
than its first labeler has labeled it; it is then shown in that person's next
batch (the labeler who submits is the one the next batch is opened for).
Its label there is an ordinary label event, so the newest label counts as the
row's label, and `alcore.labeling.monitoring.labeler_agreement` compares the two.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from alcore.labeling.monitoring import (
    label_batches,
    labels_by_labeler,
    second_opinion_rows,
)

_STREAM = 3  # seeds [seed, 1] and [seed, 2] draw the held-out rows and the stop set


def chosen_for_second_opinion(
    events: pd.DataFrame, share: float, seed: int, skip_batches: Iterable[int] = ()
) -> np.ndarray:
    """Rows picked for a second opinion across every answered batch, in batch order.

    events: `ProjectStore.events()`; share: the project's `second_opinion_share`
    (0 = off); skip_batches: batches never sampled (the imported labels).
    """
    if share <= 0:
        return np.empty(0, dtype=np.int64)
    given = label_batches(events)
    given = given[~given["batch"].isin(list(skip_batches))]
    chosen = [
        second_opinion_rows(group["row"].to_numpy(), share, np.random.default_rng([seed, _STREAM, int(batch)]))
        for batch, group in given.groupby("batch", sort=True)
    ]
    return np.concatenate(chosen).astype(np.int64) if chosen else np.empty(0, dtype=np.int64)


def waiting_for_second_opinion(
    events: pd.DataFrame, share: float, seed: int, labeler: str | None, skip_batches: Iterable[int] = ()
) -> np.ndarray:
    """Chosen rows that only one person has labeled, and not `labeler` (the one the next batch is for).

    Returns (n,) row ids, oldest choice first; empty when `labeler` is None (unknown).
    """
    if labeler is None:
        return np.empty(0, dtype=np.int64)
    chosen = chosen_for_second_opinion(events, share, seed, skip_batches)
    if len(chosen) == 0:
        return chosen
    by_row = labels_by_labeler(events).groupby("row")["labeler"].agg(list)
    waiting = [
        row for row in dict.fromkeys(chosen.tolist()) if len(by_row.get(row, [])) == 1 and by_row[row][0] != labeler
    ]
    return np.asarray(waiting, dtype=np.int64)
