"""The headline says the numbers in words, and says so plainly when nothing beats random."""

import json

import pandas as pd
import pytest

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


# Every verdict's sentence and figures, word for word (the mutation tests change any word and must fail).
WORDS = {
    "win": (
        {"random": [50, 50, 50, 50, 50, 50], "margin": [30, 30, 30, 30, 40, 20]},
        "Margin (margin) beat random picking. To reach 90% accuracy, margin needed on average 30 labels (6 of"
        " 6 seeds reached); random needed 50 labels (6 of 6 seeds reached). That is 20 fewer labels (40%), "
        "€40 saved at €2 per label (95% interval: 13 to 27 labels saved); paired test against random over 6 "
        "seeds where either reached the target, Holm-adjusted p = 0.016.",
        {
            "verdict": "beats random",
            "labels_to_target": "30 labels (6 of 6 seeds reached)",
            "random_needed": "50 labels (6 of 6 seeds reached)",
            "labels_saved": "20",
            "fewer_labels": "40%",
            "money_saved": "€40",
            "interval": "13 to 27",
            "p_value": "0.016",
            "area": "0.875 (0.842–0.908)",
        },
    ),
    "at_least": (
        {"random": [None, 50, 50, 50, 50, 50], "margin": [30, 30, 30, 30, 30, 30]},
        "Margin (margin) beat random picking. To reach 90% accuracy, margin needed on average 30 labels (6 of"
        " 6 seeds reached); random needed at least 58.3 labels (5 of 6 seeds reached). That is at least 28.3 "
        "fewer labels (at least 49%), at least €56.60 saved at €2 per label (no 95% interval: a run missed "
        "the target); paired test against random over 6 seeds where either reached the target, Holm-adjusted "
        "p = 0.016.",
        {
            "verdict": "beats random (random never reached the target on some seeds)",
            "labels_to_target": "30 labels (6 of 6 seeds reached)",
            "random_needed": "at least 58.3 labels (5 of 6 seeds reached)",
            "labels_saved": "at least 28.3",
            "fewer_labels": "at least 49%",
            "money_saved": "at least €56.60",
            "interval": "none (a run missed the target)",
            "p_value": "0.016",
            "area": "0.875 (0.875–0.876)",
        },
    ),
    "unknown_saving": (
        {"random": [None, 50, 50, 50, 50, 50, 50], "margin": [None, 30, 30, 30, 30, 30, 30]},
        "Margin (margin) beat random picking. To reach 90% accuracy, margin needed on average at least 40 "
        "labels (6 of 7 seeds reached); random needed at least 57.1 labels (6 of 7 seeds reached). On some "
        "seeds neither reached the target, so the saving in labels is unknown; paired test against random "
        "over 6 seeds where either reached the target, Holm-adjusted p = 0.016.",
        {
            "verdict": "beats random",
            "labels_to_target": "at least 40 labels (6 of 7 seeds reached)",
            "random_needed": "at least 57.1 labels (6 of 7 seeds reached)",
            "labels_saved": "unknown",
            "fewer_labels": "unknown",
            "money_saved": "unknown",
            "interval": "none (a run missed the target)",
            "p_value": "0.016",
            "area": "0.822 (0.691–0.953)",
        },
    ),
    "random_better": (
        {"random": [30, 30, 30, 30, 40, 20], "margin": [50, 50, 50, 50, 50, 50]},
        "Random picking was better than Margin (margin). To reach 90% accuracy, margin needed on average 50 "
        "labels (6 of 6 seeds reached); random needed 30 labels (6 of 6 seeds reached). Active learning with "
        "margin would cost labels (labels saved: -20; 95% interval: -27 to -13 labels saved); paired test "
        "over 6 seeds where either reached the target, Holm-adjusted p = 0.016.",
        {
            "verdict": "random was better",
            "labels_to_target": "50 labels (6 of 6 seeds reached)",
            "random_needed": "30 labels (6 of 6 seeds reached)",
            "labels_saved": "-20",
            "fewer_labels": "-67%",
            "money_saved": "-€40",
            "interval": "-27 to -13",
            "p_value": "1.000",
            "area": "0.776 (0.775–0.777)",
        },
    ),
    "no_clear_difference": (
        {"random": [50, 50, 50, 50, 50, 50], "margin": [30, 70, 30, 70, 50, 50]},
        "No clear difference from random picking. To reach 90% accuracy, Margin (margin) needed on average 50"
        " labels (6 of 6 seeds reached); random needed 50 labels (6 of 6 seeds reached) (margin came closest "
        "to a saving); paired test against random over 6 seeds where either reached the target, Holm-adjusted"
        " p = 0.688. Here, active learning would not reliably save labels.",
        None,
    ),
    "too_few_seeds": (
        {"random": [50, 50, 50], "margin": [30, 30, 30]},
        "Too few seeds to tell: with 3 of 3 seeds informative and 1 strategy compared with random, even a "
        "strategy better on every seed could not be told apart from chance. Run at least 5 seeds. So far, to "
        "reach 90% accuracy, Margin (margin) needed on average 30 labels (3 of 3 seeds reached); random "
        "needed 50 labels (3 of 3 seeds reached).",
        None,
    ),
    "too_few_seeds_after_misses": (
        {"random": [None, None, 50], "margin": [None, None, 30]},
        "Too few seeds to tell: with 1 of 3 seeds informative and 1 strategy compared with random, even a "
        "strategy better on every seed could not be told apart from chance. Run at least 5 seeds. So far, to "
        "reach 90% accuracy, Margin (margin) needed on average at least 76.7 labels (1 of 3 seeds reached); "
        "random needed at least 83.3 labels (1 of 3 seeds reached). On 2 of the 3 seeds neither margin nor random "
        "reached 90% accuracy within the budget, and such a seed says nothing: a larger budget helps as much as "
        "more seeds.",
        None,
    ),
    "too_few_seeds_for_two": (
        {"random": [50, 50, 50, 50, 50], "margin": [30, 30, 30, 30, 30], "entropy": [30, 30, 30, 30, 30]},
        "Too few seeds to tell: with 5 of 5 seeds informative and 2 strategies compared with random, even a "
        "strategy better on every seed could not be told apart from chance. Run at least 6 seeds. So far, to "
        "reach 90% accuracy, Margin (margin) needed on average 30 labels (5 of 5 seeds reached); random "
        "needed 50 labels (5 of 5 seeds reached).",
        None,
    ),
    "nobody_reached": (
        {"random": [None, None, None, None, None, None], "margin": [None, None, None, None, None, None]},
        "Neither random nor any strategy reached 90% accuracy within the budget on any of the 6 seeds, so no "
        "saving can be measured. Raise the budget or lower the target.",
        None,
    ),
    "only_random": (
        {"random": [50, 50, 50, 50, 50, 50]},
        "Only random picking was run, so there is nothing to compare it with.",
        None,
    ),
}


