"""`alcore simulate` and the Explore page start from the same settings, and --help shows them."""

import pytest

from alcore.cli import build_parser
from ui.explore_ui import DEFAULTS


def test_the_command_lines_defaults_are_the_dashboards():
    args = build_parser().parse_args(["simulate", "demo:iris"])
    assert args.strategies == DEFAULTS["strategies"]
    assert (args.model, args.initial, args.batch_size, args.budget, args.seeds) == (
        DEFAULTS["model"],
        DEFAULTS["initial"],
        DEFAULTS["batch"],
        DEFAULTS["budget"],
        DEFAULTS["seeds"],
    )
    assert DEFAULTS["target_kind"] == "share" and args.target_accuracy is None
    assert args.target_share == DEFAULTS["target"] and args.cost_per_label == DEFAULTS["cost"]


def test_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["simulate", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert f"(default: {DEFAULTS['budget']})" in shown and f"(default: {DEFAULTS['target']})" in shown
