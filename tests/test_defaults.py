"""`alcore simulate` and the Explore page start from the same settings, and --help shows them."""

import pytest
from sklearn.datasets import make_classification

from alcore.cli import build_parser
from alcore.experiment import defaults
from alcore.experiment.simulation import budget_note, initial_note, simulate
from ui.explore_ui import DEFAULTS


def test_the_command_lines_defaults_are_the_dashboards():
    args = build_parser().parse_args(["simulate", "demo:iris"])
    assert args.strategies == DEFAULTS["strategies"]
    assert (args.model, args.initial, args.batch_size, args.budget, args.seeds) == (
        DEFAULTS["model"],
        DEFAULTS["initial"],
        DEFAULTS["batch"],
        DEFAULTS["budget"],
        DEFAULTS["seeds"],
    )
    assert DEFAULTS["target_kind"] == "share" and args.target_accuracy is None
    assert args.target_share == DEFAULTS["target"] and args.cost_per_label == DEFAULTS["cost"]


def test_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["simulate", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    budget = shown.split("--budget BUDGET")[-1].split("--seeds")[0]
    assert budget.startswith(f" the most labels in total (default: {defaults.BUDGET}, or on a smaller table every")
    assert "None" not in budget and f"(default: {DEFAULTS['target']})" in shown
    initial = shown.split("--initial INITIAL")[-1].split("--batch-size")[0]
    assert initial.startswith(f" labeled rows to start from, at random (default: {defaults.INITIAL}, or on a smaller")
    assert "None" not in initial


@pytest.mark.parametrize(("n_rows", "budget"), [(30, 22), (266, 199), (267, 200), (10_000, 200)])
def test_the_budget_given_to_nobody_is_what_the_table_can_use(n_rows, budget):
    """A quarter held out for testing (rounded up, as train_test_split does) leaves 22 of mtcars' 30 kept
    rows: a budget of 32 there was never reached, every run ended with its pool exhausted."""
    assert defaults.budget_for(n_rows) == budget


def test_a_budget_beyond_the_table_is_said_in_words_and_one_it_can_use_is_not():
    note = budget_note(32, 30)
    assert note.startswith("A budget of 32 labels is more than this table can use: a simulation holds 8 of its 30")
    assert "at most 22 (the initial ones included)" in note
    assert budget_note(22, 30) == "" and budget_note(defaults.budget_for(30), 30) == ""


def test_a_run_with_the_budget_for_a_tiny_table_stops_at_the_budget_not_at_an_exhausted_pool():
    X, y = make_classification(n_samples=30, n_features=4, n_informative=3, n_redundant=0, random_state=0)
    for seed in range(3):
        run = simulate(X, y, "random", seed=seed, initial=6, batch_size=4, budget=defaults.budget_for(len(y)))
        assert run.stop_reason == "budget reached: 22 labels"


@pytest.mark.parametrize(("n_rows", "initial"), [(10, 2), (30, 5), (106, 19), (107, 20), (10_000, 20)])
def test_the_initial_labels_given_to_nobody_leave_the_strategies_most_of_a_small_table(n_rows, initial):
    """mtcars' 30 kept rows leave 22 a run can label: 20 initial ones left the strategies 2 to choose. A quarter
    of them (5) leaves 17; from 80 rows a run can label (107 kept) on, the usual 20."""
    assert defaults.initial_for(n_rows) == initial


def test_initial_labels_that_leave_the_strategies_less_than_themselves_are_said_in_words():
    note = initial_note(20, 22, 30)
    assert note.startswith("Strategies choose only 2 of each run's 22 labels: the other 20 are the initial ones")
    assert initial_note(30, 30, 10_000).startswith("Strategies choose none of each run's 30 labels: the other 30")
    assert initial_note(20, 32, 30).startswith("Strategies choose only 2 of each run's 22 labels")  # 22 at most
    assert initial_note(11, 22, 30) == "" and initial_note(20, 200, 10_000) == "" and initial_note(20, None, 100) == ""
    assert initial_note(defaults.initial_for(30), defaults.budget_for(30), 30) == ""
