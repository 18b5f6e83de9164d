"""The loop: the human ActiveLearner, simulate's pairing and stopping, compare's parallel run."""

import os
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from alcore.core.learner import ActiveLearner
from alcore.core.pool import EmptyPoolError, LabelSource, Pool
from alcore.core.stopping import StoppingRule
from alcore.experiment import execution
from alcore.experiment.simulation import (
    compare,
    expected_rounds,
    line_name,
    parse_line,
    round_scores,
    simulate,
    split_for_simulation,
)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_learner_is_cold_until_two_classes_are_labeled(iris):
    X, y = iris
    pool = Pool(X, classes=[0, 1, 2])
    learner = ActiveLearner("logreg", "margin", batch_size=5, random_state=0).fit(pool)
    assert learner.is_cold_ and learner.estimator_ is None
    first = learner.query(pool)
    assert first.strategy == "random"
    learner.teach(pool, [0, 60], [0, 1])
    assert not learner.is_cold_
    assert learner.query(pool).strategy == "margin"
    assert learner.round_ == 1
    assert set(pool.label_source[[0, 60]]) == {LabelSource.PERSON}


def test_learner_accepts_any_pipeline_and_predicts_in_pool_class_order(iris):
    X, y = iris
    pool = Pool(X, classes=["setosa", "versicolor", "virginica"])
    names = np.array(pool.classes, dtype=object)
    rows = np.r_[0:10, 50:60, 100:110]
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    learner = ActiveLearner(pipeline, "entropy", batch_size=3, random_state=1).fit(pool)
    learner.teach(pool, rows, names[y[rows]])
    proba = learner.predict_proba(pool)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (learner.predict(pool) == names[y]).mean() > 0.9


def test_learner_raises_when_the_pool_is_exhausted(iris):
    X, y = iris
    pool = Pool(X[:12], classes=[0, 1, 2])
    learner = ActiveLearner("naive_bayes", "least_confidence", batch_size=5, random_state=0).fit(pool)
    while pool.n_unlabeled:
        rows = learner.query(pool).indices
        learner.teach(pool, rows, y[rows])
    with pytest.raises(EmptyPoolError):
        learner.query(pool)


def test_split_keeps_test_rows_away_and_starts_with_two_classes():
    y = np.array([0] * 95 + [1] * 5)
    for seed in range(20):
        train, test, first = split_for_simulation(y, seed, test_size=0.25, initial=3)
        assert not set(train) & set(test)
        assert len(np.unique(y[train[first]])) == 2


def test_simulate_is_reproducible_and_respects_the_budget(iris):
    X, y = iris
    one = simulate(X, y, "margin", seed=3, initial=6, batch_size=4, budget=30)
    two = simulate(X, y, "margin", seed=3, initial=6, batch_size=4, budget=30)
    assert [r["accuracy"] for r in one.records] == [r["accuracy"] for r in two.records]
    assert one.batches == two.batches
    assert one.records[-1]["n_labeled"] == 30
    assert one.stop_reason.startswith("budget")
    assert [r["round"] for r in one.records] == list(range(len(one.records)))


def test_strategies_of_one_seed_share_initial_rows_and_test_split(iris):
    X, y = iris
    runs = [simulate(X, y, name, seed=5, initial=8, batch_size=5, budget=8) for name in ("random", "entropy")]
    assert runs[0].records[0]["accuracy"] == runs[1].records[0]["accuracy"]


def test_simulate_stops_at_a_target_and_says_why(iris):
    X, y = iris
    run = simulate(X, y, "margin", seed=0, initial=6, batch_size=3, budget=None, stopping=StoppingRule(target=0.9))
    assert run.stop_reason.startswith("target reached")
    assert run.records[-1]["accuracy"] >= 0.9
    assert all(r["accuracy"] < 0.9 for r in run.records[:-1])


def test_simulate_runs_until_the_pool_is_empty(iris):
    X, y = iris
    rows = np.r_[0:20, 50:70]
    run = simulate(X[rows], y[rows], "random", seed=0, initial=4, batch_size=10, budget=None)
    assert run.stop_reason == "pool exhausted"
    assert run.records[-1]["n_labeled"] == 30


