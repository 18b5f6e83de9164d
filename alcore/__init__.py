"""alcore: active learning that labels less and learns as much.

The engine behind the dashboard and the `alcore` command; it never imports
Streamlit. Data flows one way: a file -> `alcore.io` -> `Pool` -> a strategy
picks rows -> labels (an oracle in `alcore.experiment`, or a person through
`alcore.labeling`'s store) -> the model refits -> metrics -> a page or a file.
What README.md shows is exported here (`__all__`).
"""

from alcore.core.learner import ActiveLearner
from alcore.core.models import MODELS, make_model
from alcore.core.pool import EmptyPoolError, LabelSource, Pool
from alcore.core.stopping import StoppingRule
from alcore.core.strategies import (
    STRATEGIES,
    Query,
    StrategyInfo,
    get_strategy,
    new_memory,
    register,
    select,
    strategy_names,
    strategy_settings,
)
from alcore.experiment.metrics import (
    area_under_curve,
    curve_bands,
    labels_to_target,
    summarize,
)
from alcore.experiment.report import headline, results_document, saving_figures
from alcore.experiment.simulation import Comparison, SimulationRun, compare, simulate
from alcore.experiment.verdict import DEFAULT_SEEDS, VERDICTS
from alcore.io.chunked_scoring import Picks, score_parquet
from alcore.io.datasets import (
    DEMOS,
    DataError,
    Dataset,
    Role,
    load_demo,
    make_dataset,
    read_table,
    to_features,
)
from alcore.labeling.project_monitoring import project_report, project_report_markdown
from alcore.labeling.session import BatchView, LabelingSession
from alcore.labeling.store import ProjectStore

__all__ = [
    "DEMOS",
    "DataError",
    "Dataset",
    "Role",
    "load_demo",
    "make_dataset",
    "read_table",
    "to_features",
    "BatchView",
    "LabelingSession",
    "ProjectStore",
    "ActiveLearner",
    "Comparison",
    "SimulationRun",
    "compare",
    "simulate",
    "area_under_curve",
    "curve_bands",
    "labels_to_target",
    "summarize",
    "MODELS",
    "make_model",
    "EmptyPoolError",
    "LabelSource",
    "Pool",
    "headline",
    "results_document",
    "saving_figures",
    "DEFAULT_SEEDS",
    "VERDICTS",
    "Picks",
    "score_parquet",
    "StoppingRule",
    "Query",
    "get_strategy",
    "register",
    "select",
    "strategy_names",
    "strategy_settings",
    "new_memory",
    "STRATEGIES",
    "StrategyInfo",
    "project_report",
    "project_report_markdown",
]
