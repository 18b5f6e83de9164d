"""README's Python example runs as written, with only what `alcore` exports."""

import re
from pathlib import Path

import alcore

README = Path(__file__).resolve().parents[1] / "README.md"


def python_example() -> str:
    section = README.read_text().split("## Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_example_imports_only_the_public_api():
    imported = re.findall(r"^from alcore import (.+)$", python_example(), re.M)
    names = [name.strip() for line in imported for name in line.split(",")]
    assert names and set(names) <= set(alcore.__all__)
    assert "from alcore." not in python_example()


def test_every_public_name_exists():
    assert [name for name in alcore.__all__ if not hasattr(alcore, name)] == []


def test_the_readme_example_runs(capsys):
    exec(compile(python_example(), str(README), "exec"), {})
    printed = capsys.readouterr().out
    assert "random" in printed  # the headline compares against random
    assert "{'n_members': 5}" in printed
