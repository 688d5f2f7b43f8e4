"""chainrule.linalg against torch.linalg: norms, determinants, inverses, solves, decompositions and
products, forward and gradient, in float32 and float64, on batches of matrices."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from torch_oracle import assert_close, check, float_dtypes, randn, seeds

batches = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)
sides = st.integers(1, 4)


def well_conditioned(shape, dtype, seed):
    """Square matrices ``X + n I``: far from singular, so float32 keeps its digits."""
    n = shape[-1]
    return (randn(shape, np.float64, seed) + n * np.eye(n)).astype(dtype)


def full_rank(shape, dtype, seed):
    """Matrices ``X + max(m, n) I_{m x n}``: full rank and well conditioned, square or not."""
    m, n = shape[-2:]
    return (randn(shape, np.float64, seed) + max(m, n) * np.eye(m, n)).astype(dtype)


def spd(shape, dtype, seed):
    """Symmetric positive-definite matrices ``X X^T + I``."""
    x = randn(shape, np.float64, seed)
    return (x @ np.swapaxes(x, -1, -2) + np.eye(shape[-1])).astype(dtype)


# ------------------------------------------------------------------ vector and matrix norms
@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
       ord=st.sampled_from([2, 1, 3, 0.5, 1.5, -1, 0, float("inf"), -float("inf")]),
       keepdim=st.booleans(), use_dim=st.booleans(), dtype=float_dtypes, seed=seeds)
def test_vector_norm(shape, ord, keepdim, use_dim, dtype, seed):
    dim = (len(shape) - 1,) if use_dim else None
    check(lambda lib, x: lib.linalg.vector_norm(x, ord, dim, keepdim), randn(shape, dtype, seed), seed=seed)


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, 0, float("inf"), -float("inf"), -2])
def test_vector_norm_gradient_at_zero_is_torchs(ord, dtype):
    x = np.zeros((2, 3), dtype=dtype)
    x[0, 1] = 1.5
    check(lambda lib, x: lib.linalg.vector_norm(x, ord, dim=1), x)


def test_vector_norm_ties_share_the_inf_gradient(dtype):
    check(lambda lib, x: lib.linalg.vector_norm(x, float("inf")), np.array([3.0, -3.0, 1.0], dtype=dtype))


def test_vector_norm_dtype_and_dims(dtype):
    x = randn((2, 3, 4), dtype, 1)
    check(lambda lib, x: lib.linalg.vector_norm(x, dim=(0, 2), keepdim=True), x)
    check(lambda lib, x: lib.linalg.vector_norm(x, 3, dtype=lib.float64), x)
    check(lambda lib, x: lib.linalg.vector_norm(x, 1, dim=()), x)  # () reduces every dim


@settings(max_examples=20, deadline=None)
@given(batch=batches, m=sides, n=sides,
       ord=st.sampled_from(["fro", "nuc", float("inf"), -float("inf"), 1, -1, 2, -2]),
       keepdim=st.booleans(), dtype=float_dtypes, seed=seeds)
def test_matrix_norm(batch, m, n, ord, keepdim, dtype, seed):
    check(lambda lib, a: lib.linalg.matrix_norm(a, ord, keepdim=keepdim), randn(batch + (m, n), dtype, seed),
          seed=seed)


def test_matrix_norm_over_other_dims(dtype):
    a = randn((3, 2, 4), dtype, 2)
    for ord in ("fro", 1, float("inf"), 2, "nuc"):
        check(lambda lib, a, ord=ord: lib.linalg.matrix_norm(a, ord, dim=(2, 0)), a)
        check(lambda lib, a, ord=ord: lib.linalg.matrix_norm(a, ord, dim=(0, 2), keepdim=True), a)


@pytest.mark.parametrize("ord,dim,shape", [
    (None, None, (2, 3, 4)), (None, 1, (2, 3)), (3, (0,), (3, 2)), (None, (0, 1), (3, 2)),
    (1, None, (4,)), (float("inf"), None, (3, 4)), ("nuc", None, (3, 4)), (-2, (1, 2), (2, 3, 3)),
])
def test_norm_dispatches_as_torch(ord, dim, shape, dtype):
    check(lambda lib, x: lib.linalg.norm(x, ord, dim), randn(shape, dtype, 3))


def test_norm_errors():
    with pytest.raises(RuntimeError, match="linalg.vector_norm.*int64"):
        chainrule.linalg.vector_norm(chainrule.ones(3, dtype=chainrule.int64))
    with pytest.raises(TypeError, match="ord"):
        chainrule.linalg.vector_norm(chainrule.ones(3), "fro")
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        chainrule.linalg.matrix_norm(chainrule.ones(3, 3), 3)
    with pytest.raises(chainrule.ShapeError, match=r"at least 2 dimensions.*\(3,\)"):
        chainrule.linalg.matrix_norm(chainrule.ones(3))
    with pytest.raises(RuntimeError, match="must be 1D or 2D. Got 3D"):
        chainrule.linalg.norm(chainrule.ones(2, 2, 2), 2)
    with pytest.raises(RuntimeError, match="dims must be different"):
        chainrule.linalg.matrix_norm(chainrule.ones(2, 3), dim=(1, -1))
    with pytest.raises(RuntimeError, match="empty tensor"):
        chainrule.linalg.vector_norm(chainrule.ones(0), float("inf"))


# ------------------------------------------------------------------ determinants, inverses, solves
@settings(max_examples=20, deadline=None)
@given(batch=batches, n=sides, dtype=float_dtypes, seed=seeds)
def test_det_slogdet_logdet_inv(batch, n, dtype, seed):
    a = well_conditioned(batch + (n, n), dtype, seed)
    check(lambda lib, a: lib.linalg.det(a), a, seed=seed)
    check(lambda lib, a: lib.linalg.slogdet(a), a, seed=seed)
    check(lambda lib, a: lib.logdet(a), a, seed=seed)
    check(lambda lib, a: lib.linalg.inv(a), a, seed=seed)
    check(lambda lib, a: [lib.det(a), lib.inverse(a), a.det(), a.inverse(), a.logdet(), *a.slogdet()], a, seed=seed)


def test_det_of_negative_and_singular_matrices(dtype):
    a = np.array([[[-2.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 4.0]]], dtype=dtype)  # det -2 and 0
    check(lambda lib, a: lib.linalg.det(a), a)  # the singular one's gradient: its adjugate
    check(lambda lib, a: lib.logdet(a[:1]), a)  # NaN for a negative determinant, no gradient through it
    sign, logabsdet = chainrule.linalg.slogdet(chainrule.tensor(a))
    assert sign.tolist() == [-1.0, 0.0] and logabsdet[1].item() == -np.inf


@settings(max_examples=25, deadline=None)
@given(batch_a=batches, drop=st.booleans(), n=sides, k=sides, vector=st.booleans(), left=st.booleans(),
       dtype=float_dtypes, seed=seeds)
def test_solve(batch_a, drop, n, k, vector, left, dtype, seed):
    """B a batch of vectors or of matrices, its batch dims dropped or broadcast against A's."""
    batch_b = batch_a[1:] if drop else batch_a
    a = well_conditioned(batch_a + (n, n), dtype, seed)
    if vector and left:
        b = randn(batch_a + (n,) if not drop else (n,), dtype, seed + 1)
    else:
        b = randn(batch_b + ((n, k) if left else (k, n)), dtype, seed + 1)
    check(lambda lib, a, b: lib.linalg.solve(a, b, left=left), a, b, seed=seed)


