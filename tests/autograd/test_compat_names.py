"""``import chainrule as torch``: the module-level names a PyTorch program reaches for exist, where
PyTorch has them, and answer as a CPU-only PyTorch does (devices, cuda, backends, utils.data,
dtypes that print as ``chainrule.float32``)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import chainrule

FUNCTIONS = [
    "abs", "add", "all", "allclose", "amax", "amin", "any", "arange", "argmax", "argmin", "argsort", "as_tensor",
    "bmm", "broadcast_to", "cat", "chunk", "clamp", "clip", "clone", "concat", "cos", "cumsum", "div", "dot",
    "einsum", "empty", "empty_like", "enable_grad", "equal", "exp", "expm1", "eye", "flatten", "from_numpy",
    "full", "full_like", "gather", "get_default_device", "get_default_dtype", "histc", "histogram",
    "index_select", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "is_tensor", "isclose",
    "isfinite", "isinf", "isnan", "linspace", "log", "log10", "log1p", "log2", "log_softmax", "logspace",
    "logsumexp", "manual_seed", "masked_fill", "matmul", "max", "maximum", "mean", "meshgrid", "min", "minimum",
    "mm", "mul", "multinomial", "mv", "neg", "no_grad", "norm", "normal", "numel", "ones", "ones_like",
    "outer", "permute", "pow", "rand", "rand_like", "randint", "randint_like", "randn", "randn_like",
    "randperm", "relu", "reshape", "scatter", "scatter_add", "set_default_device", "set_default_dtype",
    "set_grad_enabled", "sigmoid", "sin", "softmax", "sort", "split", "sqrt", "squeeze", "stack", "std", "sub",
    "sum", "tanh", "tensor", "topk", "transpose", "tril", "triu", "unbind", "unique", "unsqueeze", "var",
    "where", "zeros", "zeros_like",
]
METHODS = [
    "all", "allclose", "any", "argsort", "bmm", "contiguous", "cpu", "cuda", "cumsum", "dot", "equal", "expm1",
    "fill_", "gather", "histc", "index_select", "is_contiguous", "isclose", "isfinite", "isinf", "isnan",
    "log10", "log1p", "log2", "masked_fill", "multinomial", "mv", "nelement", "new_empty", "new_full",
    "new_ones", "new_tensor", "new_zeros", "normal_", "outer", "register_hook", "scatter", "scatter_add", "sort",
    "to", "tolist", "topk", "tril", "triu", "uniform_", "unique", "zero_", "clamp_",
]
FUNCTIONAL = ["one_hot", "pad"]
AUTOGRAD = ["grad", "backward", "Function", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode"]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_module_functions_exist_where_torch_has_them(name):
    assert hasattr(torch, name), f"the list names {name}, which torch does not have"
    assert callable(getattr(chainrule, name))


@pytest.mark.parametrize("name", METHODS)
def test_tensor_methods_exist_where_torch_has_them(name):
    assert hasattr(torch.Tensor, name)
    assert callable(getattr(chainrule.Tensor, name))


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_functional_names(name):
    assert hasattr(torch.nn.functional, name) and callable(getattr(chainrule.nn.functional, name))
    assert name in chainrule.nn.functional.__all__


@pytest.mark.parametrize("name", AUTOGRAD)
def test_autograd_names(name):
    assert hasattr(torch.autograd, name) and hasattr(chainrule.autograd, name)


# ------------------------------------------------------------------------------ devices
def test_device_objects_print_and_compare_like_torch():
    for spec in (("cpu",), ("cuda",), ("cuda:1",), ("cuda", 0), ("mps",)):
        c, t = chainrule.device(*spec), torch.device(*spec)
        assert repr(c) == repr(t) and str(c) == str(t)
        assert c.type == t.type and c.index == t.index
    assert chainrule.device("cpu") == chainrule.device("cpu") != chainrule.device("cuda")
    assert chainrule.device(chainrule.device("cuda:2")) == chainrule.device("cuda", 2)
    assert len({chainrule.device("cpu"), chainrule.device("cpu")}) == 1
    assert pickle.loads(pickle.dumps(chainrule.device("cuda:1"))) == chainrule.device("cuda:1")


def test_device_equals_its_string_so_tensor_device_compares_with_cpu():
    # torch.device("cpu") == "cpu" is False in PyTorch; chainrule says True (a deliberate difference)
    x = chainrule.ones(2)
    assert x.device == "cpu" and x.device == chainrule.device("cpu") and x.device != "cuda"
    assert isinstance(x.device, chainrule.device) and str(x.device) == "cpu" and not x.is_cuda


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "cpu:-1"])
def test_device_rejects_unknown_names(bad):
    with pytest.raises(RuntimeError, match="device"):
        chainrule.device(bad)
    with pytest.raises(RuntimeError):
        torch.device(bad)


def test_no_gpu_anywhere():
    assert chainrule.cuda.is_available() is torch.cuda.is_available() is False
    assert chainrule.cuda.device_count() == torch.cuda.device_count() == 0
    assert chainrule.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert chainrule.backends.mps.is_built() is False and chainrule.backends.cudnn.is_available() is False
    chainrule.cuda.manual_seed_all(0)  # ignored without a GPU, as in PyTorch
    chainrule.cuda.manual_seed(0)
    chainrule.cuda.empty_cache()
    before = chainrule.backends.cudnn.deterministic
    chainrule.backends.cudnn.deterministic = True  # programs set these flags; they are kept
    assert chainrule.backends.cudnn.deterministic is True
    chainrule.backends.cudnn.deterministic = before


def test_the_usual_device_line_picks_the_cpu():
    device = chainrule.device("cuda" if chainrule.cuda.is_available() else "cpu")
    x = chainrule.randn(2, 3, device=device).to(device)
    assert x.device == device == "cpu"


def test_set_default_device():
    chainrule.set_default_device("cpu")
    chainrule.set_default_device(chainrule.device("cpu"))
    chainrule.set_default_device(None)
    assert chainrule.get_default_device() == chainrule.device("cpu")
    assert repr(chainrule.get_default_device()) == repr(torch.get_default_device())
    with pytest.raises(RuntimeError, match="set_default_device: chainrule runs on the CPU only, got device 'cuda'"):
        chainrule.set_default_device("cuda")


# ------------------------------------------------------------------------------ utils.data
def test_utils_data_is_chainrule_data():
    import chainrule.utils.data as data_module
    from chainrule.utils.data import DataLoader, Dataset, Subset, TensorDataset, random_split

    assert data_module.DataLoader is chainrule.data.DataLoader is DataLoader
    assert chainrule.utils.data.TensorDataset is TensorDataset
    assert Dataset is chainrule.data.Dataset and Subset is chainrule.data.Subset
    for name in chainrule.data.__all__:
        assert getattr(chainrule.utils.data, name) is getattr(chainrule.data, name)
    ds = TensorDataset(chainrule.arange(10).float(), chainrule.arange(10))
    train, test = random_split(ds, [8, 2])
    batches = list(DataLoader(train, batch_size=4))
    assert len(train) == 8 and len(test) == 2 and [len(b[0]) for b in batches] == [4, 4]


# ------------------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("name", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8",
                                  "bool", "float", "double", "long", "half", "short", "int"])
def test_dtypes_print_like_torchs(name):
    c, t = getattr(chainrule, name), getattr(torch, name)
    assert repr(c) == repr(t).replace("torch.", "chainrule.") and str(c) == str(t).replace("torch.", "chainrule.")
    assert c.is_floating_point == t.is_floating_point and c.is_signed == t.is_signed
    assert c.itemsize == t.itemsize and not c.is_complex
    assert isinstance(c, chainrule.dtype)


def test_tensor_dtype_shows_chainrules_name_and_still_equals_numpys():
    x = chainrule.ones(2, dtype=chainrule.float64)
    assert repr(x.dtype) == "chainrule.float64" and f"{x.dtype}" == "chainrule.float64"
    assert x.dtype == np.float64 and x.dtype == np.dtype("float64") and np.dtype("float64") == x.dtype
    assert x.dtype == "float64" and x.dtype != chainrule.float32 and x.dtype is chainrule.float64
    assert x.dtype != None  # noqa: E711  (np.dtype(None) would be float64)
    assert {np.dtype(np.float64): "yes"}[x.dtype] == "yes"  # hashes as NumPy's dtype
    assert np.zeros(2, dtype=x.dtype).dtype == np.float64 and x._data.astype(chainrule.int32).dtype == np.int32
    assert x.dtype.kind == "f" and x.dtype.itemsize == 8 and x.dtype.type is np.float64
    assert np.finfo(chainrule.float32).eps == np.finfo(np.float32).eps
    assert chainrule.get_default_dtype() is chainrule.float32
    assert repr(chainrule.get_default_dtype()) == repr(torch.get_default_dtype()).replace("torch.", "chainrule.")
    assert pickle.loads(pickle.dumps(x.dtype)) is chainrule.float64 and copy.deepcopy(x.dtype) is chainrule.float64
    assert chainrule.tensor([1], dtype=torch.float64).dtype is chainrule.float64  # a torch dtype is understood


def test_dtype_in_error_messages_is_chainrules_name():
    with pytest.raises(RuntimeError, match=r"got dtype chainrule\.int64"):
        chainrule.tensor([1, 2]).requires_grad_()
    with pytest.raises(TypeError, match=r"chainrule\.int64"):
        chainrule.tensor([1, 2]).mean()
    with pytest.raises(TypeError, match=r"chainrule\.int16"):
        chainrule.set_default_dtype(chainrule.int16)
