"""Widget groups of the Explore page: settings (mirrored in the URL), the run, the results."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import RerunException, StopException

from alcore.core.models import DEFAULT_MODEL, MODELS
from alcore.core.strategies import REGISTRY, strategy_label, strategy_names
from alcore.experiment import defaults
from alcore.experiment.execution import ClusterUnavailable, TooManyComparisons, local_workers
from alcore.experiment.metrics import curve_bands, summarize, target_scores
from alcore.experiment.report import (
    describe_target,
    headline,
    results_document,
    results_json,
    saving_figures,
    summary_csv,
)
from alcore.experiment.simulation import Comparison, candidates_to_score, compare, parse_line, training_rows
from alcore.experiment.verdict import DEFAULT_SEEDS, lead
from alcore.io.datasets import DataError, Dataset, simulation_arrays
from ui.access_ui import comparison_runner
from ui.charts import chart_html, chart_png, for_slide, learning_curve_chart, overlapping_lines, savings_chart
from ui.format import (
    fmt_int,
    fmt_money,
    fmt_seconds,
)
from ui.links import dataset_from_link_ui, dataset_link, keep_comparison
from ui.narrow import table_or_cards_ui
from ui.server_config import SCHEDULER_VARIABLE, dask_scheduler
from ui.shared_budget import SharedBudget
from ui.state import Session

TARGET_KINDS = {"share": "share of the full-data accuracy", "accuracy": "accuracy"}
DEFAULTS = {
    "strategies": list(defaults.STRATEGIES),
    "model": DEFAULT_MODEL,
    "initial": None,  # what suits the table: `defaults.initial_for`, as `alcore simulate` without --initial
    "batch": defaults.BATCH_SIZE,
    "budget": None,  # what the table can use: `defaults.budget_for`, as `alcore simulate` without --budget
    "seeds": defaults.SEEDS,
    "target_kind": "share",
    "target": defaults.TARGET_SHARE,
    "cost": defaults.COST_PER_LABEL,
    "currency": defaults.CURRENCY,
    "semi_supervised": False,
}
_NUMBERS = {"initial": int, "batch": int, "budget": int, "seeds": int, "target": float, "cost": float}
_KEY = "explore."  # prefix of this page's widget keys in st.session_state


def settings_from_link(params, remembered: dict) -> dict:
    """Settings from the URL's query parameters over the remembered ones over DEFAULTS; bad values are ignored."""
    settings = DEFAULTS | remembered
    for name, convert in _NUMBERS.items():
        try:
            settings[name] = convert(params[name]) if name in params else settings[name]
        except ValueError:
            pass
    if params.get("strategies"):
        known = [name for name in params["strategies"].split(",") if name in REGISTRY and name != "random"]
        settings["strategies"] = known or settings["strategies"]
    if params.get("model") in MODELS:
        settings["model"] = params["model"]
    if params.get("target_kind") in TARGET_KINDS:
        settings["target_kind"] = params["target_kind"]
    settings["currency"] = params.get("currency", settings["currency"])[:3]
    if "semi_supervised" in params:
        settings["semi_supervised"] = params["semi_supervised"] == "True"
    return settings


def settings_to_link(settings: dict, state: Session) -> dict[str, str]:
    """Query parameters that reproduce `settings` and the dataset (a demo, or an upload kept by its hash)."""
    link = {name: str(value) for name, value in settings.items() if name != "strategies"}
    link["strategies"] = ",".join(settings["strategies"])
    return link | dataset_link(state.dataset, state.source_key, state.label_ranges)


def dataset_ui(state: Session) -> Dataset | None:
    """The dataset the link names, else the session's; None (with a way on) if neither."""
    dataset_from_link_ui(state)
    if state.dataset is None:
        state.explore_settings = settings_from_link(st.query_params, state.explore_settings)  # for after the upload
        st.info("First load a table with known labels, or pick a demo.")
        st.page_link("app_pages/data.py", label="Go to the Data page", icon=":material/table_chart:")
    return state.dataset


