"""Module full backward hooks against PyTorch: what the hooks see, what their replacements do to
the gradients, when they fire, and their errors."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import chainrule
from torch_oracle import assert_close, randn


def _both(build):
    """The same module in chainrule and torch, from one builder and torch's initial weights."""
    t_module = build(torch.nn)
    c_module = build(chainrule.nn)
    c_module.load_state_dict({k: v.detach().numpy().copy() for k, v in t_module.state_dict().items()})
    return c_module, t_module


def _record(log: list[Any]):
    def hook(module, grad_input, grad_output):
        log.append((grad_input, grad_output))

    return hook


def _arrays(grads: tuple[Any, ...]) -> list[Any]:
    return [None if g is None else g.detach().numpy() if isinstance(g, torch.Tensor) else g._data for g in grads]


def _assert_same_grads(c_grads, t_grads, dtype, what):
    assert len(c_grads) == len(t_grads), what
    for i, (c, t) in enumerate(zip(_arrays(c_grads), _arrays(t_grads))):
        assert (c is None) == (t is None), f"{what}[{i}]: {c} vs torch's {t}"
        if c is not None:
            assert_close(c, t, dtype, what=f"{what}[{i}]")


@pytest.mark.parametrize("build", [
    lambda nn: nn.Linear(5, 3),
    lambda nn: nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3)),
    lambda nn: nn.Conv1d(5, 3, 2),
], ids=["linear", "sequential", "conv1d"])
def test_hooks_see_torchs_gradients(build, dtype):
    c_module, t_module = _both(build)
    if dtype == np.float64:
        c_module.double()
        t_module.double()
    x = randn((4, 5) if "Conv" not in type(t_module).__name__ else (2, 5, 6), dtype, 1)
    logs: dict[str, list[Any]] = {"chainrule": [], "torch": []}
    pre_logs: dict[str, list[Any]] = {"chainrule": [], "torch": []}
    for name, module, lib in (("chainrule", c_module, chainrule), ("torch", t_module, torch)):
        module.register_full_backward_hook(_record(logs[name]))
        module.register_full_backward_pre_hook(lambda m, go, log=pre_logs[name]: log.append(go))
        inp = lib.tensor(x.copy(), requires_grad=True)
        out = module(inp)
        (out * lib.tensor(randn(tuple(out.shape), dtype, 2))).sum().backward()
    for kind in (logs, pre_logs):
        assert len(kind["chainrule"]) == len(kind["torch"]) == 1
    (c_in, c_out), (t_in, t_out) = logs["chainrule"][0], logs["torch"][0]
    _assert_same_grads(c_in, t_in, dtype, "grad_input")
    _assert_same_grads(c_out, t_out, dtype, "grad_output")
    _assert_same_grads(pre_logs["chainrule"][0], pre_logs["torch"][0], dtype, "pre-hook grad_output")


class _TwoOutputs:
    """forward(a, b, k, c) -> (a w k + b, sum(a) sum(c), 7): a non-tensor argument, a tensor
    without grad, an output the loss may leave unused, and a non-tensor output."""

    @staticmethod
    def build(lib):
        class TwoOutputs(lib.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.w = lib.nn.Parameter(lib.ones(3))

            def forward(self, a, b, k, c):
                return a * self.w * k + b, a.sum() * c.sum(), 7

        return TwoOutputs()


def _shapes(grads):
    return [None if g is None else tuple(g.shape) for g in grads]


def _run_two_outputs(lib, *, inputs_require_grad: bool, use_second: bool):
    module = _TwoOutputs.build(lib)
    seen: list[Any] = []
    module.register_full_backward_pre_hook(lambda m, go: seen.append(("pre", _shapes(go))))
    module.register_full_backward_hook(lambda m, gi, go: seen.append(("full", _shapes(gi), _shapes(go))))
    a = lib.tensor(randn((3,), np.float64, 3), requires_grad=inputs_require_grad)
    c = lib.tensor(randn((2,), np.float64, 4), requires_grad=inputs_require_grad)
    y1, y2, n = module(a, lib.tensor(randn((3,), np.float64, 5)), 2.0, c)
    loss = y1.sum() + (y2 * 3 if use_second else 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss.backward()
    grads = [None if t.grad is None else t.grad.tolist() for t in (a, c, module.w)]
    return n, seen, grads, [str(w.message) for w in caught]


@pytest.mark.parametrize("inputs_require_grad", [True, False])
@pytest.mark.parametrize("use_second", [True, False])
def test_several_inputs_and_outputs_as_torch(inputs_require_grad, use_second):
    """One entry per positional argument and per output, None where torch has None; an unused
    output sends zeros into the module (so c.grad is zeros, not None), and with no input that
    requires grad the full hook fires at the outputs, with a warning."""
    c_n, c_seen, c_grads, c_warn = _run_two_outputs(chainrule, inputs_require_grad=inputs_require_grad,
                                                     use_second=use_second)
    t_n, t_seen, t_grads, t_warn = _run_two_outputs(torch, inputs_require_grad=inputs_require_grad,
                                                     use_second=use_second)
    assert c_n == t_n == 7
    assert c_seen == t_seen
    for c, t in zip(c_grads, t_grads):
        assert (c is None) == (t is None)
        if c is not None:
            np.testing.assert_allclose(c, t, rtol=1e-12)
    assert len(c_warn) == len(t_warn)
    for c, t in zip(c_warn, t_warn):
        assert t.startswith(c)


def _replacing_run(lib):
    module = lib.nn.Linear(3, 2).double()
    with lib.no_grad():
        module.weight.copy_(lib.tensor(randn((2, 3), np.float64, 6)))
        module.bias.copy_(lib.tensor(randn((2,), np.float64, 7)))
    module.register_full_backward_pre_hook(lambda m, go: (go[0] * 10,))
    module.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0 + go[0].sum(),))
    x = lib.tensor(randn((4, 3), np.float64, 8), requires_grad=True)
    h = x * 2  # the replacement travels on through the graph before the module
    module(h).sum().backward()
    return x.grad, module.weight.grad, module.bias.grad


