"""Files in, roles, the feature transform, DataError messages and the demos (alcore.io.datasets, alcore.io.tables)."""

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alcore.io.datasets import (
    DEMOS,
    MAX_FEATURE_COLUMNS,
    DataError,
    Role,
    build_transformer,
    check_for_simulation,
    classes_left_out_of_simulation,
    infer_roles,
    load_demo,
    make_dataset,
    read_table,
    simulation_arrays,
    simulation_note,
    to_features,
)


def small_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "height": [1.5, 2.25, np.nan, 4.0, 5.5, 6.0],
            "colour": ["red", "blue", None, "red", "green", "blue"],
            "note": ["a b c", "é ü ß", "x;y", "q|r", "tab-free", "last one"],
            "label": ["yes", "no", "yes", None, "no", "yes"],
        }
    )


# -- reading every format --------------------------------------------------
def write_csv(frame, path):
    frame.to_csv(path, index=False)


def write_tsv(frame, path):
    frame.to_csv(path, index=False, sep="\t")


def write_semicolon_csv(frame, path):
    frame.to_csv(path, index=False, sep=";")


def write_xlsx(frame, path):
    frame.to_excel(path, index=False)


def write_parquet(frame, path):
    frame.to_parquet(path, index=False)


def write_jsonl(frame, path):
    frame.to_json(path, orient="records", lines=True, force_ascii=False)


FORMATS = [
    ("table.csv", write_csv),
    ("table.tsv", write_tsv),
    ("table.csv", write_semicolon_csv),
    ("table.xlsx", write_xlsx),
    ("table.parquet", write_parquet),
    ("table.jsonl", write_jsonl),
]


def assert_same_table(read: pd.DataFrame, written: pd.DataFrame) -> None:
    assert list(read.columns) == list(written.columns)
    assert read["height"].tolist()[:2] == [1.5, 2.25] and pd.isna(read["height"][2])
    for column in ("colour", "note", "label"):
        assert read[column].where(read[column].notna(), None).tolist() == written[column].tolist()


@pytest.mark.parametrize(("filename", "write"), FORMATS, ids=lambda v: getattr(v, "__name__", v))
def test_every_format_round_trips_from_a_path(tmp_path, filename, write):
    frame = small_frame()
    write(frame, tmp_path / filename)
    assert_same_table(read_table(tmp_path / filename), frame)


@pytest.mark.parametrize(("filename", "write"), FORMATS, ids=lambda v: getattr(v, "__name__", v))
def test_every_format_round_trips_from_an_upload(tmp_path, filename, write):
    frame = small_frame()
    write(frame, tmp_path / filename)
    upload = io.BytesIO((tmp_path / filename).read_bytes())
    upload.name = filename  # what a browser upload carries
    upload.read()  # a page may have read it already: read_table rewinds
    assert_same_table(read_table(upload), frame)
    assert_same_table(read_table(io.BytesIO(upload.getvalue()), filename=filename), frame)


