"""app.py, the dashboard's entry file, as a process that multiprocessing starts from the server sees it."""

import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"


def test_a_process_spawned_from_the_server_imports_the_entry_file_without_drawing_the_app():
    """multiprocessing's spawn imports the parent's main file as __mp_main__ (the runs' manager does, from
    the Streamlit server); drawing the app there printed Streamlit's "to view a Streamlit app on a browser"
    warning into the server's log on every run."""
    child = f"import runpy; runpy.run_path({str(APP)!r}, run_name='__mp_main__')"
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120, cwd=APP.parent)
    assert done.returncode == 0, done.stderr
    assert "Streamlit" not in done.stdout + done.stderr