@pytest.mark.parametrize("sa,sb", [((3, 3), (2, 3, 4)), ((2, 1, 3, 3), (4, 3, 2)), ((4, 3, 3), (4, 3)),
                                   ((2, 3, 3), (1, 3, 1))])
def test_solve_broadcasts_batches(sa, sb, dtype):
    check(lambda lib, a, b: lib.linalg.solve(a, b), well_conditioned(sa, dtype, 0), randn(sb, dtype, 1))


def test_solve_left_false_with_a_square_b(dtype):
    """B [3, 3] against A [3, 3, 3]: a matrix B broadcast over A's batch (for left=True, vectors)."""
    a, b = well_conditioned((3, 3, 3), dtype, 0), randn((3, 3), dtype, 1)
    check(lambda lib, a, b: lib.linalg.solve(a, b, left=False), a, b[None])
    check(lambda lib, a, b: lib.linalg.solve(a, b), a, b)


def test_solve_gradient_for_one_side(dtype):
    a, b = well_conditioned((2, 3, 3), dtype, 0), randn((3, 2), dtype, 1)
    check(lambda lib, a, b: lib.linalg.solve(a, b), a, b, grad=[True, False])
    check(lambda lib, a, b: lib.linalg.solve(a, b), a, b, grad=[False, True])


