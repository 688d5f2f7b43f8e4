"""Fixtures of the optimiser tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def _torch_on_one_thread():
    """The reference runs are tiny: on one thread PyTorch never waits on a busy second core."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