def test_replacements_change_the_gradients_as_in_torch():
    """A pre-hook scales grad_output (the parameters' gradients follow), a full hook replaces
    grad_input (the gradient flowing on to earlier layers)."""
    for c, t in zip(_replacing_run(chainrule), _replacing_run(torch)):
        assert_close(c, t, np.float64)


def test_output_used_twice_fires_once_with_the_sum_and_each_call_fires():
    for lib in (chainrule, torch):
        module = lib.nn.Linear(3, 3)
        seen: list[Any] = []
        module.register_full_backward_hook(lambda m, gi, go, seen=seen: seen.append(go[0].sum().item()))
        x = lib.ones(2, 3, requires_grad=True)
        y = module(x)
        (y * 2 + y * 3).sum().backward()
        assert seen == [30.0]  # 2 x 3 outputs, each with gradient 5
        seen.clear()
        module(module(x)).sum().backward()
        assert len(seen) == 2


def test_handle_removes_and_no_grad_skips():
    module = chainrule.nn.Linear(3, 2)
    seen: list[Any] = []
    handle = module.register_full_backward_hook(lambda *a: seen.append(a))
    x = chainrule.ones(2, 3, requires_grad=True)
    with chainrule.no_grad():
        assert not module(x).requires_grad
    handle.remove()
    module(x).sum().backward()
    assert seen == [] and x.grad is not None


def test_a_list_output_is_not_hooked_with_torchs_warning():
    messages = []
    for lib in (chainrule, torch):
        class Pair(lib.nn.Module):
            def forward(self, a):
                return [a * 2, a * 3]

        module = Pair()
        module.register_full_backward_hook(lambda *a: pytest.fail("the hook must not run"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = module(lib.ones(2, requires_grad=True))
        out[0].sum().backward()
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1]


def test_keyword_tensors_get_gradients_but_no_grad_input_entry():
    module_seen = []
    for lib in (chainrule, torch):
        class Scale(lib.nn.Module):
            def forward(self, a, *, b):
                return a * b

        module = Scale()
        module.register_full_backward_hook(lambda m, gi, go, s=module_seen: s.append(_shapes(gi)))
        a, b = lib.ones(2, requires_grad=True), lib.full((2,), 3.0, requires_grad=True)
        module(a, b=b).sum().backward()
        assert b.grad.tolist() == [1.0, 1.0] and a.grad.tolist() == [3.0, 3.0]
    assert module_seen[0] == module_seen[1] == [(2,)]


@pytest.mark.parametrize("pre", [False, True])
def test_a_wrong_number_of_gradients_is_torchs_error(pre):
    messages = []
    for lib in (chainrule, torch):
        module = lib.nn.Linear(3, 2)
        if pre:
            module.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
        else:
            module.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError) as err:
            module(lib.ones(4, 3, requires_grad=True)).sum().backward()
        messages.append(str(err.value))
    assert messages[0] == messages[1]


def test_a_wrongly_shaped_replacement_names_the_module_and_shapes():
    module = chainrule.nn.Linear(3, 2)
    module.register_full_backward_hook(lambda m, gi, go: (chainrule.ones(5),))
    with pytest.raises(RuntimeError, match=r"Linear: a backward hook changed the shape of grad_input\[0\] "
                                           r"from \(4, 3\) to \(5,\)"):
        module(chainrule.ones(4, 3, requires_grad=True)).sum().backward()


