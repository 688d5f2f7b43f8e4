"""The backward engine: the lecture's chain rule and total derivative, accumulation, graph
lifetime, retain_grad, grad modes, custom Functions, copies and memory safety of ``.grad``."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import torch

import chainrule
from chainrule.autograd import Function
from torch_oracle import assert_close, check, randn


# ----------------------------------------------------------------------------- the lecture's examples
def test_lecture_chain_rule_example(lecture_graph):
    """f(x, y, z) = (x + y) z at (-2, 5, -4): q = 3, f = -12, df/dx = df/dy = z = -4, df/dz = q = 3."""
    x, y, z, q, f = (lecture_graph[k] for k in "xyzqf")
    assert f.item() == -12.0 and q.item() == 3.0
    assert x.grad.item() == -4.0 and y.grad.item() == -4.0 and z.grad.item() == 3.0
    assert q.grad.item() == -4.0  # df/dq = z; then df/dx = df/dq * dq/dx = -4 * 1 (chain rule)


def _network(lib, x1, x2):
    """The slide's network: x1, x2 -> z1, z2 -> h1, h2 -> p, every input reaching p by 4 paths."""
    z1 = x1 * x2
    z2 = x1 + x2 * x2
    h1 = z1 * z2
    h2 = z1.exp() + z2
    p = h1 * h2
    return z1, z2, h1, h2, p


def test_lecture_total_derivative_network_term_by_term():
    a1, a2 = 0.7, -0.4
    x1 = chainrule.tensor(a1, dtype=chainrule.float64, requires_grad=True)
    x2 = chainrule.tensor(a2, dtype=chainrule.float64, requires_grad=True)
    z1, z2, h1, h2, p = _network(chainrule, x1, x2)
    for t in (z1, z2, h1, h2):
        t.retain_grad()
    p.backward()

    # the local derivatives, by hand
    Z1, Z2, H1, H2 = (float(t.item()) for t in (z1, z2, h1, h2))
    dp_dh1, dp_dh2 = H2, H1
    dh1_dz1, dh1_dz2 = Z2, Z1
    dh2_dz1, dh2_dz2 = np.exp(Z1), 1.0
    dz1_dx1, dz1_dx2 = a2, a1
    dz2_dx1, dz2_dx2 = 1.0, 2 * a2

    # level 3 and 2 of the slide
    assert h1.grad.item() == pytest.approx(dp_dh1, rel=1e-12)
    assert h2.grad.item() == pytest.approx(dp_dh2, rel=1e-12)
    dp_dz1 = dp_dh1 * dh1_dz1 + dp_dh2 * dh2_dz1
    dp_dz2 = dp_dh1 * dh1_dz2 + dp_dh2 * dh2_dz2
    assert z1.grad.item() == pytest.approx(dp_dz1, rel=1e-12)
    assert z2.grad.item() == pytest.approx(dp_dz2, rel=1e-12)

    # level 1: the sum over all four paths from each input to p
    dp_dx1 = (dp_dh1 * dh1_dz1 * dz1_dx1 + dp_dh2 * dh2_dz1 * dz1_dx1
              + dp_dh1 * dh1_dz2 * dz2_dx1 + dp_dh2 * dh2_dz2 * dz2_dx1)
    dp_dx2 = (dp_dh1 * dh1_dz1 * dz1_dx2 + dp_dh2 * dh2_dz1 * dz1_dx2
              + dp_dh1 * dh1_dz2 * dz2_dx2 + dp_dh2 * dh2_dz2 * dz2_dx2)
    assert x1.grad.item() == pytest.approx(dp_dx1, rel=1e-12)
    assert x2.grad.item() == pytest.approx(dp_dx2, rel=1e-12)

    # and every path really matters: dropping any one path changes the answer
    one_path = dp_dh1 * dh1_dz1 * dz1_dx1
    assert abs(x1.grad.item() - (dp_dx1 - one_path)) > 1e-6


def test_total_derivative_network_against_torch(dtype):
    check(lambda lib, a, b: _network(lib, a, b)[-1], randn((4,), dtype, 0), randn((4,), dtype, 1))


def test_input_used_twice_gets_the_sum_of_both_paths():
    """y = x * x: two paths, each contributing x, so dy/dx = 2x."""
    x = chainrule.tensor([1.5, -2.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad._data, [3.0, -4.0])
    check(lambda lib, a: (a * a + a.exp() * a - a).sum(), randn((3,), np.float64))


# ----------------------------------------------------------------------------- accumulation
def test_grad_accumulates_across_backward_calls_until_zeroed():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad._data, [3 + 2, 3 + 4])
    x.grad.zero_()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad._data, [3, 3])
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad._data, [2, 4])


