"""ConcatDataset, StackDataset, IterableDataset, ChainDataset and get_worker_info against torch."""

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
import chainrule.utils.data as cud
from chainrule.data import (
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    StackDataset,
    TensorDataset,
    get_worker_info,
)


def arrays(n, start=0):
    x = np.arange(start, start + 2 * n, dtype=np.float32).reshape(n, 2)
    y = np.arange(start, start + n, dtype=np.int64)
    return x, y


def pair(n, start=0):
    """The same TensorDataset in chainrule and in PyTorch."""
    x, y = arrays(n, start)
    return TensorDataset(x, y), tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


def as_numpy(obj):
    """Batches of either library as nested lists/dicts of NumPy arrays (plain values kept)."""
    if isinstance(obj, (chainrule.Tensor, torch.Tensor)):
        return np.asarray(obj.numpy())
    if isinstance(obj, dict):
        return {k: as_numpy(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [as_numpy(v) for v in obj]
    return obj


def assert_same(ours, ref):
    ours, ref = as_numpy(ours), as_numpy(ref)
    if isinstance(ref, dict):
        assert isinstance(ours, dict) and list(ours) == list(ref)
        for k in ref:
            assert_same(ours[k], ref[k])
    elif isinstance(ref, list):
        assert isinstance(ours, list) and len(ours) == len(ref)
        for o, r in zip(ours, ref, strict=True):
            assert_same(o, r)
    elif isinstance(ref, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.dtype == ref.dtype
        np.testing.assert_array_equal(ours, ref)
    else:
        assert type(ours) is type(ref) and ours == ref


# ---------------------------------------------------------------- ConcatDataset
def test_concat_sizes_and_every_index_match_torch():
    parts = [pair(3), pair(0, 100), pair(5, 10), pair(1, 50)]
    ours = ConcatDataset([p[0] for p in parts])
    ref = tud.ConcatDataset([p[1] for p in parts])
    assert ours.cumulative_sizes == ref.cumulative_sizes == [3, 3, 8, 9]
    assert len(ours) == len(ref) == 9
    for i in range(-9, 9):
        assert_same(ours[i], ref[i])


def test_concat_errors_as_torch():
    ds = ConcatDataset([pair(3)[0], pair(2)[0]])
    ref = tud.ConcatDataset([pair(3)[1], pair(2)[1]])
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        ds[-6]
    with pytest.raises(ValueError, match="absolute value of index"):
        ref[-6]
    with pytest.raises(IndexError, match="index 5 is out of range for a dataset of 5"):
        ds[5]
    with pytest.raises(IndexError):
        ref[5]
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([ds, Stream(3)])


def test_dataset_plus_dataset_concatenates():
    a, b = pair(2)[0], pair(3, 10)[0]
    both = a + b
    assert isinstance(both, ConcatDataset) and both.cumulative_sizes == [2, 5]
    assert_same(both[2], b[0])


def test_concat_in_a_dataloader_equals_torch():
    parts = [pair(4), pair(3, 20), pair(6, 40)]
    ours = DataLoader(ConcatDataset([p[0] for p in parts]), batch_size=4)
    ref = tud.DataLoader(tud.ConcatDataset([p[1] for p in parts]), batch_size=4)
    assert len(ours) == len(ref) == 4
    for o, r in zip(ours, ref, strict=True):
        assert_same(o, r)
    shuffled = DataLoader(ConcatDataset([p[0] for p in parts]), batch_size=5, shuffle=True,
                          generator=chainrule.Generator(0))
    seen = np.concatenate([b[1].numpy() for b in shuffled])
    assert sorted(seen.tolist()) == [*range(4), *range(20, 23), *range(40, 46)]


# ---------------------------------------------------------------- StackDataset
def test_stack_tuple_and_dict_forms_match_torch():
    (a, ta), (b, tb) = pair(4), pair(4, 30)
    for ours, ref in [(StackDataset(a, b), tud.StackDataset(ta, tb)),
                      (StackDataset(x=a, y=b), tud.StackDataset(x=ta, y=tb))]:
        assert len(ours) == len(ref) == 4
        for i in range(4):
            assert_same(ours[i], ref[i])
        assert type(ours[0]) is type(ref[0])
        for o, r in zip(DataLoader(ours, batch_size=3), tud.DataLoader(ref, batch_size=3),
                        strict=True):
            assert_same(o, r)


def test_stack_errors_as_torch():
    a, b = pair(4)[0], pair(3)[0]
    with pytest.raises(ValueError, match=r"size mismatch between datasets \(0: 4, 1: 3\)"):
        StackDataset(a, b)
    with pytest.raises(ValueError, match=r"size mismatch between datasets \(x: 4, y: 3\)"):
        StackDataset(x=a, y=b)
    with pytest.raises(ValueError, match="both types are given"):
        StackDataset(a, y=a)
    with pytest.raises(ValueError, match="at least one dataset should be passed"):
        StackDataset()
    for bad in [lambda: tud.StackDataset(), lambda: tud.StackDataset(pair(4)[1], pair(3)[1])]:
        with pytest.raises(ValueError):
            bad()


# ---------------------------------------------------------------- IterableDataset
def stream_class(base):
    """0..n-1 as (features, label) pairs, a length only when asked for: over either library."""

    class Stream(base):
        def __init__(self, n, start=0, sized=True):
            self.n, self.start, self.sized = n, start, sized

        def __iter__(self):
            for i in range(self.start, self.start + self.n):
                yield np.array([i, 2 * i], dtype=np.float32), i

        def __len__(self):
            if not self.sized:
                raise TypeError("this stream has no length")
            return self.n

    return Stream


Stream, TorchStream = stream_class(IterableDataset), stream_class(tud.IterableDataset)


def compare_loaders(ours, ref):
    o, r = list(ours), list(ref)
    assert len(o) == len(r)
    for a, b in zip(o, r, strict=True):
        assert_same(a, b)
    return o


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 30), batch_size=st.integers(1, 8), drop_last=st.booleans())
def test_iterable_batches_in_order_like_torch(n, batch_size, drop_last):
    ours = DataLoader(Stream(n), batch_size=batch_size, drop_last=drop_last)
    ref = tud.DataLoader(TorchStream(n), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(ref)
    got = compare_loaders(ours, ref)
    assert len(got) == len(ours)
    compare_loaders(ours, ref)  # a second pass starts the stream again


def test_iterable_without_batching_like_torch():
    ours = DataLoader(Stream(5), batch_size=None)
    ref = tud.DataLoader(TorchStream(5), batch_size=None)
    assert len(ours) == len(ref) == 5
    compare_loaders(ours, ref)


def test_iterable_with_a_collate_fn_like_torch():
    def collate(batch):
        return [label for _, label in batch]

    ours = DataLoader(Stream(7), batch_size=3, collate_fn=collate)
    ref = tud.DataLoader(TorchStream(7), batch_size=3, collate_fn=collate)
    assert list(ours) == list(ref) == [[0, 1, 2], [3, 4, 5], [6]]


def test_iterable_without_len_iterates_but_has_no_len():
    ours = DataLoader(Stream(5, sized=False), batch_size=2)
    ref = tud.DataLoader(TorchStream(5, sized=False), batch_size=2)
    compare_loaders(ours, ref)
    for loader in (ours, ref):
        with pytest.raises(TypeError, match="this stream has no length"):
            len(loader)

    class Bare(IterableDataset):
        def __iter__(self):
            yield from range(4)

    assert [b.tolist() for b in DataLoader(Bare(), batch_size=3)] == [[0, 1, 2], [3]]
    with pytest.raises(TypeError):
        len(DataLoader(Bare()))


def test_iterable_is_not_indexable():
    with pytest.raises(NotImplementedError, match="read by iterating"):
        Stream(3)[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"shuffle": True}, "expected unspecified shuffle option, but got shuffle=True"),
        ({"sampler": [0, 1]}, r"expected unspecified sampler option, but got sampler=\[0, 1\]"),
        ({"batch_sampler": [[0, 1]]}, "expected unspecified batch_sampler option"),
    ],
    ids=["shuffle", "sampler", "batch_sampler"],
)
def test_iterable_refuses_samplers_and_shuffle_like_torch(kwargs, message):
    with pytest.raises(ValueError, match=f"DataLoader with IterableDataset: {message}"):
        DataLoader(Stream(4), **kwargs)
    with pytest.raises(ValueError, match=f"DataLoader with IterableDataset: {message}"):
        tud.DataLoader(TorchStream(4), **kwargs)


