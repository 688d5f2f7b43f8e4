"""Samplers and DataLoader's PyTorch arguments against torch.utils.data.

Seeded random samplers need not draw the same permutation as PyTorch: for them the structure is
compared (batch sizes, coverage, len); the order is compared exactly for sequential and batch
samplers.
"""

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
)


def as_array(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 30), batch_size=st.integers(1, 8), drop_last=st.booleans())
def test_batch_sampler_order_matches_torch(n, batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    ref = tud.BatchSampler(tud.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(ref)
    assert len(ours) == len(ref)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 30), batch_size=st.integers(1, 8), drop_last=st.booleans(),
       seed=st.integers(0, 2**31))
def test_shuffled_loader_structure_matches_torch(n, batch_size, drop_last, seed):
    x = np.arange(n, dtype=np.float32)[:, None]
    ours = DataLoader(TensorDataset(x), batch_size=batch_size, shuffle=True,
                      drop_last=drop_last, generator=chainrule.Generator().manual_seed(seed))
    ref = tud.DataLoader(tud.TensorDataset(torch.from_numpy(x)), batch_size=batch_size,
                         shuffle=True, drop_last=drop_last,
                         generator=torch.Generator().manual_seed(seed))
    ob, tb = [b[0].numpy() for b in ours], [b[0].numpy() for b in ref]
    assert len(ours) == len(ref) == len(ob) == len(tb)
    assert [b.shape for b in ob] == [b.shape for b in tb]
    seen = np.concatenate(ob).ravel() if ob else np.zeros(0)
    assert len(set(seen.tolist())) == seen.size  # no repeats within a pass
    if not drop_last:
        assert sorted(seen.tolist()) == list(range(n))


@pytest.mark.parametrize("replacement,num_samples", [(False, None), (True, None), (True, 25),
                                                     (False, 25), (False, 7)])
def test_random_sampler_matches_torch_structure(replacement, num_samples):
    data = range(10)
    g = chainrule.Generator().manual_seed(3)
    ours = list(RandomSampler(data, replacement, num_samples, generator=g))
    ref = list(tud.RandomSampler(data, replacement, num_samples,
                                 generator=torch.Generator().manual_seed(3)))
    assert len(ours) == len(ref) == len(RandomSampler(data, replacement, num_samples))
    assert all(isinstance(i, int) and 0 <= i < 10 for i in ours)
    if not replacement:  # whole permutations first, as PyTorch
        counts = collections.Counter(ours)
        k = len(ours)
        assert max(counts.values()) - min(counts.values()) <= 1 and len(counts) == min(k, 10)


def test_random_sampler_reproducible_with_generator():
    a = list(RandomSampler(range(20), generator=chainrule.Generator().manual_seed(5)))
    b = list(RandomSampler(range(20), generator=chainrule.Generator().manual_seed(5)))
    assert a == b and sorted(a) == list(range(20))


def test_subset_random_sampler_covers_indices():
    idx = [3, 5, 7, 11, 13]
    ours = list(SubsetRandomSampler(idx, generator=chainrule.Generator().manual_seed(0)))
    ref = list(tud.SubsetRandomSampler(idx, generator=torch.Generator().manual_seed(0)))
    assert sorted(ours) == sorted(ref) == idx and len(SubsetRandomSampler(idx)) == 5


def test_weighted_random_sampler():
    w = [0.0, 1.0, 3.0]
    ours = list(WeightedRandomSampler(w, 4000, generator=chainrule.Generator().manual_seed(1)))
    ref = list(tud.WeightedRandomSampler(w, 4000, generator=torch.Generator().manual_seed(1)))
    assert len(ours) == len(ref) == 4000
    assert 0 not in ours and 0 not in ref
    assert abs(ours.count(2) / 4000 - 0.75) < 0.05
    no_repeat = list(WeightedRandomSampler(w, 2, replacement=False))
    assert sorted(no_repeat) == [1, 2]
    with pytest.raises(ValueError, match="WeightedRandomSampler.*without replacement"):
        WeightedRandomSampler(w, 3, replacement=False)
    with pytest.raises(ValueError, match="WeightedRandomSampler: weights"):
        WeightedRandomSampler([-1.0, 2.0], 3)


