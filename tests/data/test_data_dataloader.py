"""DataLoader, TensorDataset, Subset and random_split against torch.utils.data."""

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule.data import DataLoader, Dataset, Subset, TensorDataset, random_split
from chainrule.errors import ShapeError


def make_data(n, features=3, dtype=np.float32):
    x = np.arange(n * features, dtype=dtype).reshape(n, features)
    y = np.arange(n, dtype=np.int64) % 4
    return x, y


def torch_batches(x, y, batch_size, drop_last=False):
    ds = tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    return [(bx.numpy(), by.numpy()) for bx, by in
            tud.DataLoader(ds, batch_size=batch_size, drop_last=drop_last)]


# ---------------------------------------------------------------- the three GD variants
def test_batch_gd_one_batch_of_everything():
    x, y = make_data(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=len(x))
    batches = list(loader)
    assert len(loader) == 1 and len(batches) == 1
    np.testing.assert_array_equal(batches[0][0].numpy(), x)
    np.testing.assert_array_equal(batches[0][1].numpy(), y)


def test_sgd_one_sample_per_step_matches_torch():
    x, y = make_data(7)
    ours = list(DataLoader(TensorDataset(x, y), batch_size=1))
    ref = torch_batches(x, y, 1)
    assert len(ours) == len(ref) == 7
    for (bx, by), (tx, ty) in zip(ours, ref, strict=True):
        assert tuple(bx.shape) == tx.shape == (1, 3)
        np.testing.assert_array_equal(bx.numpy(), tx)
        np.testing.assert_array_equal(by.numpy(), ty)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), drop_last=st.booleans())
def test_minibatch_matches_torch(n, batch_size, drop_last):
    x, y = make_data(n)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, drop_last=drop_last)
    ref = torch_batches(x, y, batch_size, drop_last)
    ours = list(loader)
    assert len(loader) == len(ref) == len(ours)
    for (bx, by), (tx, ty) in zip(ours, ref, strict=True):
        np.testing.assert_array_equal(bx.numpy(), tx)
        np.testing.assert_array_equal(by.numpy(), ty)
        assert bx.dtype == tx.dtype and by.dtype == ty.dtype


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 50), batch_size=st.integers(1, 16), drop_last=st.booleans(),
       seed=st.integers(0, 2**31))
def test_shuffled_epoch_is_a_permutation(n, batch_size, drop_last, seed):
    x, y = make_data(n, features=1)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True,
                        drop_last=drop_last, generator=chainrule.Generator(seed))
    seen = np.concatenate([bx.numpy()[:, 0] for bx, _ in loader] or [np.zeros(0)])
    full = (n // batch_size) * batch_size if drop_last else n
    assert seen.size == full and len(set(seen.tolist())) == full
    assert all(len(b[0]) == batch_size for b in list(loader)[: n // batch_size])


def test_shuffle_reproducible_and_changes_each_epoch():
    x, y = make_data(64)
    ds = TensorDataset(x, y)

    def epochs(loader, k=2):
        return [np.concatenate([b[0].numpy()[:, 0] for b in loader])
                for _ in range(k)]

    a = epochs(DataLoader(ds, batch_size=8, shuffle=True, generator=chainrule.Generator(3)))
    b = epochs(DataLoader(ds, batch_size=8, shuffle=True, generator=chainrule.Generator(3)))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1])
    chainrule.manual_seed(11)
    c = epochs(DataLoader(ds, batch_size=8, shuffle=True))
    chainrule.manual_seed(11)
    d = epochs(DataLoader(ds, batch_size=8, shuffle=True))
    np.testing.assert_array_equal(c[0], d[0])


def test_sequential_batches_are_views_and_shuffled_are_copies():
    x, y = make_data(10)
    seq = next(iter(DataLoader(TensorDataset(x, y), batch_size=4)))
    assert np.shares_memory(seq[0]._data, x)
    shuf = next(iter(DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)))
    assert not np.shares_memory(shuf[0]._data, x)


