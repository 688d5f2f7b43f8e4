"""chainrule: a deep-learning library from first principles, with PyTorch's API.

``import chainrule as torch`` is close to the truth: ``Tensor``, ``tensor``, ``randn``,
``no_grad``, ``nn``, ``optim`` and ``loss.backward()`` mean what they mean in PyTorch.
"""

from . import backends, cuda, dtypes
from .autograd import enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad, set_grad_enabled
from .autograd.ops import (
    abs,
    acos,
    add,
    addcdiv,
    addcmul,
    all,
    allclose,
    amax,
    amin,
    any,
    arccos,
    arcsin,
    arctan,
    arctan2,
    argmax,
    argmin,
    argsort,
    asin,
    atan,
    atan2,
    bmm,
    broadcast_to,
    cat,
    ceil,
    chunk,
    clamp,
    clip,
    clone,
    concat,
    cos,
    cosh,
    cumsum,
    diag,
    diagonal,
    div,
    divide,
    dot,
    einsum,
    equal,
    exp,
    expm1,
    fix,
    flatten,
    floor,
    floor_divide,
    fmod,
    frac,
    gather,
    histc,
    histogram,
    index_select,
    isclose,
    isfinite,
    isinf,
    isnan,
    lerp,
    log,
    log1p,
    log2,
    log10,
    log_softmax,
    logsumexp,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    meshgrid,
    min,
    minimum,
    mm,
    mul,
    multinomial,
    mv,
    neg,
    norm,
    normal,
    outer,
    permute,
    pow,
    relu,
    remainder,
    reshape,
    round,
    rsqrt,
    scatter,
    scatter_add,
    sigmoid,
    sign,
    sin,
    sinh,
    softmax,
    sort,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sub,
    sum,
    tan,
    tanh,
    topk,
    trace,
    transpose,
    tril,
    triu,
    true_divide,
    trunc,
    unbind,
    unique,
    unsqueeze,
    var,
    where,
)
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
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
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
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Size, Tensor

__version__ = "0.1.0"

from . import backend  # noqa: E402  (registers the fast paths over the reference ops; CHAINRULE_JIT=0: none)


def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


def numel(t: Tensor) -> int:
    return t.numel()


# loaded on first use: `import chainrule` stays fast, needs NumPy alone, and changes nothing in the
# process (chainrule.memory's malloc settings are an explicit opt-in)
_LAZY_MODULES = ("nn", "optim", "data", "train", "lab", "viz", "utils", "autograd", "memory", "serialization",
                 "onnx", "distributed")


def __getattr__(name: str):
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load"):
        from . import serialization

        return getattr(serialization, name)
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