def test_accumulation_matches_torch(dtype):
    a = randn((2, 3), dtype)
    c, t = chainrule.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for x in (c, t):
        (x.exp() * 2).sum().backward()
        (x.sin()).mean().backward()
    assert_close(c.grad, t.grad)


# ----------------------------------------------------------------------------- depth and lifetime
@pytest.mark.slow
def test_a_chain_of_100000_ops_backpropagates_without_recursion():
    x = chainrule.tensor(1.0, dtype=chainrule.float64, requires_grad=True)
    y = x
    factor = 1.00001
    for _ in range(100_000):
        y = y * factor
    y.backward()
    assert x.grad.item() == pytest.approx(factor ** 100_000, rel=1e-9)
    del y
    gc.collect()  # tearing the long graph down must not recurse either


def test_second_backward_through_a_freed_graph_raises_and_retain_graph_allows_it():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()

    x.grad = None
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()  # allowed: the first call kept the graph
    np.testing.assert_allclose(x.grad._data, [4.0, 8.0])  # accumulated twice, as torch does


def test_saved_arrays_are_released_after_backward():
    x = chainrule.randn(100, 100, requires_grad=True)
    h = x.exp()
    saved = weakref.ref(h._data)
    y = (h * h).sum()
    del h  # only the graph holds exp(x) now
    gc.collect()
    assert saved() is not None
    y.backward()
    gc.collect()
    assert saved() is None


# ----------------------------------------------------------------------------- retain_grad, leaves
def test_retain_grad_on_non_leaves_and_none_otherwise():
    x = chainrule.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    k = h.relu()
    k.sum().backward()
    np.testing.assert_allclose(h.grad._data, [1.0, 0.0, 1.0])  # dSum/dh through relu
    assert k.grad is None  # not retained
    assert h.retains_grad and not k.retains_grad
    assert x.is_leaf and not h.is_leaf


def test_retain_grad_accumulates_like_torch(dtype):
    a = randn((3,), dtype)
    res = {}
    for lib in (chainrule, torch):
        x = lib.tensor(a, requires_grad=True)
        h = x.sin()
        h.retain_grad()
        (h * h).sum().backward(retain_graph=True)
        (h * 3).sum().backward()
        res[lib] = h.grad
    assert_close(res[chainrule], res[torch])


def test_backward_on_a_leaf_and_with_an_explicit_gradient(dtype):
    x = chainrule.tensor(randn((2, 2), dtype), requires_grad=True)
    g = randn((2, 2), dtype, 1)
    x.backward(chainrule.tensor(g))
    np.testing.assert_array_equal(x.grad._data, g)


def test_backward_with_gradient_for_non_scalar_outputs(dtype):
    a, g = randn((3, 4), dtype, 0), randn((3, 2), dtype, 1)
    w = randn((4, 2), dtype, 2)
    grads = {}
    for lib in (chainrule, torch):
        x, wt = lib.tensor(a, requires_grad=True), lib.tensor(w, requires_grad=True)
        (x @ wt).tanh().backward(gradient=lib.tensor(g))
        grads[lib] = (x.grad, wt.grad)
    for got, want in zip(grads[chainrule], grads[torch], strict=True):
        assert_close(got, want)
    x = chainrule.tensor(a, requires_grad=True)
    (x * 2).backward(2 * a)  # a plain ndarray works too
    np.testing.assert_allclose(x.grad._data, 4 * a, rtol=1e-6)


def test_inputs_without_requires_grad_get_no_grad():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    c = chainrule.tensor([3.0, 4.0])
    (x * c).sum().backward()
    assert c.grad is None and x.grad is not None


def test_grad_fn_names_and_next_functions():
    x = chainrule.tensor([1.0], requires_grad=True)
    y = (x * 2).exp()
    assert y.grad_fn.name() == "ExpBackward"
    (mul, _), = y.grad_fn.next_functions
    assert mul.name() == "MulBackward"
    assert mul.next_functions[0][0] is x  # a leaf appears as itself


# ----------------------------------------------------------------------------- grad modes
def test_no_grad_and_enable_grad_as_context_managers():
    x = chainrule.tensor([1.0], requires_grad=True)
    with chainrule.no_grad():
        assert not chainrule.is_grad_enabled()
        y = x * 2
        with chainrule.enable_grad():
            assert chainrule.is_grad_enabled()
            z = x * 2
        w = x * 2
    assert chainrule.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None
    assert not w.requires_grad