def test_compare_always_includes_random_and_is_the_same_in_parallel():
    X, y = make_classification(300, 8, n_informative=4, n_classes=3, random_state=0)
    seen = []
    serial = compare(
        X, y, ["margin"], seeds=2, initial=10, batch_size=10, budget=40, progress=lambda d, t: seen.append((d, t))
    )
    parallel = compare(X, y, ["margin"], seeds=2, initial=10, batch_size=10, budget=40, n_jobs=2)
    assert serial.strategies == ["random", "margin"]
    assert serial.curves.equals(parallel.curves.drop(columns=[]).astype(serial.curves.dtypes)) or np.allclose(
        serial.curves[["accuracy", "n_labeled"]], parallel.curves[["accuracy", "n_labeled"]]
    )
    assert seen[-1] == (16, 16) and seen[-1][1] == 4 * expected_rounds(300, 10, 10, 40, 0.25)
    assert set(serial.full_scores) == {0, 1}
    assert len(serial.batches) == 2 * 2 * 30


def test_compare_can_be_stopped_and_keeps_what_ran():
    X, y = make_classification(300, 8, random_state=0)
    calls = {"n": 0}

    def stop_after_three():
        calls["n"] += 1
        return calls["n"] >= 3

    result = compare(X, y, ["entropy"], seeds=3, initial=10, batch_size=10, budget=100, should_stop=stop_after_three)
    assert result.stopped_early
    assert len(result.curves) == 3


def test_simulate_refuses_a_single_class():
    with pytest.raises(ValueError, match="two classes"):
        simulate(np.zeros((10, 2)), np.ones(10), "random")


def test_learner_probabilities_follow_the_order_of_the_rows_asked(iris):
    X, y = iris
    pool = Pool(X, classes=[0, 1, 2])
    rows = np.r_[0:5, 50:55, 100:105]
    learner = ActiveLearner("logreg", random_state=0).fit(pool)
    learner.teach(pool, rows, y[rows])
    asked = np.array([120, 3, 77, 10])
    np.testing.assert_allclose(learner.predict_proba(pool, asked), learner.predict_proba(pool)[asked])


def test_semi_supervised_learner_learns_from_confident_unlabeled_rows_without_labeling_them(iris):
    X, y = iris
    pool = Pool(X, classes=[0, 1, 2])
    rows = np.r_[0:3, 50:53, 100:103]
    learner = ActiveLearner("logreg", "margin", random_state=0, semi_supervised=True, confidence_threshold=0.6)
    learner.fit(pool).teach(pool, rows, y[rows], LabelSource.ORACLE)
    pseudo = learner.estimator_.labeled_iter_ == 1  # 0: labeled by a person, 1: by the model's own guess
    assert pseudo.sum() > 0 and not pseudo[rows].any()
    assert pool.n_labeled == len(rows)  # the guesses never become labels in the pool
    assert (learner.estimator_.transduction_[pseudo] == y[pseudo]).mean() > 0.8
    assert learner.query(pool).strategy == "margin"
    plain = ActiveLearner("logreg", "margin", random_state=0).fit(pool)
    assert not np.allclose(plain.predict_proba(pool), learner.predict_proba(pool))


def test_semi_supervised_lines_stand_beside_the_plain_ones_and_random_stays_supervised():
    X, y = make_classification(300, 8, n_informative=4, n_classes=3, random_state=0)
    plain = compare(X, y, ["margin"], seeds=2, initial=10, batch_size=10, budget=40)
    both = compare(X, y, ["margin"], seeds=2, initial=10, batch_size=10, budget=40, semi_supervised=True)
    assert both.strategies == ["random", "margin", "margin + semi-supervised"]
    assert both.settings["semi_supervised"] is True
    for line in ["random", "margin"]:
        np.testing.assert_allclose(
            both.curves.loc[both.curves["strategy"] == line, "accuracy"],
            plain.curves.loc[plain.curves["strategy"] == line, "accuracy"],
        )
    semi = both.curves[both.curves["strategy"] == "margin + semi-supervised"]
    assert len(semi) == len(plain.curves[plain.curves["strategy"] == "margin"])
    assert parse_line(line_name("margin", True)) == ("margin", True)
    assert parse_line("margin") == ("margin", False)


