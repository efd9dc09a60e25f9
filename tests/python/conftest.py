"""pytest set-up: the installed skbench package (pip install . into .venv: README) and the repository's goldens."""
import json
import pathlib
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "golden" / "data"
sys.path.insert(0, str(ROOT))  # golden.ops.params: the manifest's parameter texts as scikit-image's values


def pytest_addoption(parser):
    parser.addoption("--backends", default="ref,opt,cuda-emu",
                     help="backends whose golden cases run (cuda-emu: the smallest case of each op, see test_goldens.py)")


@pytest.fixture(scope="session")
def manifest():
    return json.loads((GOLDEN / "manifest.json").read_text())


def load(path):
    return np.load(GOLDEN / path)
