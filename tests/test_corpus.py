"""Every file of the hostile corpus (tests/corpus.py) loads right or says why: in the engine, the
`alcore` command (in this process for every file, as a real subprocess for one file of each kind),
and the Data, Explore and Label pages (AppTest: a message and a working page, never Streamlit's
generic error box)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from streamlit.testing.v1 import AppTest

from alcore.cli import main
from alcore.io.datasets import DataError, make_dataset, read_table, simulation_arrays
from tests.corpus import LOAD, REFUSE, SIMULATE, CorpusFile, write_corpus
from ui.format import as_text

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CLI_SETTINGS = ["--strategies", "margin", "--seeds", "1", "--initial", "6", "--batch-size", "8", "--budget", "14"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[CorpusFile]:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


def load_through_engine(file: CorpusFile) -> tuple[str, str]:
    """(how it ended: simulate, load or refuse; the DataError's message, if any), as the CLI and pages would."""
    try:
        dataset = make_dataset(read_table(file.path), file.label, name=file.path.name)
    except DataError as error:
        return REFUSE, str(error)
    if file.check:
        file.check(dataset)
    try:
        X, _ = simulation_arrays(dataset)
    except DataError as error:
        return LOAD, str(error)
    assert np.isfinite(X.data if sp.issparse(X) else X).all(), file.path.name
    return SIMULATE, ""


def test_the_corpus_is_large_and_varied(corpus):
    assert len(corpus) >= 80
    kinds = {file.kind for file in corpus}
    assert len(kinds) >= 10
    assert {file.expect for file in corpus} == {SIMULATE, LOAD, REFUSE}
    assert {file.path.suffix for file in corpus} >= {".csv", ".tsv", ".txt", ".xlsx", ".parquet", ".jsonl", ".json"}


def test_every_file_loads_right_or_says_why_in_the_engine(corpus):
    wrong = []
    for file in corpus:
        ended, message = load_through_engine(file)
        if ended != file.expect or file.phrase not in message:
            wrong.append(f"{file.path.name}: expected {file.expect} ({file.phrase!r}), ended {ended}: {message}")
        if ended != SIMULATE:
            assert len(message) > 40 and "Traceback" not in message, (file.path.name, message)
    assert not wrong, "\n".join(wrong)


def test_every_file_through_the_cli_ends_with_status_0_or_2_and_words(corpus, capsys):
    for file in corpus:
        status = main(["simulate", str(file.path), "--target", file.label, *CLI_SETTINGS])
        err = capsys.readouterr().err
        assert status == (0 if file.expect == SIMULATE else 2), (file.path.name, err)
        if status == 2:
            assert err.startswith("alcore: ") and len(err) > 40, (file.path.name, err)


def one_of_each_kind(corpus: list[CorpusFile], expect: tuple[str, ...] = (SIMULATE, LOAD, REFUSE)) -> list[CorpusFile]:
    """The first file of every kind (in the corpus's fixed order) among those expected to end as `expect`."""
    chosen: dict[str, CorpusFile] = {}
    for file in corpus:
        if file.expect in expect:
            chosen.setdefault(file.kind, file)
    return list(chosen.values())


def test_the_real_command_never_shows_a_traceback(corpus):
    files = one_of_each_kind(corpus)
    runs = [
        (
            file,
            subprocess.Popen(
                [sys.executable, "-m", "alcore.cli", "simulate", str(file.path), "--target", file.label, *CLI_SETTINGS],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for file in files
    ]
    for file, run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == (0 if file.expect == SIMULATE else 2), (file.path.name, err)
        assert "Traceback" not in err, (file.path.name, err)


# -- the pages ---------------------------------------------------------------------------
def _data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("app_pages/data.py").run()
    return at


def _upload(at: AppTest, file: CorpusFile) -> AppTest:
    at.file_uploader[0].set_value((file.path.name, file.path.read_bytes(), "application/octet-stream")).run()
    assert not at.exception, (file.path.name, [e.value for e in at.exception])
    if at.selectbox and file.label in (at.selectbox[0].options or []):
        at.selectbox[0].set_value(file.label).run()
        assert not at.exception, (file.path.name, [e.value for e in at.exception])
    return at


def test_every_file_on_the_data_page_gives_a_table_or_a_message(corpus):
    at = _data_page()
    for file in corpus:
        if file.path.suffix not in {".csv", ".tsv", ".txt", ".xlsx", ".parquet", ".jsonl", ".json"}:
            continue  # the uploader only takes these; the browser refuses the rest
        _upload(at, file)
        shown = [block.value for block in (*at.error, *at.warning)]
        try:
            read_table(file.path)
        except DataError as error:
            assert as_text(error) in shown, f"{file.path.name}: the reader's message is not on the page"
            assert at.file_uploader, file.path.name  # still there, ready for another file
            continue
        assert at.dataframe, file.path.name  # the preview
        if file.expect == SIMULATE:
            assert at.metric and not at.error, (file.path.name, shown)  # rows, labeled, unlabeled
        else:
            assert at.metric or shown, f"{file.path.name}: neither the table's classes nor a message"


@pytest.mark.parametrize("index", range(10))
def test_explore_and_start_labeling_work_on_one_file_of_each_kind(corpus, index, tmp_path):
    files = one_of_each_kind(corpus, (SIMULATE, LOAD))
    if index >= len(files):
        pytest.skip("fewer kinds than slots")
    file = files[index]
    at = _data_page()
    at.secrets["data_dir"] = str(tmp_path)
    _upload(at, file)
    at.query_params.update({"seeds": "1", "budget": "24", "initial": "6", "batch": "6", "strategies": "margin"})
    at.switch_page("app_pages/explore.py").run()
    assert not at.exception, (file.path.name, [e.value for e in at.exception])
    next(button for button in at.button if button.label == "Run comparison").click().run()
    assert not at.exception, (file.path.name, [e.value for e in at.exception])
    if file.expect == SIMULATE:
        assert not at.error and at.get("vega_lite_chart"), (file.path.name, [e.value for e in at.error])
    else:
        assert at.error, file.path.name  # why this table cannot be simulated
    at.switch_page("app_pages/label.py").run()
    next(button for button in at.button if button.label == "Start labeling").click().run()
    assert not at.exception, (file.path.name, [e.value for e in at.exception])
    started = any(radio.label.startswith("Label for row") for radio in at.radio)
    assert started or at.error, (file.path.name, "neither a first batch nor a message")