def test_iterable_accepts_shuffle_false_and_rejects_drop_last_without_batching():
    compare_loaders(DataLoader(Stream(3), shuffle=False), tud.DataLoader(TorchStream(3),
                                                                         shuffle=False))
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(Stream(3), batch_size=None, drop_last=True)


def test_iterable_loader_resumes_mid_pass():
    loader = DataLoader(Stream(10), batch_size=3)
    it = iter(loader)
    first = [next(it)[1].tolist() for _ in range(2)]
    state = loader.state_dict()
    resumed = DataLoader(Stream(10), batch_size=3)
    resumed.load_state_dict(state)
    assert first + [b[1].tolist() for b in resumed] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert [b[1].tolist() for b in resumed] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    done = DataLoader(Stream(10), batch_size=3)
    list(done)
    again = DataLoader(Stream(10), batch_size=3)
    again.load_state_dict(done.state_dict())  # a finished pass: the next iter() starts anew
    assert len(list(again)) == 4


def test_num_workers_loads_the_whole_stream_in_the_main_process():
    class Split(IterableDataset):
        def __iter__(self):
            info = get_worker_info()
            start, step = (0, 1) if info is None else (info.id, info.num_workers)
            yield from range(start, 6, step)

    with pytest.warns(UserWarning, match="main process"):
        loader = DataLoader(Split(), batch_size=4, num_workers=2)
    assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5]]


def test_get_worker_info_is_none_in_the_main_process():
    assert get_worker_info() is None and tud.get_worker_info() is None
    assert cud.get_worker_info is get_worker_info


# ---------------------------------------------------------------- ChainDataset
def test_chain_dataset_like_torch():
    ours = ChainDataset([Stream(3), Stream(4, 10)])
    ref = tud.ChainDataset([TorchStream(3), TorchStream(4, 10)])
    assert len(ours) == len(ref) == 7
    compare_loaders(DataLoader(ours, batch_size=2), tud.DataLoader(ref, batch_size=2))
    plus = Stream(2) + Stream(2, 5)
    assert isinstance(plus, ChainDataset)
    assert [label for _, label in plus] == [0, 1, 5, 6]


def test_chain_dataset_only_chains_iterable_datasets():
    chained = ChainDataset([Stream(2), pair(3)[0]])
    with pytest.raises(AssertionError, match="only supports IterableDataset, got a TensorDataset"):
        list(chained)
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        len(chained)


def test_names_importable_as_torch_utils_data():
    for name in ["ConcatDataset", "StackDataset", "IterableDataset", "ChainDataset",
                 "get_worker_info"]:
        assert getattr(cud, name) is getattr(chainrule.data, name)
        assert name in cud.__all__ and hasattr(tud, name)
    assert issubclass(IterableDataset, Dataset)