def test_singular_and_misshapen_matrices_raise():
    singular = chainrule.tensor(np.stack([np.eye(2), np.zeros((2, 2))]))
    with pytest.raises(chainrule.linalg.LinAlgError, match=r"linalg.inv.*batch element 1.*singular"):
        chainrule.linalg.inv(singular)
    with pytest.raises(RuntimeError, match=r"linalg.solve.*singular"):
        chainrule.linalg.solve(chainrule.zeros(2, 2), chainrule.ones(2))
    with pytest.raises(chainrule.ShapeError, match=r"linalg.det.*square.*2 by 3"):
        chainrule.linalg.det(chainrule.ones(2, 3))
    with pytest.raises(chainrule.ShapeError, match=r"at least 2 dimensions"):
        chainrule.linalg.inv(chainrule.ones(3))
    with pytest.raises(RuntimeError, match=r"linalg.det.*int64"):
        chainrule.linalg.det(chainrule.ones(2, 2, dtype=chainrule.int64))
    with pytest.raises(chainrule.ShapeError, match=r"for the equation AX = B \(2x2 and 3x1\)"):
        chainrule.linalg.solve(chainrule.eye(2), chainrule.ones(3))
    with pytest.raises(chainrule.ShapeError, match=r"AX = B \(2x2 and 1x2\)"):
        chainrule.linalg.solve(chainrule.randn(4, 2, 2), chainrule.ones(1, 2))
    with pytest.raises(RuntimeError, match="same dtype"):
        chainrule.linalg.solve(chainrule.eye(2), chainrule.ones(2, dtype=chainrule.float64))
    with pytest.raises(chainrule.ShapeError, match=r"left=False"):
        chainrule.linalg.solve(chainrule.eye(2), chainrule.ones(2), left=False)
    with pytest.raises(chainrule.ShapeError, match=r"XA = B \(2x2 and 3x3\)"):
        chainrule.linalg.solve(chainrule.eye(2), chainrule.ones(3, 3), left=False)


# ------------------------------------------------------------------ decompositions
@settings(max_examples=20, deadline=None)
@given(batch=batches, n=sides, upper=st.booleans(), dtype=float_dtypes, seed=seeds)
def test_cholesky(batch, n, upper, dtype, seed):
    a = spd(batch + (n, n), dtype, seed)
    check(lambda lib, a: lib.linalg.cholesky(a, upper=upper), a, seed=seed)  # a symmetric input's gradient
    x = randn(batch + (n, n), dtype, seed)  # through a symmetric product: any input
    check(lambda lib, x: lib.linalg.cholesky(x @ x.mT + lib.eye(n, dtype=x.dtype), upper=upper), x, seed=seed)


def test_cholesky_reads_one_triangle(dtype):
    """The lower triangle (upper=False) or the upper one (upper=True): the other gets no gradient."""
    a = spd((2, 3, 3), dtype, 5) + np.triu(randn((2, 3, 3), dtype, 6), 1)
    for upper in (False, True):
        check(lambda lib, a, upper=upper: lib.linalg.cholesky(a, upper=upper), a)


def test_cholesky_of_an_indefinite_matrix_raises():
    a = chainrule.tensor(np.stack([np.eye(3), np.diag([1.0, -1.0, 1.0])]))
    with pytest.raises(chainrule.linalg.LinAlgError, match=r"batch element 1.*leading minor of order 2"):
        chainrule.linalg.cholesky(a)


def _eigh_invariants(lib, a, uplo):
    w, v = lib.linalg.eigh(a, UPLO=uplo)
    return [w, v * v, (v * w.unsqueeze(-2)) @ v.mT, lib.linalg.eigvalsh(a, uplo)]  # sign-free quantities


@settings(max_examples=20, deadline=None)
@given(batch=batches, n=sides, uplo=st.sampled_from(["L", "U"]), dtype=float_dtypes, seed=seeds)
def test_eigh(batch, n, uplo, dtype, seed):
    a = randn(batch + (n, n), dtype, seed)
    a = (a + np.swapaxes(a, -1, -2)) / 2  # distinct eigenvalues almost surely
    check(lambda lib, a: _eigh_invariants(lib, a, uplo), a, seed=seed)


def test_eigh_reads_one_triangle(dtype):
    a = randn((2, 3, 3), dtype, 7)  # not symmetric: UPLO says which half is the matrix
    for uplo in ("L", "U"):
        check(lambda lib, a, uplo=uplo: _eigh_invariants(lib, a, uplo), a)


