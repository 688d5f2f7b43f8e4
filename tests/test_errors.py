"""The error catalogue: a learner's common mistakes, each with the exception it raises and what its
message must name (the operation or layer, and the offending shapes or values).

Every row is ``(mistake, exception type, fragments)``: the call must raise exactly that type (or a
subclass) and the message must contain every fragment. PyTorch answers several of these without
naming the layer or both shapes; chainrule's messages say which call, what it got and what it
expected.
"""

from __future__ import annotations

import contextlib
import io
import os
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import cli, nn
from chainrule.autograd import Function, detect_anomaly, gradcheck
from chainrule.data import DataLoader, Subset, TensorDataset, random_split
from chainrule.errors import BackwardError, ShapeError
from chainrule.nn import StateDictError
from chainrule.optim import lr_scheduler
from chainrule.serialization import CheckpointError
from chainrule.train import EarlyStopping, ModelCheckpoint, fit


# ----------------------------------------------------------------------------- helpers
def param(*shape: int) -> cr.Tensor:
    return cr.ones(*shape, requires_grad=True)


def sgd(**kw: Any) -> cr.optim.SGD:
    return cr.optim.SGD([param(2)], lr=0.1, **kw)


def loader(n: int = 4) -> DataLoader:
    return DataLoader(TensorDataset(cr.ones(n, 2), cr.ones(n, 1)), batch_size=2)


def quick_fit(**kw: Any) -> Any:
    model = nn.Linear(2, 1)
    args = {"epochs": 1, "metrics": (), "progress": False, **kw}
    return fit(model, nn.MSELoss(), cr.optim.SGD(model.parameters(), lr=0.1), loader(), **args)


class WrongShape(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g[:, :1].sum()  # a scalar, for a [2, 3] input


class TooFew(Function):
    @staticmethod
    def forward(ctx, x, y):
        return x * y

    @staticmethod
    def backward(ctx, g):
        return g  # one gradient for two inputs


class ReturnsNone(Function):
    @staticmethod
    def forward(ctx, x):
        return None

    @staticmethod
    def backward(ctx, g):
        return g


def backward_twice() -> None:
    y = param(2).exp().sum()
    y.backward()
    y.backward()


def step_with_wrong_grad() -> None:
    p = param(2)
    p.grad = cr.ones(3)
    cr.optim.SGD([p], lr=0.1).step()


def clip_nonfinite() -> None:
    p = param(2)
    p.grad = cr.tensor([np.inf, 1.0])
    nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def one_cycle_past_the_end() -> None:
    opt = sgd()
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=2)
    for _ in range(3):
        opt.step()
        sched.step()


