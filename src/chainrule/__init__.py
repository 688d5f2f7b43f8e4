"""chainrule: a deep-learning library from first principles, with PyTorch's API.

``import chainrule as torch`` is close to the truth: ``Tensor``, ``tensor``, ``randn``,
``no_grad``, ``nn``, ``optim`` and ``loss.backward()`` mean what they mean in PyTorch.
"""

from . import backends, cuda, dtypes
from .autograd import enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad, set_grad_enabled
from .autograd.ops import *  # noqa: F403  (torch's namespace of operations: autograd.ops.__all__)
from .autograd.ops import abs as absolute
from .autograd.ops.special import digamma, erfc, erfinv, i0, lgamma, mvlgamma, polygamma, sinc
from .autograd.ops.special import gammainc as igamma
from .autograd.ops.special import gammaincc as igammac
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    tril_indices,
    triu_indices,
    zeros,
    zeros_like,
)
from .device import device, get_default_device, set_default_device
from .dtypes import (
    bool_ as bool,  # noqa: A004
)
from .dtypes import (
    double,
    dtype,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .dtypes import float as float  # noqa: A004, PLC0414
from .dtypes import int32 as int  # noqa: A004  (torch.int)
from .errors import BackwardError, ShapeError
from .legacy import (  # PyTorch's pre-0.4 typed tensor classes, still used by tutorials
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from .linalg import cdist, det, inverse, logdet, matrix_power, pinverse, slogdet, tensordot
from .linalg import cholesky_top_level as cholesky
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Size, Tensor

__version__ = "0.1.0"

from . import backend  # noqa: E402  (registers the fast paths over the reference ops; CHAINRULE_JIT=0: none)


def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


def numel(t: Tensor) -> int:
    return t.numel()


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    """Whether ``input``'s dtype is a floating point one (float16, float32, float64)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_floating_point(): argument 'input' must be a Tensor, not {type(input).__name__}")
    return input.is_floating_point()


# loaded on first use: `import chainrule` stays fast, needs NumPy alone, and changes nothing in the
# process (chainrule.memory's malloc settings are an explicit opt-in)
_LAZY_MODULES = ("nn", "optim", "data", "train", "lab", "viz", "utils", "autograd", "memory", "serialization",
                 "onnx", "distributed", "special", "distributions", "func", "testing")


def __getattr__(name: str):
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load"):
        from . import serialization

        return getattr(serialization, name)
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")


def is_nonzero(input: Tensor) -> bool:  # noqa: A002
    """Whether a one-element tensor's value is nonzero (an error for any other number of elements)."""
    return input.is_nonzero()


def is_same_size(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    return input.is_same_size(other)


def is_signed(input: Tensor) -> bool:  # noqa: A002
    return input.is_signed()