@pytest.mark.parametrize("case", WORDS)
def test_every_verdict_in_words(case):
    from alcore.experiment.metrics import summarize
    from tests.experiment.test_verdict import runs

    needed, sentence, figures = WORDS[case]
    summary = summarize(comparison_of(runs(needed)), target=0.9, cost_per_label=2.0)
    assert headline(summary, 0.9, cost_per_label=2.0, currency="€") == sentence
    if figures:
        assert saving_figures(summary.iloc[1], 2.0, "€") == figures


def test_the_reference_row_and_the_defaults_in_words():
    from alcore.experiment.metrics import summarize
    from tests.experiment.test_verdict import runs

    summary = summarize(comparison_of(runs({"random": [50] * 6, "margin": [30] * 6})), target=0.9)
    reference = saving_figures(summary.iloc[0])
    assert reference == {
        "verdict": "the reference",
        "labels_to_target": "50 labels (6 of 6 seeds reached)",
        "random_needed": "50 labels (6 of 6 seeds reached)",
        "labels_saved": "—",
        "fewer_labels": "—",
        "money_saved": "—",
        "interval": "—",
        "p_value": "—",
        "area": "0.776 (0.775–0.777)",
    }
    # One dollar a label and "$" unless told.
    assert saving_figures(summary.iloc[1])["money_saved"] == "$20"
    assert "$20 saved at $1 per label" in headline(summary, 0.9)
    one_seed = summarize(comparison_of(runs({"random": [50], "margin": [30]})), target=0.9)
    assert saving_figures(one_seed.iloc[1])["area"] == "0.875 (one seed: no interval)"


