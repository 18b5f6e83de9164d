"""Metrics on small hand-made curves whose answers are known."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alcore.experiment.metrics import (
    area_under_curve,
    curve_bands,
    labels_to_target,
    summarize,
    t_interval,
)
from alcore.experiment.report import saving_figures
from alcore.experiment.simulation import Comparison


def make_curves(scores: dict) -> pd.DataFrame:
    """scores: {(strategy, seed): [accuracy at 10, 20, 30, ... labels]}."""
    rows = []
    for (strategy, seed), values in scores.items():
        for i, value in enumerate(values):
            rows.append({"strategy": strategy, "seed": seed, "round": i, "n_labeled": 10 * (i + 1), "accuracy": value})
    return pd.DataFrame(rows)


def comparison_of(curves, full=0.95):
    seeds = sorted(curves["seed"].unique())
    return Comparison(curves, pd.DataFrame(), pd.DataFrame(), {s: full for s in seeds}, {})


def test_area_of_a_flat_curve_is_its_height():
    curves = make_curves({("random", 0): [0.5, 0.5, 0.5]})
    assert area_under_curve(curves)["auc"].iloc[0] == pytest.approx(0.5)


def test_area_of_a_straight_rise_is_its_midpoint():
    curves = make_curves({("random", 0): [0.2, 0.4, 0.6, 0.8]})
    assert area_under_curve(curves)["auc"].iloc[0] == pytest.approx(0.5)


def test_a_run_that_stopped_early_carries_its_last_score():
    curves = make_curves({("margin", 0): [0.5, 0.9], ("random", 0): [0.5, 0.6, 0.7, 0.8]})
    areas = area_under_curve(curves).set_index("strategy")["auc"]
    assert areas["margin"] == pytest.approx((0.5 + 0.9) / 2 / 3 + 0.9 * 2 / 3)


def test_labels_to_target_is_the_first_count_at_or_above_it():
    curves = make_curves({("random", 0): [0.5, 0.9, 0.85, 0.95], ("random", 1): [0.5, 0.6, 0.7, 0.8]})
    needed = labels_to_target(curves, 0.9).set_index("seed")["labels"]
    assert needed[0] == 20 and np.isnan(needed[1])


def test_bands_are_the_mean_and_a_t_interval():
    curves = make_curves({("random", 0): [0.2], ("random", 1): [0.5], ("random", 2): [0.8]})
    band = curve_bands(curves).iloc[0]
    assert band["mean"] == pytest.approx(0.5)
    assert t_interval([0.2, 0.5, 0.8])[1] == pytest.approx(0.5 - 4.303 * 0.3 / np.sqrt(3), abs=1e-3)
    assert band["low"] == 0.0  # the same interval, cut where an accuracy cannot go
    assert band["high"] == 1.0


def test_two_seeds_give_a_mean_curve_without_a_band():
    """With 2 seeds the t-interval is the mean ± 9 standard deviations: no band rather than a full chart."""
    curves = make_curves({("random", 0): [0.4, 0.8], ("random", 1): [0.6, 0.8]})
    bands = curve_bands(curves)
    assert bands["mean"].tolist() == pytest.approx([0.5, 0.8])
    assert bands["low"].isna().all() and bands["high"].isna().all()
    assert (bands["n_seeds"] == 2).all()


def test_bands_of_several_strategies_are_one_table_numbered_from_zero():
    """One row per strategy and label count, numbered 0..n-1 as a table a chart or a file reads by position."""
    curves = make_curves({("margin", 0): [0.4, 0.7], ("random", 0): [0.3, 0.5], ("random", 1): [0.5, 0.7]})
    bands = curve_bands(curves)
    assert bands.index.equals(pd.RangeIndex(4))
    assert bands[["strategy", "n_labeled"]].values.tolist() == [
        ["margin", 10],
        ["margin", 20],
        ["random", 10],
        ["random", 20],
    ]
    assert bands["mean"].tolist() == pytest.approx([0.4, 0.7, 0.4, 0.6])


def test_one_value_has_no_interval():
    mean, low, high = t_interval([0.991])
    assert mean == 0.991 and np.isnan(low) and np.isnan(high)


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=40))
def test_t_interval_contains_its_mean(values):
    mean, low, high = t_interval(values)
    assert low <= mean + 1e-6 and mean <= high + 1e-6


def test_summary_finds_savings_money_and_a_significant_win():
    seeds = range(6)
    curves = make_curves(
        {
            **{("random", s): [0.5, 0.6, 0.7, 0.8, 0.9] for s in seeds},
            **{("margin", s): [0.5, 0.8, 0.9 + s / 100, 0.95, 0.96] for s in seeds},
        }
    )
    summary = summarize(comparison_of(curves), target=0.9, cost_per_label=2.0).set_index("strategy")
    margin = summary.loc["margin"]
    assert margin["labels_to_target"] == 30 and margin["random_labels_to_target"] == 50
    assert margin["labels_saved"] == 20 and margin["labels_saved_ratio"] == pytest.approx(0.4)
    assert margin["money_saved"] == 40
    assert margin["p_value"] < 0.05 and margin["beats_random"]


def test_summary_is_honest_when_a_strategy_is_no_better():
    curves = make_curves(
        {("random", s): [0.5, 0.7, 0.9] for s in range(6)}
        | {("entropy", s): [0.5, 0.9 if s % 2 else 0.7, 0.9 if s % 2 else 0.85] for s in range(6)}
    )
    row = summarize(comparison_of(curves), target=0.9).set_index("strategy").loc["entropy"]
    assert not row["beats_random"] and row["p_value"] > 0.05 and row["verdict"] == "no_clear_difference"


def test_relative_target_uses_each_seeds_full_score():
    curves = make_curves({("random", 0): [0.5, 0.8, 0.9]})
    summary = summarize(comparison_of(curves, full=0.9), target=0.85, relative=True).set_index("strategy")
    assert summary.loc["random", "labels_to_target"] == 20


def test_intervals_of_scores_stay_within_zero_and_one():
    curves = make_curves({("random", 0): [0.9, 1.0], ("random", 1): [0.99, 1.0], ("random", 2): [0.95, 1.0]})
    bands = curve_bands(curves)
    assert (bands["high"] <= 1.0).all() and (bands["low"] >= 0.0).all()
    assert bands["high"].iloc[0] == 1.0
    summary = summarize(comparison_of(curves), target=0.95)
    assert summary["auc_high"].iloc[0] <= 1.0


SUMMARY_COLUMNS = [
    "strategy",
    "verdict",
    "auc_mean",
    "auc_low",
    "auc_high",
    "labels_to_target",
    "labels_to_target_kind",
    "seeds_reaching_target",
    "n_seeds",
    "random_labels_to_target",
    "random_labels_to_target_kind",
    "random_seeds_reaching_target",
    "labels_saved",
    "labels_saved_kind",
    "labels_saved_low",
    "labels_saved_high",
    "labels_saved_ratio",
    "money_saved",
    "money_saved_low",
    "money_saved_high",
    "informative_seeds",
    "p_value_raw",
    "p_value",
    "p_random_better_raw",
    "p_random_better",
    "reached_at_start",
    "beats_random",
]


def test_summary_has_every_column_and_random_is_the_reference_row():
    """The files and pages read these columns by name; random's row claims nothing."""
    curves = make_curves(
        {("random", s): [0.5, 0.6, 0.7, 0.8, 0.9] for s in range(6)}
        | {("margin", s): [0.5, 0.8, 0.9, 0.95, 0.96] for s in range(6)}
    )
    summary = summarize(comparison_of(curves), target=0.9, cost_per_label=3.0)
    assert list(summary.columns) == SUMMARY_COLUMNS
    random, margin = summary.iloc[0].to_dict(), summary.iloc[1].to_dict()
    assert (random["strategy"], random["verdict"], random["labels_saved_kind"]) == ("random", "reference", "unknown")
    assert random["informative_seeds"] == 0 and random["beats_random"] is False
    for column in SUMMARY_COLUMNS[12:20] + SUMMARY_COLUMNS[21:25]:
        if column != "labels_saved_kind":
            assert np.isnan(random[column]), column
    assert margin["money_saved_low"] == pytest.approx(3.0 * margin["labels_saved_low"])
    assert margin["money_saved_high"] == pytest.approx(3.0 * margin["labels_saved_high"])
    assert margin["labels_saved_low"] < margin["labels_saved"] == 20 < margin["labels_saved_high"] or (
        margin["labels_saved_low"] == margin["labels_saved_high"] == 20
    )