def test_semicolon_cp1252_with_decimal_commas_is_sniffed():
    data = "name;price;city\nCafé;1,5;Zürich\nCrème;2,25;Köln\nThé;3;Genève\n".encode("cp1252")
    frame = read_table(data, filename="prices.csv")
    assert list(frame.columns) == ["name", "price", "city"]
    assert frame["name"].tolist() == ["Café", "Crème", "Thé"]
    assert frame["price"].tolist() == [1.5, 2.25, 3.0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "latin-1"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_encodings_and_delimiters_are_sniffed(encoding, delimiter):
    text = delimiter.join(["größe", "farbe"]) + "\n" + "\n".join(delimiter.join([str(i), f"rot {i}"]) for i in range(5))
    frame = read_table(text.encode(encoding), filename="t.txt")
    assert list(frame.columns) == ["größe", "farbe"]
    assert frame["farbe"].tolist() == [f"rot {i}" for i in range(5)]


# -- bad files: DataError with words a person can act on -------------------
@pytest.mark.parametrize(
    ("data", "filename", "phrase"),
    [
        (b"", "empty.csv", "file is empty"),
        (b"  \n\n", "blank.csv", "file is empty"),
        (b"a,b\n", "header_only.csv", "no rows"),
        (b"a,b\n1,2\n", "table.pdf", "not a format alcore reads"),
        (b"a,b\n1,2\n", "no_suffix", "not a format alcore reads"),
        (bytes(range(256)) * 40, "garbage.csv", "binary data"),
        (b"\xff\xfea\x00,\x00b", "odd_utf16.csv", "encoding"),
        (b"PK\x03\x04 not really a zip", "broken.xlsx", "could not be read"),
        (b"a,b\n1,2\n", "fake.xlsx", "not a real Excel"),
        (b"\xd0\xcf\x11\xe0 old", "old.xlsx", "save it as .xlsx"),
        (b"a,b\n1,2\n", "fake.parquet", "not a real Parquet"),
        (b'{"a": 1}\n{"a": ', "cut.jsonl", "Line 2 of the file is not a JSON object"),
        (b"[1, 2, 3]", "list.json", "does not hold rows"),
        (b"a,a,b\n1,2,3\n", "dupes.csv", "more than one column named 'a'"),
        (b"a,b\n1,2\n3,4,5,6\n", "ragged.csv", "as many cells as the header"),
    ],
)
def test_bad_files_raise_data_error(data, filename, phrase):
    with pytest.raises(DataError, match=phrase):
        read_table(data, filename=filename)


def test_missing_file_and_duplicate_excel_header(tmp_path):
    with pytest.raises(DataError, match="could not be opened"):
        read_table(tmp_path / "nowhere.csv")
    pd.DataFrame([[1, 2, 3]], columns=["x", "y", "z"]).rename(columns={"y": "x"}).to_excel(
        tmp_path / "d.xlsx", index=False
    )
    with pytest.raises(DataError, match="more than one column named 'x'"):
        read_table(tmp_path / "d.xlsx")


# -- roles -----------------------------------------------------------------
def messy_frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    sentences = [
        f"the customer wrote message number {i} about {w}"
        for i, w in enumerate(rng.choice(["price", "delay", "size"], n))
    ]
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "row": np.arange(n),
            "serial": np.arange(100, 100 + n),  # unique, increasing, not named like an id
            "country": ["fr"] * n,
            "nothing": [None] * n,
            "age": np.where(rng.random(n) < 0.2, np.nan, rng.integers(18, 90, n)),
            "income": rng.normal(3000, 500, n),
            "plan": rng.choice(["basic", "pro", None], n),
            "score": np.where(rng.random(n) < 0.1, "?", rng.integers(1, 10, n).astype(str)),
            "comment": sentences,
            "churned": rng.choice(["yes", "no", None], n),
        }
    )


def test_roles_of_a_messy_table():
    roles = infer_roles(messy_frame(), label_column="churned")
    assert roles == {
        "customer_id": Role.IGNORE,
        "row": Role.IGNORE,
        "serial": Role.IGNORE,
        "country": Role.IGNORE,
        "nothing": Role.IGNORE,
        "age": Role.NUMERIC,
        "income": Role.NUMERIC,
        "plan": Role.CATEGORICAL,
        "score": Role.NUMERIC,
        "comment": Role.TEXT,
        "churned": Role.LABEL,
    }


def test_user_overrides_every_role_and_stale_label_roles_are_dropped():
    overrides = {
        "row": "numeric",
        "comment": Role.CATEGORICAL,
        "age": "ignore",
        "plan": Role.LABEL,
        "churned": "numeric",
    }
    dataset = make_dataset(messy_frame(), "churned", roles=overrides)
    assert dataset.roles["row"] is Role.NUMERIC and dataset.roles["comment"] is Role.CATEGORICAL
    assert dataset.roles["age"] is Role.IGNORE
    assert dataset.roles["plan"] is Role.CATEGORICAL  # a leftover LABEL from an earlier choice falls back to the guess
    assert dataset.roles["churned"] is Role.LABEL
    assert dataset.feature_columns() == ["row", "income", "plan", "score", "comment"]


# -- the transform ---------------------------------------------------------
def test_messy_table_transforms_to_finite_sparse_features():
    dataset = make_dataset(messy_frame(), "churned")
    X = to_features(dataset)
    assert sp.issparse(X) and X.format == "csr"
    assert X.dtype == np.float64 and X.shape[0] == 60
    assert np.isfinite(X.toarray()).all()


def test_without_text_the_features_are_dense():
    dataset = make_dataset(messy_frame(), "churned", roles={"comment": "ignore"})
    X = to_features(dataset)
    assert isinstance(X, np.ndarray) and X.dtype == np.float64 and np.isfinite(X).all()
    # age, income, score; a missing-indicator for age and score (its "?" are gaps), not for income; plan: basic, pro
    assert X.shape == (60, 3 + 2 + 2)
    assert np.allclose(X[:, :3].mean(axis=0), 0) and np.allclose(X[:, :3].std(axis=0), 1)