def _init_widgets(settings: dict, n_rows: int) -> None:
    """Give each keyed widget its value (its own, else the link's or the remembered settings', else for the
    budget and the initial labels what suits this table), kept within what this dataset allows so a number box
    never starts out of range. n_rows: the labeled rows a simulation replays (`simulation_rows`).

    Set on every run, so that the page always sends each widget's value to the browser: set once, a widget
    whose browser side was drawn anew during a run (seen after a first Run: the strategies box and the
    currency came back empty while the server still held them) showed its empty default, and the next
    Run sent that emptiness back ("Choose at least one strategy", a link without strategies)."""
    limits = {
        "initial": (2, max(2, training_rows(n_rows))),
        "budget": (4, max(4, n_rows)),
        "batch": (1, 500),
        "seeds": (1, 20),
        "target": (0.05, 1.0),
        "cost": (0.0, 1_000_000.0),
    }
    for name, value in settings.items():
        key = _KEY + name
        if value is None and name in ("budget", "initial"):
            value = defaults.budget_for(n_rows) if name == "budget" else defaults.initial_for(n_rows)
        if name in limits:
            low, high = limits[name]
            clamped = min(max(st.session_state.get(key, value), low), high)
            st.session_state[key] = clamped
        else:  # set on every run, not once: see the docstring
            st.session_state[key] = st.session_state.get(key, value)


SIMULATION = ("strategies", "model", "initial", "batch", "budget", "seeds", "semi_supervised")
GOAL = ("target_kind", "target", "cost", "currency")


def simulation_ui(settings: dict, n_rows: int) -> tuple[dict, bool]:
    """The simulation form for a table whose simulation replays n_rows labeled rows; returns (its settings,
    whether Run was pressed)."""
    _init_widgets(settings, n_rows)
    with st.form("simulation"):
        st.multiselect(
            "Strategies to compare",
            [name for name in strategy_names() if name != "random"],
            key=_KEY + "strategies",
            format_func=strategy_label,
            help="\n".join(
                f"- **{strategy_label(name)}**: {info.description}" for name, info in sorted(REGISTRY.items())
            ),
        )
        st.caption("Random picking always runs too, as the reference every strategy is measured against.")
        st.selectbox(
            "Model", list(MODELS), key=_KEY + "model", format_func=lambda name: f"{name}: {MODELS[name].description}"
        )
        left, right = st.columns(2)
        left.number_input(
            "Initial labeled rows",
            2,
            max(2, training_rows(n_rows)),
            key=_KEY + "initial",
            help="Rows labeled at random before any strategy starts choosing, the same for every strategy: only "
            f"the labels after them tell strategies apart. The default here, {fmt_int(defaults.initial_for(n_rows))}, "
            "leaves them most of each run's labels.",
        )
        right.number_input("Rows labeled per round (batch)", 1, 500, key=_KEY + "batch")
        left.number_input(
            "Budget: most labels in total",
            4,
            max(4, n_rows),
            key=_KEY + "budget",
            help="A run stops when this many rows are labeled (the initial ones included). This table lets a run "
            f"label at most {fmt_int(training_rows(n_rows))}: the others are held out for testing.",
        )
        right.number_input(
            "Repetitions (seeds)",
            1,
            20,
            key=_KEY + "seeds",
            help="Each repetition uses a different test split and initial rows. A verdict needs "
            f"{DEFAULT_SEEDS} seeds for up to three strategies beside random (more strategies need more).",
        )
        st.checkbox(
            "Also learn from the unlabeled rows (semi-supervised)",
            key=_KEY + "semi_supervised",
            help="Adds a line '<strategy> + semi-supervised' beside each strategy: its model also trains on the "
            "unlabeled rows it is at least 90% sure of, with its own guess as their label, at most as many per "
            "class as the class has labels (the surest ones). Random and the plain "
            "lines stay supervised, so they compare as without it; each semi-supervised line is compared with "
            "the same plain random.",
        )
        scheduler = dask_scheduler()
        st.caption(
            f"Runs on the Dask cluster at `{scheduler}`, set by this server's operator."
            if scheduler
            else "Runs on this server. Its operator can send runs to a Dask cluster instead "
            f"(`{SCHEDULER_VARIABLE}` or `[dask] scheduler` in `.streamlit/secrets.toml`)."
        )
        run = st.form_submit_button("Run comparison", type="primary", icon=":material/play_arrow:")
    return {name: st.session_state[_KEY + name] for name in SIMULATION}, run


def goal_ui() -> dict:
    """Target and cost: they only change how results are read, so no new run is needed."""
    st.markdown("**Goal and cost** (changing these updates the results without running again)")
    left, right = st.columns(2)
    left.selectbox("Target", list(TARGET_KINDS), key=_KEY + "target_kind", format_func=TARGET_KINDS.get)
    left.number_input(
        "Target value",
        0.05,
        1.0,
        step=0.01,
        format="%.2f",
        key=_KEY + "target",
        help="0.90 means 90% accuracy, or 90% of what a model trained on all labeled rows reaches.",
    )
    right.number_input("Cost per label", 0.0, 1_000_000.0, step=0.5, key=_KEY + "cost")
    right.text_input("Currency symbol", max_chars=3, key=_KEY + "currency")
    return {name: st.session_state[_KEY + name] for name in GOAL}