def test_loader_with_sampler_and_batch_sampler_order_matches_torch():
    x = np.arange(12, dtype=np.float64).reshape(6, 2)
    order = [5, 0, 3, 1, 4, 2]
    ours = [b[0].numpy() for b in DataLoader(TensorDataset(x), batch_size=4, sampler=order)]
    ref = [b[0].numpy() for b in tud.DataLoader(tud.TensorDataset(torch.from_numpy(x)),
                                                batch_size=4, sampler=order)]
    assert len(ours) == len(ref) == 2
    for o, t in zip(ours, ref, strict=True):
        np.testing.assert_array_equal(o, t)
        assert o.dtype == t.dtype
    batches = [[0, 1], [5], [2, 3, 4]]
    ours = DataLoader(TensorDataset(x), batch_sampler=batches)
    ref = tud.DataLoader(tud.TensorDataset(torch.from_numpy(x)), batch_sampler=batches)
    assert len(ours) == len(ref) == 3
    for o, t in zip(ours, ref, strict=True):
        np.testing.assert_array_equal(o[0].numpy(), t[0].numpy())


class Records(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full(3, i, dtype=np.float32), "label": i, "w": float(i) / 2,
                "name": f"s{i}", "pair": (np.int64(i), chainrule.tensor([i, -i]))}


class TorchRecords(tud.Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full(3, i, dtype=np.float32), "label": i, "w": float(i) / 2,
                "name": f"s{i}", "pair": (np.int64(i), torch.tensor([i, -i]))}


def compare_structure(o, t):
    if isinstance(t, torch.Tensor):
        assert isinstance(o, chainrule.Tensor)
        assert tuple(o.shape) == tuple(t.shape)
        assert str(o.dtype) == str(t.dtype).replace("torch.", "chainrule.")
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    elif isinstance(t, dict):
        assert isinstance(o, dict) and list(o) == list(t)
        for k in t:
            compare_structure(o[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(o) is type(t) and len(o) == len(t)
        for a, b in zip(o, t, strict=True):
            compare_structure(a, b)
    else:
        assert type(o) is type(t) and o == t


def test_default_collate_of_dicts_numbers_strings_arrays_matches_torch():
    ours = list(DataLoader(Records(), batch_size=2))
    ref = list(tud.DataLoader(TorchRecords(), batch_size=2))
    assert len(ours) == len(ref) == 3
    for o, t in zip(ours, ref, strict=True):
        compare_structure(o, t)


def test_batch_size_none_yields_uncollated_samples_like_torch():
    ours = list(DataLoader(Records(), batch_size=None))
    ref = list(tud.DataLoader(TorchRecords(), batch_size=None))
    assert len(ours) == len(ref) == 5
    for o, t in zip(ours, ref, strict=True):
        compare_structure(o, t)
    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    ours = list(DataLoader(TensorDataset(x), batch_size=None, shuffle=False))
    ref = list(tud.DataLoader(tud.TensorDataset(torch.from_numpy(x)), batch_size=None))
    assert len(ours) == len(ref) == 4
    for o, t in zip(ours, ref, strict=True):
        compare_structure(o, t)


def test_default_collate_function_matches_torch():
    batch = [(np.float64(1.5), 2, True), (np.float64(2.5), 3, False)]
    compare_structure(default_collate(batch), tud.default_collate(batch))


def test_custom_collate_fn():
    loader = DataLoader(Records(), batch_size=3, collate_fn=lambda b: [s["label"] for s in b])
    assert list(loader) == [[0, 1, 2], [3, 4]]


@pytest.mark.parametrize("kwargs,pattern", [
    (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], shuffle=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], sampler=[0]), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching"),
    (dict(num_workers=-1), "num_workers option should be non-negative"),
])
def test_mutually_exclusive_arguments_raise_like_torch(kwargs, pattern):
    x = np.zeros((4, 1), dtype=np.float32)
    with pytest.raises(ValueError, match=pattern):
        DataLoader(TensorDataset(x), **kwargs)
    with pytest.raises(ValueError, match=pattern.replace("DataLoader: ", "")):
        tud.DataLoader(tud.TensorDataset(torch.from_numpy(x)), **kwargs)


def test_num_workers_warns_and_loads_the_same_batches():
    x = np.arange(10, dtype=np.float32)[:, None]
    with pytest.warns(UserWarning, match="num_workers=2.*main process"):
        loader = DataLoader(TensorDataset(x), batch_size=4, num_workers=2)
    ref = DataLoader(TensorDataset(x), batch_size=4)
    for a, b in zip(loader, ref, strict=True):
        np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())


def test_bad_sampler_arguments_name_the_argument():
    with pytest.raises(ValueError, match="BatchSampler: batch_size"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="RandomSampler: num_samples"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="RandomSampler: generator"):
        RandomSampler(range(3), generator=torch.Generator())