def test_warm_started_refits_give_curves_within_noise_of_cold_refits():
    """Same seeds, same loop: refitting from last round's weights changes no curve beyond noise."""
    X, y = load_digits(return_X_y=True)
    X = X / 16

    def curve(warm_start: bool, seed: int) -> list[float]:
        pool = Pool(X[:1200], classes=range(10))
        first = np.random.default_rng(seed).choice(1200, size=20, replace=False)
        pool.teach(first, y[first], LabelSource.INITIAL)
        learner = ActiveLearner("logreg", "margin", 10, random_state=seed, warm_start=warm_start).fit(pool)
        scores = []
        for _ in range(15):
            rows = learner.query(pool).indices
            learner.teach(pool, rows, y[rows], LabelSource.ORACLE)
            scores.append((learner.estimator_.predict(X[1200:]) == y[1200:]).mean())
        return scores

    warm = np.array([curve(True, seed) for seed in range(3)])
    cold = np.array([curve(False, seed) for seed in range(3)])
    assert np.abs(warm - cold).max() < 0.03  # a few test rows, never a different curve
    assert abs(warm.mean() - cold.mean()) < 0.01


@pytest.mark.parametrize("seed", range(4))
def test_round_scores_equal_scikit_learns_metrics(seed):
    rng = np.random.default_rng(seed)
    y_test = rng.integers(0, 4, size=50)  # class 4 never true, sometimes predicted; class 5 neither
    predicted = np.where(rng.random(50) < 0.6, y_test, rng.integers(0, 5, size=50))
    scores = round_scores(y_test, predicted, n_classes=6)
    assert scores["accuracy"] == pytest.approx(accuracy_score(y_test, predicted))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns about the class only predicted
        assert scores["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y_test, predicted))
    assert scores["f1_macro"] == pytest.approx(f1_score(y_test, predicted, average="macro", zero_division=0))


def _child_pids() -> set[int]:
    """Processes whose parent is this one (Linux /proc)."""
    children = set()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == os.getpid():
            children.add(int(entry))
    return children


def _pid_job(X, y, strategy, seed, options, on_round):
    """A job that says which process ran it."""
    on_round({})
    return SimpleNamespace(records=[{}], pid=os.getpid())


def test_started_workers_run_the_next_comparisons_which_start_no_process(monkeypatch):
    monkeypatch.setitem(execution._started, "at", -float("inf"))
    execution.start_local_workers(_pid_job, 2).join()
    assert execution.start_local_workers(_pid_job, 2) is None  # just done: nothing to do
    workers = _child_pids()
    jobs = [("random", seed) for seed in range(6)]
    for _ in range(2):
        runs = execution.run_jobs(_pid_job, jobs, None, None, {}, 2, execution.Progress(6, 1, None), None)
        assert {run.pid for run in runs} <= workers and os.getpid() not in {run.pid for run in runs}
    assert _child_pids() == workers


def _slow_job(X, y, strategy, seed, options, on_round):
    """Up to 400 rounds of 0.05 s, ending early when stopped (as `simulate` does); writes how many ran."""
    records = []
    for _ in range(400):
        records.append({})
        try:
            on_round({})
        except execution.SimulationStopped:
            break
        time.sleep(0.05)
    (Path(options["folder"]) / f"rounds-{seed}").write_text(str(len(records)))
    return SimpleNamespace(records=records)


def test_a_caller_that_goes_away_stops_the_workers_runs(tmp_path):
    """A Streamlit rerun raises inside the progress callback: the workers must not run on for nobody."""

    class Rerun(Exception):
        pass

    def progress(done, total):
        if done >= 4:
            raise Rerun

    jobs = [("random", 0), ("random", 1)]
    with pytest.raises(Rerun):
        execution.run_jobs(
            _slow_job, jobs, None, None, {"folder": tmp_path}, 2, execution.Progress(2, 400, progress), None
        )
    # The same two workers take the next jobs only once the slow ones have ended.
    assert len(execution.run_jobs(_pid_job, jobs, None, None, {}, 2, execution.Progress(2, 1, None), None)) == 2
    for seed in (0, 1):
        for _ in range(100):  # the file is written just after the job's last round
            if (tmp_path / f"rounds-{seed}").exists():
                break
            time.sleep(0.1)
        assert int((tmp_path / f"rounds-{seed}").read_text()) < 400
