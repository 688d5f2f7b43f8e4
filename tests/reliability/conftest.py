"""Reliability tests run NumPy's BLAS on one thread.

They check memory, exactness and error handling, not speed; on a shared machine with more busy
processes than cores, OpenBLAS's spinning worker threads make small matrix products up to 50x
slower, and one thread keeps the run time of these tests independent of the machine's load.
"""

from collections.abc import Iterator

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _one_blas_thread() -> Iterator[None]:
    with threadpool_limits(limits=1, user_api="blas"):
        yield
