"""Column roles, the dataset, the feature transform, and the built-in demos.

A user's table (read by `read_table`, see `alcore.io.tables`) gets a role for every column: the label,
numbers, categories, free text, or left out. `make_dataset` pairs the table with its label column and
checks it can be learned from, `to_features` turns the feature columns into the matrix X a `Pool`
holds, and `load_demo` gives ready datasets that need no network. Every problem with a user's data
is a `DataError` whose message a non-programmer can act on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pandas.api import types as ptypes
from sklearn import datasets as sklearn_datasets
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from alcore.formatting import format_count
from alcore.io.roles import (
    FEATURE_ROLES,
    MAX_CATEGORIES,
    Role,
    as_datetimes,
    infer_roles,
    is_row_id,
    require_column,
)
from alcore.io.tables import FORMATS, DataError, check_unique_names, read_table, table_notes
from alcore.jsonable import plain

__all__ = [
    "DEMOS",
    "FORMATS",
    "MAX_RANGES",
    "DataError",
    "Dataset",
    "Demo",
    "Role",
    "build_transformer",
    "check_for_simulation",
    "classes_left_out_of_simulation",
    "check_width",
    "clean_labels",
    "infer_roles",
    "load_demo",
    "group_into_ranges",
    "is_quantity",
    "is_row_id",
    "make_dataset",
    "quantity_question",
    "read_table",
    "simulation_note",
    "simulation_rows",
    "to_features",
]

MAX_CLASSES = 100
"""A label column with more distinct values than this is a number or an id, not a category."""
MAX_FEATURE_COLUMNS = 2_000
"""More feature columns than this would make every round slow; such a file is rarely a table of examples."""
MAX_WHOLE_NUMBER_CLASSES = 20
"""A label of whole numbers with more distinct values than this is a quantity (an age, a count), not classes."""
MAX_DECIMAL_CLASSES = 10
"""A label of decimals with more distinct values than this is a measurement (a ratio, a price), not classes."""
LARGE_NUMBER = 1e15
"""Beyond this size a feature value is compressed (order kept): squaring 1e200 overflows, and the model sees NaN."""


# -- the dataset -----------------------------------------------------------
@dataclass
class Dataset:
    """A table with a chosen label column and a role for every column.

    frame: (n_rows, n_columns), index 0..n_rows-1 so that row positions are pool indices.
    """

    frame: pd.DataFrame
    label_column: str
    roles: dict[str, Role]
    name: str = ""
    notes: list[str] = field(default_factory=list)
    """What reading and preparing the table mended or changed, in plain words for the page and the CLI."""

    def feature_columns(self) -> list[str]:
        """Columns the model learns from, in table order."""
        return [name for name, role in self.roles.items() if role in FEATURE_ROLES]

    def labels(self) -> pd.Series:
        """(n_rows,) labels, missing = NaN/<NA>: whole numbers as Int64 (so 0/1/2 stay classes), else stripped text."""
        return clean_labels(self.frame[self.label_column])

    def labeled_mask(self) -> np.ndarray:
        """Boolean (n_rows,): True where the row has a label."""
        return self.labels().notna().to_numpy()

    def classes(self) -> list:
        """Sorted distinct labels present in the table."""
        return sorted(self.labels().dropna().unique().tolist())

    def summary(self) -> dict:
        """Counts for a page or a JSON report; roles as plain strings. `left_out_of_simulation`: the classes a
        simulation leaves out, with their labeled rows, so that a comparison's results file says why its
        settings count fewer rows (n_rows) than the dataset has labeled."""
        counts = self.labels().value_counts()
        n_labeled = int(counts.sum())
        return {
            "name": self.name,
            "n_rows": len(self.frame),
            "n_labeled": n_labeled,
            "n_unlabeled": len(self.frame) - n_labeled,
            "class_counts": {value: int(counts[value]) for value in self.classes()},
            "left_out_of_simulation": {  # plain keys: an Int64 class (mtcars' carb 6) is a NumPy int JSON refuses
                plain(value): int(rows) for value, rows in classes_left_out_of_simulation(self).items()
            },
            "roles": {name: role.value for name, role in self.roles.items()},
        }


def clean_labels(column: pd.Series) -> pd.Series:
    """Labels as a model wants them: whole numbers as Int64, other numbers as floats, the rest as stripped text."""
    if ptypes.is_numeric_dtype(column) and not ptypes.is_bool_dtype(column):
        numbers = pd.to_numeric(column).astype(float).replace([np.inf, -np.inf], np.nan)
        present = numbers.dropna()
        whole = bool((present % 1 == 0).all() and (present.abs() < 2**53).all())  # beyond 2**53 no Int64 is exact
        return numbers.astype("Int64") if whole else numbers
    text = column.astype("str").str.strip()
    return text.where(text != "", np.nan)


def make_dataset(
    frame: pd.DataFrame, label_column: str, roles: Mapping[str, Role | str] | None = None, name: str = ""
) -> Dataset:
    """Pair a table with its label column and column roles, and check it can be learned from.

    roles: overrides for the inferred roles (the label column is always Role.LABEL; a stale LABEL on
    another column is ignored). The label column may be empty or partly filled: empty rows are unlabeled.
    """
    check_unique_names(frame.columns)
    frame = frame.set_axis([str(column) for column in frame.columns], axis=1).reset_index(drop=True)
    if frame.shape[1] < 2:
        raise DataError(
            f"The table has only one column ('{frame.columns[0]}'). alcore needs at least two: one with the labels and "
            "one or more to learn from. If your file has more columns, its separator was not recognized: "
            "save it as a comma-separated CSV and load it again."
        )
    final_roles = infer_roles(frame, label_column) | _checked_overrides(frame, label_column, roles or {})
    dataset = Dataset(frame, label_column, final_roles, name, notes=table_notes(frame))
    _check_label_values(dataset)
    _check_feature_count(dataset)
    dataset.notes += _large_number_notes(dataset)
    return dataset


def _checked_overrides(frame: pd.DataFrame, label_column: str, roles: Mapping[str, Role | str]) -> dict[str, Role]:
    overrides = {}
    for column, role in roles.items():
        require_column(frame, column)
        try:
            role = Role(role)
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise DataError(f"'{role}' is not a column role. Use one of: {allowed}.") from None
        if column != label_column and role is not Role.LABEL:
            overrides[column] = role
    return overrides


def _check_label_values(dataset: Dataset) -> None:
    question = quantity_question(dataset.frame[dataset.label_column], dataset.label_column)
    if question:
        raise DataError(question)
    n_values = dataset.labels().nunique()
    if n_values > MAX_CLASSES:
        raise DataError(
            f"The label column '{dataset.label_column}' has {n_values:,} different values. That looks like a number "
            "or an id, not a category: alcore learns to sort rows into a few classes. Choose a column with a handful "
            "of values (such as yes/no or a category), or group the numbers into ranges first."
        )


def _check_feature_count(dataset: Dataset) -> None:
    n_features = len(dataset.feature_columns())
    if n_features == 0:
        raise DataError(
            "No column is left to learn from: ids, constant and empty columns are left out. Mark at least one "
            "column as numeric, categorical or text, or add columns that describe each row."
        )
    check_width(n_features)


def check_width(n_features: int) -> None:
    """Refuse more columns to learn from than MAX_FEATURE_COLUMNS (the Data page asks before it draws a role
    widget for each column: thousands of them would stall the page)."""
    if n_features > MAX_FEATURE_COLUMNS:
        raise DataError(
            f"The table has {n_features:,} columns to learn from; alcore handles at most {MAX_FEATURE_COLUMNS:,}. "
            "Remove the columns you do not need (or mark them 'ignore') and load it again."
        )


def quantity_question(column: pd.Series, name: str) -> str | None:
    """The plain question to ask when a label column holds a quantity rather than classes; None for classes.

    Whole numbers with more than MAX_WHOLE_NUMBER_CLASSES values (an age from 18 to 80) or decimals with
    more than MAX_DECIMAL_CLASSES (a ratio rounded to 0.1) are numbers to predict: as classes, each value
    would be its own class with a handful of rows, and every accuracy would be near zero. A row id (see
    `is_row_id`) is said to be one: its ranges would be no classes either.
    """
    if not is_quantity(column):
        return None
    present = clean_labels(column).dropna()
    if is_row_id(name, column):  # ranges of ids would be classes of nothing
        return (
            f"'{name}' looks like a row id, not labels: each of its {len(present):,} rows has a value of its own "
            f"({present.min():,g} to {present.max():,g}). Pick the column that holds the answers you know."
        )
    return (
        f"'{name}' looks like a number to predict, not a set of classes: it has {present.nunique():,} different "
        f"values from {present.min():,g} to {present.max():,g}. Group it into ranges (such as "
        f"{_range_example(present)}), or pick another column."
    )


def is_quantity(column: pd.Series) -> bool:
    """True for a column of numbers to predict rather than classes (see quantity_question)."""
    labels = clean_labels(column)
    if not ptypes.is_numeric_dtype(labels):
        return False
    limit = MAX_WHOLE_NUMBER_CLASSES if ptypes.is_integer_dtype(labels) else MAX_DECIMAL_CLASSES
    return labels.nunique() > limit


def _range_example(present: pd.Series) -> str:
    ranges = sorted(group_into_ranges(present, 3).dropna().unique().tolist())
    return ", ".join(ranges)


MAX_RANGES = 20
"""More ranges than this would leave too few rows in each to learn a class from."""


def group_into_ranges(column: pd.Series, n_ranges: int) -> pd.Series:
    """A quantity as classes: (n_rows,) text such as "18–29", about the same number of rows in each range.

    Missing values stay missing (unlabeled). Ranges are named by the smallest and largest value they hold;
    equal values never fall into two ranges, so there may be fewer than n_ranges.
    """
    numbers = pd.to_numeric(column, errors="coerce").astype(float).replace([np.inf, -np.inf], np.nan)
    if numbers.nunique() < 2 or not 2 <= n_ranges <= MAX_RANGES:
        raise DataError(
            f"Grouping into ranges needs a column of numbers with at least two values, and 2 to {MAX_RANGES} ranges."
        )
    codes = pd.qcut(numbers, q=n_ranges, labels=False, duplicates="drop")
    bounds = numbers.groupby(codes).agg(["min", "max"])
    width = len(str(len(bounds)))
    names = {
        code: f"{i + 1:0{width}d}: {low:,g}–{high:,g}" if low != high else f"{i + 1:0{width}d}: {low:,g}"
        for i, (code, low, high) in enumerate(bounds.itertuples())
    }
    return codes.map(names).astype(object).where(codes.notna(), np.nan)


def _large_number_notes(dataset: Dataset) -> list[str]:
    """Name the numeric feature columns whose values are compressed (see LARGE_NUMBER)."""
    notes = []
    for name, role in dataset.roles.items():
        if role is Role.NUMERIC:
            numbers = pd.to_numeric(dataset.frame[name], errors="coerce").astype(float).abs()
            largest = numbers[np.isfinite(numbers)].max()
            if largest > LARGE_NUMBER:
                notes.append(
                    f"Column '{name}' has numbers as large as {largest:.3g}. Beyond {LARGE_NUMBER:.0e} alcore "
                    "compresses them (their order stays the same) so that the model can still use them."
                )
    return notes


MIN_ROWS_PER_CLASS = 2
"""Labeled rows a class needs to take part in a simulation: one to learn from and one to test on."""


def classes_left_out_of_simulation(dataset: Dataset) -> pd.Series:
    """Labeled rows per class, of the classes a simulation leaves out: those with fewer than MIN_ROWS_PER_CLASS.

    A class seen once can be neither learned and tested nor held out, and refusing the whole table for it left
    a browser user nothing to do but edit the file; the simulation compares strategies on the other classes
    (and `simulation_note` says so), while a labeling project keeps every class.
    """
    counts = dataset.labels().value_counts()
    return counts[counts < MIN_ROWS_PER_CLASS]


def simulation_note(dataset: Dataset) -> str:
    """What a simulation of `dataset` leaves out, in words for the pages and the CLI; "" when nothing."""
    left_out = classes_left_out_of_simulation(dataset)
    if left_out.empty:
        return ""
    shown = [f"'{name}'" for name in left_out.index[:5]]
    if len(left_out) > len(shown):
        names = ", ".join(shown) + ", …"
    else:
        names = " and ".join(filter(None, [", ".join(shown[:-1]), shown[-1]]))
    one = len(left_out) == 1
    return (
        f"The simulation leaves out {'class' if one else f'{len(left_out):,} classes'} {names} with a single labeled "
        f"row{'' if one else ' each'}: a class needs at least {MIN_ROWS_PER_CLASS}, one to learn from and one to test "
        f"on. {'Its row counts' if one else 'Their rows count'} as unlabeled there; a labeling project keeps every "
        "class."
    )


def _simulated(dataset: Dataset) -> Dataset:
    """The dataset a simulation replays: the classes `classes_left_out_of_simulation` names made unlabeled."""
    left_out = classes_left_out_of_simulation(dataset)
    if left_out.empty:
        return dataset
    labels = dataset.labels()
    frame = dataset.frame.assign(**{dataset.label_column: labels.mask(labels.isin(left_out.index))})
    return replace(dataset, frame=frame)


def simulation_rows(dataset: Dataset) -> int:
    """Labeled rows a simulation replays: those of the classes it keeps (the length of `simulation_arrays`'s y)."""
    return int(_simulated(dataset).labeled_mask().sum())


def check_for_simulation(dataset: Dataset, test_size: float = 0.25) -> None:
    """Refuse a simulation whose known labels cannot train and test a classifier.

    A simulation replays the labels already in the table, without the classes it leaves out
    (`classes_left_out_of_simulation`), so it needs at least two classes and enough rows that the
    `test_size` share held out to test on and the rest to learn from can each hold every class.
    """
    if not 0 < test_size < 1:
        raise DataError(f"The share of rows held out for testing must be between 0 and 1, not {test_size:g}.")
    counts = _simulated(dataset).labels().value_counts()
    column = dataset.label_column
    if dataset.labels().notna().sum() == 0:
        raise DataError(
            f"The label column '{column}' is empty. A simulation replays known labels: fill them in, "
            "or label the rows yourself in a labeling project."
        )
    left_out = classes_left_out_of_simulation(dataset)
    if counts.empty:
        raise DataError(
            f"No class in '{column}' has more than one labeled row ({format_count(left_out.sum())} labeled rows). A "
            f"simulation needs two classes with at least {MIN_ROWS_PER_CLASS} labeled rows each: label more rows (on "
            "the Label page, or in your file), or choose another label column."
        )
    if len(counts) == 1:
        besides = f", apart from {format_count(len(left_out))} with a single labeled row" if len(left_out) else ""
        raise DataError(
            f"Every labeled row in '{column}' has the same class ('{counts.index[0]}'){besides}. A model needs at "
            "least two classes to tell apart: label more rows of another class (on the Label page, or in your "
            "file), or choose another label column."
        )
    n_labeled, n_classes = int(counts.sum()), len(counts)
    if not _splits_hold_every_class(n_labeled, n_classes, test_size):
        needed = next(
            n
            for n in range(n_labeled, n_labeled + 100 * n_classes)
            if _splits_hold_every_class(n, n_classes, test_size)
        )
        raise DataError(
            f"A simulation keeps {test_size:.0%} of the labeled rows aside to test on, and both that part and the "
            f"rest need a row of every class: with {n_classes} classes that takes at least {needed} labeled rows, "
            f"and '{column}' has {n_labeled}. Label more rows on the Label page, or give rare classes one shared name "
            "in your file and load it again."
        )


def _splits_hold_every_class(n_rows: int, n_classes: int, test_size: float) -> bool:
    n_test = math.ceil(n_rows * test_size)  # as scikit-learn's train_test_split rounds it
    return n_test >= n_classes and n_rows - n_test >= n_classes


# -- the feature transform -------------------------------------------------
MAX_WORDS = 5_000


def simulation_arrays(dataset: Dataset, test_size: float = 0.25):
    """Features and labels of the labeled rows, for a simulation that replays them (without the classes
    `classes_left_out_of_simulation` names).

    Returns X: (n_labeled, n_features) and y: (n_labeled,). The transform is
    fitted on every row's features (no labels involved), as in a labeling
    project. Raises DataError when the labels cannot drive a simulation.
    """
    check_for_simulation(dataset, test_size=test_size)
    simulated = _simulated(dataset)
    labeled = simulated.labeled_mask()
    return to_features(dataset)[labeled], simulated.labels()[labeled].to_numpy()


def build_transformer(roles: Mapping[str, Role | str]) -> ColumnTransformer:
    """An unfitted ColumnTransformer from the roles: numbers imputed and scaled, dates as their parts (elapsed days,
    year, month, weekday, hour) imputed and scaled, categories one-hot, text TF-IDF.

    Unknown categories at transform time are tolerated (mapped to the infrequent bucket, or all zeros).
    """
    by_role = {role: [name for name, r in roles.items() if Role(r) is role] for role in FEATURE_ROLES}
    parts = []
    if by_role[Role.NUMERIC]:
        numbers = make_pipeline(
            FunctionTransformer(_as_numbers),
            SimpleImputer(strategy="median", add_indicator=True),  # the indicator only for columns with gaps
            StandardScaler(),
        )
        parts.append(("numeric", numbers, by_role[Role.NUMERIC]))
    if by_role[Role.DATE]:
        dates = make_pipeline(
            FunctionTransformer(_as_date_parts),
            SimpleImputer(strategy="median", add_indicator=True),
            StandardScaler(),
        )
        parts.append(("date", dates, by_role[Role.DATE]))
    if by_role[Role.CATEGORICAL]:
        categories = make_pipeline(
            CategoryCodes(),
            OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=MAX_CATEGORIES, min_frequency=2),
        )
        parts.append(("categorical", categories, by_role[Role.CATEGORICAL]))
    for i, column in enumerate(by_role[Role.TEXT]):
        words = TfidfVectorizer(max_features=MAX_WORDS, sublinear_tf=True, ngram_range=(1, 2), dtype=np.float64)
        parts.append((f"text_{i}", make_pipeline(FunctionTransformer(_as_text), words), column))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=1.0 if by_role[Role.TEXT] else 0.0)