def _svd_invariants(lib, a, full):
    u, s, vh = lib.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    u, vh = u[..., :k], vh[..., :k, :]
    return [s, u * u, vh * vh, (u * s.unsqueeze(-2).exp()) @ vh, lib.linalg.svdvals(a)]


@settings(max_examples=20, deadline=None)
@given(batch=batches, m=sides, n=sides, full=st.booleans(), dtype=float_dtypes, seed=seeds)
def test_svd(batch, m, n, full, dtype, seed):
    a = randn(batch + (m, n), dtype, seed)
    check(lambda lib, a: _svd_invariants(lib, a, full), a, seed=seed)


def test_svd_shapes():
    u, s, vh = chainrule.linalg.svd(chainrule.randn(2, 5, 3))
    assert (u.shape, s.shape, vh.shape) == ((2, 5, 5), (2, 3), (2, 3, 3))
    u, s, vh = chainrule.linalg.svd(chainrule.randn(2, 3, 5), full_matrices=False)
    assert (u.shape, s.shape, vh.shape) == ((2, 3, 3), (2, 3), (2, 3, 5))


@settings(max_examples=20, deadline=None)
@given(batch=batches, m=sides, n=sides, dtype=float_dtypes, seed=seeds)
def test_qr(batch, m, n, dtype, seed):
    a = randn(batch + (m, n), dtype, seed)
    check(lambda lib, a: lib.linalg.qr(a), a, seed=seed)
    if m <= n:
        check(lambda lib, a: lib.linalg.qr(a, mode="complete"), a, seed=seed)


def test_qr_gradients_torch_refuses():
    a = chainrule.tensor(randn((4, 3), np.float64, 0), requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        chainrule.linalg.qr(a, mode="complete").Q.sum().backward()
    with pytest.raises(RuntimeError, match="mode='r'"):
        chainrule.linalg.qr(a, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="unrecognized mode"):
        chainrule.linalg.qr(a, mode="full")


def test_qr_mode_r():
    a = randn((4, 3), np.float64, 0)
    q, r = chainrule.linalg.qr(chainrule.tensor(a), mode="r")
    assert q.shape == (0,)
    assert_close(r, torch.linalg.qr(torch.tensor(a), mode="r").R)


# ------------------------------------------------------------------ pinv, lstsq, products
@settings(max_examples=15, deadline=None)
@given(batch=batches, m=sides, n=sides, dtype=float_dtypes, seed=seeds)
def test_pinv_and_lstsq(batch, m, n, dtype, seed):
    a = full_rank(batch + (m, n), dtype, seed)
    check(lambda lib, a: lib.linalg.pinv(a), a, seed=seed)
    if m >= n:  # a full-rank least-squares problem
        b = randn(batch + (m, 2), dtype, seed + 1)
        check(lambda lib, a, b: lib.linalg.lstsq(a, b).solution, a, b, seed=seed)
        bv = randn(batch + (m,), dtype, seed + 1)
        check(lambda lib, a, b: lib.linalg.lstsq(a, b).solution, a, bv, seed=seed)


def test_lstsq_result_fields():
    a, b = randn((4, 3), np.float64, 0), randn((4, 2), np.float64, 1)
    got = chainrule.linalg.lstsq(chainrule.tensor(a), chainrule.tensor(b))
    want = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b))
    for field in ("residuals", "rank", "singular_values"):
        assert_close(getattr(got, field), getattr(want, field), what=field)


@pytest.mark.parametrize("power", [0, 1, 2, 3, 5, -1, -2])
def test_matrix_power(power, dtype):
    check(lambda lib, a: lib.linalg.matrix_power(a, power), well_conditioned((2, 3, 3), dtype, 4) / 3)


@settings(max_examples=15, deadline=None)
@given(batch=batches, n=sides, power=st.integers(-3, 4), dtype=float_dtypes, seed=seeds)
def test_matrix_power_batched(batch, n, power, dtype, seed):
    a = well_conditioned(batch + (n, n), dtype, seed) / (n + 1)
    check(lambda lib, a: lib.linalg.matrix_power(a, power), a, seed=seed)


@settings(max_examples=20, deadline=None)
@given(free_a=st.lists(st.integers(1, 3), max_size=2), free_b=st.lists(st.integers(1, 3), max_size=2),
       shared=st.lists(st.integers(1, 3), max_size=2), as_lists=st.booleans(), dtype=float_dtypes, seed=seeds)
