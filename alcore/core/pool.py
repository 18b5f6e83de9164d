"""Who is labeled, with what, and from where.

A `Pool` is the one mutable object of an active-learning run. It holds the
feature matrix (never changed after construction), the label of every row
that has one, and the provenance of each label: which source gave it
(the initial set, a simulated oracle, a person) and in which round. Strategies
read a pool; only the loop and the store write to it.

Labels are kept as integer codes into `classes` so that a pool of a million
rows costs one int array, and so that "unlabeled" is a single sentinel
(`UNLABELED`) rather than a NaN mixed into arbitrary label types.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from enum import Enum

import numpy as np
import scipy.sparse as sp

UNLABELED = -1
"""Code stored in `Pool.label_codes` for a row with no label yet."""


class LabelSource(str, Enum):
    """Where a label came from."""

    INITIAL = "initial"
    ORACLE = "oracle"
    PERSON = "person"


class EmptyPoolError(Exception):
    """Raised when a query is asked of a pool with no unlabeled row left.

    This is a normal end of a labeling effort, not a bug: the message says so.
    """

    def __init__(self, message: str = "Every row is already labeled: there is nothing left to ask about."):
        super().__init__(message)


class Pool:
    """Features of every row, the labels known so far, and their provenance.

    X: (n_rows, n_features), a NumPy array or a SciPy sparse matrix (CSR is
       converted to once, so row slicing is cheap).
    classes: the label values known up front, in a stable order; more can be
       added later with `add_class` (a person may discover a new class).
    """

    def __init__(self, X, classes: Sequence[Hashable] = ()):
        if sp.issparse(X):
            X = sp.csr_matrix(X)
        else:
            X = np.asarray(X)
            if X.ndim != 2:
                raise ValueError(f"X must be 2-dimensional, got shape {X.shape}")
        self._X = X
        n_rows = X.shape[0]
        self.classes: list[Hashable] = []
        for value in classes:
            self.add_class(value)
        self.label_codes = np.full(n_rows, UNLABELED, dtype=np.int64)
        self.label_round = np.full(n_rows, -1, dtype=np.int64)
        self.label_source = np.full(n_rows, None, dtype=object)

    # -- reading ---------------------------------------------------------
    @property
    def X(self):
        """The feature matrix, (n_rows, n_features). Read-only by contract."""
        return self._X

    def __len__(self) -> int:
        return self._X.shape[0]

    @property
    def labeled_mask(self) -> np.ndarray:
        """Boolean (n_rows,): True where the row has a label."""
        return self.label_codes != UNLABELED

    def labeled_indices(self) -> np.ndarray:
        return np.flatnonzero(self.labeled_mask)

    def unlabeled_indices(self) -> np.ndarray:
        return np.flatnonzero(~self.labeled_mask)

    @property
    def n_labeled(self) -> int:
        return int(np.count_nonzero(self.labeled_mask))

    @property
    def n_unlabeled(self) -> int:
        return len(self) - self.n_labeled

    def labels(self, rows: Iterable[int] | None = None) -> np.ndarray:
        """Label values (not codes) of `rows` (default: every labeled row).

        Returns an object array; asking for an unlabeled row is an error.
        """
        rows = self.labeled_indices() if rows is None else np.asarray(rows, dtype=np.int64)
        codes = self.label_codes[rows]
        if np.any(codes == UNLABELED):
            raise ValueError("some of the requested rows have no label")
        lookup = np.empty(len(self.classes), dtype=object)
        lookup[:] = self.classes
        return lookup[codes]

    def labeled_classes(self) -> list[Hashable]:
        """The classes that at least one labeled row has, in `classes` order."""
        present = np.unique(self.label_codes[self.labeled_mask])
        return [self.classes[code] for code in present]

    def class_counts(self) -> dict[Hashable, int]:
        """Labeled rows per class, every known class included (zeros too)."""
        counts = np.bincount(self.label_codes[self.labeled_mask], minlength=len(self.classes))
        return {value: int(count) for value, count in zip(self.classes, counts)}

    # -- writing ---------------------------------------------------------
    def add_class(self, value: Hashable) -> int:
        """Make `value` a known class (no-op if known); returns its code."""
        if value in self.classes:
            return self.classes.index(value)
        if value is None or (isinstance(value, float) and np.isnan(value)):
            raise ValueError("a missing value cannot be a class")
        self.classes.append(value)
        return len(self.classes) - 1

    def record_labels(
        self,
        rows: Iterable[int],
        labels: Iterable[Hashable],
        source: LabelSource = LabelSource.PERSON,
        round_number: int = 0,
    ) -> None:
        """Record labels for `rows` (no model is involved); unknown label values become new classes.

        Relabeling an already labeled row is allowed (a person corrects a
        mistake); the row keeps a single, latest label.
        """
        rows = self._checked_rows(rows)
        labels = list(labels)
        if len(rows) != len(labels):
            raise ValueError(f"{len(rows)} rows but {len(labels)} labels")
        codes = np.array([self.add_class(value) for value in labels], dtype=np.int64)
        self.label_codes[rows] = codes
        self.label_round[rows] = round_number
        self.label_source[rows] = LabelSource(source)

    def forget(self, rows: Iterable[int]) -> None:
        """Take labels back (undo): the rows return to the unlabeled pool."""
        rows = self._checked_rows(rows)
        self.label_codes[rows] = UNLABELED
        self.label_round[rows] = -1
        self.label_source[rows] = None

    def _checked_rows(self, rows: Iterable[int]) -> np.ndarray:
        """Row indices as int64, each in range and none twice (NumPy would wrap -1 silently)."""
        rows = np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows, dtype=np.int64)
        if len(np.unique(rows)) != len(rows):
            raise ValueError("a row appears twice in one batch of labels")
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError("row index out of range for this pool")
        return rows

    def copy(self) -> Pool:
        """A pool sharing the (read-only) features but with its own labels."""
        twin = Pool.__new__(Pool)
        twin._X = self._X
        twin.classes = list(self.classes)
        twin.label_codes = self.label_codes.copy()
        twin.label_round = self.label_round.copy()
        twin.label_source = self.label_source.copy()
        return twin
