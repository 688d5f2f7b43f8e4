"""CTC loss against PyTorch: values and gradients over random frames, labels (with repeats),
lengths and blanks; the three reductions, concatenated targets, unbatched input, impossible
alignments and zero_infinity."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import check, float_dtypes, randn, seeds


@settings(max_examples=20, deadline=None)
@given(frames=st.integers(1, 8), batch=st.integers(1, 3), classes=st.integers(2, 5), data=st.data(),
       reduction=st.sampled_from(["mean", "sum", "none"]), dtype=float_dtypes, seed=seeds)
def test_ctc_loss_equals_torch(frames, batch, classes, data, reduction, dtype, seed):
    rng = np.random.default_rng(seed)
    blank = data.draw(st.integers(0, classes - 1))
    labels = [c for c in range(classes) if c != blank]
    input_lengths = rng.integers(1, frames + 1, batch)
    target_lengths = np.array([rng.integers(0, max(1, (n + 1) // 2) + 1) for n in input_lengths])
    targets = rng.choice(labels, (batch, max(1, target_lengths.max())))
    logits = randn((frames, batch, classes), dtype, seed)

    def fn(lib, x):
        return lib.nn.functional.ctc_loss(x.log_softmax(2), lib.tensor(targets), lib.tensor(input_lengths),
                                          lib.tensor(target_lengths), blank=blank, reduction=reduction,
                                          zero_infinity=True)

    check(fn, logits, seed=seed)


def test_concatenated_and_unbatched_targets_and_impossible_alignments_as_torch(dtype):
    logits = randn((6, 2, 4), dtype, 1)
    check(lambda lib, x: lib.nn.CTCLoss()(x.log_softmax(2), lib.tensor([1, 2, 2, 3, 1]), lib.tensor([6, 5]),
                                          lib.tensor([3, 2])), logits)
    check(lambda lib, x: lib.nn.functional.ctc_loss(x.log_softmax(1), lib.tensor([1, 2, 2]), lib.tensor(6),
                                                    lib.tensor(3)), logits[:, 0])
    impossible = ([[1, 1, 1]] * 2, [3, 3], [3, 3])  # three equal labels need at least five frames
    for zero_infinity in (False, True):
        values = [lib.nn.functional.ctc_loss(lib.tensor(logits.copy()).log_softmax(2), *map(lib.tensor, impossible),
                                             reduction="none", zero_infinity=zero_infinity).tolist()
                  for lib in (chainrule, torch)]
        assert values[0] == values[1] == ([0.0, 0.0] if zero_infinity else [np.inf, np.inf])


def test_ctc_errors_name_the_problem():
    lp = chainrule.randn(4, 1, 3).log_softmax(2)
    with pytest.raises(RuntimeError, match="input_lengths to have value at most 4"):
        chainrule.nn.functional.ctc_loss(lp, chainrule.tensor([[1]]), chainrule.tensor([5]), chainrule.tensor([1]))
    with pytest.raises(ValueError, match="blank must be in label range"):
        chainrule.nn.CTCLoss(blank=3)(lp, chainrule.tensor([[1]]), chainrule.tensor([4]), chainrule.tensor([1]))
    kwargs = {"blank": 2, "zero_infinity": True}
    assert repr(chainrule.nn.CTCLoss(**kwargs)) == repr(torch.nn.CTCLoss(**kwargs))
