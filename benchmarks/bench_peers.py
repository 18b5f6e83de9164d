"""alcore against modAL and scikit-activeml, side by side in one run (issue 5, "Speed").

    python benchmarks/bench_peers.py                 # 100,000 x 50 pool; compare on digits
    python benchmarks/bench_peers.py --large         # also uncertainty on 1,000,000 x 50
    python benchmarks/bench_peers.py --skip-memory --skip-compare   # a quick look

Needs the peers extra (`pip install -e ".[peers]"`). Prints one table:
- uncertainty (least_confidence, margin, entropy), batch of 100: each library
  as a ratio to the bare `model.predict_proba` of the whole pool, same fitted
  model; modAL is handed the unlabeled rows (as its users do), scikit-activeml
  the whole pool with missing labels (as its users do);
- diverse batches of 100: alcore kcenter vs scikit-activeml CoreSet and modAL
  ranked batch (uncertainty_batch_sampling); alcore badge vs scikit-activeml
  Badge (same fitted model, no refit); alcore qbc_vote_entropy (5 bootstrap
  members, fitted inside the query) vs scikit-activeml QueryByCommittee with a
  5-member bagging ensemble fitted inside the query;
- peak memory of each of these, and of every registered alcore strategy:
  the rise of the peak resident set (VmHWM, reset once the pool and model are
  built) in a fresh subprocess per strategy; printed in MiB and as a multiple
  of the pool's own bytes (Linux);
- a full experiment (margin vs random, 5 seeds, 30 rounds of 10, digits):
  alcore `compare` (1 process and 2 warm workers) vs the same experiment as a plain
  loop on modAL's ActiveLearner (one BLAS thread, as alcore's fits), with the same
  model, splits and initial rows; the median of --compare-repeats interleaved runs.

Times are the best of --repeats runs, the contenders interleaved so they see
the same load. The machine is shared: only ratios within one run mean anything.
modAL 0.4.2.1 needs a one-line shim to teach on scikit-learn >= 1.8 (`modal_compatible`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import BaggingClassifier
from sklearn.linear_model import LogisticRegression

from alcore.core.pool import LabelSource, Pool
from alcore.core.strategies import select, strategy_names

MISSING = -1
CLASSES = 3
SKACTIVEML_UNCERTAINTY = {"least_confidence": "least_confident", "margin": "margin_sampling", "entropy": "entropy"}
MODAL_UNCERTAINTY = {
    "least_confidence": "uncertainty_sampling",
    "margin": "margin_sampling",
    "entropy": "entropy_sampling",
}


class Setting:
    """One pool and one fitted model, shared by every contender."""

    def __init__(self, rows: int, features: int, labeled: int, seed: int):
        from skactiveml.classifier import SklearnClassifier

        rng = np.random.default_rng(seed)
        X_fit, y_fit = make_classification(
            n_samples=3000, n_features=features, n_informative=10, n_classes=CLASSES, random_state=seed
        )
        self.X = rng.standard_normal((rows, features))
        labeled_rows = rng.choice(rows, size=labeled, replace=False)
        self.y_partial = np.full(rows, MISSING)
        self.y_partial[labeled_rows] = rng.integers(0, CLASSES, size=labeled)
        self.y_partial[labeled_rows[:CLASSES]] = np.arange(CLASSES)
        # The peers' wrapper around the model: fitted on 3,000 rows that separate
        # the classes (so the scores are not flat), then the same estimator is used by all.
        self.wrapped = SklearnClassifier(
            LogisticRegression(max_iter=300), classes=np.arange(CLASSES), missing_label=MISSING
        ).fit(X_fit, y_fit)
        self.model = self.wrapped.estimator_
        self.pool = Pool(self.X, classes=range(CLASSES))
        self.pool.record_labels(labeled_rows, self.y_partial[labeled_rows], LabelSource.INITIAL, 0)
        self.unlabeled = self.pool.unlabeled_indices()
        self.X_unlabeled = self.X[self.unlabeled]  # modAL's users keep the pool without the labeled rows
        self.seed = seed

    def modal_learner(self):
        from modAL.models import ActiveLearner

        labeled = self.pool.labeled_indices()
        learner = ActiveLearner(
            estimator=LogisticRegression(max_iter=300), X_training=self.X[labeled], y_training=self.y_partial[labeled]
        )
        learner.estimator = self.model  # same fitted model as the others
        return learner


def contenders(setting: Setting, batch: int) -> dict[str, callable]:
    """name -> a call that picks one batch. Names: 'group: library strategy'."""
    from modAL import batch as modal_batch
    from modAL import uncertainty as modal_uncertainty
    from skactiveml.classifier import SklearnClassifier
    from skactiveml.pool import Badge, CoreSet, QueryByCommittee, UncertaintySampling

    s, rng = setting, lambda: np.random.default_rng(setting.seed)
    calls = {"bare predict_proba": lambda: s.model.predict_proba(s.X)}
    for name in SKACTIVEML_UNCERTAINTY:
        calls[f"{name}: alcore"] = lambda name=name: select(name, s.model, s.pool, batch, rng())
        calls[f"{name}: modAL"] = lambda name=name: getattr(modal_uncertainty, MODAL_UNCERTAINTY[name])(
            s.model, s.X_unlabeled, n_instances=batch
        )
        sampler = UncertaintySampling(method=SKACTIVEML_UNCERTAINTY[name], missing_label=MISSING, random_state=0)
        calls[f"{name}: scikit-activeml"] = lambda sampler=sampler: sampler.query(
            s.X, s.y_partial, s.wrapped, fit_clf=False, batch_size=batch
        )
    calls["kcenter: alcore"] = lambda: select("kcenter", None, s.pool, batch, rng())
    calls["kcenter: scikit-activeml CoreSet"] = lambda: CoreSet(missing_label=MISSING, random_state=0).query(
        s.X, s.y_partial, batch_size=batch
    )
    learner = s.modal_learner()
    calls["kcenter: modAL ranked batch"] = lambda: modal_batch.uncertainty_batch_sampling(
        learner, s.X_unlabeled, n_instances=batch
    )
    if "badge" in strategy_names():
        calls["badge: alcore"] = lambda: select("badge", s.model, s.pool, batch, rng())
    calls["badge: scikit-activeml"] = lambda: Badge(missing_label=MISSING, random_state=0).query(
        s.X, s.y_partial, s.wrapped, fit_clf=False, batch_size=batch
    )
    if "qbc_vote_entropy" in strategy_names():
        calls["qbc_vote_entropy: alcore"] = lambda: select("qbc_vote_entropy", s.model, s.pool, batch, rng())
    bagging = SklearnClassifier(
        BaggingClassifier(LogisticRegression(max_iter=300), n_estimators=5, random_state=0),
        classes=np.arange(CLASSES),
        missing_label=MISSING,
    )
    calls["qbc_vote_entropy: scikit-activeml"] = lambda: QueryByCommittee(
        method="vote_entropy", missing_label=MISSING, random_state=0
    ).query(s.X, s.y_partial, bagging, fit_ensemble=True, batch_size=batch)
    return calls


def best_seconds(calls: dict, names: list[str], repeats: int) -> dict[str, float]:
    """Best wall time of each call over `repeats` rounds, interleaved."""
    times = {name: [] for name in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeats):
            for name in names:
                started = time.perf_counter()
                calls[name]()
                times[name].append(time.perf_counter() - started)
    return {name: min(values) for name, values in times.items()}


def peak_rss_rise(args, name: str) -> float | None:
    """Bytes the peak RSS rose while `name` ran, in a fresh process (None if it failed)."""
    command = [
        sys.executable,
        __file__,
        "--memory-child",
        name,
        "--rows",
        str(args.rows),
        "--features",
        str(args.features),
        "--labeled",
        str(args.labeled),
        "--batch",
        str(args.batch),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        print(f"  memory of {name} failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return float(json.loads(done.stdout.strip().splitlines()[-1])["bytes"])


def memory_child(args) -> None:
    setting = Setting(args.rows, args.features, args.labeled, args.seed)
    if args.memory_child.startswith("alcore "):
        strategy = args.memory_child.split(" ", 1)[1]
        call = lambda: select(strategy, setting.model, setting.pool, args.batch, np.random.default_rng(0))  # noqa: E731
    else:
        call = contenders(setting, args.batch)[args.memory_child]
    before = reset_peak_rss()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        call()
    print(json.dumps({"bytes": peak_rss() - before}))


def _status_bytes(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak_rss() -> int:
    """Set the peak RSS (VmHWM) to the current RSS and return it (Linux).

    ru_maxrss cannot be reset, and the imports and the pool's setup leave a
    peak that a strategy's own peak may not pass; clearing VmHWM measures the
    strategy's rise alone.
    """
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return _status_bytes("VmRSS")


def peak_rss() -> int:
    return _status_bytes("VmHWM")


def modal_compatible() -> None:
    """modAL 0.4.2.1 (its latest release) passes `force_all_finite` to scikit-learn's
    check_X_y, renamed `ensure_all_finite` in scikit-learn 1.6 and removed in 1.8:
    without this shim `ActiveLearner.teach` raises a TypeError on scikit-learn 1.9."""
    import modAL.models.learners as learners
    from sklearn.utils import check_X_y

    def check_X_y_renamed(*args, force_all_finite=True, **kwargs):
        return check_X_y(*args, ensure_all_finite=force_all_finite, **kwargs)

    learners.check_X_y = check_X_y_renamed


def modal_loop(X, y, seeds: int, rounds: int, initial: int, batch: int) -> list[dict]:
    """The compare experiment as a modAL user writes it: one ActiveLearner per (strategy, seed)."""
    from modAL.models import ActiveLearner
    from modAL.uncertainty import margin_sampling

    from alcore.core.models import make_model
    from alcore.experiment.simulation import split_for_simulation

    modal_compatible()
    y_codes = np.unique(y, return_inverse=True)[1]
    records = []
    for seed in range(seeds):
        train, test, first = split_for_simulation(y_codes, seed, 0.25, initial)
        rng = np.random.default_rng(seed)

        def random_sampling(classifier, X_pool, n_instances=1):
            return rng.choice(len(X_pool), size=n_instances, replace=False), None

        for name, strategy in (("random", random_sampling), ("margin", margin_sampling)):
            X_train, y_train = X[train], y_codes[train]
            learner = ActiveLearner(
                estimator=make_model("logreg", seed),
                query_strategy=strategy,
                X_training=X_train[first],
                y_training=y_train[first],
            )
            X_pool, y_pool = np.delete(X_train, first, axis=0), np.delete(y_train, first)
            records.append(
                {"strategy": name, "seed": seed, "round": 0, "accuracy": learner.score(X[test], y_codes[test])}
            )
            for round_number in range(1, rounds + 1):
                rows, _ = learner.query(X_pool, n_instances=batch)
                learner.teach(X_pool[rows], y_pool[rows])
                X_pool, y_pool = np.delete(X_pool, rows, axis=0), np.delete(y_pool, rows)
                records.append(
                    {
                        "strategy": name,
                        "seed": seed,
                        "round": round_number,
                        "accuracy": learner.score(X[test], y_codes[test]),
                    }
                )
    return records


def bench_compare(args) -> dict[str, list[float]]:
    """Seconds of each contender in every repeat, the contenders interleaved.

    The modAL loop runs on one BLAS thread, as alcore's fits do: with its default threads on a
    loaded 2-core machine it took 177 s instead of about 10 s, which measures oversubscription,
    not the loop. alcore's 2 workers are started before the timed runs, as the Explore page
    starts them when it is opened; the first (cold) call is timed apart.
    """
    from threadpoolctl import threadpool_limits

    from alcore.experiment.simulation import compare, start_workers
    from alcore.io.datasets import load_demo, to_features

    digits = load_demo("digits")
    X, y = to_features(digits), digits.labels().to_numpy()
    budget = 20 + 10 * args.rounds
    started = time.perf_counter()
    start_workers(2).join()
    print(f"starting 2 workers (once per process)                    {time.perf_counter() - started:8.3f}")

    def modal_one_thread():
        with threadpool_limits(limits=1, user_api="blas"):
            return modal_loop(X, y, args.seeds, args.rounds, 20, 10)

    calls = {
        "compare: alcore, 1 process": lambda: compare(
            X, y, ["margin"], seeds=args.seeds, initial=20, batch_size=10, budget=budget, n_jobs=1
        ),
        "compare: alcore, 2 workers": lambda: compare(
            X, y, ["margin"], seeds=args.seeds, initial=20, batch_size=10, budget=budget, n_jobs=2
        ),
        "compare: modAL plain loop": modal_one_thread,
    }
    times = {name: [] for name in calls}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(args.compare_repeats):
            for name, call in calls.items():
                started = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - started)
    return times


def uncertainty_table(setting: Setting, args, label: str) -> list[tuple]:
    calls = contenders(setting, args.batch)
    names = ["bare predict_proba"] + [name for name in calls if name.split(":")[0] in SKACTIVEML_UNCERTAINTY]
    seconds = best_seconds(calls, names, args.repeats)
    bare = seconds["bare predict_proba"]
    return [(f"{name} [{label}]", seconds[name], seconds[name] / bare) for name in names]


def print_rows(rows: list[tuple]) -> None:
    for name, seconds, ratio in rows:
        ratio_text = "" if ratio is None else f"{ratio:7.2f}"
        print(f"{name:56} {seconds:8.3f} {ratio_text:>7}", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--labeled", type=int, default=100)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--large", action="store_true", help="also the uncertainty strategies on 1,000,000 rows")
    parser.add_argument("--seeds", type=int, default=5, help="compare: seeds")
    parser.add_argument("--rounds", type=int, default=30, help="compare: rounds of 10 labels")
    parser.add_argument("--compare-repeats", type=int, default=5)
    parser.add_argument("--sections", default="speed,memory,compare", help="comma-separated: speed, memory, compare")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        return memory_child(args)
    sections = set(args.sections.split(","))

    print(
        f"Pool {args.rows:,} x {args.features}, {args.labeled} labeled, batch {args.batch}, "
        f"logistic regression with {CLASSES} classes; best of {args.repeats}."
    )
    print(
        "ratio: uncertainty = time / bare predict_proba; diverse = alcore's time / this one's "
        "(< 1: alcore faster); compare = time / the modAL loop's."
    )
    print(f"\n{'':56} {'seconds':>8} {'ratio':>7}", flush=True)
    needs_pool = "speed" in sections or "memory" in sections
    setting = Setting(args.rows, args.features, args.labeled, args.seed) if needs_pool else None
    pool_bytes = setting.X.nbytes if needs_pool else 0
    measured = []
    if "speed" in sections or "memory" in sections:
        calls = contenders(setting, args.batch)
        measured = [name for name in calls if not name.startswith("bare")]
    if "speed" in sections:
        print_rows(uncertainty_table(setting, args, f"{args.rows:,}"))
        diverse = [name for name in calls if name.split(":")[0] in ("kcenter", "badge", "qbc_vote_entropy")]
        seconds = best_seconds(calls, diverse, args.repeats)
        for group in ("kcenter", "badge", "qbc_vote_entropy"):
            ours = seconds.get(f"{group}: alcore")
            if ours is None:
                print(f"{group}: alcore -- pending (not registered yet)")
            print_rows(
                [
                    (f"{name} [{args.rows:,}]", seconds[name], None if ours is None else ours / seconds[name])
                    for name in diverse
                    if name.startswith(group + ":")
                ]
            )
    del setting
    if "speed" in sections and args.large:
        large = Setting(1_000_000, args.features, args.labeled, args.seed)
        print_rows(uncertainty_table(large, args, "1,000,000"))
        del large
    if "compare" in sections:
        times = bench_compare(args)
        modal = times["compare: modAL plain loop"]
        print(f"compare: median of {args.compare_repeats} interleaved runs; ratio = median of each run's own ratio")
        for name, values in times.items():
            ratios = [value / ours for value, ours in zip(values, modal)]
            print(
                f"{name + f' [digits, {args.seeds} seeds x {args.rounds} rounds]':56} "
                f"{statistics.median(values):8.3f} {statistics.median(ratios):7.2f}   "
                f"(ratios {min(ratios):.2f}-{max(ratios):.2f}; load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    if "memory" in sections:
        print(
            f"\nPeak memory: rise of the peak RSS during one query, fresh process each "
            f"(pool {pool_bytes / 2**20:,.0f} MiB)"
        )
        print(f"{'':56} {'MiB':>8} {'x pool':>7}", flush=True)
        for name in [f"alcore {name}" for name in strategy_names()] + [m for m in measured if "alcore" not in m]:
            rise = peak_rss_rise(args, name)
            text = "  failed" if rise is None else f"{rise / 2**20:8.1f} {rise / pool_bytes:7.2f}"
            print(f"{name:56} {text}", flush=True)


if __name__ == "__main__":
    main()