def run_ui(settings: dict, state: Session) -> Comparison | None:
    """Run `compare` with a progress bar, time left and a Stop button; None if the data is unfit.

    A click (Stop, or any widget) asks Streamlit to rerun the page, which it does by raising at the next
    progress update. That request is held back until `compare` has stopped at the end of its current
    round and the rounds that finished are kept in `state.comparison` (marked partial), then let go.
    """
    try:
        with st.spinner("Preparing the features…"):  # shown only while they are still being built
            kept = simulation_features(state)
            X, y = kept.result() if kept is not None else simulation_arrays(state.dataset)
    except DataError as error:
        st.error(str(error))
        return None
    state.run_active = True  # before the Stop button exists
    try:
        return _progress_and_stop_ui(X, y, settings, state)
    finally:
        state.run_active = False


_FEATURE_BUILDERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="alcore-features")
"""Threads that turn a table into features while its Explore page is read (a few users at once)."""


KEEP_FEATURES_CELLS = 2_000_000
"""Tables of up to this many cells keep their Explore features in the session; a larger table's features (up
to ten times its cells once categories are one-hot) are built on each Run and let go after it, so that a
browser left open does not hold hundreds of megabytes."""


KEPT_FEATURES = SharedBudget(megabytes=1_000)
"""Features kept by all sessions together: past it a session's features are let go once built and built on each
Run instead. Each browser tab on a link kept its own: one tab of a 19 MB table of 10 categorical columns held
550 MB of one-hot features, and a visitor opening tabs by the dozen took the server's memory."""


def simulation_features(state: Session) -> Future | None:
    """The session dataset's (X, y) for a simulation, started in the background the first time it is asked
    for with this table, roles and labels, and kept: opening Explore starts it, so a Run pressed a few seconds
    later finds it built (about a second for 20,000 tweets' TF-IDF), and a second Run never builds it again.
    None for a table of more than KEEP_FEATURES_CELLS cells, and once built when the features of every
    session together would pass KEPT_FEATURES. The future raises DataError when the labels cannot drive a
    simulation."""
    if state.dataset.frame.size > KEEP_FEATURES_CELLS:
        state.simulation_features = None
        return None
    if state.simulation_features is None or state.simulation_features[0] != state.dataset_key:
        future = _FEATURE_BUILDERS.submit(simulation_arrays, state.dataset)
        state.simulation_features = (state.dataset_key, future)
        future.add_done_callback(partial(_keep_or_let_go, state, state.dataset_key))
    return state.simulation_features[1]


def _keep_or_let_go(state: Session, dataset_key: str, future: Future) -> None:
    """Count built features against KEPT_FEATURES until they are garbage (their session closed, or its table
    changed); when they do not fit, the session lets them go (a Run then builds its own, as for a large table)."""
    if future.cancelled() or future.exception() is not None:
        return
    X, y = future.result()
    fits = KEPT_FEATURES.hold(X, _nbytes(X) + _nbytes(y))
    if not fits and state.simulation_features is not None and state.simulation_features[1] is future:
        state.simulation_features = (dataset_key, None)


def _nbytes(array) -> int:
    """Bytes of a NumPy array or a SciPy sparse matrix (text features are sparse)."""
    if hasattr(array, "nbytes"):
        return int(array.nbytes)
    return sum(int(getattr(array, part).nbytes) for part in ("data", "indices", "indptr") if hasattr(array, part))


def _progress_and_stop_ui(X, y, settings: dict, state: Session) -> Comparison | None:
    bar = st.progress(0.0, text="Starting the runs…")
    stop_slot = st.empty()
    stop_slot.button("Stop", icon=":material/stop_circle:", on_click=lambda: setattr(state, "run_stopped", True))
    # Where a refusal is said. Made before the run, so that a refusal from the Run before does not stay on
    # screen (greyed, but red and legible) beside the progress bar for as long as this run takes.
    notice = st.empty()
    started, interrupted = time.monotonic(), []

    def report(done: int, total: int) -> None:
        if interrupted:
            return
        left = (time.monotonic() - started) / done * (total - done) if done else None
        try:
            bar.progress(
                done / total,
                text=f"{fmt_int(done)} of {fmt_int(total)} rounds done (all strategies and seeds), "
                f"about {fmt_seconds(left)} left",
            )
        except (RerunException, StopException) as request:
            interrupted.append(request)

    comparison = _compare_kept(X, y, settings, state, report, interrupted, notice)
    bar.empty()
    stop_slot.empty()
    return comparison