def test_no_grad_and_enable_grad_as_decorators():
    x = chainrule.tensor([1.0], requires_grad=True)

    @chainrule.no_grad()
    def frozen(t):
        return t * 2

    @chainrule.enable_grad()
    def tracked(t):
        return t * 2

    assert not frozen(x).requires_grad
    with chainrule.no_grad():
        assert tracked(x).requires_grad
        assert not chainrule.is_grad_enabled()  # restored after the call
    assert chainrule.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError), chainrule.no_grad():
        raise ValueError("boom")
    assert chainrule.is_grad_enabled()

    @chainrule.no_grad()
    def fails():
        raise ValueError("boom")

    with pytest.raises(ValueError):
        fails()
    assert chainrule.is_grad_enabled()


def test_set_grad_enabled_as_context_and_call():
    x = chainrule.tensor([1.0], requires_grad=True)
    with chainrule.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    chainrule.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        chainrule.set_grad_enabled(True)


def test_parameter_update_under_no_grad_is_allowed_and_outside_is_refused():
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with chainrule.no_grad():
        w -= 0.1 * w.grad
    np.testing.assert_allclose(w._data, [0.8, 1.6], rtol=1e-6)
    assert w.is_leaf and w.requires_grad
    with pytest.raises(RuntimeError, match="in-place"):
        w.add_(1.0)


# ----------------------------------------------------------------------------- custom Functions
def _scaled_exp(base):
    """The same user op written against chainrule's and torch's Function: y = exp(a) * b * s."""

    class ScaledExp(base):
        seen_needs: tuple = ()

        @staticmethod
        def forward(ctx, a, b, scale):
            e = a.exp()
            ctx.save_for_backward(e, b)
            ctx.scale = scale
            return e * b * scale

        @staticmethod
        def backward(ctx, grad):
            e, b = ctx.saved_tensors
            ScaledExp.seen_needs = tuple(ctx.needs_input_grad)
            ga = grad * e * b * ctx.scale if ctx.needs_input_grad[0] else None
            gb = grad * e * ctx.scale if ctx.needs_input_grad[1] else None
            return ga, gb, None

    return ScaledExp


CUSTOM = {chainrule: _scaled_exp(Function), torch: _scaled_exp(torch.autograd.Function)}


@pytest.mark.parametrize("needs", [(True, True), (True, False), (False, True)])
def test_custom_function_matches_torch_autograd_function(needs, dtype):
    a, b = randn((2, 3), dtype, 0), randn((2, 3), dtype, 1)
    check(lambda lib, x, y: CUSTOM[lib].apply(x, y, 1.5).sum(1).tanh(), a, b, grad=list(needs))
    assert CUSTOM[chainrule].seen_needs == CUSTOM[torch].seen_needs == (*needs, False)


def test_custom_function_gradient_of_a_broadcast_input_is_summed_like_torch(dtype):
    a, b = randn((2, 3), dtype, 0), randn((3,), dtype, 1)
    check(lambda lib, x, y: CUSTOM[lib].apply(x, y, 1.5), a, b)


def test_custom_function_in_no_grad_records_nothing():
    x = chainrule.tensor([1.0], requires_grad=True)
    with chainrule.no_grad():
        y = CUSTOM[chainrule].apply(x, x, 2.0)
    assert not y.requires_grad and y.grad_fn is None


def test_custom_function_saved_tensors_are_freed_after_backward():
    x = chainrule.tensor([1.0], requires_grad=True)
    y = CUSTOM[chainrule].apply(x, x, 2.0)
    node = y.grad_fn
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        node.saved_tensors


