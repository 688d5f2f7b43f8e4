"""The spatial transformer's affine_grid and grid_sample against PyTorch: values and the gradients
of the input, the grid and theta, for every mode, padding mode and corner alignment."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import check, float_dtypes, randn, seeds


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 5), w=st.integers(1, 5),
       ho=st.integers(1, 4), wo=st.integers(1, 4), mode=st.sampled_from(["bilinear", "nearest"]),
       padding_mode=st.sampled_from(["zeros", "border", "reflection"]), align_corners=st.booleans(),
       dtype=float_dtypes, seed=seeds)
def test_grid_sample_equals_torch(n, c, h, w, ho, wo, mode, padding_mode, align_corners, dtype, seed):
    image = randn((n, c, h, w), dtype, seed)
    grid = np.random.default_rng(seed).uniform(-1.4, 1.4, (n, ho, wo, 2)).astype(dtype)
    check(lambda lib, x, g: lib.nn.functional.grid_sample(x, g, mode=mode, padding_mode=padding_mode,
                                                          align_corners=align_corners), image, grid, seed=seed)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 1, 1, 3), (2, 1, 2, 3, 4)])
def test_affine_grid_equals_torch(align_corners, size, dtype):
    spatial = len(size) - 2
    theta = randn((size[0], spatial, spatial + 1), dtype, 1)
    check(lambda lib, t: lib.nn.functional.affine_grid(t, size, align_corners=align_corners), theta)


def test_spatial_transformer_step_equals_torch(dtype):
    """The tutorial's pipeline: a learnt theta warps the image; gradients reach theta and the image."""
    image, theta = randn((2, 1, 6, 6), dtype, 2), randn((2, 2, 3), dtype, 3) * 0.5
    check(lambda lib, x, t: lib.nn.functional.grid_sample(
        x, lib.nn.functional.affine_grid(t, (2, 1, 6, 6), align_corners=False), align_corners=False), image, theta)


def test_defaults_and_errors_as_torch():
    for lib in (chainrule, torch):
        x, g = lib.ones(1, 1, 3, 3), lib.zeros(1, 2, 2, 2)
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            lib.nn.functional.grid_sample(x, g)
        with pytest.raises(ValueError, match="expected padding_mode to be 'zeros', 'border', or 'reflection'"):
            lib.nn.functional.grid_sample(x, g, padding_mode="wrap", align_corners=False)
        with pytest.raises((ValueError, RuntimeError), match="Nx2x3"):
            lib.nn.functional.affine_grid(lib.zeros(1, 3, 3), (1, 1, 2, 2), align_corners=False)