def test_targets_and_counts_in_words():
    from alcore.experiment.report import _bounded, describe_target, format_labels, labels_text

    assert describe_target(0.9, False) == "90% accuracy"
    assert describe_target(0.95, True, "balanced_accuracy") == "95% of the full-data balanced accuracy"
    assert format_labels(22.0) == "22" and format_labels(21.66) == "21.7" and format_labels(1234.0) == "1,234"
    assert labels_text(964.0, "at_least", 4, 6) == "at least 964 labels (4 of 6 seeds reached)"
    assert labels_text(30.0, "exact", 6, 6) == "30 labels (6 of 6 seeds reached)"
    assert [_bounded(5.0, format_labels, kind, "more") for kind in ("exact", "at_least", "at_most", "unknown")] == [
        "5",
        "at least 5",
        "at most 5",
        "unknown",
    ]
    # A bound on a loss is the extra it costs, never "at most -45"; an exact loss stays a negative saving.
    assert [
        _bounded(-45.0, format_labels, kind, "more labels needed") for kind in ("exact", "at_least", "at_most")
    ] == [
        "-45",
        "at most 45 more labels needed",
        "at least 45 more labels needed",
    ]
    assert _bounded(0.0, format_labels, "at_most", "more") == "at most 0"


def test_the_files_carry_every_setting_and_figure():
    from alcore.experiment.report import results_json, summary_csv

    comparison = winning_comparison()
    comparison.settings = {"budget": 50}
    document = results_document(comparison, 0.95, True, 2.0, dataset={"name": "demo"}, metric="accuracy", currency="€")
    assert document["settings"] == {
        "budget": 50,
        "target": 0.95,
        "target_is_relative": True,
        "cost_per_label": 2.0,
        "metric": "accuracy",
    }
    assert document["dataset"] == {"name": "demo"}
    assert document["headline"].startswith(
        "Margin (margin) beat random picking. To reach 95% of the full-data accuracy"
    )
    assert "€2 per label" in document["headline"]
    assert document["full_data_accuracy"] == {str(seed): 0.95 for seed in range(6)}
    assert set(document) == {
        "settings",
        "dataset",
        "headline",
        "summary",
        "full_data_accuracy",
        "stop_reasons",
        "curves",
    }
    assert document["summary"][1]["labels_to_target"] == 31.7  # 95% of each seed's full-data score, not 95%
    defaults = results_document(comparison)
    assert defaults["dataset"] == {} and defaults["settings"]["target"] == 0.9
    assert defaults["settings"]["target_is_relative"] is False and defaults["settings"]["cost_per_label"] == 1.0
    assert "$20 saved at $1 per label" in defaults["headline"]
    curves = comparison.curves.assign(f1=comparison.curves["accuracy"] - 0.05)  # by accuracy, margin needs 30
    by_f1 = results_document(comparison_of(curves), 0.9, metric="f1")
    assert by_f1["summary"][1]["labels_to_target"] > 30 and "To reach 90% f1, " in by_f1["headline"]
    text = results_json(document)
    assert text.startswith('{\n  "settings": {\n    "budget": 50,') and json.loads(text)["dataset"] == {"name": "demo"}
    assert '"when": "2026-01-01"' in results_json({"when": pd.Timestamp("2026-01-01").date()})  # default=str
    csv = summary_csv(document)
    assert csv.splitlines()[0].startswith("strategy,verdict,") and csv.splitlines()[1].startswith("random,reference,")


def test_a_strategy_that_never_reached_what_random_reached_is_written_as_the_extra_it_costs():
    from alcore.experiment.metrics import summarize
    from tests.experiment.test_verdict import runs

    summary = summarize(comparison_of(runs({"random": [50] * 6, "entropy": [None] * 6})), 0.9, cost_per_label=5.0)
    figures = saving_figures(summary.set_index("strategy").loc["entropy"].to_dict(), 5.0, "€")
    assert [figures[key] for key in ("labels_saved", "fewer_labels", "money_saved")] == [
        "at least 50 more labels needed",
        "at least 100% more labels",
        "at least €250 more spent",
    ]