def anomaly() -> None:
    x = cr.tensor([0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        (x.sqrt() * 0).sum().backward()


# checkpoint files, written once per test session into a temporary directory
@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("files")
    model = nn.Linear(2, 1)
    good = d / "good.npz"
    cr.save({"model": model.state_dict(), "epoch": 3}, good)
    data = good.read_bytes()
    paths = {"dir": os.fspath(d), "missing": os.fspath(d / "missing.npz")}
    for name, content in {"truncated": data[: len(data) // 2], "text": b"epoch=3\n",
                          "empty": b""}.items():
        (d / f"{name}.npz").write_bytes(content)
        paths[name] = os.fspath(d / f"{name}.npz")
    np.savez(d / "plain.npz", w=np.ones(3))
    paths["plain"] = os.fspath(d / "plain.npz")
    with zipfile.ZipFile(d / "future.npz", "w") as zf:
        zf.writestr("__chainrule__.json", '{"format": "chainrule.checkpoint", "version": 99}')
    paths["future"] = os.fspath(d / "future.npz")
    cr.save(model.state_dict(), d / "weights.npz")
    paths["weights"] = os.fspath(d / "weights.npz")
    return paths


Case = tuple[str, Callable[[dict[str, str]], Any], type[BaseException], list[str]]

CASES: list[Case] = [
    # ------------------------------------------------------------------ tensors
    ("add broadcast", lambda f: cr.ones(2, 3) + cr.ones(4), ShapeError,
     ["add", "(2, 3)", "(4,)", "cannot be broadcast"]),
    ("mul broadcast", lambda f: cr.ones(2, 3) * cr.ones(3, 2), ShapeError,
     ["mul", "(2, 3)", "(3, 2)"]),
    ("where broadcast", lambda f: cr.where(cr.ones(2, dtype=cr.bool), cr.ones(3), cr.ones(4)),
     ShapeError, ["where", "(3,)", "(4,)"]),
    ("matmul inner dims", lambda f: cr.ones(2, 3) @ cr.ones(4, 5), ShapeError,
     ["matmul", "(2, 3)", "(4, 5)", "(3)", "(4)"]),
    ("matmul of a 0-d", lambda f: cr.ones(()) @ cr.ones(3), ShapeError,
     ["matmul", "()", "(3,)", "at least 1 dimension"]),
    ("mm of a 3-d", lambda f: cr.mm(cr.ones(2, 3, 4), cr.ones(4, 5)), ShapeError,
     ["mm", "first", "(2, 3, 4)"]),
    ("reshape size", lambda f: cr.ones(2, 3).reshape(4, 2), ShapeError,
     ["reshape", "[4, 2]", "(2, 3)", "size 6"]),
    ("view size", lambda f: cr.ones(2, 3).view(5), ShapeError, ["view", "[5]", "(2, 3)"]),
    ("cat shapes", lambda f: cr.cat([cr.ones(2, 3), cr.ones(2, 4)]), ShapeError,
     ["cat", "(2, 3)", "(2, 4)", "dimension 0"]),
    ("stack shapes", lambda f: cr.stack([cr.ones(2, 3), cr.ones(3, 2)]), ShapeError,
     ["stack", "(2, 3)", "(3, 2)"]),
    ("split sizes", lambda f: cr.ones(5).split([2, 2]), ShapeError,
     ["split", "[2, 2]", "(5,)", "length 5"]),
    ("expand size", lambda f: cr.ones(2, 3).expand(4, 4), ShapeError,
     ["expand", "[4, 4]", "(2, 3)"]),
    ("copy_ shape", lambda f: cr.ones(2, 3).copy_(cr.ones(4)), ShapeError,
     ["copy_", "(4,)", "(2, 3)"]),
    ("setitem shape", lambda f: cr.ones(2, 3).__setitem__(0, cr.ones(4)), ShapeError,
     ["__setitem__", "(4,)", "(2, 3)"]),
    ("sum dim", lambda f: cr.ones(2, 3).sum(dim=2), IndexError,
     ["sum", "got 2", "[-2, 1]"]),
    ("softmax dim", lambda f: cr.softmax(cr.ones(2, 3), dim=3), IndexError,
     ["softmax", "got 3"]),
    ("index", lambda f: cr.ones(2, 3)[5], IndexError, ["getitem", "5", "(2, 3)"]),
    ("permute dims", lambda f: cr.ones(2, 3).permute(0, 0), ValueError,
     ["permute", "(0, 0)", "(2, 3)"]),
    ("flatten dims", lambda f: cr.ones(2, 3, 4).flatten(2, 1), ValueError,
     ["flatten", "start_dim (2)", "end_dim (1)"]),
    ("item of many", lambda f: cr.ones(2, 3).item(), ValueError,
     ["item()", "6 elements", "(2, 3)"]),
    ("truth of many", lambda f: bool(cr.ones(2)), RuntimeError,
     ["2 elements", "(2,)", ".any()"]),
    ("int requires grad", lambda f: cr.tensor([1, 2], requires_grad=True), RuntimeError,
     ["requires_grad", "int64", "(2,)"]),
    ("strings", lambda f: cr.tensor(["a"]), TypeError, ["tensor()", "list"]),
    ("ragged lists", lambda f: cr.tensor([[1, 2], [3]]), ValueError,
     ["tensor()", "depth 1", "[1, 2]"]),
    ("mean of ints", lambda f: cr.tensor([1, 2]).mean(), TypeError,
     ["mean()", "int64", "(2,)"]),
    ("int ** negative", lambda f: cr.tensor([1, 2]) ** -1, ValueError, ["pow", "negative"]),
    ("negative size", lambda f: cr.zeros(-1, 2), ValueError, ["zeros()", "(-1, 2)"]),
    ("float size", lambda f: cr.randn(2.5), TypeError, ["randn()", "2.5"]),
    ("unknown dtype", lambda f: cr.zeros(2, dtype="float128x"), TypeError,
     ["'float128x'", "float32"]),
    ("randint range", lambda f: cr.randint(5, 2, (3,)), ValueError,
     ["randint", "high (2)", "low (5)"]),
    ("cuda", lambda f: cr.ones(2).to("cuda"), RuntimeError, ["to()", "'cuda'", "CPU"]),
    # ------------------------------------------------------------------ autograd
    ("backward of a vector", lambda f: (param(2) * 2).backward(), BackwardError,
     ["backward()", "scalar", "(2,)"]),
    ("backward without grad", lambda f: cr.ones(2).sum().backward(), BackwardError,
     ["backward()", "does not require grad"]),
    ("backward twice", lambda f: backward_twice(), RuntimeError,
     ["Backward", "second time", "retain_graph=True"]),
    ("backward gradient shape", lambda f: (param(2) * 2).backward(cr.ones(3)), BackwardError,
     ["gradient", "(3,)", "(2,)"]),
    ("in-place on a leaf", lambda f: param(2).add_(1), RuntimeError,
     ["add_", "leaf", "no_grad"]),
    ("numpy of a grad tensor", lambda f: param(2).numpy(), RuntimeError,
     ["numpy()", "detach()"]),
    ("Function gradient shape", lambda f: WrongShape.apply(param(2, 3)).sum().backward(),
     RuntimeError, ["WrongShape.backward", "shape ()", "(2, 3)", "input 0"]),
    ("Function gradient count",
     lambda f: TooFew.apply(param(2), param(2)).sum().backward(), RuntimeError,
     ["TooFew.backward", "1 gradients", "2 inputs"]),
    ("Function forward result", lambda f: ReturnsNone.apply(param(2)), TypeError,
     ["ReturnsNone.forward", "NoneType"]),
    ("gradcheck in float32", lambda f: gradcheck(lambda x: x * 2, param(2)), ValueError,
     ["gradcheck", "input 0", "float32"]),
    ("anomaly", lambda f: anomaly(), RuntimeError, ["MulBackward", "nan", "test_errors.py"]),
    # ------------------------------------------------------------------ nn
    ("Linear input", lambda f: nn.Linear(3, 4)(cr.ones(2, 5)), ShapeError,
     ["Linear(in_features=3, out_features=4) expected input [..., 3], got shape (2, 5)"]),
    ("Linear in a Sequential",
     lambda f: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(5, 2))(cr.ones(2, 3)),
     ShapeError, ["Linear(in_features=5, out_features=2)", "[..., 5]", "(2, 4)"]),
    ("Linear dtype", lambda f: nn.Linear(3, 4)(cr.ones(2, 3, dtype=cr.float64)), TypeError,
     ["Linear(in_features=3, out_features=4)", "float64", "float32"]),
    ("Linear of an array", lambda f: nn.Linear(3, 4)(np.ones((2, 3))), TypeError,
     ["Linear(in_features=3, out_features=4", "ndarray"]),
    ("Linear size", lambda f: nn.Linear(-1, 4), ValueError, ["Linear", "in_features", "-1"]),
    ("BatchNorm channels", lambda f: nn.BatchNorm1d(4)(cr.ones(2, 3)), ShapeError,
     ["BatchNorm1d(num_features=4)", "(2, 3)"]),
    ("BatchNorm one sample", lambda f: nn.BatchNorm1d(3)(cr.ones(1, 3)), ValueError,
     ["BatchNorm1d", "more than 1 value", "(1, 3)"]),
    ("LayerNorm shape", lambda f: nn.LayerNorm(4)(cr.ones(2, 3)), ShapeError,
     ["LayerNorm((4,))", "[*, 4]", "(2, 3)"]),
    ("Dropout p", lambda f: nn.Dropout(1.5), ValueError, ["Dropout", "p=1.5"]),
    ("load_state_dict shapes",
     lambda f: nn.Linear(3, 4).load_state_dict(nn.Linear(3, 5).state_dict()), StateDictError,
     ["Linear", "weight", "(5, 3)", "(4, 3)"]),
    ("load_state_dict keys",
     lambda f: nn.Linear(3, 4).load_state_dict({"weight": cr.ones(4, 3)}), StateDictError,
     ["Linear", "Missing", "bias"]),
    ("Sequential of a string", lambda f: nn.Sequential(nn.Linear(2, 2), "relu"), TypeError,
     ["str", "Module"]),
    ("F.linear bias", lambda f: F.linear(cr.ones(2, 3), cr.ones(4, 3), cr.ones(5)), ShapeError,
     ["linear", "bias", "(4,)", "(5,)"]),
    ("gelu approximate", lambda f: F.gelu(cr.ones(2), approximate="fast"), ValueError,
     ["gelu", "'fast'"]),
    ("Module.to int", lambda f: nn.Linear(2, 2).to(cr.int64), TypeError, ["to", "int64"]),
    ("kaiming of a vector", lambda f: nn.init.kaiming_uniform_(cr.ones(3)), ValueError,
     ["kaiming_uniform_", "(3,)"]),
    ("clip non-finite", lambda f: clip_nonfinite(), RuntimeError,
     ["clip_grad_norm_", "non-finite", "inf"]),
    # ------------------------------------------------------------------ losses
    ("mse shapes", lambda f: nn.MSELoss()(cr.ones(4, 1), cr.ones(4)), ShapeError,
     ["mse_loss", "(4, 1)", "(4,)", "same shape"]),
    ("l1 of ints", lambda f: F.l1_loss(cr.tensor([1, 2]), cr.tensor([1, 2])), TypeError,
     ["l1_loss", "int64"]),
    ("cross-entropy float targets", lambda f: F.cross_entropy(cr.ones(4, 3), cr.ones(4)),
     TypeError, ["cross_entropy", "float32", "(4,)", "(4, 3)"]),
    ("cross-entropy class index",
     lambda f: nn.CrossEntropyLoss()(cr.ones(4, 3), cr.tensor([0, 1, 2, 3])), IndexError,
     ["cross_entropy", "target 3", "3 classes"]),
    ("cross-entropy negative class", lambda f: F.cross_entropy(cr.ones(4, 3),
                                                               cr.tensor([0, 1, 2, -1])),
     IndexError, ["cross_entropy", "target -1"]),
    ("cross-entropy batch", lambda f: F.cross_entropy(cr.ones(4, 3), cr.tensor([0, 1, 2])),
     ShapeError, ["cross_entropy", "batch size 4", "batch size 3"]),
    ("cross-entropy weight",
     lambda f: F.cross_entropy(cr.ones(4, 3), cr.tensor([0, 1, 2, 1]), weight=cr.ones(4)),
     ShapeError, ["cross_entropy", "weight", "(3,)", "(4,)"]),
    ("cross-entropy spatial target",
     lambda f: F.cross_entropy(cr.ones(2, 3, 4), cr.zeros(2, 5, dtype=cr.int64)), ShapeError,
     ["cross_entropy", "(2, 5)", "(2, 3, 4)", "(2, 4)"]),
    ("nll class index", lambda f: F.nll_loss(cr.ones(4, 3), cr.tensor([0, 1, 2, 7])),
     IndexError, ["nll_loss", "7"]),
    ("bce range", lambda f: nn.BCELoss()(cr.tensor([0.5, 1.5]), cr.tensor([0.0, 1.0])),
     ValueError, ["binary_cross_entropy", "1.5", "logits"]),
    ("bce shapes", lambda f: F.binary_cross_entropy(cr.tensor([0.5, 0.5]), cr.ones(3)),
     ShapeError, ["binary_cross_entropy", "(2,)", "(3,)"]),
    ("bce-with-logits shapes",
     lambda f: nn.BCEWithLogitsLoss()(cr.ones(4, 1), cr.ones(4)), ShapeError,
     ["binary_cross_entropy_with_logits", "(4, 1)", "(4,)"]),
    ("reduction", lambda f: F.mse_loss(cr.ones(2), cr.ones(2), reduction="avg"), ValueError,
     ["mse_loss", "'avg'", "'mean'"]),
    ("huber delta", lambda f: F.huber_loss(cr.ones(2), cr.ones(2), delta=-1.0), ValueError,
     ["huber_loss", "delta=-1.0"]),
    # ------------------------------------------------------------------ optimisers
    ("negative lr", lambda f: cr.optim.SGD([param(2)], lr=-1), ValueError, ["SGD", "lr=-1"]),
    ("lr as text", lambda f: cr.optim.SGD([param(2)], lr="0.1"), TypeError,
     ["SGD", "lr", "'0.1'"]),
    ("nesterov without momentum", lambda f: sgd(nesterov=True), ValueError,
     ["SGD", "Nesterov", "momentum=0"]),
    ("Adam beta", lambda f: cr.optim.Adam([param(2)], betas=(0.9, 1.0)), ValueError,
     ["Adam", "betas[1]=1.0"]),
    ("Adam eps", lambda f: cr.optim.Adam([param(2)], eps=-1e-8), ValueError,
     ["Adam", "eps=-1e-08"]),
    ("RMSprop alpha", lambda f: cr.optim.RMSprop([param(2)], alpha=-0.1), ValueError,
     ["RMSprop", "alpha=-0.1"]),
    ("no parameters", lambda f: cr.optim.SGD([], lr=0.1), ValueError, ["SGD", "empty"]),
    ("a single tensor", lambda f: cr.optim.Adam(param(2)), TypeError,
     ["Adam", "single Tensor", "(2,)", "[tensor]"]),
    ("a set of parameters", lambda f: cr.optim.SGD({param(2)}, lr=0.1), TypeError,
     ["SGD", "set"]),
    ("non-leaf parameter", lambda f: cr.optim.SGD([param(2) * 2], lr=0.1), ValueError,
     ["SGD", "non-leaf", "MulBackward"]),
    ("integer parameter", lambda f: cr.optim.SGD([cr.tensor([1, 2])], lr=0.1), TypeError,
     ["SGD", "int64", "(2,)"]),
    ("gradient shape at step", lambda f: step_with_wrong_grad(), ShapeError,
     ["SGD.step", "(2,)", "(3,)"]),
    ("optimizer state of another model",
     lambda f: cr.optim.Adam([param(2)]).load_state_dict(
         cr.optim.Adam([param(2), param(3)]).state_dict()), ValueError,
     ["Adam.load_state_dict", "2 parameters", "has 1"]),
    # ------------------------------------------------------------------ schedulers
    ("StepLR step_size", lambda f: lr_scheduler.StepLR(sgd(), step_size=0), ValueError,
     ["StepLR", "step_size=0"]),
    ("StepLR gamma", lambda f: lr_scheduler.StepLR(sgd(), step_size=2, gamma=-1), ValueError,
     ["StepLR", "gamma=-1"]),
    ("scheduler of a non-optimizer", lambda f: lr_scheduler.StepLR("adam", step_size=1),
     TypeError, ["StepLR", "Optimizer", "str"]),
    ("cosine T_max", lambda f: lr_scheduler.CosineAnnealingLR(sgd(), T_max=0), ValueError,
     ["CosineAnnealingLR", "T_max=0"]),
    ("OneCycle past the end", lambda f: one_cycle_past_the_end(), ValueError,
     ["OneCycleLR", "3 times", "total_steps=2"]),
    ("plateau mode", lambda f: lr_scheduler.ReduceLROnPlateau(sgd(), mode="up"), ValueError,
     ["ReduceLROnPlateau", "'up'"]),
    ("plateau factor", lambda f: lr_scheduler.ReduceLROnPlateau(sgd(), factor=1.5),
     ValueError, ["ReduceLROnPlateau", "factor=1.5"]),
    ("LambdaLR of a number", lambda f: lr_scheduler.LambdaLR(sgd(), lr_lambda=3), TypeError,
     ["LambdaLR", "callable", "int"]),
    ("ExponentialLR gamma text", lambda f: lr_scheduler.ExponentialLR(sgd(), gamma="x"),
     TypeError, ["ExponentialLR", "gamma", "'x'"]),
    ("scheduler state of an optimizer",
     lambda f: lr_scheduler.StepLR(sgd(), 2).load_state_dict(sgd().state_dict()), ValueError,
     ["StepLR.load_state_dict", "last_epoch", "param_groups"]),
    # ------------------------------------------------------------------ data
    ("TensorDataset lengths", lambda f: TensorDataset(cr.ones(4, 2), cr.ones(5)), ShapeError,
     ["TensorDataset", "[4, 5]", "(4, 2)", "(5,)"]),
    ("TensorDataset index", lambda f: TensorDataset(cr.ones(4, 2))[7], IndexError,
     ["TensorDataset", "7", "4 samples"]),
    ("batch_size 0", lambda f: DataLoader(TensorDataset(cr.ones(4, 2)), batch_size=0),
     ValueError, ["DataLoader", "batch_size", "got 0"]),
    ("batch_size float", lambda f: DataLoader(TensorDataset(cr.ones(4, 2)), batch_size=2.5),
     ValueError, ["DataLoader", "batch_size", "2.5"]),
    ("numpy generator",
     lambda f: DataLoader(TensorDataset(cr.ones(4, 2)), generator=np.random.default_rng()),
     TypeError, ["DataLoader", "chainrule.Generator"]),
    ("random_split lengths", lambda f: random_split(TensorDataset(cr.ones(4, 2)), [3, 3]),
     ValueError, ["random_split", "[3, 3]", "4"]),
    ("Subset index", lambda f: Subset(TensorDataset(cr.ones(4, 2)), [0, 9]), IndexError,
     ["Subset", "9", "4 samples"]),
    ("ragged samples",
     lambda f: next(iter(DataLoader([(np.ones(2), 1), (np.ones(3), 0)], batch_size=2))),
     ShapeError, ["default_collate", "(2,)", "(3,)"]),
    ("loader state", lambda f: loader().load_state_dict({"epoch": 1}), ValueError,
     ["DataLoader.load_state_dict", "position"]),
    # ------------------------------------------------------------------ training
    ("epochs 0", lambda f: quick_fit(epochs=0), ValueError, ["fit", "epochs", "0"]),
    ("unknown metric", lambda f: quick_fit(metrics=("f1",)), ValueError, ["fit", "'f1'"]),
    ("callback function", lambda f: quick_fit(callbacks=[print]), TypeError,
     ["fit", "Callback"]),
    ("monitor without validation", lambda f: quick_fit(callbacks=[EarlyStopping()]), ValueError,
     ["EarlyStopping", "'val_loss'", "val_loader"]),
    ("checkpoint every 0", lambda f: ModelCheckpoint("x.npz", every=0), ValueError,
     ["ModelCheckpoint", "every", "0"]),
    ("resume from weights", lambda f: quick_fit(resume_from=f["weights"]), ValueError,
     ["resume_from", "weights.npz", "not a training checkpoint", "weight, bias"]),
    # ------------------------------------------------------------------ checkpoints
    ("load a missing file", lambda f: cr.load(f["missing"]), FileNotFoundError,
     ["load()", "missing.npz"]),
    ("load a directory", lambda f: cr.load(f["dir"]), IsADirectoryError,
     ["load()", "is a directory"]),
    ("load a truncated file", lambda f: cr.load(f["truncated"]), CheckpointError,
     ["truncated.npz", "truncated or corrupted"]),
    ("load a text file", lambda f: cr.load(f["text"]), CheckpointError,
     ["text.npz", "not a chainrule checkpoint", "b'epoc'"]),
    ("load an empty file", lambda f: cr.load(f["empty"]), CheckpointError,
     ["empty.npz", "empty"]),
    ("load a plain npz", lambda f: cr.load(f["plain"]), CheckpointError,
     ["plain.npz", "not a chainrule checkpoint", "w.npy"]),
    ("load a newer format", lambda f: cr.load(f["future"]), CheckpointError,
     ["future.npz", "version 99", "upgrade"]),
    ("save an object", lambda f: cr.save({"f": object()}, io.BytesIO()), TypeError,
     ["save()", "object", "obj['f']"]),
]


@pytest.mark.parametrize("mistake, exc, fragments", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_mistake_raises_a_clear_error(files, mistake, exc, fragments):
    with pytest.raises(exc) as info:
        mistake(files)
    message = str(info.value)
    missing = [f for f in fragments if f not in message]
    assert not missing, f"message lacks {missing}:\n{message}"


def test_shape_errors_are_both_runtime_and_value_errors():
    """Code written for PyTorch (RuntimeError) or for NumPy (ValueError) catches ShapeError."""
    for parent in (RuntimeError, ValueError):
        with pytest.raises(parent):
            cr.ones(2, 3) @ cr.ones(4, 5)


# ------------------------------------------------------------------ the command line
CLI_CASES = [
    (["train", "--dataset", "imagenet"], ["--dataset", "'imagenet'", "xor"]),
    (["train", "--optimizer", "adamm"], ["--optimizer", "'adamm'"]),
    (["train", "--lr", "-1"], ["--lr", "-1"]),
    (["train", "--lr", "nan"], ["--lr", "nan"]),
    (["train", "--hidden", "abc"], ["--hidden", "'abc'"]),
    (["train", "--hidden", "64,0"], ["--hidden", "'64,0'"]),
    (["train", "--batch-size", "0"], ["--batch-size", "'0'"]),
    (["train", "--epochs", "0"], ["--epochs", "0"]),
    (["train", "--seed", "-5"], ["--seed", "-5"]),
    (["train", "--activation", "swish"], ["--activation", "'swish'"]),
    (["train", "--no-such-option"], ["No such option", "--no-such-option"]),
    (["fly"], ["No such command", "'fly'"]),
    (["evaluate", "no/such/run"], ["DIR", "no/such/run", "config.json"]),
]


@pytest.mark.parametrize("argv, fragments", CLI_CASES, ids=[" ".join(a) for a, _ in CLI_CASES])
def test_cli_mistake_exits_2_with_one_clear_line(argv, fragments):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    lines = err.getvalue().strip().splitlines()
    assert code == 2 and len(lines) == 1, err.getvalue()
    missing = [f for f in fragments if f not in lines[0]]
    assert not missing, f"message lacks {missing}: {lines[0]}"


def test_cli_unwritable_out_names_the_path(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["train", "--dataset", "xor", "--out", str(blocker / "run")])
    assert code == 2 and "--out" in err.getvalue() and str(blocker / "run") in err.getvalue()