def _compare_kept(X, y, settings: dict, state: Session, report, interrupted: list, notice) -> Comparison | None:
    """`compare` with the page's settings; its results are kept (partial ones too, before the held-back
    rerun request is let go). A refusal is written in `notice` (an `st.empty`)."""
    person, most_running = comparison_runner()
    try:
        comparison = compare(
            X,
            y,
            settings["strategies"],
            model=settings["model"],
            seeds=settings["seeds"],
            initial=settings["initial"],
            batch_size=settings["batch"],
            budget=settings["budget"],
            progress=report,
            should_stop=lambda: bool(interrupted),
            max_candidates=candidates_to_score(len(y)),
            n_jobs=local_workers(),
            scheduler=dask_scheduler(),
            semi_supervised=settings["semi_supervised"],
            person=person,
            most_running=most_running,
        )
    except ClusterUnavailable as error:
        notice.error(f"{error} Ask this server's operator to fix or remove the configured scheduler.")
        comparison = None
    except TooManyComparisons as error:  # nothing ran: the settings and the results shown stay as they were
        notice.error(str(error), icon=":material/hourglass_top:")
        comparison = None
    if interrupted:
        if comparison is not None and not comparison.curves.empty:
            state.comparison = comparison
            keep_comparison(state, settings, comparison)
        raise interrupted[0]
    if comparison is not None:
        keep_comparison(state, settings, comparison)
    return comparison


def stopped_run_ui(state: Session) -> None:
    """After Stop: wait for the stopped run to keep its finished rounds (Streamlit starts this rerun while
    the stopped one is still ending its round), then say what was kept."""
    with st.spinner("Keeping the rounds that finished…"):
        deadline = time.monotonic() + 60
        while state.run_active and time.monotonic() < deadline:
            time.sleep(0.05)
    kept = state.comparison is not None and state.comparison.stopped_early
    st.warning(
        "The comparison was stopped. "
        + ("The rounds that finished are shown below, marked partial." if kept else "No round had finished yet.")
    )
    state.run_stopped = False


def stale_settings(comparison: Comparison, settings: dict) -> list[str]:
    """How the shown results' settings differ from the form's, in words; empty when they match."""
    ran = comparison.settings
    plain = [name for name in ran["strategies"] if not parse_line(name)[1]]
    pairs = {
        "strategies": (
            ", ".join(strategy_label(s) for s in plain if s != "random"),
            ", ".join(map(strategy_label, settings["strategies"])),
        ),
        "semi-supervised lines": (ran.get("semi_supervised", False), settings.get("semi_supervised", False)),
        "model": (ran["model"], settings["model"]),
        "initial labeled rows": (ran["initial"], settings["initial"]),
        "batch": (ran["batch_size"], settings["batch"]),
        "budget": (ran["budget"], settings["budget"]),
        "seeds": (len(ran["seeds"]), settings["seeds"]),
    }
    return [f"{name} {then} (now {now})" for name, (then, now) in pairs.items() if str(then) != str(now)]


def _goal(settings: dict) -> tuple[float, bool]:
    return float(settings["target"]), settings["target_kind"] == "share"


def target_line(comparison: Comparison, target: float, relative: bool) -> float:
    """Where to draw the target on the chart: for a share, its mean over seeds."""
    goal = target_scores(target, relative, comparison.full_scores)
    return statistics.fmean(goal.values()) if isinstance(goal, dict) else goal


def summary_table(summary: pd.DataFrame, cost: float, currency: str) -> pd.DataFrame:
    """The per-strategy summary with the engine's own words for every figure (`saving_figures`)."""
    columns = {
        "verdict": "Verdict",
        "labels_to_target": "Labels to target",
        "random_needed": "Random needed",
        "labels_saved": "Labels saved",
        "interval": "Labels saved, 95% interval",
        "fewer_labels": "Share of labels saved",
        "money_saved": "Money saved",
        "p_value": "p (paired, Holm)",
        "area": "Area under curve (95% CI)",
    }
    rows = [saving_figures(row, cost, currency) for row in summary.to_dict(orient="records")]
    table = pd.DataFrame([{title: row[key] for key, title in columns.items()} for row in rows])
    table.insert(0, "Strategy", summary["strategy"].map(strategy_label).to_list())
    return table