def _as_numbers(columns: pd.DataFrame) -> np.ndarray:
    """(n_rows, k) floats; anything that is not a finite number becomes NaN for the imputer.

    Durations count in seconds. Values beyond ±LARGE_NUMBER are compressed logarithmically (order
    kept, the same for every row and call, so transforming new rows later gives the same numbers).
    """
    numbers = columns.apply(_column_as_numbers).to_numpy(dtype=float, na_value=np.nan)
    numbers = np.where(np.isfinite(numbers), numbers, np.nan)
    size = np.abs(numbers)
    with np.errstate(divide="ignore", invalid="ignore"):
        compressed = np.sign(numbers) * LARGE_NUMBER * (1 + np.log(size / LARGE_NUMBER))
    return np.where(size > LARGE_NUMBER, compressed, numbers)


def _column_as_numbers(column: pd.Series) -> pd.Series:
    if ptypes.is_timedelta64_dtype(column):
        return column.dt.total_seconds()
    return pd.to_numeric(column, errors="coerce").astype(float)


def _as_date_parts(columns: pd.DataFrame) -> np.ndarray:
    """(n_rows, 5 k) floats: for each date column the days since 1970, year, month, weekday and hour of day."""
    parts = []
    for name in columns.columns:
        stamps = as_datetimes(columns[name])
        days = (stamps - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
        hours = stamps.dt.hour + stamps.dt.minute / 60
        for part in (days, stamps.dt.year, stamps.dt.month, stamps.dt.day_of_week, hours):
            parts.append(pd.Series(part).to_numpy(dtype=float, na_value=np.nan))
    return np.column_stack(parts)


class CategoryCodes(TransformerMixin, BaseEstimator):
    """Category columns as whole-number codes, gaps filled with the column's most frequent value.

    Why not scikit-learn's SimpleImputer and OneHotEncoder on the text itself: on object columns both count
    the values one by one in Python (1.25 of 1.64 profiled seconds on the 50,000-row police stops table).
    Codes are counted by pandas and NumPy; the OneHotEncoder after it gives the same columns in the same
    order (the codes follow the values' sorted order). A value not seen in `fit` becomes -1, which that
    encoder puts in its infrequent bucket or leaves all zeros, as it did with the text.
    """

    def fit(self, X: pd.DataFrame, y=None):
        self.categories_, self.fill_values_ = [], []
        for name in X.columns:
            counts = _category_text(X[name]).value_counts(sort=False)
            values = counts.index.sort_values()  # as the imputer breaks ties: the smallest of the most frequent
            self.categories_.append(values)
            self.fill_values_.append(counts[values].idxmax() if len(values) else "")
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        columns = [
            values.get_indexer(_category_text(X[name]).fillna(fill))
            for name, values, fill in zip(X.columns, self.categories_, self.fill_values_, strict=True)
        ]
        return np.column_stack(columns).astype(np.int64)


def _category_text(column: pd.Series) -> pd.Series:
    """The column's values as text, NaN where missing (mixed types would not sort; 1 and "1" are one value).

    Only the distinct values are turned into text: a Python call per row was a fifth of the transform."""
    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    texts = np.append(np.array([str(value) for value in distinct], dtype=object), np.nan)
    return pd.Series(texts[codes], index=column.index, dtype=object)  # code -1 (a gap) takes the NaN at the end


def _as_text(column: pd.Series) -> list[str]:
    return ["" if pd.isna(value) else str(value) for value in column]


def to_features(dataset: Dataset) -> np.ndarray | sp.csr_matrix:
    """X: (n_rows, n_features) float64, dense, or CSR when a text column is used.

    The transformer is fitted once on the feature columns of every row; labels play no part, so
    scoring the pool later never refits it.
    """
    has_text = any(role is Role.TEXT for role in dataset.roles.values())
    try:
        X = build_transformer(dataset.roles).fit_transform(dataset.frame)
    except ValueError as exc:
        if "vocabulary" not in str(exc) and "no terms remain" not in str(exc):
            raise
        raise DataError(
            "A column marked as text has no words to learn from (its cells are empty, numbers or single letters). "
            "Mark it as categorical or ignore, and try again."
        ) from exc
    if X.shape[1] == 0:
        raise DataError(
            "No usable feature is left after the transform. Mark at least one column with values as a feature."
        )
    return sp.csr_matrix(X, dtype=np.float64) if has_text else np.asarray(X, dtype=np.float64)


# -- demos -----------------------------------------------------------------
@dataclass(frozen=True)
class Demo:
    """A built-in dataset that needs no network; `load_frame` returns the whole table, labels included."""

    name: str
    description: str
    label_column: str
    load_frame: Callable[[], pd.DataFrame]


def _sklearn_frame(loader: Callable, label_column: str) -> pd.DataFrame:
    """A bundled scikit-learn dataset with its label column named and holding class names where sklearn has them."""
    bunch = loader(as_frame=True)
    frame = bunch.frame.drop(columns="target")
    frame[label_column] = np.asarray(bunch.target_names)[bunch.target.to_numpy()]
    return frame


def _synthetic_frame() -> pd.DataFrame:
    """(1000, 21): 20 features of which 5 informative, 3 classes, always the same rows."""
    X, y = sklearn_datasets.make_classification(
        n_samples=1000, n_features=20, n_informative=5, n_classes=3, random_state=0
    )
    frame = pd.DataFrame(X, columns=[f"feature_{i + 1}" for i in range(X.shape[1])])
    frame["class"] = y
    return frame


_DEMO_LIST = [
    Demo("synthetic", "1,000 made-up rows, 20 numeric features (5 informative), 3 classes", "class", _synthetic_frame),
    Demo(
        "digits",
        "1,797 handwritten digits as 8×8 pixel intensities, 10 classes",
        "digit",
        lambda: _sklearn_frame(sklearn_datasets.load_digits, "digit"),
    ),
    Demo(
        "breast_cancer",
        "569 tumour biopsies, 30 measurements, malignant or benign",
        "diagnosis",
        lambda: _sklearn_frame(sklearn_datasets.load_breast_cancer, "diagnosis"),
    ),
    Demo(
        "wine",
        "178 wines, 13 chemical measurements, 3 cultivars",
        "cultivar",
        lambda: _sklearn_frame(sklearn_datasets.load_wine, "cultivar"),
    ),
    Demo(
        "iris",
        "150 iris flowers, 4 measurements, 3 species",
        "species",
        lambda: _sklearn_frame(sklearn_datasets.load_iris, "species"),
    ),
    Demo(
        "reviews",
        "500 product reviews (free text and a few columns), positive, negative or neutral",
        "sentiment",
        lambda: read_table(Path(__file__).parent / "demos" / "reviews.csv"),
    ),
]
DEMOS: dict[str, Demo] = {demo.name: demo for demo in _DEMO_LIST}


def load_demo(name: str) -> Dataset:
    """A built-in demo as a fully labeled Dataset (roles inferred like any user's table)."""
    if name not in DEMOS:
        raise DataError(f"There is no demo named '{name}'. Choose one of: {', '.join(DEMOS)}.")
    demo = DEMOS[name]
    return make_dataset(demo.load_frame(), demo.label_column, name=name)