def test_grad_cam_on_a_small_cnn_equals_torch():
    """Grad-CAM's recipe: a forward hook keeps a conv layer's activations, a full backward hook its
    output gradient; the class-activation map is relu(sum_c mean(grad_c) * act_c)."""
    def build(nn):
        return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1),
                             nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3))

    c_model, t_model = _both(build)
    image = randn((1, 1, 8, 8), np.float32, 9)
    maps = []
    for model, lib in ((c_model, chainrule), (t_model, torch)):
        kept: dict[str, Any] = {}
        layer = model[2]
        layer.register_forward_hook(lambda m, i, o, kept=kept: kept.__setitem__("act", o.detach()))
        layer.register_full_backward_hook(lambda m, gi, go, kept=kept: kept.__setitem__("grad", go[0].detach()))
        scores = model(lib.tensor(image.copy()))
        scores[0, int(scores.argmax())].backward()
        weights = kept["grad"].mean(dim=(2, 3), keepdim=True)
        maps.append(lib.relu((weights * kept["act"]).sum(dim=1)))
    assert_close(maps[0], maps[1], np.float32)


# ----------------------------------------------------------------------------- forward hook options
def _hook_run(lib):
    module = lib.nn.Linear(2, 2)
    order: list[Any] = []
    module.register_forward_hook(lambda m, a, o: order.append("a"))
    module.register_forward_hook(lambda m, a, o: order.append("b"), prepend=True)
    module.register_forward_pre_hook(lambda m, a, kw: order.append(("pre", len(a), dict(kw))), with_kwargs=True)
    module.register_forward_hook(lambda m, a, kw, o: order.append(("kw", tuple(o.shape))), with_kwargs=True)
    module.register_full_backward_hook(lambda m, gi, go: order.append("back a"))
    module.register_full_backward_hook(lambda m, gi, go: order.append("back b"), prepend=True)
    module(lib.ones(3, 2, requires_grad=True)).sum().backward()
    return order


def test_forward_hook_options_as_torch():
    """prepend puts a hook first, with_kwargs passes the keyword arguments, and the orders match."""
    assert _hook_run(chainrule) == _hook_run(torch)


def test_with_kwargs_pre_hook_replaces_args_and_kwargs_and_always_call_runs_on_failure():
    for lib in (chainrule, torch):
        class Scale(lib.nn.Module):
            def forward(self, x, *, factor=1.0):
                if factor < 0:
                    raise ValueError("negative factor")
                return x * factor

        module, seen = Scale(), []
        handle = module.register_forward_pre_hook(lambda m, a, kw: (a, {"factor": 3.0}), with_kwargs=True)
        assert module(lib.ones(2)).tolist() == [3.0, 3.0]
        handle.remove()
        module.register_forward_hook(lambda m, a, o, seen=seen: seen.append(o), always_call=True)
        with pytest.raises(ValueError, match="negative factor"):
            module(lib.ones(2), factor=-1.0)
        assert seen == [None]
        bad = module.register_forward_pre_hook(lambda m, a, kw: 5, with_kwargs=True)
        with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\), but got 5"):
            module(lib.ones(2))
        bad.remove()


# ----------------------------------------------------------------------------- state_dict hooks, extra state
def _state_run(lib):
    class WithExtra(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = lib.nn.Linear(2, 2)
            self.count = 3

        def get_extra_state(self):
            return {"count": self.count}

        def set_extra_state(self, state):
            self.count = state["count"]

    model = lib.nn.Sequential(WithExtra())
    state = model.state_dict()
    keys = list(state)
    copy = lib.nn.Sequential(WithExtra())
    copy[0].count = 0
    copy.load_state_dict(state)
    restored = copy[0].count

    def rename(module, state_dict, prefix, local_metadata, strict, missing, unexpected, errors):
        if prefix + "w" in state_dict:
            state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")

    copy[0].lin.register_load_state_dict_pre_hook(rename)
    old = {"0.lin.w": state["0.lin.weight"], "0.lin.bias": state["0.lin.bias"], "0._extra_state": {"count": 7}}
    renamed = str(copy.load_state_dict(old)), copy[0].count, "0.lin.w" in old
    copy.register_load_state_dict_post_hook(lambda module, incompatible: incompatible.missing_keys.clear())
    forgiven = str(copy.load_state_dict({"0._extra_state": {"count": 1}}, strict=True)), copy[0].count
    prefixes = []
    copy.register_state_dict_pre_hook(lambda module, prefix, keep_vars: prefixes.append(prefix))
    def drop_bias(module, sd, prefix, meta):
        del sd["0.lin.bias"]

    handle = copy.register_state_dict_post_hook(drop_bias)
    trimmed = list(copy.state_dict())
    handle.remove()
    copy.register_state_dict_post_hook(lambda module, sd, prefix, meta: sd)
    with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
        copy.state_dict()
    return keys, state["0._extra_state"], restored, renamed, forgiven, trimmed, prefixes


def test_state_dict_hooks_and_extra_state_as_torch():
    assert _state_run(chainrule) == _state_run(torch)
