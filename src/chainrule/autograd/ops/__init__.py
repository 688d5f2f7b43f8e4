"""The differentiable operations, grouped by kind; each is a Function with forward and backward."""

from ._util import normalize_dim, numpy_keywords, shape_arg, unwrap_index
from .activation import relu, sigmoid, tanh
from .compare import all, allclose, any, equal, isclose, isfinite, isinf, isnan
from .cumulative import cumsum
from .elementwise import (
    abs,
    add,
    clamp,
    clip,
    clone,
    compare,
    contiguous,
    cos,
    exp,
    expm1,
    log,
    log1p,
    log2,
    log10,
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
from .indexing import (
    gather,
    index_put,
    index_select,
    masked_fill,
    overwrite,
    put_at,
    scatter,
    scatter_add,
    tril,
    triu,
)
from .linalg import bmm, dot, einsum, matmul, mm, mv, outer
from .reduce import (
    amax,
    amin,
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    norm,
    softmax,
    std,
    sum,
    var,
)
from .rounding import (
    ceil,
    div,
    divide,
    fix,
    floor,
    floor_divide,
    fmod,
    frac,
    remainder,
    round,
    sign,
    true_divide,
    trunc,
)
from .sampling import multinomial, normal
from .shape import (
    broadcast_to,
    cat,
    chunk,
    concat,
    expand,
    flatten,
    getitem,
    meshgrid,
    pad,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unbind,
    unsqueeze,
    view_of,
    view_write,
)
from .sort import argsort, histc, histogram, sort, topk, unique

__all__ = [
    "abs", "add", "all", "allclose", "amax", "amin", "any", "argmax", "argmin", "argsort", "bmm",
    "broadcast_to", "cat", "ceil", "chunk", "clamp", "clip", "clone", "compare", "concat", "contiguous",
    "cos", "cumsum", "div", "divide", "dot", "einsum", "equal", "exp", "expand", "expm1", "fix", "flatten",
    "floor", "floor_divide", "fmod", "frac", "gather", "getitem", "histc", "histogram", "index_put",
    "index_select", "isclose", "isfinite", "isinf", "isnan", "log", "log10", "log1p", "log2", "log_softmax",
    "logsumexp", "masked_fill", "matmul", "max", "maximum", "mean", "meshgrid", "min", "minimum", "mm", "mul",
    "multinomial", "mv", "neg", "norm", "normal", "normalize_dim", "numpy_keywords", "outer", "overwrite",
    "pad", "permute", "pow", "put_at", "relu", "remainder", "reshape", "round", "scatter", "scatter_add",
    "shape_arg", "sigmoid", "sign", "sin", "softmax", "sort", "split", "sqrt", "squeeze", "stack", "std",
    "sub", "sum", "tanh", "to_dtype", "topk", "transpose", "tril", "triu", "true_divide", "trunc", "unbind",
    "unique", "unsqueeze", "unwrap_index", "var", "view_of", "view_write", "where",
]
