"""Column roles, the dataset, the feature transform, and the built-in demos.

A user's table (read by `read_table`, see `alcore.io.tables`) gets a role for every column: the label,
numbers, categories, free text, or left out. `make_dataset` pairs the table with its label column and
checks it can be learned from, `to_features` turns the feature columns into the matrix X a `Pool`
holds, and `load_demo` gives ready datasets that need no network. Every problem with a user's data
is a `DataError` whose message a non-programmer can act on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pandas.api import types as ptypes
from sklearn import datasets as sklearn_datasets
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from alcore.io.tables import FORMATS, DataError, check_unique_names, read_table

__all__ = [
    "DEMOS",
    "FORMATS",
    "DataError",
    "Dataset",
    "Demo",
    "Role",
    "build_transformer",
    "check_for_simulation",
    "clean_labels",
    "infer_roles",
    "load_demo",
    "make_dataset",
    "read_table",
    "to_features",
]

MAX_CLASSES = 100
"""A label column with more distinct values than this is a number or an id, not a category."""
MAX_FEATURE_COLUMNS = 2_000
"""More feature columns than this would make every round slow; such a file is rarely a table of examples."""


class Role(str, Enum):
    """What a column is for."""

    LABEL = "label"
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    TEXT = "text"
    IGNORE = "ignore"


FEATURE_ROLES = (Role.NUMERIC, Role.CATEGORICAL, Role.TEXT)


# -- column roles ----------------------------------------------------------
_ID_NAME = re.compile(r"(^|[^a-z])(id|uuid|guid|key)$|^(index|row|rownum|row_number|unnamed: ?\d+)$", re.IGNORECASE)
_MIN_ROWS_TO_GUESS_IDS = 20


def infer_roles(frame: pd.DataFrame, label_column: str | None = None) -> dict[str, Role]:
    """Guess every column's role, in the frame's column order; `label_column` (if given) gets Role.LABEL."""
    if label_column is not None:
        _require_column(frame, label_column)
    return {name: Role.LABEL if name == label_column else _infer_role(name, frame[name]) for name in frame.columns}


def _infer_role(name: str, column: pd.Series) -> Role:
    values = _present_values(column)
    if values.nunique() <= 1 or _is_row_id(name, column, values):
        return Role.IGNORE  # constants, empty columns and row ids carry nothing a model can learn from
    if ptypes.is_bool_dtype(column):
        return Role.CATEGORICAL
    if ptypes.is_numeric_dtype(column):
        return Role.NUMERIC
    if ptypes.is_datetime64_any_dtype(column) or ptypes.is_timedelta64_dtype(column):
        return Role.IGNORE
    if pd.to_numeric(values, errors="coerce").notna().mean() >= 0.8:
        return Role.NUMERIC  # numbers with a few stray words such as "?" or "unknown"
    return Role.TEXT if _looks_like_text(values) else Role.CATEGORICAL


def _present_values(column: pd.Series) -> pd.Series:
    """The non-missing values; for non-numeric columns as stripped text, with "" counted as missing."""
    values = column.dropna()
    if ptypes.is_numeric_dtype(column) or ptypes.is_datetime64_any_dtype(column):
        return values
    values = values.astype(str).str.strip()
    return values[values != ""]


def _is_row_id(name: str, column: pd.Series, values: pd.Series) -> bool:
    if len(values) < len(column) or values.nunique() < len(column):
        return False  # an id is present and different on every row
    if _ID_NAME.search(name) or name.endswith("Id"):
        return True
    if len(column) < _MIN_ROWS_TO_GUESS_IDS or ptypes.is_bool_dtype(column):
        return False
    if ptypes.is_integer_dtype(column):
        return column.is_monotonic_increasing or column.is_monotonic_decreasing
    return not ptypes.is_numeric_dtype(column) and not _looks_like_text(values)


def _looks_like_text(values: pd.Series) -> bool:
    """Free text: sentences (several words per cell, mostly different cells), or short phrases such as job
    titles with far more distinct values than one-hot categories could keep, whose shared words carry meaning."""
    words, distinct = values.str.split().str.len().mean(), values.nunique()
    if words >= 3 and distinct >= 0.3 * len(values):
        return True
    return words >= 1.5 and distinct > 2 * MAX_CATEGORIES


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
        """Counts for a page or a JSON report; roles as plain strings."""
        counts = self.labels().value_counts()
        n_labeled = int(counts.sum())
        return {
            "name": self.name,
            "n_rows": len(self.frame),
            "n_labeled": n_labeled,
            "n_unlabeled": len(self.frame) - n_labeled,
            "class_counts": {value: int(counts[value]) for value in self.classes()},
            "roles": {name: role.value for name, role in self.roles.items()},
        }


def clean_labels(column: pd.Series) -> pd.Series:
    """Labels as a model wants them: whole numbers as Int64, other numbers as floats, the rest as stripped text."""
    if ptypes.is_numeric_dtype(column) and not ptypes.is_bool_dtype(column):
        numbers = pd.to_numeric(column).astype(float).replace([np.inf, -np.inf], np.nan)
        whole = bool((numbers.dropna() % 1 == 0).all())
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
    dataset = Dataset(frame, label_column, final_roles, name)
    _check_label_values(dataset)
    _check_feature_count(dataset)
    return dataset


def _require_column(frame: pd.DataFrame, column: str) -> None:
    if column not in frame.columns:
        shown = ", ".join(f"'{name}'" for name in list(frame.columns)[:10])
        raise DataError(f"There is no column named '{column}' in the table. Choose the label column from: {shown}.")


def _checked_overrides(frame: pd.DataFrame, label_column: str, roles: Mapping[str, Role | str]) -> dict[str, Role]:
    overrides = {}
    for column, role in roles.items():
        _require_column(frame, column)
        try:
            role = Role(role)
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise DataError(f"'{role}' is not a column role. Use one of: {allowed}.") from None
        if column != label_column and role is not Role.LABEL:
            overrides[column] = role
    return overrides


def _check_label_values(dataset: Dataset) -> None:
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
    if n_features > MAX_FEATURE_COLUMNS:
        raise DataError(
            f"The table has {n_features:,} columns to learn from; alcore handles at most {MAX_FEATURE_COLUMNS:,}. "
            "Remove the columns you do not need (or mark them 'ignore') and load it again."
        )


def check_for_simulation(dataset: Dataset, min_per_class: int = 2) -> None:
    """Refuse a simulation whose known labels cannot train and test a classifier.

    A simulation replays the labels already in the table, so it needs at least two classes and
    `min_per_class` labeled rows of each (one to learn from, one to test on).
    """
    counts = dataset.labels().value_counts()
    column = dataset.label_column
    if counts.empty:
        raise DataError(
            f"The label column '{column}' is empty. A simulation replays known labels: fill them in, "
            "or label the rows yourself in a labeling project."
        )
    if len(counts) == 1:
        raise DataError(
            f"Every labeled row in '{column}' has the same class ('{counts.index[0]}'). A model needs at least two "
            "classes to tell apart: add rows of another class, or choose another label column."
        )
    if counts.sum() < min_per_class * len(counts) or counts.min() < min_per_class:
        raise DataError(
            f"There are fewer labeled rows than the classes need: {int(counts.sum())} labeled rows for {len(counts)} "
            f"classes, and class '{counts.idxmin()}' has only {int(counts.min())}. Label at least {min_per_class} "
            "rows of every class, or merge rare classes."
        )


# -- the feature transform -------------------------------------------------
MAX_CATEGORIES = 50
MAX_WORDS = 5_000


def simulation_arrays(dataset: Dataset):
    """Features and labels of the labeled rows, for a simulation that replays them.

    Returns X: (n_labeled, n_features) and y: (n_labeled,). The transform is
    fitted on every row's features (no labels involved), as in a labeling
    project. Raises DataError when the labels cannot drive a simulation.
    """
    check_for_simulation(dataset)
    labeled = dataset.labeled_mask()
    return to_features(dataset)[labeled], dataset.labels()[labeled].to_numpy()


def build_transformer(roles: Mapping[str, Role | str]) -> ColumnTransformer:
    """An unfitted ColumnTransformer from the roles: numbers imputed and scaled, categories one-hot, text TF-IDF.

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
    if by_role[Role.CATEGORICAL]:
        categories = make_pipeline(
            FunctionTransformer(_as_categories),
            SimpleImputer(strategy="most_frequent"),
            OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=MAX_CATEGORIES, min_frequency=2),
        )
        parts.append(("categorical", categories, by_role[Role.CATEGORICAL]))
    for i, column in enumerate(by_role[Role.TEXT]):
        words = TfidfVectorizer(max_features=MAX_WORDS, sublinear_tf=True, ngram_range=(1, 2), dtype=np.float64)
        parts.append((f"text_{i}", make_pipeline(FunctionTransformer(_as_text), words), column))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=1.0 if by_role[Role.TEXT] else 0.0)


def _as_numbers(columns: pd.DataFrame) -> np.ndarray:
    """(n_rows, k) floats; anything that is not a finite number becomes NaN for the imputer."""
    numbers = columns.apply(lambda column: pd.to_numeric(column, errors="coerce")).to_numpy(
        dtype=float, na_value=np.nan
    )
    return np.where(np.isfinite(numbers), numbers, np.nan)


def _as_categories(columns: pd.DataFrame) -> np.ndarray:
    """(n_rows, k) object array of text categories, NaN where missing (mixed types would not sort)."""
    text = columns.apply(lambda column: column.map(str, na_action="ignore"))
    return text.to_numpy(dtype=object, na_value=np.nan)


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
