"""A hostile corpus: the odd and broken tables people bring, written fresh by `write_corpus`.

Every file says what a correct reader must do with it, from what the file is (not from what alcore
happens to do): `simulate` (a valid table with enough known labels: it loads and a simulation
runs), `load` (valid, but a simulation cannot run, e.g. its labels are all empty: it loads, and
the simulation is refused in words), or `refuse` (no usable table: a DataError says why). A file
may carry a `check` of what loading must get right (a date is a date role, "NA" stays a class…).
The tests in tests/test_corpus.py run each file through the engine, the CLI and the pages;
benchmarks/bench_corpus.py prints how each kind ended for the README.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from alcore.io.datasets import Dataset, Role

SIMULATE, LOAD, REFUSE = "simulate", "load", "refuse"


@dataclass
class CorpusFile:
    """One file of the corpus: where it is, its kind (for the README's figure), the label column and what must happen."""

    path: Path
    kind: str
    label: str
    expect: str
    check: Callable[[Dataset], None] | None = None
    phrase: str = ""  # for `refuse`: words the message must contain


def animals(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """(n, 4): two numbers that tell three classes apart, a colour, and the label."""
    rng = np.random.default_rng(seed)
    label = rng.choice(["cat", "dog", "bird"], n)
    centre = pd.Series(label).map({"cat": 0.0, "dog": 3.0, "bird": 6.0}).to_numpy()
    return pd.DataFrame(
        {
            "weight": (centre + rng.normal(size=n)).round(3),
            "height": (centre * 2 + rng.normal(size=n)).round(3),
            "colour": rng.choice(["black", "white", "ginger"], n),
            "label": label,
        }
    )


def _roles(**expected: Role) -> Callable[[Dataset], None]:
    def check(dataset: Dataset) -> None:
        for column, role in expected.items():
            assert dataset.roles[column] is role, (column, dataset.roles[column])

    return check


def _classes(*expected) -> Callable[[Dataset], None]:
    def check(dataset: Dataset) -> None:
        assert dataset.classes() == sorted(expected), dataset.classes()

    return check


def _noted(*words: str) -> Callable[[Dataset], None]:
    def check(dataset: Dataset) -> None:
        notes = " ".join(dataset.notes)
        assert all(word in notes for word in words), (words, dataset.notes)

    return check


def _all(*checks: Callable[[Dataset], None]) -> Callable[[Dataset], None]:
    def check(dataset: Dataset) -> None:
        for one in checks:
            one(dataset)

    return check


class _Writer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.files: list[CorpusFile] = []

    def add(self, name: str, content: bytes, kind: str, expect: str, label: str = "label", **extra) -> None:
        path = self.folder / name
        path.write_bytes(content)
        self.files.append(CorpusFile(path, kind, label, expect, **extra))

    def frame(self, name: str, frame: pd.DataFrame, kind: str, expect: str, label: str = "label", **extra) -> None:
        self.add(name, to_bytes(frame, Path(name).suffix), kind, expect, label, **extra)


def to_bytes(frame: pd.DataFrame, suffix: str) -> bytes:
    """The file a program would write for `frame` in the format of `suffix`."""
    buffer = io.BytesIO()
    if suffix == ".csv":
        return frame.to_csv(index=False).encode()
    if suffix == ".tsv":
        return frame.to_csv(index=False, sep="\t").encode()
    if suffix == ".xlsx":
        frame.to_excel(buffer, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(buffer, index=False)
    elif suffix == ".jsonl":
        frame.to_json(buffer, orient="records", lines=True, date_format="iso", force_ascii=False)
    else:
        raise ValueError(suffix)
    return buffer.getvalue()


def write_corpus(folder: Path) -> list[CorpusFile]:
    """Write every file of the corpus into `folder`; returns them in a fixed order."""
    folder.mkdir(parents=True, exist_ok=True)
    writer = _Writer(folder)
    for add in (
        _dates,
        _extreme_numbers,
        _quantities,
        _class_names,
        _encodings,
        _excel,
        _nested_and_typed,
        _names_and_ids,
        _sizes,
        _broken,
    ):
        add(writer)
    return writer.files


# -- the kinds ---------------------------------------------------------------------
def _dates(w: _Writer) -> None:
    n = 120
    base = animals(n, 1)
    stamps = pd.date_range("2023-03-01 06:00", periods=n, freq="5h17min", tz="America/New_York")
    is_date = _roles(when=Role.DATE)
    w.frame("dates_zone.parquet", base.assign(when=stamps), "dates and times", SIMULATE, check=is_date)
    w.frame("dates_zone.jsonl", base.assign(when=stamps), "dates and times", SIMULATE, check=is_date)
    w.frame("dates.xlsx", base.assign(when=stamps.tz_localize(None)), "dates and times", SIMULATE, check=is_date)
    w.frame(
        "dates_iso.csv",
        base.assign(when=stamps.strftime("%Y-%m-%dT%H:%M:%S%z")),
        "dates and times",
        SIMULATE,
        check=is_date,
    )
    w.frame(
        "dates_day_first.csv",
        base.assign(when=stamps.strftime("%d/%m/%Y %H:%M")),
        "dates and times",
        SIMULATE,
        check=is_date,
    )
    days = [stamp.date() for stamp in stamps]
    w.frame("dates_only.parquet", base.assign(when=days), "dates and times", SIMULATE, check=is_date)
    times = [stamp.time() for stamp in stamps]
    w.frame("times_of_day.parquet", base.assign(when=times), "dates and times", SIMULATE, check=is_date)
    gappy = stamps.strftime("%Y-%m-%d").to_series(index=range(n)).where(np.arange(n) % 4 != 0)
    w.frame("dates_with_gaps.csv", base.assign(when=gappy), "dates and times", SIMULATE, check=is_date)
    durations = pd.to_timedelta(np.arange(n) * 37, unit="min")
    w.frame(
        "durations.parquet", base.assign(took=durations), "dates and times", SIMULATE, check=_roles(took=Role.NUMERIC)
    )
    w.frame("date_label.parquet", base.assign(label=stamps), "dates and times", REFUSE, phrase="different values")


def _extreme_numbers(w: _Writer) -> None:
    base = animals(120, 2)
    rng = np.random.default_rng(2)
    huge_ints = "\n".join(f"{int(v) * 10**30},{label}" for v, label in zip(rng.integers(1, 999, 120), base["label"]))
    big_check = _all(_roles(big=Role.NUMERIC), _noted("'big'"))
    w.add("huge_integers.csv", f"big,label\n{huge_ints}\n".encode(), "extreme numbers", SIMULATE, check=big_check)
    records = "\n".join(
        json.dumps({"big": int(v) * 10**40, "label": lab}) for v, lab in zip(rng.integers(1, 999, 120), base["label"])
    )
    w.add("huge_integers.jsonl", records.encode(), "extreme numbers", SIMULATE, check=big_check)
    one_huge = base.assign(weight=base["weight"].where(np.arange(120) != 5, 1e200))
    for suffix in (".csv", ".parquet", ".xlsx"):
        w.frame(f"one_value_1e200{suffix}", one_huge, "extreme numbers", SIMULATE, check=_noted("'weight'"))
    w.frame("tiny_values.parquet", base.assign(weight=base["weight"] * 1e-300), "extreme numbers", SIMULATE)
    text = base.astype({"weight": str})
    text.loc[::7, "weight"] = "inf"
    text.loc[3::11, "weight"] = "-inf"
    w.frame("infinities.csv", text, "extreme numbers", SIMULATE)
    w.frame(
        "max_float.parquet",
        base.assign(height=np.where(np.arange(120) % 2, 1.7e308, -1.7e308)),
        "extreme numbers",
        SIMULATE,
    )


def _quantities(w: _Writer) -> None:
    rng = np.random.default_rng(3)
    base = animals(150, 3)
    numbers_to_predict = {
        "age_target.csv": ("age", rng.integers(18, 81, 150)),
        "ratio_target.parquet": ("ratio", rng.uniform(0, 5, 150).round(1)),
        "price_target.xlsx": ("price", rng.gamma(2, 50, 150).round(2)),
    }
    for name, (column, values) in numbers_to_predict.items():
        table = base.assign(**{column: values})
        w.frame(name, table, "quantities as labels", REFUSE, column, phrase="looks like a number to predict")
    stars = base.assign(stars=rng.integers(1, 6, 150))
    w.frame("rating_1_to_5.csv", stars, "quantities as labels", SIMULATE, "stars", check=_classes(1, 2, 3, 4, 5))


def _class_names(w: _Writer) -> None:
    rng = np.random.default_rng(4)
    base = animals(120, 4)
    words = base.assign(label=rng.choice(["NA", "None", "null", "N/A"], 120))
    for suffix in (".csv", ".xlsx", ".parquet", ".jsonl"):
        w.frame(
            f"na_none_null_classes{suffix}",
            words,
            "class names and stray characters",
            SIMULATE,
            check=_classes("NA", "None", "null", "N/A"),
        )
    hidden = base.assign(label=base["label"].where(np.arange(120) % 3 != 0, base["label"] + "\x00"))
    cleaned = _all(_classes("bird", "cat", "dog"), _noted("control characters"))
    w.frame("nul_bytes.parquet", hidden, "class names and stray characters", SIMULATE, check=cleaned)
    w.frame("nul_bytes.jsonl", hidden, "class names and stray characters", SIMULATE, check=cleaned)
    bell = base.assign(colour=base["colour"] + "\x07", label=base["label"].str.replace("o", "o\x1b", regex=False))
    w.frame("control_characters.csv", bell, "class names and stray characters", SIMULATE, check=cleaned)
    spaced = base.assign(label=" " + base["label"] + "  ")
    w.frame(
        "padded_labels.csv", spaced, "class names and stray characters", SIMULATE, check=_classes("bird", "cat", "dog")
    )
    w.frame(
        "emoji_and_accents.csv",
        base.assign(label=base["label"].map({"cat": "chat 🐱", "dog": "Hund", "bird": "pájaro"})),
        "class names and stray characters",
        SIMULATE,
        check=_classes("chat 🐱", "Hund", "pájaro"),
    )
    w.frame(
        "boolean_label.parquet", base.assign(label=base["label"] == "cat"), "class names and stray characters", SIMULATE
    )
    w.frame(
        "numeric_classes.csv",
        base.assign(label=base["label"].map({"cat": 0, "dog": 1, "bird": 2})),
        "class names and stray characters",
        SIMULATE,
        check=_classes(0, 1, 2),
    )
    quoted = base.assign(colour=base["colour"] + ', "quoted"\nsecond line')
    w.frame("quoted_newlines.csv", quoted, "class names and stray characters", SIMULATE)


def _encodings(w: _Writer) -> None:
    base = animals(90, 5).assign(
        colour=lambda f: f["colour"].map({"black": "noir", "white": "blanc é", "ginger": "roux ü"})
    )
    text = base.to_csv(index=False)
    western = _classes("bird", "cat", "dog")
    variants = {
        "utf8.csv": text.encode("utf-8"),
        "utf8_bom.csv": codecs.BOM_UTF8 + text.encode("utf-8"),
        "utf8_crlf.csv": text.replace("\n", "\r\n").encode("utf-8"),
        "mac_cr_only.csv": text.replace("\n", "\r").encode("utf-8"),
        "mac_roman_cr.csv": text.replace("\n", "\r").encode("mac_roman"),
        "utf16_bom_tabs.txt": base.to_csv(index=False, sep="\t").replace("\n", "\r\n").encode("utf-16"),
        "utf16le_no_bom.csv": text.encode("utf-16-le"),
        "utf16be_no_bom.csv": text.encode("utf-16-be"),
        "utf32.csv": text.encode("utf-32"),
        "windows_1252.csv": text.encode("cp1252"),
        "latin1_semicolon.csv": base.to_csv(index=False, sep=";", decimal=",").encode("latin-1"),
        "pipes.txt": base.to_csv(index=False, sep="|").encode(),
        "tabs.tsv": base.to_csv(index=False, sep="\t").encode(),
    }
    for name, content in variants.items():
        w.add(name, content, "encodings and line ends", SIMULATE, check=western)
    plain = animals(90, 5)  # colours in English: neither code page below writes é or ü
    russian = plain.assign(label=plain["label"].map({"cat": "кошка", "dog": "собака", "bird": "птица"}))
    w.add(
        "windows_1251.csv",
        russian.to_csv(index=False).encode("cp1251"),
        "encodings and line ends",
        SIMULATE,
        check=_classes("кошка", "собака", "птица"),
    )
    rng = np.random.default_rng(5)
    japanese = plain.assign(
        label=plain["label"].map({"cat": "ねこ", "dog": "いぬ", "bird": "とり"}),
        colour=plain["colour"].map({"black": "くろ", "white": "しろ", "ginger": "ちゃいろ"}),
        note=[
            f"{rng.choice(['東京', '大阪', '京都', '札幌'])}の{rng.choice(['ペット', '動物', '家族'])}です"
            for _ in range(90)
        ],
    )
    for encoding in ("shift_jis", "euc_jp"):
        content = japanese.to_csv(index=False).encode(encoding)
        w.add(f"{encoding}.csv", content, "encodings and line ends", SIMULATE, check=_classes("ねこ", "いぬ", "とり"))
    chinese = plain.assign(
        label=plain["label"].map({"cat": "猫", "dog": "狗", "bird": "鸟"}),
        colour=plain["colour"].map({"black": "黑色", "white": "白色", "ginger": "橘色"}),
        note=[
            f"{rng.choice(['北京', '上海', '广州', '深圳'])}的{rng.choice(['宠物', '动物', '家人'])}" for _ in range(90)
        ],
    )
    content = chinese.to_csv(index=False).encode("gb18030")
    w.add("gb18030.csv", content, "encodings and line ends", SIMULATE, check=_classes("猫", "狗", "鸟"))


def _excel(w: _Writer) -> None:
    base = animals(60, 6)
    w.add("merged_cells.xlsx", _merged_workbook(base), "Excel workbooks", SIMULATE, check=_noted("merged ranges"))
    w.add("formulas_unsaved.xlsx", _formula_workbook(base), "Excel workbooks", SIMULATE, check=_noted("formulas"))
    w.add(
        "several_sheets.xlsx",
        _sheets_workbook(base, empty_first=False),
        "Excel workbooks",
        SIMULATE,
        check=_noted("2 sheets"),
    )
    w.add("empty_first_sheet.xlsx", _sheets_workbook(base, empty_first=True), "Excel workbooks", SIMULATE)
    mixed = base.astype({"weight": object})
    mixed.loc[::5, "weight"] = "n/a"
    mixed.loc[1::9, "weight"] = "about 3"
    w.frame("mixed_types.xlsx", mixed, "Excel workbooks", SIMULATE)
    w.frame("header_only.xlsx", base.iloc[:0], "Excel workbooks", REFUSE, phrase="no rows")


def _merged_workbook(base: pd.DataFrame) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    ordered = base.sort_values("label").reset_index(drop=True)
    sheet.append(["label", "weight", "height", "colour"])
    for row in ordered.itertuples(index=False):
        sheet.append([row.label, row.weight, row.height, row.colour])
    start = 2
    for _, group in ordered.groupby("label", sort=True):
        end = start + len(group) - 1
        sheet.merge_cells(start_row=start, start_column=1, end_row=end, end_column=1)  # one label cell per group
        start = end + 1
    return _saved(workbook)


def _formula_workbook(base: pd.DataFrame) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["weight", "height", "total", "label"])
    for i, row in enumerate(base.itertuples(index=False), start=2):
        sheet.append([row.weight, row.height, f"=A{i}+B{i}", row.label])
    return _saved(workbook)


def _sheets_workbook(base: pd.DataFrame, empty_first: bool) -> bytes:
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "cover" if empty_first else "data"
    target = workbook.create_sheet("data") if empty_first else first
    target.append(list(base.columns))
    for row in base.itertuples(index=False):
        target.append(list(row))
    if not empty_first:
        workbook.create_sheet("notes").append(["written by hand"])
    return _saved(workbook)


def _saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _nested_and_typed(w: _Writer) -> None:
    base = animals(100, 7)
    rng = np.random.default_rng(7)
    table = pa.Table.from_pandas(base, preserve_index=False)
    table = table.append_column(
        "tags", pa.array([[str(t) for t in rng.integers(0, 5, rng.integers(0, 3))] for _ in range(100)])
    )
    table = table.append_column("where", pa.array([{"x": float(v), "y": "n"} for v in rng.normal(size=100)]))
    w.add("nested.parquet", _parquet(table), "nested, decimal and categorical", SIMULATE)
    records = [
        dict(row, extra={"a": [1, 2], "b": None}, tags=["x", "y"][: i % 3])
        for i, row in enumerate(base.to_dict("records"))
    ]
    w.add(
        "nested.jsonl", "\n".join(json.dumps(r) for r in records).encode(), "nested, decimal and categorical", SIMULATE
    )
    w.add("json_array.json", json.dumps(base.to_dict("records")).encode(), "nested, decimal and categorical", SIMULATE)
    import decimal

    money = pa.array([decimal.Decimal(f"{v:.2f}") for v in base["weight"]], type=pa.decimal128(12, 2))
    w.add(
        "decimals.parquet",
        _parquet(
            pa.Table.from_pandas(base.drop(columns="weight"), preserve_index=False).append_column("weight", money)
        ),
        "nested, decimal and categorical",
        SIMULATE,
        check=_roles(weight=Role.NUMERIC),
    )
    w.frame(
        "categoricals.parquet",
        base.astype({"colour": "category", "label": "category"}),
        "nested, decimal and categorical",
        SIMULATE,
    )
    w.frame("decimal_commas.csv", base, "nested, decimal and categorical", SIMULATE)  # plain, as a reference
    w.add(
        "decimal_commas_semicolons.csv",
        base.to_csv(index=False, sep=";", decimal=",").encode(),
        "nested, decimal and categorical",
        SIMULATE,
        check=_roles(weight=Role.NUMERIC),
    )
    w.frame(
        "mixed_int_text.jsonl",
        base.assign(colour=[1, "two", 3.5, None] * 25),
        "nested, decimal and categorical",
        SIMULATE,
    )


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def _names_and_ids(w: _Writer) -> None:
    base = animals(80, 8)
    kind = "column names and ids"
    w.add(
        "duplicate_names.csv",
        base.to_csv(index=False).replace("weight,height", "size,size", 1).encode(),
        kind,
        REFUSE,
        phrase="more than one column named 'size'",
    )
    w.add("empty_name.csv", base.to_csv(index=False).replace("colour", "", 1).encode(), kind, SIMULATE)
    w.add(
        "padded_names.csv",
        base.to_csv(index=False).replace("weight,height", " weight , height ", 1).encode(),
        kind,
        SIMULATE,
        check=_roles(weight=Role.NUMERIC),
    )
    w.frame("unicode_names.parquet", base.rename(columns={"weight": "Gewicht (kg)", "height": "身高"}), kind, SIMULATE)
    w.frame("integer_names.parquet", base.set_axis([0, 1, 2, "label"], axis=1), kind, SIMULATE)
    ids = base.assign(id=range(1000, 1080), uuid=[f"{i:08x}-aaaa-bbbb-cccc-{i:012x}" for i in range(80)])
    w.frame("with_ids.csv", ids, kind, SIMULATE, check=_roles(id=Role.IGNORE, uuid=Role.IGNORE))
    w.frame("only_ids.csv", base[["label"]].assign(id=range(80)), kind, REFUSE, phrase="No column is left")
    w.frame("label_missing.csv", base, kind, REFUSE, "class", phrase="no column named 'class'")
    w.frame("one_column.csv", base[["label"]], kind, REFUSE, phrase="only one column")


def _sizes(w: _Writer) -> None:
    kind = "huge and tiny tables"
    base = animals(120, 9)
    w.frame(
        "four_rows_two_classes.csv",
        pd.DataFrame({"x": [1.0, 2.0, 5.0, 6.0], "label": ["a", "a", "b", "b"]}),
        kind,
        LOAD,
    )
    w.frame("one_row.csv", base.head(1), kind, REFUSE, phrase="No column is left")
    w.frame("one_class.csv", base.assign(label="cat"), kind, LOAD)
    w.frame("no_labels_yet.csv", base.assign(label=None), kind, LOAD)
    w.frame("few_labels.parquet", base.assign(label=base["label"].where(np.arange(120) < 30)), kind, SIMULATE)
    w.frame(
        "rare_class.csv", base.assign(label=np.where(np.arange(120) == 0, "unicorn", base["label"])), kind, SIMULATE
    )
    wide = pd.DataFrame(
        np.random.default_rng(9).normal(size=(30, 2_100)).round(2), columns=[f"f{i}" for i in range(2_100)]
    )
    w.frame("too_wide.csv", wide.assign(label=["a", "b", "c"] * 10), kind, REFUSE, phrase="at most 2,000")
    many = animals(30_000, 10)
    w.frame("thirty_thousand_rows.csv", many, kind, SIMULATE)
    w.frame(
        "long_text.csv",
        base.assign(review=_reviews(base["label"])),
        kind,
        SIMULATE,
        check=_roles(review=Role.TEXT),
    )
    column = pa.array(np.zeros(20_000_000, dtype=np.int8))
    buffer = io.BytesIO()
    pq.write_table(pa.table({"x": column, "label": column}), buffer, compression="zstd")
    w.add("twenty_million_rows.parquet", buffer.getvalue(), kind, REFUSE, phrase="20,000,000 rows")


def _reviews(labels: pd.Series) -> list[str]:
    """Free text of 400 words from a small vocabulary, each ending with its row's label."""
    vocabulary = np.array(["soft", "loud", "tiny", "fur", "wings", "barks", "sings", "sleeps", "runs", "eats"])
    return [" ".join(np.random.default_rng(i).choice(vocabulary, 400)) + f" {label}" for i, label in enumerate(labels)]


def _broken(w: _Writer) -> None:
    kind = "broken or not a table"
    rng = np.random.default_rng(11)
    base_csv = animals(40, 11).to_csv(index=False).encode()
    w.add("empty.csv", b"", kind, REFUSE, phrase="empty")
    w.add("blank_lines.csv", b"\n \n\t\n", kind, REFUSE, phrase="empty")
    w.add("header_only.csv", b"weight,label\n", kind, REFUSE, phrase="no rows")
    w.add("random_bytes.csv", rng.integers(0, 256, 5000, dtype=np.uint8).tobytes(), kind, REFUSE)
    w.add("zip_named_csv.csv", _saved(openpyxl.Workbook()), kind, REFUSE)
    w.add("text_named_xlsx.xlsx", base_csv, kind, REFUSE, phrase="not a real Excel")
    w.add("old_excel.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), kind, REFUSE, phrase=".xls")
    w.add("truncated.xlsx", _saved(openpyxl.Workbook())[:300], kind, REFUSE)
    w.add("truncated.parquet", to_bytes(animals(40, 11), ".parquet")[:-40], kind, REFUSE)
    w.add("text_named_parquet.parquet", base_csv, kind, REFUSE, phrase="not a real Parquet")
    w.add(
        "cut_json.jsonl",
        base_csv[:0] + b'{"weight": 1, "label": "cat"}\n{"weight": 2, "lab',
        kind,
        REFUSE,
        phrase="Line 2",
    )
    w.add("json_numbers.json", b"[1, 2, 3]", kind, REFUSE, phrase="does not hold rows")
    w.add("ragged.csv", b"weight,label\n1,cat\n2,dog,extra,more\n3\n", kind, REFUSE)
    w.add("pdf_named.pdf", b"%PDF-1.4 not a table", kind, REFUSE, phrase="not a format")
    w.add("no_header_numbers.csv", b"1,2,3\n4,5,6,7,8\n9,10,11,12,13\n", kind, REFUSE)
