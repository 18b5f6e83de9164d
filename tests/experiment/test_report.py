"""The headline says the numbers in words, and says so plainly when nothing beats random."""

import json

import pandas as pd

from alcore.experiment.report import headline, results_document, saving_figures
from tests.experiment.test_metrics import comparison_of, make_curves


def winning_comparison():
    seeds = range(6)
    return comparison_of(
        make_curves(
            {
                **{("random", s): [0.5, 0.6, 0.7, 0.8, 0.9] for s in seeds},
                **{("margin", s): [0.5, 0.8, 0.9 + s / 100, 0.95, 0.96] for s in seeds},
            }
        )
    )


def test_headline_names_labels_percentage_and_money():
    from alcore.experiment.metrics import summarize

    summary = summarize(winning_comparison(), target=0.9, cost_per_label=5.0)
    text = headline(summary, target=0.9, cost_per_label=5.0)
    assert text.startswith("Margin (margin) beat random picking")
    assert "To reach 90% accuracy, margin needed on average 30 labels (6 of 6 seeds reached)" in text
    assert "random needed 50 labels (6 of 6 seeds reached)" in text
    assert "20 fewer labels (40%)" in text and "$100 saved at $5 per label" in text
    assert "$0.25 per label" in headline(summary, target=0.9, cost_per_label=0.25)
    assert "(95% interval: " in text and " labels saved); paired test against random over 6 seeds" in text


def test_a_claim_without_an_interval_says_why():
    """A win where random missed the target on a seed has no t-interval: the headline says so, and a
    loss states its interval too."""
    from alcore.experiment.metrics import summarize
    from tests.experiment.test_verdict import runs

    at_least = summarize(comparison_of(runs({"random": [None] + [50] * 5, "margin": [30] * 6})), target=0.9)
    text = headline(at_least, target=0.9)
    assert "at least 28.3 fewer labels" in text and "(no 95% interval: a run missed the target)" in text
    worse = summarize(comparison_of(runs({"random": [30, 30, 30, 30, 40, 20], "margin": [50] * 6})), target=0.9)
    text = headline(worse, target=0.9)
    assert text.startswith("Random picking was better than Margin (margin)")
    assert "(labels saved: -20; 95% interval: " in text
    one_seed = summarize(comparison_of(runs({"random": [50], "margin": [30]})), target=0.9)
    assert saving_figures(one_seed.iloc[1])["interval"] == "none (one seed)"


def test_headline_says_when_no_strategy_beats_random():
    from alcore.experiment.metrics import summarize

    curves = make_curves(
        {("random", s): [0.5, 0.7, 0.9] for s in range(6)} | {("entropy", s): [0.5, 0.69, 0.9] for s in range(6)}
    )
    text = headline(summarize(comparison_of(curves), target=0.9), target=0.9)
    assert text.startswith("No clear difference from random picking")


def test_results_document_is_valid_json_with_curves_and_summary():
    comparison = winning_comparison()
    comparison.stop_reasons = pd.DataFrame([{"strategy": "margin", "seed": 0, "reason": "budget reached"}])
    document = results_document(comparison, target=0.9, cost_per_label=1.0, dataset={"n_rows": 10})
    parsed = json.loads(json.dumps(document, allow_nan=False))
    assert {"strategy", "seed", "round", "n_labeled", "accuracy"} <= set(parsed["curves"][0])
    assert [row["strategy"] for row in parsed["summary"]] == ["random", "margin"]
    assert parsed["summary"][0]["p_value"] is None
    assert parsed["settings"]["target"] == 0.9