def test_tensordot_drawn(free_a, free_b, shared, as_lists, dtype, seed):
    """a [*free_a, *shared] and b [*shared, *free_b]; as lists, b's shared dims come reversed."""
    a = randn(free_a + shared, dtype, seed)
    if as_lists:
        b = randn(shared[::-1] + free_b, dtype, seed + 1)
        k = len(shared)
        dims = (list(range(len(free_a), len(free_a) + k)), list(range(k - 1, -1, -1)))
    else:
        b, dims = randn(shared + free_b, dtype, seed + 1), len(shared)
    check(lambda lib, a, b: lib.tensordot(a, b, dims), a, b, seed=seed)


@pytest.mark.parametrize("shapes", [[(3, 4), (4, 2)], [(4,), (4, 3), (3, 2), (2,)], [(2, 3), (3, 3), (3,)]])
def test_multi_dot(shapes, dtype):
    arrays = [randn(s, dtype, i) for i, s in enumerate(shapes)]
    check(lambda lib, *xs: lib.linalg.multi_dot(list(xs)), *arrays)


def test_linalg_cross(dtype):
    check(lambda lib, a, b: lib.linalg.cross(a, b), randn((2, 4, 3), dtype, 0), randn((1, 4, 3), dtype, 1))
    check(lambda lib, a, b: lib.linalg.cross(a, b, dim=0), randn((3, 2), dtype, 0), randn((3, 2), dtype, 1))


@settings(max_examples=20, deadline=None)
@given(batch=batches, p_rows=sides, r_rows=sides, m=sides, p=st.sampled_from([2.0, 1.0, 3.0, 0.0, float("inf")]),
       dtype=float_dtypes, seed=seeds)
def test_cdist(batch, p_rows, r_rows, m, p, dtype, seed):
    x1, x2 = randn(batch + (p_rows, m), dtype, seed), randn(batch[1:] + (r_rows, m), dtype, seed + 1)
    check(lambda lib, a, b: lib.cdist(a, b, p), x1, x2, seed=seed)


def test_cdist_of_equal_rows_has_a_zero_gradient(dtype):
    x = randn((3, 2), dtype, 0)
    check(lambda lib, a, b: lib.cdist(a, b), x, x.copy())


@pytest.mark.parametrize("sa,sb,dims", [
    ((3, 4, 5), (4, 5, 2), 2), ((3, 4), (4, 5), 1), ((2, 3), (4,), 0),
    ((3, 4, 5), (5, 3, 2), ([0, 2], [1, 0])), ((3, 4), (2, 4), ([1], [1])),
])
def test_tensordot(sa, sb, dims, dtype):
    check(lambda lib, a, b: lib.tensordot(a, b, dims), randn(sa, dtype, 0), randn(sb, dtype, 1))


def test_product_errors():
    with pytest.raises(chainrule.ShapeError, match="contracted dimensions need to match"):
        chainrule.tensordot(chainrule.ones(3, 4), chainrule.ones(3, 5), dims=1)
    with pytest.raises(chainrule.ShapeError, match="same number of columns"):
        chainrule.cdist(chainrule.ones(3, 2), chainrule.ones(4, 3))
    with pytest.raises(RuntimeError, match="floating-point"):
        chainrule.cdist(chainrule.ones(3, 2, dtype=chainrule.int64), chainrule.ones(3, 2, dtype=chainrule.int64))
    with pytest.raises(chainrule.ShapeError, match="cannot be multiplied"):
        chainrule.linalg.multi_dot([chainrule.ones(2, 3), chainrule.ones(2, 3)])
    with pytest.raises(chainrule.ShapeError, match="same number of dimensions"):
        chainrule.linalg.cross(chainrule.ones(2, 3), chainrule.ones(3))
    with pytest.raises(chainrule.ShapeError, match="square"):
        chainrule.linalg.matrix_power(chainrule.ones(2, 3), 2)


def test_top_level_and_tensor_forms_equal_torch():
    """torch.matrix_power, torch.pinverse, torch.cholesky and their Tensor methods, and the
    submodules reached as attributes of the package, as after ``import torch``."""
    import warnings

    a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda lib, x: (lib.matrix_power(x, 3), x.matrix_power(-2), lib.pinverse(x[:, :2]), x.pinverse(),
                              lib.cholesky(x), x.cholesky(upper=True)), a)
    for name in ("linalg", "special", "distributions", "func", "testing"):
        assert getattr(chainrule, name).__name__ == f"chainrule.{name}"
