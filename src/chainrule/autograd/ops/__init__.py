"""The differentiable operations, grouped by kind; each is a Function with forward and backward."""

from ._util import normalize_dim, shape_arg, unwrap_index
from .activation import log_softmax, relu, sigmoid, softmax, tanh
from .elementwise import (
    abs,
    add,
    clamp,
    clip,
    clone,
    compare,
    cos,
    div,
    exp,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    sin,
    sqrt,
    sub,
    to_dtype,
    where,
)
from .linalg import matmul, mm
from .reduce import (
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    norm,
    std,
    sum,
    var,
)
from .shape import (
    broadcast_to,
    cat,
    chunk,
    concat,
    expand,
    flatten,
    getitem,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unbind,
    unsqueeze,
)

__all__ = [
    "abs", "add", "amax", "amin", "argmax", "argmin", "broadcast_to", "cat", "chunk", "clamp",
    "clip", "clone", "compare", "concat", "cos", "div", "exp", "expand", "flatten", "getitem",
    "log", "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum", "mm",
    "mul", "neg", "norm", "normalize_dim", "permute", "pow", "relu", "reshape", "shape_arg",
    "sigmoid", "sin", "softmax", "split", "sqrt", "squeeze", "stack", "std", "sub", "sum", "tanh",
    "to_dtype", "transpose", "unbind", "unsqueeze", "unwrap_index", "var", "where",
]
