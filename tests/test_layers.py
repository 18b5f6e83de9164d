"""The layers are checked from the import graph by `lint-imports` (README's test command), with the
contracts in pyproject.toml's [tool.importlinter]. These tests guard what those contracts cannot see."""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_there_is_no_pages_folder_for_streamlit_to_run_in_legacy_mode():
    assert not (ROOT / "pages").exists()


def test_every_part_of_alcore_has_a_layer():
    """A new module or subpackage of alcore must be placed in the layers, or no contract checks it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(contract for contract in config["contracts"] if contract["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    parts = {f"alcore.{path.stem}" for path in (ROOT / "alcore").glob("*.py") if path.stem != "__init__"}
    parts |= {f"alcore.{path.parent.name}" for path in (ROOT / "alcore").glob("*/__init__.py")}
    assert parts - placed == set()


def test_the_entry_file_imports_only_streamlit_and_the_ui():
    """app.py is a script, not in a package, so the import-linter contracts do not cover it."""
    tree = ast.parse((ROOT / "app.py").read_text())
    imported = {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    assert imported <= {"streamlit", "ui"}