BOXES = {"win": st.success, "at_least": st.success, "random_better": st.warning}
"""Only a win is green; random being better is a warning; anything undecided is plain information."""


def results_ui(comparison: Comparison, settings: dict, dataset: Dataset) -> None:
    """Headline, learning curves, savings chart and table, and the downloads.

    One summary feeds the headline, the chart, the table and the files. The files and the charts' slide versions
    are built when their button is pressed, not on every draw: on 50,000 police stops a second summary, the results
    document and the slides took 0.4 s of the 0.9 s the results took to draw (pyinstrument, load average 11-15)."""
    target, relative = _goal(settings)
    cost, currency = float(settings["cost"]), settings["currency"] or "$"
    summary = summarize(comparison, target, relative, cost)
    sentence = headline(summary, target, relative, cost, currency)
    lead_verdict, _ = lead(summary.to_dict(orient="records"))
    BOXES.get(lead_verdict, st.info)(sentence, icon=":material/campaign:")
    goal = target_line(comparison, target, relative)
    bands = curve_bands(comparison.curves)
    curves = learning_curve_chart(bands, goal, target_label=describe_target(target, relative))
    st.altair_chart(curves, width="stretch")
    for hidden, shown in overlapping_lines(bands):
        st.caption(f"The {hidden} line lies exactly under {shown}'s: both reached the same accuracy at every point.")
    measure = st.radio("Savings in", ["labels", "money"], horizontal=True, key=_KEY + "measure")
    savings = savings_chart(summary, measure, currency, cost)
    st.altair_chart(savings, width="stretch")
    table_or_cards_ui(summary_table(summary, cost, currency), "Strategy", "results")
    scored = comparison.settings.get("max_candidates")
    if scored:
        st.caption(
            f"A large table: each round scored a random {fmt_int(scored)} of the unlabeled rows, drawn afresh, "
            "rather than every one, so that the comparison answers in seconds."
        )
    if comparison.stopped_early:
        st.warning(
            "Partial results: this comparison was stopped before the end, and the figures cover only the rounds "
            "that finished. Press Run comparison for the full picture.",
            icon=":material/hourglass_bottom:",
        )
    document = partial(
        results_document,
        comparison,
        target,
        relative,
        cost,
        dataset=dataset.summary(),
        currency=currency,
        summary=summary,
    )
    context = (
        f"{dataset.name} · {len(comparison.full_scores)} seeds · target {describe_target(target, relative)} · "
        f"{fmt_money(cost, currency)} per label"
    )
    slides = {
        "learning-curves": partial(for_slide, curves, "Learning curves against random", context, sentence),
        "savings": partial(for_slide, savings, "Savings against random at the target", context, sentence),
    }
    downloads_ui(comparison, document, slides)


def downloads_ui(comparison: Comparison, document: Callable[[], dict], slides: dict[str, Callable]) -> None:
    """Results as CSV and JSON (the JSON `alcore simulate --out` writes); each chart as PNG and HTML.

    document: makes the results document; slides: name -> makes that chart titled for a slide. Each file is made
    when its button is pressed (Streamlit calls a callable `data` then)."""
    st.markdown("**Downloads**")
    left, right = st.columns(2)
    left.download_button(
        "Summary (CSV)",
        lambda: summary_csv(document()),
        "alcore-summary.csv",
        "text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        "Results (CSV)",
        lambda: comparison.curves.to_csv(index=False),
        "alcore-results.csv",
        "text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
    # Same serialisation as the command line's --out, so both files are identical.
    left.download_button(
        "Results (JSON)",
        lambda: results_json(document()),
        "alcore-results.json",
        "application/json",
        on_click="ignore",
        icon=":material/download:",
    )
    chart_formats = (
        (left, "PNG", chart_png, "png", "image/png", ":material/image:"),
        (right, "HTML", chart_html, "html", "text/html", ":material/code:"),
    )
    for name, slide in slides.items():
        for column, label, render, extension, mime, icon in chart_formats:
            column.download_button(
                f"{name.replace('-', ' ').capitalize()} ({label})",
                lambda slide=slide, render=render: render(slide()),
                f"alcore-{name}.{extension}",
                mime,
                on_click="ignore",
                icon=icon,
            )
