"""Every branch of the verdict, with data where it must fire and data where it must not.

Runs are built from their labels to target: a curve jumps from 0.5 to 0.95
accuracy when it has that many labels, and a run that never reaches the
target (None) stays at 0.5 up to the budget. The target is 90% accuracy.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from alcore.experiment import verdict
from alcore.experiment.metrics import summarize
from alcore.experiment.report import headline, results_document
from tests.experiment.test_metrics import comparison_of

BUDGET = 100


def runs(needed: dict[str, list[int | None]], budget: int = BUDGET) -> pd.DataFrame:
    """Curves from labels to target: {strategy: [labels needed per seed, None = never]}."""
    rows = []
    for strategy, per_seed in needed.items():
        for seed, labels in enumerate(per_seed):
            for i, n_labeled in enumerate(range(10, budget + 1, 10)):
                reached = labels is not None and n_labeled >= labels
                accuracy = 0.95 if reached else 0.5 + seed / 1000
                rows.append(
                    {"strategy": strategy, "seed": seed, "round": i, "n_labeled": n_labeled, "accuracy": accuracy}
                )
    return pd.DataFrame(rows)


def verdicts(needed: dict, cost: float = 1.0) -> pd.DataFrame:
    return summarize(comparison_of(runs(needed)), target=0.9, cost_per_label=cost).set_index("strategy")


def the_headline(needed: dict, cost: float = 1.0) -> str:
    return headline(summarize(comparison_of(runs(needed)), target=0.9, cost_per_label=cost), 0.9, cost_per_label=cost)


# --- win -------------------------------------------------------------------------------------------


def test_a_strategy_better_on_every_one_of_six_seeds_wins():
    row = verdicts({"random": [50] * 6, "margin": [30] * 6}).loc["margin"]
    assert row["verdict"] == "win" and row["beats_random"]
    assert row["p_value"] == pytest.approx(1 / 64)
    assert row["labels_saved"] == 20 and row["labels_saved_kind"] == "exact"
    assert row["labels_saved_low"] == row["labels_saved_high"] == 20  # all seeds saved exactly 20


def test_no_win_when_a_strategy_is_better_on_only_four_of_six_seeds():
    row = verdicts({"random": [50] * 6, "margin": [30, 30, 30, 30, 70, 70]}).loc["margin"]
    assert row["verdict"] == "no_clear_difference" and not row["beats_random"]


def test_a_significant_test_with_a_known_loss_is_never_a_win():
    # Better on five seeds by 10 labels, worse on one by 60: the mean saving is a loss of 1.67.
    assert verdict.decide(-1.67, "exact", 0.01, 0.9, 6, 1) != "win"
    assert verdict.decide(0.0, "exact", 0.01, 0.9, 6, 1) == "no_clear_difference"
    assert verdict.decide(-5.0, "at_most", 0.01, 0.9, 6, 1) == "no_clear_difference"
    assert verdict.decide(5.0, "exact", 0.01, 0.9, 6, 1) == "win"
    assert verdict.decide(5.0, "exact", 0.05, 0.9, 6, 1) == "no_clear_difference"  # p must be below 5%


def test_a_win_on_the_curve_area_but_a_loss_in_labels_is_not_green():
    # Issue 11.6: faster early, but needs more labels to reach the target on every seed.
    curves = runs({"random": [40] * 6, "badge": [50] * 6})
    early = (curves["strategy"] == "badge") & (curves["n_labeled"] < 50)
    curves.loc[early, "accuracy"] = 0.85
    summary = summarize(comparison_of(curves), target=0.9)
    row = summary.set_index("strategy").loc["badge"]
    assert row["auc_mean"] > summary.set_index("strategy").loc["random", "auc_mean"]
    assert row["verdict"] == "random_better" and not row["beats_random"]
    assert headline(summary, 0.9).startswith("Random picking was better than BADGE, uncertain and diverse (badge)")


# --- at least --------------------------------------------------------------------------------------


def test_at_least_when_random_never_reaches_the_target():
    row = verdicts({"random": [None] * 6, "margin": [30] * 6}).loc["margin"]
    assert row["verdict"] == "at_least"
    assert row["labels_saved"] == 70 and row["labels_saved_kind"] == "at_least"
    assert np.isnan(row["labels_saved_low"])  # no t-interval over censored counts
    text = the_headline({"random": [None] * 6, "margin": [30] * 6})
    assert "at least 70 fewer labels" in text and "random needed at least 100 labels (0 of 6 seeds reached)" in text


def test_not_at_least_when_random_reaches_the_target_every_time():
    assert verdicts({"random": [100] * 6, "margin": [30] * 6}).loc["margin", "verdict"] == "win"


# --- random was better -----------------------------------------------------------------------------


def test_random_better_when_the_strategy_never_reaches_what_random_reaches_every_time():
    # Issue 11.2: never "neither reached the target" when random did on every seed.
    row = verdicts({"random": [50] * 6, "entropy": [None] * 6}).loc["entropy"]
    assert row["verdict"] == "random_better"
    assert row["labels_saved_kind"] == "at_most" and row["labels_saved"] == -50
    assert row["p_random_better"] == pytest.approx(1 / 64)
    text = the_headline({"random": [50] * 6, "entropy": [None] * 6})
    assert "Random picking was better than Entropy (entropy)" in text
    assert "random needed 50 labels (6 of 6 seeds reached)" in text
    assert "entropy needed on average at least 100 labels (0 of 6 seeds reached)" in text


def test_random_not_better_when_results_are_mixed():
    row = verdicts({"random": [50] * 6, "entropy": [70, 30, 70, 30, 70, 30]}).loc["entropy"]
    assert row["verdict"] == "no_clear_difference"


# --- no clear difference ---------------------------------------------------------------------------


def test_no_clear_difference_on_ties_and_mixed_seeds():
    row = verdicts({"random": [50] * 6, "entropy": [50, 50, 40, 60, 50, 50]}).loc["entropy"]
    assert row["verdict"] == "no_clear_difference"
    text = the_headline({"random": [50] * 6, "entropy": [50, 50, 40, 60, 50, 50]})
    assert text.startswith("No clear difference from random picking")


def test_no_no_clear_difference_when_one_side_wins_everywhere():
    assert verdicts({"random": [50] * 6, "entropy": [40] * 6}).loc["entropy", "verdict"] != "no_clear_difference"


# --- too few seeds to tell -------------------------------------------------------------------------


def test_three_seeds_are_too_few_even_when_every_seed_is_better():
    # Issue 11.3: with 3 pairs no paired test can reach p < 0.05.
    row = verdicts({"random": [50] * 3, "margin": [30] * 3}).loc["margin"]
    assert row["verdict"] == "too_few_seeds"
    text = the_headline({"random": [50] * 3, "margin": [30] * 3})
    assert text.startswith("Too few seeds to tell") and "Run at least 5 seeds" in text


def test_holm_makes_five_seeds_too_few_for_two_strategies():
    # Each alone would win (p = 1/32); two at once need p <= 0.025.
    one = verdicts({"random": [50] * 5, "margin": [30] * 5}).loc["margin", "verdict"]
    two = verdicts({"random": [50] * 5, "margin": [30] * 5, "entropy": [30] * 5})
    assert one == "win"
    assert set(two["verdict"].drop("random")) == {"too_few_seeds"}
    assert two.loc["margin", "p_value"] == pytest.approx(2 / 32)


def test_six_seeds_are_not_too_few_for_three_strategies():
    needed = {"random": [50] * 6} | {name: [30] * 6 for name in ["margin", "entropy", "kcenter"]}
    assert set(verdicts(needed)["verdict"].drop("random")) == {"win"}
    assert verdict.seeds_needed(3) == verdict.DEFAULT_SEEDS
    assert verdict.seeds_needed(4) == 7 and verdict.seeds_needed(1) == 5


# --- nobody reached --------------------------------------------------------------------------------


def test_nobody_reached_when_no_run_reaches_the_target():
    row = verdicts({"random": [None] * 6, "margin": [None] * 6}).loc["margin"]
    assert row["verdict"] == "nobody_reached" and row["labels_saved_kind"] == "unknown"
    text = the_headline({"random": [None] * 6, "margin": [None] * 6})
    assert text.startswith("Neither random nor any strategy reached 90% accuracy")


def test_not_nobody_reached_when_random_reached_once():
    row = verdicts({"random": [None] * 5 + [60], "margin": [None] * 6}).loc["margin"]
    assert row["verdict"] != "nobody_reached" and row["informative_seeds"] == 1


# --- the best strategy, misses, intervals ----------------------------------------------------------


def test_the_best_is_chosen_among_strategies_that_beat_random():
    # Issue 11.1: "lucky" saves more on average but only on one seed; "steady" wins on every seed.
    needed = {"random": [60] * 6, "lucky": [10, 10, 10, 70, 70, 70], "steady": [45] * 6}
    summary = verdicts(needed)
    assert summary.loc["lucky", "labels_saved"] > summary.loc["steady", "labels_saved"]
    assert summary.loc["steady", "verdict"] == "win" and summary.loc["lucky", "verdict"] != "win"
    assert the_headline(needed).startswith("steady beat random picking")
    key, row = verdict.lead(summary.reset_index().to_dict(orient="records"))
    assert key == "win" and row["strategy"] == "steady"


def test_the_best_of_two_winners_saves_most():
    needed = {"random": [60] * 6, "small": [50] * 6, "large": [20] * 6}
    assert the_headline(needed).startswith("large beat random picking")


def test_misses_count_at_the_budget_not_dropped():
    # Issue 11.4: reached on 1 of 6 seeds; the mean counts the other five at the budget of 100.
    row = verdicts({"random": [None] * 6, "noise": [20, None, None, None, None, None]}).loc["noise"]
    assert row["labels_to_target"] == round((20 + 5 * 100) / 6, 1)  # means are kept to 0.1 label
    assert row["labels_to_target_kind"] == "at_least" and row["seeds_reaching_target"] == 1
    assert row["labels_saved_kind"] == "unknown" and row["informative_seeds"] == 1
    assert row["verdict"] == "too_few_seeds"


def test_one_seed_has_no_interval():
    summary = verdicts({"random": [50], "margin": [30]})
    assert np.isnan(summary.loc["margin", "auc_low"]) and np.isnan(summary.loc["margin", "labels_saved_low"])


def test_saving_is_the_difference_of_the_labels_shown():
    # Issue 11.7: "Labels to target 53, random needed 47, labels saved -7" can no longer happen.
    summary = verdicts({"random": [40, 50, 60, 50, 40, 30], "margin": [50, 70, 50, 60, 60, 30]})
    row = summary.loc["margin"]
    assert row["random_labels_to_target"] - row["labels_to_target"] == pytest.approx(row["labels_saved"])
    assert row["random_labels_to_target"] == summary.loc["random", "labels_to_target"]
    assert row["money_saved"] == pytest.approx(row["labels_saved"])


# --- the tests themselves --------------------------------------------------------------------------


def test_signed_rank_p_value_is_scipys_exact_one_sided_test():
    savings = np.array([3.0, -1.0, 4.0, 1.5, 5.0, 9.0, -2.5])
    expected = stats.wilcoxon(savings, alternative="greater", method="exact").pvalue
    assert verdict.signed_rank_p_value(savings) == pytest.approx(expected)
    assert verdict.signed_rank_p_value(-savings) == pytest.approx(
        stats.wilcoxon(-savings, alternative="greater", method="exact").pvalue
    )
    assert verdict.signed_rank_p_value(np.zeros(4)) == 1.0
    many = np.arange(1.0, 21.0)
    assert verdict.signed_rank_p_value(many) == pytest.approx(
        stats.wilcoxon(many, alternative="greater", method="asymptotic").pvalue
    )


def test_signed_rank_p_value_is_exact_with_tied_ranks():
    # Savings 10, 10, 10, -10: ranks all 2.5; W+ = 7.5; 5 of 16 sign patterns give W+ >= 7.5.
    assert verdict.signed_rank_p_value(np.array([10.0, 10.0, 10.0, -10.0])) == pytest.approx(5 / 16)


def test_censored_savings_are_taken_at_their_worst_for_each_claim():
    low, high = np.array([5.0, 5.0, -np.inf]), np.array([5.0, np.inf, -1.0])
    better, worse, informative = verdict.one_sided_p_values(low, high)
    # For "better" the strategy's miss ranks as the largest loss: W+ = 1.5 + 1.5 of 6 -> p = 4/8.
    assert better == pytest.approx(verdict.signed_rank_p_value(np.array([5.0, 5.0, -6.0])))
    assert worse == pytest.approx(verdict.signed_rank_p_value(np.array([-5.0, -6.0, 1.0])))
    assert informative == 3
    assert verdict.one_sided_p_values(np.array([-np.inf]), np.array([np.inf])) == (1.0, 1.0, 0)


def test_paired_saving_bounds_for_each_kind_of_seed():
    value, low, high = verdict.paired_saving_bounds(
        np.array([30.0, 30.0, np.nan, np.nan]),
        np.full(4, 100.0),
        np.array([50.0, np.nan, 50.0, np.nan]),
        np.full(4, 90.0),
    )
    assert list(value) == [20, 60, -50, -10]
    assert list(low) == [20, 60, -np.inf, -np.inf]
    assert list(high) == [20, np.inf, -50, np.inf]


def test_mean_with_kind_names_each_bound():
    both = np.array([1.0, 2.0])
    assert verdict.mean_with_kind(both, both, both) == (1.5, "exact")
    assert verdict.mean_with_kind(both, both, np.array([1.0, np.inf]))[1] == "at_least"
    assert verdict.mean_with_kind(both, np.array([-np.inf, 2.0]), both)[1] == "at_most"
    assert verdict.mean_with_kind(both, np.array([-np.inf, 2.0]), np.array([1.0, np.inf]))[1] == "unknown"
    assert verdict.mean_with_kind(np.array([]), np.array([]), np.array([]))[1] == "unknown"


def test_holm_adjusts_the_smallest_most():
    adjusted = verdict.holm({"a": 0.01, "b": 0.04, "c": 0.03})
    assert adjusted == pytest.approx({"a": 0.03, "c": 0.06, "b": 0.06})
    assert verdict.holm({"a": 0.6, "b": 0.9}) == pytest.approx({"a": 1.0, "b": 1.0})


def test_can_reach_verdict_is_the_smallest_possible_p_against_holms_first_threshold():
    assert verdict.can_reach_verdict(5, 1) and not verdict.can_reach_verdict(4, 1)
    assert verdict.can_reach_verdict(6, 3) and not verdict.can_reach_verdict(6, 4)
    assert not verdict.can_reach_verdict(0, 1)


def _winner(name, saving, kind, p_value=0.01):
    return {"strategy": name, "verdict": "win", "labels_saved": saving, "labels_saved_kind": kind, "p_value": p_value}


def test_best_of_ranks_known_savings_first_and_ties_by_p_value():
    unknown = _winner("unknown", 90.0, "unknown")
    exact = _winner("exact", 20.0, "exact")
    assert verdict.best_of([unknown, exact])["strategy"] == "exact"
    assert verdict.best_of([_winner("bound", 30.0, "at_least"), exact])["strategy"] == "bound"
    assert verdict.best_of([_winner("a", 20.0, "exact", 0.04), _winner("b", 20.0, "exact", 0.02)])["strategy"] == "b"
    assert verdict.best_of([{**exact, "verdict": "no_clear_difference"}]) is None
    assert verdict.best_of([unknown])["strategy"] == "unknown"  # still the only winner


def _row(name, verdict_key, saving=0.0, p_worse=0.5):
    return {
        "strategy": name,
        "verdict": verdict_key,
        "labels_saved": saving,
        "labels_saved_kind": "exact",
        "p_value": 0.5,
        "p_random_better": p_worse,
    }


def test_lead_picks_the_verdict_the_headline_opens_with():
    reference = _row("random", "reference")
    assert verdict.lead([reference]) == ("reference", None)
    worse = [_row("a", "random_better", -5, 0.02), _row("b", "random_better", -9, 0.01)]
    assert verdict.lead([reference, *worse]) == ("random_better", worse[1])  # the clearest loss
    undecided = [_row("c", "no_clear_difference", 3), _row("d", "no_clear_difference", 7)]
    assert verdict.lead([reference, *undecided]) == ("no_clear_difference", undecided[1])  # closest to a saving
    few = [_row("e", "too_few_seeds", 4), _row("f", "too_few_seeds", 1)]
    assert verdict.lead([*few, undecided[0]]) == ("no_clear_difference", undecided[0])
    assert verdict.lead(few) == ("too_few_seeds", few[0])
    nobody = _row("g", "nobody_reached")
    assert verdict.lead([nobody, few[1]]) == ("too_few_seeds", few[1])
    assert verdict.lead([nobody, worse[0], _row("h", "win", 2)])[0] == "win"
    assert verdict.lead([nobody]) == ("nobody_reached", nobody)
    with pytest.raises(ValueError, match="Unknown verdicts: \\['odd'\\]"):
        verdict.lead([_row("i", "odd")])


def test_signed_rank_edges_one_saving_and_the_exact_limit():
    assert verdict.signed_rank_p_value(np.array([5.0])) == 0.5  # one pair: half the sign patterns
    sixteen = np.arange(1.0, 17.0)  # still enumerated exactly: 1 / 2**16
    assert verdict.signed_rank_p_value(sixteen) == pytest.approx(0.5**16)


def test_decide_edges_small_savings_and_contradicting_signs():
    assert verdict.decide(0.5, "exact", 0.01, 0.9, 6, 1) == "win"  # half a label saved is still a saving
    assert verdict.decide(-0.5, "exact", 0.9, 0.01, 6, 1) == "random_better"
    # A significant test against a saving known to be positive is no loss: nothing is claimed.
    assert verdict.decide(5.0, "exact", 0.9, 0.01, 6, 1) == "no_clear_difference"
    assert verdict.decide(5.0, "at_least", 0.9, 0.01, 6, 1) == "no_clear_difference"
    assert verdict.decide(5.0, "at_most", 0.9, 0.01, 6, 1) == "random_better"


def test_decide_a_tie_or_a_small_saving_is_never_random_better_and_p_must_be_below_five_percent():
    assert verdict.decide(0.0, "exact", 0.9, 0.01, 6, 1) == "no_clear_difference"
    assert verdict.decide(0.5, "exact", 0.9, 0.01, 6, 1) == "no_clear_difference"
    assert verdict.decide(-5.0, "exact", 0.9, 0.05, 6, 1) == "no_clear_difference"


def test_more_than_sixteen_seeds_rank_a_censored_saving_beyond_every_known_one():
    """Past the exact limit scipy's normal approximation is used; a seed where the strategy missed
    (its saving open below) counts as a loss larger than any known saving."""
    known = np.arange(1.0, 18.0)
    low, high = np.r_[known, -np.inf], np.r_[known, 20.0]
    p_better, p_worse, informative = verdict.one_sided_p_values(low, high)
    beyond = np.r_[known, -18.0]
    assert informative == 18
    assert p_better == pytest.approx(stats.wilcoxon(beyond, alternative="greater", method="asymptotic").pvalue)
    assert p_worse == pytest.approx(
        stats.wilcoxon(-np.r_[known, 20.0], alternative="greater", method="asymptotic").pvalue
    )
    assert np.isfinite(p_better) and 0.0 < p_better < 0.01


def test_paired_saving_bounds_read_python_lists_with_none_as_misses():
    value, low, high = verdict.paired_saving_bounds([30, None], [100, 100], [50, 50], [100, 100])
    assert value.tolist() == [20.0, -50.0] and low.tolist() == [20.0, -np.inf] and high.tolist() == [20.0, -50.0]
    value, low, high = verdict.paired_saving_bounds([30, 30], [100, 100], [None, 50], [90, 100])
    assert value.tolist() == [60.0, 20.0] and high.tolist() == [np.inf, 20.0]


def test_mean_with_kind_of_no_seeds_is_unknown():
    mean, kind = verdict.mean_with_kind(np.array([]), np.array([]), np.array([]))
    assert np.isnan(mean) and kind == "unknown"
    assert verdict.mean_with_kind(np.array([4.0]), np.array([4.0]), np.array([4.0])) == (4.0, "exact")


# --- reached at start ------------------------------------------------------------------------------


def test_reached_at_start_when_every_run_was_at_the_target_with_its_first_labels():
    # Every run starts from 10 labels (a curve's first point) and is at the target there: nothing was compared.
    needed = {"random": [10] * 6, "margin": [10] * 6, "entropy": [10] * 6}
    summary = verdicts(needed)
    assert set(summary["verdict"].drop("random")) == {"reached_at_start"}  # the table's words, the headline's too
    assert summary.loc["margin", "labels_saved"] == 0 and summary.loc["margin", "reached_at_start"]
    assert verdicts({"random": [10] * 3, "margin": [10] * 3}).loc["margin", "verdict"] == "reached_at_start"
    text = the_headline(needed)
    assert text.startswith("Every run, random's and each strategy's, reached 90% accuracy with the 10 labels it")
    assert "Raise the target" in text and "seeds" not in text
    assert results_document(comparison_of(runs(needed)), target=0.9)["headline"] == text  # the files' words


@pytest.mark.parametrize(
    "needed, expected",
    [
        ({"random": [10] * 6, "margin": [10] * 5 + [20]}, "no_clear_difference"),  # one run needed a chosen row
        ({"random": [10] * 5 + [20], "margin": [10] * 6}, "no_clear_difference"),  # random's, too
        ({"random": [10] * 5 + [None], "margin": [10] * 6}, "no_clear_difference"),  # one run never reached it
        ({"random": [10] * 2 + [20], "margin": [10] * 3}, "too_few_seeds"),
    ],
)
def test_not_reached_at_start_when_some_run_reached_the_target_after_its_start(needed, expected):
    assert verdicts(needed).loc["margin", "verdict"] == expected
    assert not the_headline(needed).startswith("Every run")