def test_custom_function_sees_needs_input_grad_in_forward():
    class Peek(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.seen = tuple(ctx.needs_input_grad)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    y = Peek.apply(chainrule.ones(2, requires_grad=True), chainrule.ones(2))
    assert y.grad_fn.seen == (True, False)


# ----------------------------------------------------------------------------- copies and dtypes
def test_detach_shares_memory_and_leaves_the_graph():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    e = x.detach()
    assert np.shares_memory(e._data, x._data)


def test_clone_copies_and_passes_gradient(dtype):
    x = chainrule.tensor(randn((3,), dtype), requires_grad=True)
    c = x.clone()
    assert not np.shares_memory(c._data, x._data) and c.grad_fn is not None
    check(lambda lib, t: t.clone() * t, randn((3,), dtype))


@pytest.mark.parametrize("conv", ["float", "double", "to64", "to32", "to_tensor"])
def test_dtype_conversions_pass_gradients_in_the_source_dtype(conv, dtype):
    other = np.float64 if dtype is np.float32 else np.float32

    def fn(lib, x):
        ref = lib.tensor(np.zeros(1, other))
        y = {
            "float": lambda: x.float(),
            "double": lambda: x.double(),
            "to64": lambda: x.to(lib.float64),
            "to32": lambda: x.to(dtype=lib.float32),
            "to_tensor": lambda: x.to(ref),
        }[conv]()
        return y * 3

    check(fn, randn((4,), dtype), dtype=np.float32)  # compare at the coarser precision


def test_float_of_float32_is_the_same_tensor():
    x = chainrule.tensor([1.0], requires_grad=True)
    assert x.float() is x and x.to(chainrule.float32) is x and x.to("cpu") is x


# ----------------------------------------------------------------------------- memory safety
def test_leaf_grads_never_share_memory():
    a = chainrule.tensor([1.0, 2.0], requires_grad=True)
    b = chainrule.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad._data += 10  # modify one gradient in place
    np.testing.assert_array_equal(b.grad._data, [1.0, 1.0])
    assert not np.shares_memory(a.grad._data, b.grad._data)

    c = chainrule.tensor([1.0, 2.0], requires_grad=True)
    d = chainrule.tensor([3.0, 4.0], requires_grad=True)
    ((c * 2) + d * 1 + c).sum().backward()
    assert not np.shares_memory(c.grad._data, d.grad._data)


def test_grads_are_writeable_arrays_that_zero_in_place():
    x = chainrule.tensor([[1.0, 2.0]], requires_grad=True)
    (x.expand(3, 2)).sum().backward()  # the backward of a broadcast is a read-only view
    assert x.grad._data.flags.writeable
    x.grad.zero_()
    np.testing.assert_array_equal(x.grad._data, [[0.0, 0.0]])


def test_gradient_pending_for_a_node_is_not_corrupted_by_a_leafs_accumulation():
    """s = a + h sends one array to leaf a and to node h; a later in-place a.grad += ... must
    not change what h receives."""
    res = {}
    for lib in (chainrule, torch):
        a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True)
        h = b.exp()
        s = a + h
        ((a * h).sum() + (s * 3).sum()).backward()
        res[lib] = (a.grad, b.grad)
    assert_close(res[chainrule][0], res[torch][0], what="a.grad")
    assert_close(res[chainrule][1], res[torch][1], what="b.grad")


def test_grad_of_a_0d_leaf_is_an_ndarray():
    x = chainrule.tensor(2.0, requires_grad=True)
    x.exp().backward()
    assert type(x.grad._data) is np.ndarray
    x.grad.zero_()


def test_augmented_assignment_on_a_leaf_that_requires_grad_is_refused_like_torch():
    for lib in (chainrule, torch):
        w = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            w += 1
    h = chainrule.ones(2, requires_grad=True) * 2
    before = h
    h += 1  # a graph tensor: changed in place and recorded (its node rebased on AddBackward), as in torch
    assert h is before and h.grad_fn.name() == "AddBackward" and before.tolist() == [3.0, 3.0]
    h.sum().backward()


# ----------------------------------------------------------------------------- no gradient along an edge
def _no_grad_for_first(mod):
    """A Function of ``mod`` whose backward returns None for its first input, which requires grad."""

    class NoGradForFirst(mod.autograd.Function):
        @staticmethod
        def forward(ctx, a, x):
            return a * 0 + x

        @staticmethod
        def backward(ctx, g):
            return None, g

    return NoGradForFirst


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_a_none_gradient_does_not_stall_the_other_paths(lib):
    """``a`` reaches the loss along two edges, one of which carries no gradient (backward returned
    None): ``a``'s node must still run once the other edge has delivered, so x gets 1 + 2 from both
    of its paths (a wrong 1 if the walk waits forever for the silent edge)."""
    mod = chainrule if lib == "chainrule" else torch
    fn = _no_grad_for_first(mod)
    x = mod.ones(3, requires_grad=True)
    a = x * 2
    (fn.apply(a, x).sum() + a.sum()).backward()
    np.testing.assert_array_equal(np.asarray(x.grad.tolist()), [3.0, 3.0, 3.0])


def test_a_subgraph_reached_only_by_none_gradients_is_skipped():
    """Everything behind an edge without gradient, and reachable no other way, gets no gradient,
    as in PyTorch; the rest of the graph is unaffected."""
    results = []
    for mod in (chainrule, torch):
        fn = _no_grad_for_first(mod)
        w = mod.ones(2, requires_grad=True)
        x = mod.full((2,), 3.0, requires_grad=True)
        a = (w * 5).exp()
        fn.apply(a, x * x).sum().backward()
        results.append((w.grad, x.grad.tolist()))
    (c_w, c_x), (t_w, t_x) = results
    assert c_w is None and t_w is None
    assert c_x == t_x == [6.0, 6.0]
