"""Where `compare`'s simulations run: this process, local worker processes, or a Dask cluster.

Every backend keeps one contract for the caller (a Streamlit script, the
command line): `progress(done_rounds, total_rounds)` and `should_stop()` are
called in the caller's thread, progress moves once per simulated round, and a
stop request reaches running simulations between rounds.

- in process (n_jobs=1): the simulations run one after another in the
  caller's thread, so progress and the stop flag are plain calls;
- local worker processes (n_jobs > 1): joblib's loky processes, which stay
  up between runs (an hour idle) so that only the first run of a server pays
  to start them (about 3 s on this 2-core machine), and `start_local_workers`
  pays it ahead, while a person is still choosing settings; rounds are
  reported through a queue of one `multiprocessing.Manager`, also started
  once, and the stop flag is one of its events;
- a Dask cluster (scheduler = an address or a `distributed.Client`): joblib's
  Dask backend ships the jobs to the cluster's workers, which may be other
  machines a manager queue cannot reach; rounds are reported through a
  `distributed.Queue` and the stop flag is a `distributed.Event`, both held by
  the scheduler, which every worker and the caller can reach. The workers need
  alcore (same version) installed.

In both parallel cases joblib runs in a helper thread, so that the caller's
thread stays free to draw the progress bar and poll the stop button.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import queue
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator

from joblib import Parallel, cpu_count, delayed, parallel_config


class SimulationStopped(Exception):
    """Raised inside a simulation when its caller asked it to stop."""


class Progress:
    """Counts finished rounds against a total that shrinks when a run stops early."""

    def __init__(self, n_jobs: int, rounds_per_job: int | list[int], report: Callable[[int, int], None] | None):
        """rounds_per_job: the rounds each job makes if nothing stops it, one number for all or one per job."""
        self.expected = [rounds_per_job] * n_jobs if isinstance(rounds_per_job, int) else list(rounds_per_job)
        self.done = 0
        self.report = report

    def rounds_done(self, count: int = 1) -> None:
        if count:
            self.done += count
            self._tell()

    def job_done(self, job: int, rounds: int) -> None:
        self.expected[job] = rounds
        self._tell()

    def _tell(self) -> None:
        if self.report is not None:
            total = sum(self.expected)
            self.report(min(self.done, total), total)


class TooManyComparisons(RuntimeError):
    """This person already has as many comparisons queued or running as the server allows one person at once.

    Its message says what to do, in words a page shows as they are."""


class RunningPerPerson:
    """How many comparisons each person has queued or running in this process, and a limit on it.

    The workers bound how many jobs run at once, not how many wait: every comparison's jobs join one queue, so
    a visitor who starts comparisons in tab after tab (20 seeds, batch 1, a big table) fills it and everyone
    else's runs wait behind theirs. A person is whatever the caller names (a signed-in e-mail, a browser); a
    comparison counts from its admission until its last job is back (finished or stopped)."""

    def __init__(self):
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    def running(self, person: str) -> int:
        """How many comparisons `person` has queued or running now."""
        with self._lock:
            return self._running[person]

    @contextlib.contextmanager
    def admitted(self, person: str | None, most: int | None) -> Iterator[None]:
        """Count one comparison of `person` for the time of the block; TooManyComparisons instead, before the block
        runs, when they already have `most` (None: no limit). person None: nobody is counted (the command line)."""
        if person is None:
            yield
            return
        with self._lock:
            running = self._running[person]
            if most is not None and running >= most:
                what_to_do = (
                    "Wait for it to finish or stop it" if running == 1 else "Wait for one to finish or stop one"
                )
                raise TooManyComparisons(
                    f"You already have {running:,} comparison{'s' if running != 1 else ''} queued or running on this "
                    f"server, the most it allows one person at once. {what_to_do}, then run this one again (or ask "
                    "the server's operator to raise the limit)."
                )
            self._running[person] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[person] -= 1
                if not self._running[person]:
                    del self._running[person]


RUNNING = RunningPerPerson()
"""The comparisons of this process (a server's one Streamlit process), counted per person."""


JobFunction = Callable[..., object]
"""run_job(X, y, strategy, seed, options, on_round) -> a SimulationRun (anything with `.records`).

It must be a module-level function (it is pickled to worker processes) and
call on_round(record) after each round; on_round may raise SimulationStopped.
"""


def run_jobs(
    run_job: JobFunction,
    jobs: list[tuple[str, int]],
    X,
    y,
    options: dict,
    n_jobs: int,
    progress: Progress,
    should_stop: Callable[[], bool] | None,
    scheduler=None,
) -> list:
    """Run every (strategy, seed) job; results in the order of `jobs`.

    scheduler: None (local), a Dask scheduler address ("tcp://host:8786") or a
    `distributed.Client`. With a scheduler, n_jobs is ignored: the cluster's
    workers take as many jobs at once as they have threads.
    """
    if scheduler is not None:
        return _run_in_workers(run_job, jobs, X, y, options, -1, progress, should_stop, _DaskChannel(scheduler))
    if n_jobs == 1:
        return _run_in_process(run_job, jobs, X, y, options, progress, should_stop)
    return _run_in_workers(run_job, jobs, X, y, options, n_jobs, progress, should_stop, _LocalChannel())


def _run_in_process(run_job, jobs, X, y, options, progress: Progress, should_stop) -> list:
    runs = []
    stop = threading.Event()
    for job, (strategy, seed) in enumerate(jobs):
        if stop.is_set():
            break

        def on_round(record: dict) -> None:
            progress.rounds_done()
            if should_stop is not None and should_stop():
                stop.set()
            if stop.is_set():
                raise SimulationStopped

        run = run_job(X, y, strategy, seed, options, on_round)
        progress.job_done(job, len(run.records))
        runs.append(run)
    return runs


def _worker_job(run_job, job: int, X, y, strategy: str, seed: int, options: dict, messages, abort):
    """One simulation in a worker; each round is reported, and an abort is honoured between rounds."""

    def on_round(record: dict) -> None:
        messages.put(job)
        if abort.is_set():
            raise SimulationStopped

    return job, run_job(X, y, strategy, seed, options, on_round)


LOCAL_WORKER_IDLE_SECONDS = 3600
"""How long idle local workers wait for the next run before they exit (joblib's default: 300 s)."""


def local_workers() -> int:
    """Worker processes for a run on this machine: one per core joblib may use (cgroup limits included)."""
    return max(1, cpu_count())


def _local_backend():
    return parallel_config(backend="loky", idle_worker_timeout=LOCAL_WORKER_IDLE_SECONDS)


_manager_lock = threading.Lock()


def _manager():
    """One manager process for this process's runs: starting one per run cost 0.1-0.5 s.

    Locked: the page's warm-up thread and a run (or two users' runs) may ask for it at once.
    """
    with _manager_lock:
        return _started_manager()


@functools.cache
def _started_manager():
    """Started by spawning a fresh interpreter, never by forking this one: a forked manager inherited every
    socket of the process that started it. Under Streamlit those are the browsers' keep-alive connections;
    when the server closed one, the manager's copy kept it open, the browser sent its next request down it
    and nobody ever answered (Explore's charts stayed grey placeholders, their code files pending forever).
    """
    return multiprocessing.get_context("spawn").Manager()


def _ready(run_job: JobFunction) -> int:
    """A worker's first task: unpickling `run_job` imports its module (scikit-learn and all)."""
    return os.getpid()


_started = {"at": -float("inf")}  # when start_local_workers last ran in this process (monotonic seconds)


def start_local_workers(run_job: JobFunction, n_jobs: int) -> threading.Thread | None:
    """Start the local workers (and their manager) in the background, so the next run finds them warm.

    Cheap to call on every page view: it does nothing when it ran less than
    half the workers' idle time ago. Returns the thread doing it (None when
    nothing was needed); nobody needs to wait for it: a run started meanwhile
    uses the same workers once they are up.
    """
    now = time.monotonic()
    if now - _started["at"] < LOCAL_WORKER_IDLE_SECONDS / 2:
        return None
    _started["at"] = now

    def start() -> None:
        try:
            _manager()
            with _local_backend():
                Parallel(n_jobs=n_jobs)(delayed(_ready)(run_job) for _ in range(n_jobs))
        except RuntimeError:
            if threading.main_thread().is_alive():
                raise
            _stop_children_left_by_exit()

    thread = threading.Thread(target=start, name="alcore-start-workers", daemon=True)
    thread.start()
    return thread


def _stop_children_left_by_exit() -> None:
    """The process began exiting while the workers were starting (a server stopped, a test session ending, a
    few seconds after Explore was opened). loky had spawned its workers but could no longer start the
    thread that stops them ("can't register atexit after shutdown"), and the exit waited for them forever.
    They, and the manager, were only being warmed up: stop them so the exit can finish."""
    for child in multiprocessing.active_children():
        child.terminate()


class _LocalChannel:
    """Round messages and the stop flag shared with local worker processes (a manager's queue and event)."""

    def __enter__(self) -> _LocalChannel:
        manager = _manager()
        self.messages, self.abort = manager.Queue(), manager.Event()
        return self

    def __exit__(self, *error) -> None:
        del self.messages, self.abort  # the manager drops a queue and an event with their last proxy

    def backend(self):
        return _local_backend()

    def drain(self) -> int:
        """How many rounds were reported since the last call."""
        count = 0
        while not self.messages.empty():
            self.messages.get()
            count += 1
        return count


SCHEDULER_CONNECT_SECONDS = 10
"""How long to try reaching a scheduler: Dask's default of 30 s is long for a person waiting at a page."""


class ClusterUnavailable(RuntimeError):
    """The Dask cluster cannot be used: dask is missing, or the scheduler cannot be reached.

    Its message says what to check, in words the command line and the Explore
    page both show as they are.
    """


class _DaskChannel:
    """Round messages and the stop flag on a Dask scheduler, reachable from workers on any machine."""

    def __init__(self, scheduler):
        self.scheduler = scheduler

    def __enter__(self) -> _DaskChannel:
        try:
            from distributed import Client, Event, Queue
            from distributed.comm import parse_address
            from distributed.comm.addressing import parse_host_port
        except ImportError:
            raise ClusterUnavailable("Running on a Dask cluster needs dask: pip install 'alcore[dask]'.") from None
        self._owns_client = not isinstance(self.scheduler, Client)
        try:
            if self._owns_client:
                # A malformed address is refused before Client starts its event loop: a failed start left
                # distributed's shared loop state broken for later clusters in a Streamlit server's threads.
                parse_host_port(parse_address(self.scheduler)[1])
            self.client = (
                Client(self.scheduler, set_as_default=False, timeout=SCHEDULER_CONNECT_SECONDS)
                if self._owns_client
                else self.scheduler
            )
        except (OSError, ValueError) as error:  # refused, timed out, or not an address
            raise ClusterUnavailable(
                f"Could not reach the Dask scheduler at {self.scheduler}: {error}. Check the address, and that "
                "alcore[dask] is installed here and on the workers."
            ) from error
        name = uuid.uuid4().hex
        self.messages = Queue(f"alcore-rounds-{name}", client=self.client)
        self.abort = Event(f"alcore-stop-{name}", client=self.client)
        return self

    def __exit__(self, *error) -> None:
        try:
            self.messages.close()
            self.abort.clear()  # the scheduler forgets an event that is clear and awaited by no one
        finally:
            if self._owns_client:
                self.client.close()

    def backend(self):
        return parallel_config(backend="dask", client=self.client)

    def drain(self) -> int:
        return len(self.messages.get(batch=True))


def _run_in_workers(run_job, jobs, X, y, options, n_jobs: int, progress: Progress, should_stop, channel) -> list:
    """Runs jobs with joblib in a helper thread while this thread relays progress and stop requests."""
    finished: queue.Queue = queue.Queue()
    with channel:
        messages, abort = channel.messages, channel.abort  # the helper thread may outlive the channel's block

        def run_all() -> None:
            try:
                tasks = (
                    delayed(_worker_job)(run_job, job, X, y, strategy, seed, options, messages, abort)
                    for job, (strategy, seed) in enumerate(jobs)
                )
                with channel.backend():
                    for result in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(tasks):
                        finished.put(result)
            except BaseException as error:  # re-raised in the caller's thread
                finished.put(error)
            finished.put(None)

        worker = threading.Thread(target=run_all, daemon=True)
        worker.start()
        try:
            runs = _relay(finished, channel, progress, should_stop)
        except BaseException:
            # The caller is gone (a Streamlit rerun raises here, in its progress callback): the
            # workers stop at their next round instead of finishing runs nobody will read.
            channel.abort.set()
            raise
        worker.join()
    return [run for _, run in sorted(runs, key=lambda pair: pair[0])]


def _relay(finished: queue.Queue, channel, progress: Progress, should_stop) -> list:
    """Relay rounds and stop requests until every job is back; returns (job, run) pairs."""
    runs, done = [], False
    while not done:
        progress.rounds_done(channel.drain())
        if should_stop is not None and should_stop():
            channel.abort.set()
        try:
            item = finished.get(timeout=0.1)
        except queue.Empty:
            continue
        if isinstance(item, BaseException):
            raise item
        if item is None:
            done = True
        else:
            job, run = item
            progress.rounds_done(channel.drain())  # this job's last rounds before its total shrinks
            progress.job_done(job, len(run.records))
            runs.append((job, run))
    return runs