def test_summary_defaults_are_ninety_percent_absolute_at_one_dollar_and_the_metric_is_the_one_named():
    curves = make_curves(
        {("random", s): [0.5, 0.6, 0.7, 0.8, 0.9] for s in range(6)}
        | {("margin", s): [0.5, 0.8, 0.9, 0.95, 0.96] for s in range(6)}
    )
    curves["f1"] = curves["accuracy"] - 0.1  # f1 reaches 0.9 later than accuracy does, or never
    margin = summarize(comparison_of(curves, full=0.5)).set_index("strategy").loc["margin"]
    assert margin["labels_to_target"] == 30 and margin["money_saved"] == margin["labels_saved"] == 20
    by_f1 = summarize(comparison_of(curves), metric="f1").set_index("strategy").loc["margin"]
    assert by_f1["labels_to_target"] == 50 and by_f1["auc_mean"] == pytest.approx(margin["auc_mean"] - 0.1)


def test_area_of_a_single_point_is_its_score():
    curves = make_curves({("random", 0): [0.7], ("random", 1): [0.5]})
    assert area_under_curve(curves)["auc"].tolist() == [0.7, 0.5]


def test_six_seeds_are_enough_to_call_two_strategies_no_different():
    """Holm over the two strategies compared, not more: 6 seeds can tell, so mixed results are 'no clear
    difference', not 'too few seeds'."""
    curves = make_curves(
        {("random", s): [0.5, 0.7, 0.9] for s in range(6)}
        | {(name, s): [0.5, 0.9 if s % 2 else 0.7, 0.9] for name in ("margin", "entropy") for s in range(6)}
    )
    verdicts = summarize(comparison_of(curves), target=0.9).set_index("strategy")["verdict"]
    assert verdicts["margin"] == verdicts["entropy"] == "no_clear_difference"


