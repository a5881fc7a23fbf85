"""One seed writes the same records on every computer, whatever its processor.

numpy picks the code of its ``exp``, ``log`` and ``tanh`` by the processor's instruction set
(AVX-512, AVX2, SSE), and OpenBLAS picks its matrix-product kernel the same way; the results
differ in the last bit from one processor to another, and a record written on one machine
differed from the same seed's record on another. These tests run the same draws with numpy's
faster code paths switched off and with another OpenBLAS kernel, as a slower processor would
run them, and compare the records byte for byte.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

DRAW = """
from quizgen.cli.root import cli
for difficulty in ("easy", "medium", "hard"):
    arguments = "generate --topic all --form all --count 4 --seed 5 --format jsonl -d"
    cli([*arguments.split(), difficulty], standalone_mode=False)
"""


def _dispatched_features() -> list[str]:
    """The processor features numpy dispatches to on this machine (none on a plain one)."""
    from numpy._core import _multiarray_umath as umath

    supported = umath.__cpu_features__
    return [name for name in umath.__cpu_dispatch__ if supported.get(name)]


def _records(**environment: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", DRAW],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.fixture(scope="module")
def records_here() -> str:
    return _records()


def test_draws_write_records_at_all(records_here: str):
    assert records_here.count("\n") > 500


def test_records_are_the_same_without_numpy_s_processor_specific_code(records_here: str):
    features = _dispatched_features()
    if not features:
        pytest.skip("numpy dispatches to no processor feature here: nothing to switch off")
    assert _records(NPY_DISABLE_CPU_FEATURES=",".join(features)) == records_here


def test_records_are_the_same_with_an_older_processor_s_blas_kernel(records_here: str):
    if "openblas" not in str(np.show_config(mode="dicts")).lower():
        pytest.skip("numpy is not built with OpenBLAS here")
    assert _records(OPENBLAS_CORETYPE="Nehalem") == records_here
