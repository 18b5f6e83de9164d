"""alcore: active learning that labels less and learns as much.

The engine behind the dashboard and the `alcore` command; it never imports
Streamlit. Data flows one way: a file -> `data` -> `Pool` -> a strategy picks
rows -> labels (an oracle, or a person through `store`) -> the model refits
-> `metrics` -> a page or a file.
"""

from alcore.data import DEMOS, DataError, Dataset, Role, load_demo, make_dataset, read_table, to_features
from alcore.labeling import BatchView, LabelingSession
from alcore.loop import ActiveLearner, Comparison, SimulationRun, compare, simulate
from alcore.metrics import area_under_curve, curve_bands, labels_to_target, summarize
from alcore.models import MODELS, make_model
from alcore.pool import EmptyPoolError, LabelSource, Pool
from alcore.report import headline, results_document
from alcore.scoring import Picks, score_parquet
from alcore.stopping import StoppingRule
from alcore.store import ProjectStore
from alcore.strategies import Query, get_strategy, register, select, strategy_names

__all__ = [
    "DEMOS", "DataError", "Dataset", "Role", "load_demo", "make_dataset", "read_table", "to_features",
    "BatchView", "LabelingSession", "ProjectStore",
    "ActiveLearner", "Comparison", "SimulationRun", "compare", "simulate",
    "area_under_curve", "curve_bands", "labels_to_target", "summarize",
    "MODELS", "make_model",
    "EmptyPoolError", "LabelSource", "Pool",
    "headline", "results_document",
    "Picks", "score_parquet",
    "StoppingRule",
    "Query", "get_strategy", "register", "select", "strategy_names",
]