def test_a_random_run_that_starts_at_the_target_has_no_saving_ratio():
    curves = pd.DataFrame(
        [
            {"strategy": name, "seed": s, "round": i, "n_labeled": n, "accuracy": 0.95}
            for name in ("random", "margin")
            for s in range(2)
            for i, n in enumerate((0, 10))
        ]
    )
    margin = summarize(comparison_of(curves), target=0.9).set_index("strategy").loc["margin"]
    assert margin["random_labels_to_target"] == 0 and np.isnan(margin["labels_saved_ratio"])
    assert saving_figures(margin.to_dict() | {"strategy": "margin"})["fewer_labels"] == "—"


def test_two_seeds_with_a_miss_have_no_interval_because_of_the_miss():
    from tests.experiment.test_verdict import runs

    summary = summarize(comparison_of(runs({"random": [None, 50], "margin": [30, 30]})), target=0.9)
    assert saving_figures(summary.iloc[1])["interval"] == "none (a run missed the target)"


def test_t_interval_drops_none_like_nan():
    assert t_interval([0.4, None, 0.6]) == t_interval([0.4, 0.6])


def test_bands_and_labels_to_target_name_their_columns_even_when_empty():
    curves = make_curves({("random", 0): [0.5, 0.9], ("random", 1): [0.5, 0.9], ("random", 2): [0.6, 0.9]})
    bands = curve_bands(curves)
    assert bands[["strategy", "n_labeled", "n_seeds"]].values.tolist() == [["random", 10, 3], ["random", 20, 3]]
    empty = curves.iloc[:0]
    assert list(curve_bands(empty).columns) == ["strategy", "n_labeled", "mean", "low", "high", "n_seeds"]
    assert list(labels_to_target(empty, 0.9).columns) == ["strategy", "seed", "labels"]


def test_two_values_have_a_t_interval():
    mean, low, high = t_interval([0.4, 0.6])
    assert mean == pytest.approx(0.5) and low == pytest.approx(0.5 - 12.706 * 0.1414 / np.sqrt(2), abs=1e-2)
    assert high == pytest.approx(1.0 - low)


def test_a_missing_band_is_a_float_nan():
    bands = curve_bands(make_curves({("random", 0): [0.4], ("random", 1): [0.6]}))
    assert bands["low"].dtype == float and bands["high"].dtype == float


def test_the_intervals_of_a_whole_curve_are_scipys_column_by_column():
    """curve_bands takes every point of a curve in one call (t_intervals); each column must be the t-interval of
    its values without their NaN, none for a single value, cut at the bounds."""
    from scipy import stats

    from alcore.experiment.metrics import t_intervals

    values = np.array([[0.5, 0.9, np.nan, 0.2], [0.7, 1.0, np.nan, np.nan], [0.6, 0.98, 0.4, np.nan]])
    mean, low, high = t_intervals(values, (0.0, 1.0))
    for column in range(2):
        kept = values[:, column]
        expected_low, expected_high = stats.t.interval(0.95, 2, loc=kept.mean(), scale=stats.sem(kept))
        assert mean[column] == pytest.approx(kept.mean())
        assert low[column] == pytest.approx(max(expected_low, 0.0)) and high[column] == pytest.approx(
            min(expected_high, 1.0)
        )
    assert high[1] == 1.0  # cut at the bound
    assert mean[2] == pytest.approx(0.4) and np.isnan(low[2]) and np.isnan(high[2])  # one value: no interval
    assert mean[3] == pytest.approx(0.2) and np.isnan(low[3])