# ---------------------------------------------------------------- generic datasets, Subset
class Squares(Dataset):
    def __len__(self):
        return 9

    def __getitem__(self, i):
        return chainrule.tensor([float(i), float(i * i)]), i, float(i) / 2


def test_generic_dataset_collates_like_torch():
    class TorchSquares(tud.Dataset):
        def __len__(self):
            return 9

        def __getitem__(self, i):
            return torch.tensor([float(i), float(i * i)]), i, float(i) / 2

    ours = list(DataLoader(Squares(), batch_size=4))
    ref = list(tud.DataLoader(TorchSquares(), batch_size=4))
    assert len(ours) == len(ref) == 3
    for ob, tb in zip(ours, ref, strict=True):
        assert isinstance(ob, list) and len(ob) == 3
        for o, t in zip(ob, tb, strict=True):
            np.testing.assert_array_equal(o.numpy(), t.numpy())
            assert str(o.dtype) == str(t.dtype).replace("torch.", "chainrule.")


def test_subset_of_tensor_dataset_uses_composed_indices():
    x, y = make_data(20)
    ds = TensorDataset(x, y)
    sub = Subset(Subset(ds, np.arange(19, -1, -1)), [0, 2, 4, 6, 8])
    (bx, by), = list(DataLoader(sub, batch_size=len(sub)))
    np.testing.assert_array_equal(by.numpy(), y[[19, 17, 15, 13, 11]])
    np.testing.assert_array_equal(sub[1][0].numpy(), x[17])


@pytest.mark.parametrize("lengths", [[0.5, 0.3, 0.2], [0.33, 0.33, 0.34], [3, 4, 3], [1.0]])
def test_random_split_lengths_match_torch(lengths):
    n = 10
    ds = TensorDataset(*make_data(n))
    ours = random_split(ds, lengths, generator=chainrule.Generator(0))
    ref = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in ref]
    idx = np.concatenate([s.indices for s in ours])
    assert sorted(idx.tolist()) == list(range(n))


def test_random_split_bad_lengths():
    ds = TensorDataset(*make_data(10))
    with pytest.raises(ValueError, match=r"lengths \[3, 3\].*summing to the dataset's length 10"):
        random_split(ds, [3, 3])


def test_tensor_dataset_errors_name_shapes():
    with pytest.raises(ShapeError, match=r"\(3, 2\), \(4,\)"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="argument 1 is a list"):
        TensorDataset(np.zeros(3), [1, 2, 3])


@pytest.mark.parametrize("bad", [0, -1, 2.5, "10", True])
def test_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size should be a positive integer or None"):
        DataLoader(TensorDataset(np.zeros(3)), batch_size=bad)


# ---------------------------------------------------------------- exact resume
@pytest.mark.parametrize("own_generator", [True, False])
def test_state_dict_resumes_mid_epoch(tmp_path, own_generator):
    x, y = make_data(23)
    ds = TensorDataset(x, y)

    def loader():
        return DataLoader(ds, batch_size=5, shuffle=True,
                          generator=chainrule.Generator(7) if own_generator else None)

    chainrule.manual_seed(1)
    straight = loader()
    ref = [b[1].numpy() for _ in range(3) for b in straight]

    chainrule.manual_seed(1)
    first = loader()
    got = [b[1].numpy() for b in first]  # epoch 1
    it = iter(first)
    got += [next(it)[1].numpy() for _ in range(2)]  # two batches into epoch 2
    chainrule.save({"loader": first.state_dict(), "rng": chainrule.get_rng_state()},
                   tmp_path / "ckpt.npz")

    chainrule.manual_seed(999)  # a fresh process would start elsewhere
    resumed = loader()
    state = chainrule.load(tmp_path / "ckpt.npz")
    resumed.load_state_dict(state["loader"])
    chainrule.set_rng_state(state["rng"])
    got += [b[1].numpy() for b in resumed]  # the rest of epoch 2
    got += [b[1].numpy() for b in resumed]  # epoch 3
    assert len(got) == len(ref)
    for a, b in zip(got, ref, strict=True):
        np.testing.assert_array_equal(a, b)
