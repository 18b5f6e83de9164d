"""Scoring a Parquet file chunk by chunk gives what scoring it whole gives, in memory bounded by the chunk."""

from __future__ import annotations

import tracemalloc

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC

from alcore.cli import main
from alcore.core.strategies.uncertainty import uncertainty_scores
from alcore.formatting import stored_row
from alcore.io.chunked_scoring import ScoringError, best_rows, score_parquet


@pytest.fixture(scope="module")
def numeric_file(tmp_path_factory):
    X, y = make_classification(n_samples=5000, n_features=6, n_informative=4, n_classes=3, random_state=0)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    frame.insert(0, "id", [f"row-{i}" for i in range(len(frame))])  # text column: not a feature
    path = tmp_path_factory.mktemp("scoring") / "pool.parquet"
    frame.to_parquet(path, row_group_size=1500)
    model = LogisticRegression(max_iter=500).fit(X[:300], y[:300])
    return path, X, model


def whole_file_best(model, X, strategy, k):
    scores = uncertainty_scores(model, X, np.arange(len(X)), strategy)
    order = np.lexsort((np.arange(len(X)), -scores))[:k]
    return order, scores[order]


@pytest.mark.parametrize(
    "strategy, chunk_rows",
    [
        (strategy, chunk_rows)
        for strategy in ("least_confidence", "margin", "entropy")
        for chunk_rows in (37, 1000, 100_000)
    ]
    + [("margin", 1)],
)  # one-row chunks once: slow
def test_chunked_picks_equal_scoring_the_whole_file(numeric_file, strategy, chunk_rows):
    path, X, model = numeric_file
    picks = score_parquet(model, path, strategy, batch_size=50, chunk_rows=chunk_rows)
    rows, scores = whole_file_best(model, X, strategy, 50)
    np.testing.assert_array_equal(picks.rows, rows)
    np.testing.assert_allclose(picks.scores, scores, rtol=0, atol=1e-12)
    assert picks.n_rows == len(X)


def test_ties_go_to_the_earlier_row_whatever_the_chunk_size():
    scores = np.array([0.5, 0.9, 0.5, 0.9, 0.5, 0.1, 0.9, 0.5])
    rows = np.arange(len(scores))
    assert best_rows(rows, scores, 4)[0].tolist() == [1, 3, 6, 0]
    running_rows, running_scores = np.empty(0, dtype=np.int64), np.empty(0)
    for start in range(0, len(scores), 3):
        chunk = best_rows(rows[start : start + 3], scores[start : start + 3], 4)
        running_rows, running_scores = best_rows(
            np.concatenate([running_rows, chunk[0]]), np.concatenate([running_scores, chunk[1]]), 4
        )
    assert running_rows.tolist() == [1, 3, 6, 0]
    assert best_rows(rows, np.array([np.nan, 1, 0, np.nan, 2, 3, 4, 5.0]), 8)[0][-2:].tolist() == [0, 3]


def peak_traced_bytes(call) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_is_bounded_by_the_chunk_not_the_file(tmp_path):
    rows, features = 200_000, 20
    rng = np.random.default_rng(0)
    path = tmp_path / "big.parquet"
    pd.DataFrame(
        rng.standard_normal((rows, features)).astype(np.float32), columns=[f"f{i}" for i in range(features)]
    ).to_parquet(path, row_group_size=10_000)
    model = LogisticRegression(max_iter=200).fit(rng.standard_normal((200, features)), rng.integers(0, 4, 200))
    file_bytes = rows * features * 8  # the pool as float64 features
    small = peak_traced_bytes(lambda: score_parquet(model, path, "entropy", batch_size=100, chunk_rows=5_000))
    whole = peak_traced_bytes(lambda: score_parquet(model, path, "entropy", batch_size=100, chunk_rows=rows))
    assert whole > file_bytes  # the measure sees the features (so a bound on it means something)
    assert small < file_bytes / 10
    assert small < 5_000 * features * 8 * 4  # a few chunks' worth at most


def test_a_pipeline_gets_its_own_columns_by_name(tmp_path):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "size": rng.normal(size=800),
            "colour": rng.choice(["red", "blue", "green"], 800),
            "unused": rng.normal(size=800),
        }
    )
    labels = np.where(frame["size"] + (frame["colour"] == "red") > 0.5, "yes", "no")
    pipeline = make_pipeline(
        make_column_transformer((StandardScaler(), ["size"]), (OneHotEncoder(), ["colour"])), LogisticRegression()
    ).fit(frame[["size", "colour"]][:200], labels[:200])
    path = tmp_path / "mixed.parquet"
    frame.to_parquet(path)
    picks = score_parquet(pipeline, path, "margin", batch_size=10, chunk_rows=64)
    expected = uncertainty_scores(pipeline, frame[["size", "colour"]], np.arange(800), "margin")
    np.testing.assert_array_equal(picks.rows, np.lexsort((np.arange(800), -expected))[:10])


def test_margin_works_for_a_model_without_probabilities(numeric_file):
    path, X, _ = numeric_file
    svc = LinearSVC().fit(X[:300], (X[:300, 0] > 0).astype(int))
    picks = score_parquet(svc, path, "margin", batch_size=5, chunk_rows=999)
    assert picks.rows.tolist() == np.argsort(np.abs(svc.decision_function(X)), kind="stable")[:5].tolist()


def test_refuses_strategies_that_need_the_whole_pool(numeric_file):
    path, _, model = numeric_file
    with pytest.raises(ScoringError, match="kcenter.*whole pool.*least_confidence, margin, entropy"):
        score_parquet(model, path, "kcenter")


def test_score_command_writes_picks(numeric_file, tmp_path, capsys):
    path, X, model = numeric_file
    model_path, out = tmp_path / "model.joblib", tmp_path / "picks.csv"
    joblib.dump(model, model_path)
    assert (
        main(
            [
                "score",
                str(model_path),
                str(path),
                "--strategy",
                "entropy",
                "--batch-size",
                "20",
                "--chunk-rows",
                "700",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    written = pd.read_csv(out)
    assert list(written.columns) == ["row", "score"]
    # rows are numbered from 1, as the pages and their exports number a file's rows
    np.testing.assert_array_equal(stored_row(written["row"]), whole_file_best(model, X, "entropy", 20)[0])
    assert main(["score", str(model_path), str(path), "--strategy", "kcenter"]) == 2
    assert "whole pool" in capsys.readouterr().err
    assert main(["score", str(model_path), str(path), "--columns", "x0,nope"]) == 2
    assert "no column 'nope'" in capsys.readouterr().err


def test_a_column_count_mismatch_is_explained(tmp_path):
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "row_id": [1, 2]})
    path = tmp_path / "extra.parquet"
    frame.to_parquet(path)
    model = LogisticRegression().fit(np.array([[0.0, 1.0], [1.0, 0.0]]), [0, 1])
    with pytest.raises(ScoringError, match="takes 2 features but would get 3 columns.*--columns"):
        score_parquet(model, path)
    assert len(score_parquet(model, path, columns=["a", "b"], batch_size=1).rows) == 1
