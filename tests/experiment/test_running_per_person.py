"""A person's comparisons queued or running at once are limited, in the engine: the workers bound how many jobs run,
not how many wait, so one visitor starting comparisons tab after tab made everyone else's wait behind theirs."""

from __future__ import annotations

import threading

import pytest
from sklearn.datasets import make_classification

from alcore.experiment.execution import RUNNING, TooManyComparisons
from alcore.experiment.simulation import compare

SETTINGS = dict(seeds=[0], initial=10, batch_size=10, budget=30)


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=200, n_features=6, n_informative=4, n_classes=2, random_state=0)


def test_a_person_over_the_limit_is_refused_at_once_and_nobody_else_waits_for_it(data):
    X, y = data
    started, release = threading.Event(), threading.Event()

    def held_open(done: int, total: int) -> None:
        started.set()
        assert release.wait(60)

    first = threading.Thread(
        target=compare,
        args=(X, y, ["margin"]),
        kwargs=SETTINGS | dict(progress=held_open, person="ann", most_running=1),
    )
    first.start()
    try:
        assert started.wait(60)
        assert RUNNING.running("ann") == 1
        with pytest.raises(TooManyComparisons, match=r"^You already have 1 comparison queued or running .* stop it"):
            compare(X, y, ["margin"], **SETTINGS, progress=pytest.fail, person="ann", most_running=1)
        assert RUNNING.running("ann") == 1  # the refused one was never counted
        assert not compare(X, y, ["margin"], **SETTINGS, person="bob", most_running=1).curves.empty
        assert not compare(X, y, ["margin"], **SETTINGS).curves.empty  # the command line: nobody counted
    finally:
        release.set()
        first.join(60)
    assert RUNNING.running("ann") == 0
    assert not compare(X, y, ["margin"], **SETTINGS, person="ann", most_running=1).curves.empty


def test_a_comparison_that_fails_gives_its_place_back(data):
    X, y = data

    def broken(done: int, total: int) -> None:
        raise RuntimeError("the page went away")

    with pytest.raises(RuntimeError, match="went away"):
        compare(X, y, ["margin"], **SETTINGS, progress=broken, person="ann", most_running=1)
    assert RUNNING.running("ann") == 0


def test_the_limit_counts_every_comparison_of_the_person_at_once():
    with RUNNING.admitted("carol", 2), RUNNING.admitted("carol", 2):
        with pytest.raises(TooManyComparisons, match="You already have 2 comparisons .* stop one"):
            with RUNNING.admitted("carol", 2):
                pass
        with RUNNING.admitted("carol", None):  # no limit: counted, never refused
            assert RUNNING.running("carol") == 3
    assert RUNNING.running("carol") == 0
