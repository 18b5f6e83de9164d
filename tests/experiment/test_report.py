"""The headline says the numbers in words, and says so plainly when nothing beats random."""

import json

import pandas as pd

from alcore.experiment.report import headline, results_document
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
    assert text.startswith("margin beat random picking")
    assert "To reach 90% accuracy, margin needed on average 30 labels (6 of 6 seeds reached)" in text
    assert "random needed 50 labels (6 of 6 seeds reached)" in text
    assert "20 fewer labels (40%)" in text and "$100 saved at $5 per label" in text
    assert "$0.25 per label" in headline(summary, target=0.9, cost_per_label=0.25)


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