def test_unknown_category_at_transform_time_is_tolerated():
    train = pd.DataFrame({"size": ["s", "m", "l", "m", "s", "l"], "weight": [1.0, 2, 3, 2, 1, 3]})
    transformer = build_transformer({"size": Role.CATEGORICAL, "weight": Role.NUMERIC}).fit(train)
    new = pd.DataFrame({"size": ["xxl", None], "weight": [np.nan, 2.0]})
    X = transformer.transform(new)
    assert X.shape == (2, transformer.transform(train).shape[1]) and np.isfinite(X).all()


category_columns = st.integers(min_value=1, max_value=60).flatmap(
    lambda n: st.lists(
        st.lists(
            st.one_of(st.none(), st.sampled_from(["a", "b", "B", " ", "é"]), st.integers(0, 80)), min_size=n, max_size=n
        ),
        min_size=1,
        max_size=3,
    )
)


@settings(max_examples=60, deadline=None)
@given(category_columns, category_columns)
def test_category_codes_one_hot_as_the_text_itself_would(train_columns, new_columns):
    """The fast path gives the columns scikit-learn's imputer and encoder give on the text, for rows seen in
    fit and for new ones (unseen values, gaps), rare values in the infrequent bucket included."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

    from alcore.io.roles import MAX_CATEGORIES

    def frame(columns):
        return pd.DataFrame({f"c{i}": pd.Series(values, dtype=object) for i, values in enumerate(columns)})

    train = frame(train_columns)
    new = frame((new_columns * len(train_columns))[: len(train_columns)])
    if train.isna().all().any():
        return  # the imputer drops an empty column; such a column is never a category (its role is "ignore")
    as_text = FunctionTransformer(
        lambda X: X.apply(lambda c: c.map(str, na_action="ignore")).to_numpy(dtype=object, na_value=np.nan)
    )
    encoder = dict(handle_unknown="infrequent_if_exist", max_categories=MAX_CATEGORIES, min_frequency=2)
    reference = make_pipeline(as_text, SimpleImputer(strategy="most_frequent"), OneHotEncoder(**encoder)).fit(train)
    fast = build_transformer(dict.fromkeys(train.columns, Role.CATEGORICAL)).fit(train)
    for rows in (train, new):
        assert np.array_equal(fast.transform(rows), reference.transform(rows).toarray())


def test_a_text_column_without_words_is_a_data_error():
    frame = pd.DataFrame({"t": ["a", "b", None, "c"], "y": [0, 1, 0, 1]})
    with pytest.raises(DataError, match="no words to learn from"):
        to_features(make_dataset(frame, "y", roles={"t": "text"}))


frames_with_gaps = st.integers(min_value=2, max_value=25).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "number": st.lists(
                st.one_of(st.none(), st.floats(-1e6, 1e6), st.just(float("inf"))), min_size=n, max_size=n
            ),
            "category": st.lists(st.sampled_from(["a", "b", "c", " ", None]), min_size=n, max_size=n),
            "mixed": st.lists(
                st.one_of(st.none(), st.integers(-5, 5), st.sampled_from(["x", "7"])), min_size=n, max_size=n
            ),
            "label": st.lists(st.sampled_from(["yes", "no", None]), min_size=n, max_size=n),
        }
    )
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames_with_gaps)
def test_random_frames_with_gaps_give_finite_features_or_a_data_error(columns):
    frame = pd.DataFrame(columns).astype({"mixed": object})
    try:
        X = to_features(make_dataset(frame, "label"))
    except DataError as error:
        assert "No column is left to learn from" in str(error)  # every feature column was empty or constant
        return
    assert X.shape[0] == len(frame) and np.isfinite(X).all()


# -- dataset checks --------------------------------------------------------
def test_labels_keep_gaps_strip_text_and_keep_numbers_as_classes():
    dataset = make_dataset(pd.DataFrame({"x": [1, 2, 3, 4], "y": [" cat", "", "dog ", None]}), "y")
    assert dataset.labels().tolist()[0] == "cat" and dataset.labels().tolist()[2] == "dog"
    assert dataset.labeled_mask().tolist() == [True, False, True, False]
    assert dataset.classes() == ["cat", "dog"]
    numeric = make_dataset(pd.DataFrame({"x": [1, 2, 3, 4], "y": [0, 2, np.nan, 1]}), "y")
    assert numeric.classes() == [0, 1, 2] and all(type(c) is int for c in numeric.classes())
    assert numeric.labels()[numeric.labeled_mask()].to_numpy().dtype.kind == "i"
    summary = numeric.summary()
    assert (summary["n_rows"], summary["n_labeled"], summary["n_unlabeled"]) == (4, 3, 1)
    assert summary["class_counts"] == {0: 1, 1: 1, 2: 1} and summary["roles"] == {"x": "numeric", "y": "label"}


def test_an_empty_label_column_is_a_valid_labeling_project_but_not_a_simulation():
    dataset = make_dataset(pd.DataFrame({"x": [1.0, 2, 3], "y": [None, None, None]}), "y")
    assert dataset.classes() == [] and not dataset.labeled_mask().any()
    with pytest.raises(DataError, match="is empty"):
        check_for_simulation(dataset)


@pytest.mark.parametrize(
    ("frame", "label", "roles", "phrase"),
    [
        (pd.DataFrame({"only": [1, 2, 3]}), "only", None, "only one column"),
        (pd.DataFrame({"x": [1, 2], "y": [0, 1]}), "target", None, "no column named 'target'"),
        (pd.DataFrame({"x": [1, 2], "y": [0, 1]}), "y", {"z": "numeric"}, "no column named 'z'"),
        (pd.DataFrame({"x": [1, 2], "y": [0, 1]}), "y", {"x": "weird"}, "not a column role"),
        (
            pd.DataFrame({"x": range(500), "y": np.arange(500) * 1.5}),
            "y",
            {"x": "numeric"},
            "looks like a number to predict",
        ),
        (
            pd.DataFrame({"id": range(30), "same": [1] * 30, "y": [0, 1] * 15}),
            "y",
            None,
            "No column is left to learn from",
        ),
        (pd.DataFrame({"x": [1, 2], "y": [0, 1]}), "y", {"x": "ignore"}, "No column is left to learn from"),
    ],
)
def test_bad_tables_raise_data_error(frame, label, roles, phrase):
    with pytest.raises(DataError, match=phrase):
        make_dataset(frame, label, roles=roles)


def test_duplicate_column_names_in_a_frame():
    with pytest.raises(DataError, match="more than one column named 'x'"):
        make_dataset(pd.DataFrame([[1, 2, 3]], columns=["x", "x", "y"]), "y")


def test_too_many_columns_says_so():
    wide = pd.DataFrame(np.random.default_rng(0).random((3, MAX_FEATURE_COLUMNS + 1)))
    wide["y"] = [0, 1, 0]
    with pytest.raises(DataError, match=r"2,001 columns to learn from; alcore handles at most 2,000"):
        make_dataset(wide, "y")


@pytest.mark.parametrize(
    ("labels", "phrase"),
    [
        (["a", "a", "a", None], r"same class \('a'\)\. A model"),
        (["a", "b", None, None], "No class in 'y' has more than one labeled row"),
        (["a", "a", "a", "b"], r"same class \('a'\), apart from 1 with a single labeled row"),
        (["a", "a", "b", "b"], "takes at least 5 labeled rows"),
    ],
)
def test_simulation_needs_two_classes_and_enough_rows(labels, phrase):
    dataset = make_dataset(pd.DataFrame({"x": [1.0, 2, 3, 4], "y": labels}), "y")
    with pytest.raises(DataError, match=phrase):
        check_for_simulation(dataset)


@pytest.mark.parametrize("rare", ["c", 7])
def test_a_class_with_one_labeled_row_is_left_out_of_a_simulation_and_said_so(rare):
    """A class seen once refused the whole table ("in your file give them one shared class name"): a browser
    user could not go on without editing the file. The simulation now compares on the other classes."""
    common = ["a", "b"] if rare == "c" else [1, 2]
    labels = common * 6 + [rare, None]
    dataset = make_dataset(pd.DataFrame({"x": np.arange(14.0) % 5, "y": labels}), "y")
    assert classes_left_out_of_simulation(dataset).to_dict() == {rare: 1}
    check_for_simulation(dataset)
    X, y = simulation_arrays(dataset)
    assert X.shape[0] == len(y) == 12 and set(y) == set(common)
    assert f"leaves out class '{rare}' with a single labeled row" in simulation_note(dataset)
    assert "Its row counts as unlabeled" in simulation_note(dataset)
    assert dataset.classes() == sorted([*common, rare])  # the dataset itself (a labeling project) keeps it
    assert dataset.summary()["left_out_of_simulation"] == {rare: 1}  # the results file says so too
    assert json.loads(json.dumps(dataset.summary()))["left_out_of_simulation"] == {str(rare): 1}  # 7 crashed --out


def test_a_table_whose_classes_all_have_two_labeled_rows_leaves_nothing_out():
    dataset = make_dataset(pd.DataFrame({"x": np.arange(12.0) % 5, "y": ["a", "b", "c"] * 4}), "y")
    assert classes_left_out_of_simulation(dataset).empty and simulation_note(dataset) == ""
    assert len(simulation_arrays(dataset)[1]) == 12 and dataset.summary()["left_out_of_simulation"] == {}


def test_the_note_names_at_most_five_classes_left_out():
    labels = ["a", "b"] * 10 + [f"rare{i}" for i in range(7)]
    dataset = make_dataset(pd.DataFrame({"x": np.arange(27.0) % 5, "y": labels}), "y")
    note = simulation_note(dataset)
    assert note.startswith("The simulation leaves out 7 classes 'rare") and ", …" in note and "each" in note
    two = make_dataset(pd.DataFrame({"x": np.arange(22.0) % 5, "y": labels[:22]}), "y")
    assert "leaves out 2 classes 'rare0' and 'rare1' with a single labeled row each" in simulation_note(two)


# -- demos and a real table we did not make --------------------------------
@pytest.mark.parametrize(
    ("name", "shape", "n_classes"),
    [
        ("synthetic", (1000, 21), 3),
        ("digits", (1797, 65), 10),
        ("breast_cancer", (569, 31), 2),
        ("wine", (178, 14), 3),
        ("iris", (150, 5), 3),
        ("reviews", (500, 7), 3),
    ],
)
def test_demos_load_with_their_shapes(name, shape, n_classes):
    dataset = load_demo(name)
    assert dataset.frame.shape == shape and dataset.label_column == DEMOS[name].label_column
    assert len(dataset.classes()) == n_classes and dataset.labeled_mask().all()
    check_for_simulation(dataset)
    X = to_features(dataset)
    assert X.shape[0] == shape[0]


def test_demo_labels_are_readable_and_reviews_use_text():
    assert load_demo("iris").classes() == ["setosa", "versicolor", "virginica"]
    assert load_demo("breast_cancer").classes() == ["benign", "malignant"]
    reviews = load_demo("reviews")
    assert reviews.roles["review"] is Role.TEXT and reviews.roles["review_id"] is Role.IGNORE
    assert sp.issparse(to_features(reviews))
    with pytest.raises(DataError, match="no demo named 'titanic'"):
        load_demo("titanic")


def test_a_bundled_real_table_roles_and_transform():
    """Altair ships a metadata table of the vega datasets: ids, hashes, URLs, flags and categories."""
    path = Path(__import__("altair").__file__).parent / "datasets" / "_metadata" / "metadata.csv.gz"
    if not path.exists():
        pytest.skip("this altair version has no bundled metadata table")
    frame = pd.read_csv(path)
    roles = infer_roles(frame, label_column="is_tabular")
    assert roles["dataset_name"] is Role.IGNORE and roles["sha"] is Role.IGNORE and roles["url"] is Role.IGNORE
    assert roles["suffix"] is Role.CATEGORICAL and roles["bytes"] is Role.NUMERIC
    X = to_features(make_dataset(frame, "is_tabular"))
    assert X.shape[0] == len(frame) and np.isfinite(X).all()


def test_a_real_csv_with_gaps_from_the_system():
    """Debian's release table: version numbers, unique codenames, dates with gaps."""
    path = Path("/usr/share/distro-info/debian.csv")
    if not path.exists():
        pytest.skip("distro-info-data is not installed")
    frame = read_table(path)
    frame["has_lts"] = frame["eol-lts"].notna().map({True: "yes", False: "no"})
    dataset = make_dataset(frame, "has_lts", roles={"eol-lts": "ignore"})
    assert dataset.roles["codename"] is Role.IGNORE and dataset.roles["series"] is Role.IGNORE
    assert dataset.roles["version"] is Role.NUMERIC or dataset.roles["version"] is Role.CATEGORICAL
    X = to_features(dataset)
    assert X.shape[0] == len(frame) and np.isfinite(X).all()


def test_a_csv_whose_first_row_is_not_a_header_is_refused_not_truncated():
    """scikit-learn's own wine_data.csv starts with a 5-cell metadata row above 14-cell rows."""
    path = Path(sklearn.__file__).parent / "datasets" / "data" / "wine_data.csv"
    with pytest.raises(DataError, match="header row has 5 names but the rows below have 14 cells"):
        read_table(path)
