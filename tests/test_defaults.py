"""One default configuration everywhere: the Python API, `alcore simulate`, Explore and labeling projects."""

import inspect

from alcore.cli import build_parser
from alcore.core.learner import DEFAULT_STRATEGY, ActiveLearner
from alcore.core.models import DEFAULT_MODEL
from alcore.experiment.simulation import compare, simulate
from alcore.labeling.session import LabelingSession
from ui.explore_ui import DEFAULTS


def _default(function, name):
    return inspect.signature(function).parameters[name].default


def test_the_strategy_model_and_semi_supervision_are_the_same_everywhere():
    cli = build_parser().parse_args(["simulate", "demo:iris"])
    assert _default(ActiveLearner, "strategy") == _default(simulate, "strategy") == DEFAULT_STRATEGY
    assert _default(LabelingSession.create, "strategy") == DEFAULT_STRATEGY
    assert cli.strategies[0] == DEFAULTS["strategies"][0] == DEFAULT_STRATEGY
    assert cli.model == DEFAULTS["model"] == _default(LabelingSession.create, "model") == DEFAULT_MODEL
    assert _default(ActiveLearner, "estimator") == _default(compare, "model") == DEFAULT_MODEL
    semi = _default(ActiveLearner, "semi_supervised")
    assert cli.semi_supervised == DEFAULTS["semi_supervised"] == _default(compare, "semi_supervised") == semi
    assert _default(LabelingSession.create, "semi_supervised") == semi
