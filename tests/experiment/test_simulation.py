"""Simulations: simulate's pairing and stopping, compare's parallel run and the settings it records."""

import os
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris, make_classification
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

from alcore.core.stopping import StoppingRule
from alcore.experiment import execution
from alcore.experiment.simulation import (
    SCORED_CANDIDATES,
    candidates_to_score,
    compare,
    expected_rounds,
    full_data_accuracy,
    full_data_scores,
    line_name,
    parse_line,
    round_scores,
    simulate,
    split_for_simulation,
)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


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


@pytest.mark.parametrize("exit_after_s", [0.5, 2.0])
def test_a_process_that_exits_while_its_workers_start_exits(exit_after_s, tmp_path):
    """Exiting a few seconds after Explore opened (a server stopped, a test session over) hung forever: loky
    had spawned the workers and could not start the thread that stops them."""
    script = (
        "import time\n"
        "from alcore.experiment.simulation import start_workers\n"
        "if __name__ == '__main__':\n"
        f"    start_workers()\n    time.sleep({exit_after_s})\n"
    )
    (tmp_path / "exits.py").write_text(script)  # a file, as Streamlit's server runs: spawn re-imports it
    finished = subprocess.run([sys.executable, tmp_path / "exits.py"], timeout=120, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert "Traceback" not in finished.stderr


def _socket_inodes(pid: int) -> set[int]:
    """The sockets process `pid` holds open, by inode (Linux /proc)."""
    links = (os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir())
    return {int(link[len("socket:[") : -1]) for link in links if link.startswith("socket:[")}


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads open sockets from Linux /proc")
def test_the_runs_manager_holds_none_of_the_servers_connections():
    """A forked manager kept copies of the Streamlit server's sockets: a browser connection the server had
    closed stayed open in the manager, and the browser's next request down it was never answered."""
    listening, (server_side, browser_side) = socket.create_server(("127.0.0.1", 0)), socket.socketpair()
    with listening, server_side, browser_side:
        ours = {os.fstat(s.fileno()).st_ino for s in (listening, server_side, browser_side)}
        manager = execution._started_manager.__wrapped__()
        try:
            assert not ours & _socket_inodes(manager._process.pid)
        finally:
            manager.shutdown()


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


def test_compare_records_every_strategy_setting_and_uses_the_ones_given():
    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    small = dict(seeds=[0], budget=40, batch_size=10, initial=10)
    given = compare(X, y, ["qbc_vote_entropy"], strategy_params={"qbc_vote_entropy": {"n_members": 1}}, **small)
    default = compare(X, y, ["qbc_vote_entropy"], **small)
    assert given.settings["strategy_settings"] == {"random": {}, "qbc_vote_entropy": {"n_members": 1}}
    assert default.settings["strategy_settings"]["qbc_vote_entropy"] == {"n_members": 5}
    # A one-member committee agrees with itself everywhere: every score it gave is 0.
    asked = given.batches[given.batches["strategy"] == "qbc_vote_entropy"]
    assert (asked["score"] == 0).all()
    assert (default.batches[default.batches["strategy"] == "qbc_vote_entropy"]["score"] > 0).any()


def test_compare_names_a_setting_a_strategy_does_not_have():
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    with pytest.raises(ValueError, match="has no setting 'beta'; its settings: n_members"):
        compare(X, y, ["qbc_kl"], seeds=1, strategy_params={"qbc_kl": {"beta": 2}})
    with pytest.raises(ValueError, match="not among the strategies compared"):
        compare(X, y, ["margin"], seeds=1, strategy_params={"badge": {}})


def test_full_data_scores_chained_over_seeds_equal_each_seed_fitted_alone():
    X, y = load_digits(return_X_y=True)
    chained = full_data_scores(X / 16, y, "logreg", [0, 1, 2], 0.25)
    alone = {seed: full_data_accuracy(X / 16, y, "logreg", seed, 0.25) for seed in [0, 1, 2]}
    assert chained.keys() == alone.keys()
    assert all(abs(chained[seed] - alone[seed]) <= 2 / 450 for seed in alone)  # two test rows at most
    comparison = compare(X[:400] / 16, y[:400], ["margin"], seeds=[3, 4], initial=20, budget=40)
    assert comparison.full_scores == pytest.approx(full_data_scores(X[:400] / 16, y[:400], "logreg", [3, 4], 0.25))


def test_only_a_large_pool_is_scored_by_a_random_subset():
    assert candidates_to_score(1_000) is None
    assert candidates_to_score(13_333) is None  # 10,000 training rows
    assert candidates_to_score(13_335) == SCORED_CANDIDATES == 10_000
    X, y = make_classification(n_samples=400, n_features=6, random_state=0)
    comparison = compare(X, y, ["margin"], seeds=1, initial=10, budget=30, max_candidates=40)
    assert comparison.settings["max_candidates"] == 40
