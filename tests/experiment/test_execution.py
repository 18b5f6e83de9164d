"""compare on a real Dask cluster (two worker processes) gives the local run's results, with live progress.

Needs the dask extra (CI installs it); skipped only where dask is absent.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

from alcore.experiment.simulation import compare, expected_rounds

distributed = pytest.importorskip("distributed", reason="dask not installed (pip install -e '.[dask]')")

pytestmark = pytest.mark.dask

SETTINGS = dict(seeds=[0, 1], initial=10, batch_size=10, budget=40)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR
    ) as local_cluster:
        yield local_cluster


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=0)
    return X, y


def same_results(cluster_run, local_run) -> None:
    pd.testing.assert_frame_equal(
        cluster_run.curves.drop(columns=["query_seconds", "fit_seconds"]),
        local_run.curves.drop(columns=["query_seconds", "fit_seconds"]),
    )
    pd.testing.assert_frame_equal(cluster_run.batches, local_run.batches)
    pd.testing.assert_frame_equal(cluster_run.stop_reasons, local_run.stop_reasons)
    assert cluster_run.full_scores == local_run.full_scores


def test_cluster_by_address_equals_local_run_and_reports_every_round(cluster, data):
    X, y = data
    local = compare(X, y, ["margin", "kcenter"], **SETTINGS)
    seen = []
    on_cluster = compare(
        X,
        y,
        ["margin", "kcenter"],
        **SETTINGS,
        scheduler=cluster.scheduler_address,
        progress=lambda done, total: seen.append((done, total)),
    )
    same_results(on_cluster, local)
    total = 6 * expected_rounds(len(y), 10, 10, 40, 0.25)
    # Progress.done grows only from per-round messages (a finished job changes the total, not done),
    # so reaching the total proves every round of every job was relayed from the workers. How many
    # distinct values the caller sees depends on how many rounds arrive between two polls: not asserted.
    assert seen[-1] == (total, total)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_cluster_through_a_client_and_stop(cluster, data):
    X, y = data
    with distributed.Client(cluster) as client:
        local = compare(X, y, ["entropy"], **SETTINGS)
        same_results(compare(X, y, ["entropy"], **SETTINGS, scheduler=client), local)

        calls = []

        def stop_soon() -> bool:
            calls.append(1)
            return len(calls) > 2

        stopped = compare(
            X,
            y,
            ["entropy"],
            seeds=[0, 1, 2],
            initial=10,
            batch_size=5,
            budget=200,
            scheduler=client,
            should_stop=stop_soon,
        )
        assert stopped.stopped_early
        assert len(stopped.curves) < 6 * expected_rounds(len(y), 10, 5, 200, 0.25)
        assert np.isfinite(stopped.curves["accuracy"]).all()


def test_simulate_command_runs_on_the_cluster(cluster, capsys):
    from alcore.cli import main

    assert (
        main(
            [
                "simulate",
                "demo:iris",
                "--strategies",
                "margin",
                "--seeds",
                "1",
                "--initial",
                "6",
                "--batch-size",
                "6",
                "--budget",
                "24",
                "--scheduler",
                cluster.scheduler_address,
            ]
        )
        == 0
    )
    assert "margin" in capsys.readouterr().out


def test_a_scheduler_that_cannot_be_reached_says_what_to_check():
    from alcore.experiment.execution import ClusterUnavailable

    X, y = make_classification(60, 4, random_state=0)
    with pytest.raises(ClusterUnavailable, match="Check the address"):
        compare(X, y, ["margin"], seeds=1, initial=6, batch_size=6, budget=12, scheduler="not an address")


def test_explore_runs_on_the_scheduler_the_operator_configured(cluster, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ALCORE_DASK_SCHEDULER", cluster.scheduler_address)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=120)
    for name, value in {"demo": "iris", "seeds": "1", "budget": "30"}.items():
        at.query_params[name] = value
    at.run().switch_page("app_pages/explore.py").run()
    assert cluster.scheduler_address in " ".join(caption.value for caption in at.caption)
    at.multiselect(key="explore.strategies").set_value(["margin"])
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert at.dataframe, "results from the cluster run are shown"
