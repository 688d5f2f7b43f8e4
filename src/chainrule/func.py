"""Function transforms, as ``torch.func``: ``grad``, ``grad_and_value``, ``vjp``, ``jvp``,
``jacrev``, ``vmap`` and ``functional_call``.

A transform takes a function of tensors and returns another: ``grad(f)`` computes ``df/dx`` where
``f`` returns a scalar, ``vmap(f)`` applies ``f`` to every slice of a batch, and
``functional_call(model, params, x)`` runs a module with other parameters than its own, so a loss
can be written as a function of the parameters: per-sample gradients are
``vmap(grad(loss), in_dims=(None, 0))(params, x)``.

Here they are built from chainrule's backward pass (first derivatives only: ``grad(grad(f))``
needs a differentiable backward, which chainrule's NumPy backward is not) and ``vmap`` runs the
function once per slice and stacks the results: the values are PyTorch's, the speed is a loop's.
Arguments may be tensors or nested tuples, lists and dicts of them, as PyTorch's pytrees.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .autograd import grad as _grad
from .autograd import grad_mode
from .autograd import ops as _ops
from .autograd.functional import jacobian
from .tensor import Tensor

__all__ = ["functional_call", "grad", "grad_and_value", "jacrev", "jvp", "vjp", "vmap"]


# ------------------------------------------------------------------ pytrees
def _flatten(tree: Any) -> tuple[list[Any], Callable[[list[Any]], Any]]:
    """The leaves of a nested tuple/list/dict, and the function that rebuilds it from new leaves."""
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(t) for t in tree]
        counts = [len(leaves) for leaves, _ in parts]

        def rebuild_sequence(leaves: list[Any]) -> Any:
            out, at = [], 0
            for (_, rebuild), n in zip(parts, counts):
                out.append(rebuild(leaves[at:at + n]))
                at += n
            if isinstance(tree, tuple):
                return type(tree)(*out) if hasattr(tree, "_fields") else tuple(out)  # a namedtuple, or a tuple
            return out

        return [leaf for leaves, _ in parts for leaf in leaves], rebuild_sequence
    if isinstance(tree, Mapping):
        keys = list(tree)
        flat, rebuild = _flatten([tree[k] for k in keys])
        return flat, lambda leaves: dict(zip(keys, rebuild(leaves)))
    return [tree], lambda leaves: leaves[0]


def _fresh_leaves(tree: Any) -> tuple[Any, list[Tensor]]:
    """The tree with every tensor replaced by a new leaf that requires grad (same values)."""
    leaves, rebuild = _flatten(tree)
    fresh = [t.detach().requires_grad_(True) if isinstance(t, Tensor) else t for t in leaves]
    return rebuild(fresh), [t for t in fresh if isinstance(t, Tensor)]


def _regroup(trees: Sequence[Any], found: Sequence[Any], leaves: list[Tensor]) -> list[Any]:
    """The gradients ``found`` (one per tensor leaf of ``trees``, in order; None: zeros) put back
    into the trees' structures."""
    found = [Tensor._make(np.zeros(leaf.shape, dtype=leaf._data.dtype)) if g is None else g
             for g, leaf in zip(found, leaves)]
    out, at = [], 0
    for tree in trees:
        flat, rebuild = _flatten(tree)
        n = sum(isinstance(t, Tensor) for t in flat)
        it = iter(found[at:at + n])
        out.append(rebuild([next(it) if isinstance(t, Tensor) else t for t in flat]))
        at += n
    return out


# ------------------------------------------------------------------ grad, vjp, jacrev
def grad_and_value(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """``f -> (df/dargs, f(args))`` for a function returning a scalar tensor (with ``has_aux``:
    ``(scalar, aux)``, giving ``(grads, (value, aux))``). ``argnums`` picks the argument(s), each a
    tensor or a pytree of them; the gradient has the same structure."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        picked = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        for a in picked:
            if not -len(args) <= a < len(args):
                raise RuntimeError(f"Got argnums={argnums}, but only {len(args)} positional inputs")
        args = list(args)
        trees, leaf_lists = [], []
        for a in picked:
            fresh, leaves = _fresh_leaves(args[a])
            args[a] = fresh
            trees.append(fresh)
            leaf_lists.append(leaves)
        with grad_mode.enable_grad():
            result = func(*args, **kwargs)
        value, aux = (result if has_aux else (result, None))
        if has_aux and not (isinstance(result, tuple) and len(result) == 2):
            raise RuntimeError("grad_and_value(f)(*args): output of function f should be a tuple: (output, aux) "
                               "if has_aux is True")
        if not isinstance(value, Tensor) or value.numel() != 1:
            raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                               f"{type(value).__name__} of shape {tuple(getattr(value, 'shape', ()))}")
        every = [leaf for leaves in leaf_lists for leaf in leaves]
        found = _grad(value, every, allow_unused=True) if value.requires_grad and every else (None,) * len(every)
        grads = _regroup(trees, found, every)
        out = grads[0] if isinstance(argnums, int) else tuple(grads)
        value = value.detach()
        return (out, (value, aux)) if has_aux else (out, value)

    return wrapped


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """``f -> df/dargs`` for a function returning a scalar tensor (see :func:`grad_and_value`)."""
    both = grad_and_value(func, argnums, has_aux)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        grads, value = both(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapped


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """``(func(*primals), vjp_fn)``: ``vjp_fn(v)`` gives ``v^T J`` for each primal (a tuple), ``v``
    shaped like the output."""
    fresh, leaves = zip(*(_fresh_leaves(p) for p in primals)) if primals else ((), ())
    with grad_mode.enable_grad():
        result = func(*fresh)
    output, aux = result if has_aux else (result, None)
    out_leaves, _ = _flatten(output)
    every = [leaf for group in leaves for leaf in group]

    def vjp_fn(cotangents: Any) -> tuple[Any, ...]:
        vs, _ = _flatten(cotangents)
        pairs = [(o, v) for o, v in zip(out_leaves, vs) if isinstance(o, Tensor) and o.requires_grad]
        found = _grad([o for o, _ in pairs], every, grad_outputs=[v for _, v in pairs], retain_graph=True,
                      allow_unused=True) if pairs and every else (None,) * len(every)
        return tuple(_regroup(fresh, found, every))

    detached = _flatten(output)[1]([o.detach() if isinstance(o, Tensor) else o for o in out_leaves])
    return (detached, vjp_fn, aux) if has_aux else (detached, vjp_fn)


def jvp(func: Callable[..., Any], primals: Any, tangents: Any, *, strict: bool = False,
        has_aux: bool = False) -> Any:
    """``(func(*primals), J t)``: the derivative of ``func`` at ``primals`` in the direction
    ``tangents`` (a tuple of the primals' structure and shapes), as ``torch.func.jvp``.

    chainrule differentiates in reverse mode only, so ``J t`` is read off the Jacobian's rows:
    ``(J t)_i = (e_i^T J) . t``, one backward pass per output number (exact, but a loop where
    PyTorch's forward mode makes one pass).
    """
    name = "jvp(f, primals, tangents)"
    if strict:
        raise NotImplementedError(f"{name}: strict=True (an error for an output that does not depend on the "
                                  "primals) is not supported; strict=False gives the same values")
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{name}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals).")
    primal_leaves, tangent_leaves = _flatten(primals)[0], _flatten(tangents)[0]
    if type(tangents) is not tuple or len(tangent_leaves) != len(primal_leaves) or not all(
            isinstance(p, Tensor) and isinstance(t, Tensor) for p, t in zip(primal_leaves, tangent_leaves)):
        raise RuntimeError(f"{name}: Expected primals and tangents to have the same python structure, each "
                           "leaf a tensor")
    for p, t in zip(primal_leaves, tangent_leaves):
        if p.shape != t.shape:
            raise RuntimeError(f"{name}: a tangent has a different size than its primal: the primal is of size "
                               f"{list(p.shape)} while the tangent is of size {list(t.shape)}")
    tangent_arrays = [t._data for t in tangent_leaves]
    output, vjp_fn, *aux = vjp(func, *primals, has_aux=has_aux)
    out_leaves, rebuild = _flatten(output)
    unit = [np.zeros(o.shape, dtype=o._data.dtype) for o in out_leaves]  # e_i, one entry set at a time
    cotangent = rebuild([Tensor._make(u) for u in unit])
    derivatives = []
    for k, out in enumerate(out_leaves):
        column = np.zeros(out._data.size, dtype=out._data.dtype)  # (J t) of this output, flat
        for i in range(column.size):
            unit[k].flat[i] = 1
            row = _flatten(vjp_fn(cotangent))[0]  # e_i^T J, per primal
            column[i] = sum(float(np.vdot(r._data, t)) for r, t in zip(row, tangent_arrays))
            unit[k].flat[i] = 0
        derivatives.append(Tensor._make(column.reshape(out._data.shape)))
    return (output, rebuild(derivatives), *aux)


def jacrev(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """``f -> J``: the Jacobian of ``f`` with respect to the argument(s) ``argnums``, by reverse
    mode (one backward pass per output number), shaped ``output.shape + input.shape``. An argument
    may be a pytree (a dict of parameters, say): its Jacobian is the same tree of Jacobians; with
    several outputs (a tuple), one such result per output."""

    def wrapped(*args: Any) -> Any:
        picked = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        trees = [_flatten(args[a]) for a in picked]  # (leaves, rebuild) of each picked argument
        leaves = tuple(leaf for tree_leaves, _ in trees for leaf in tree_leaves)

        def of_leaves(*chosen: Tensor) -> Any:
            full, at = list(args), 0
            for a, (tree_leaves, rebuild) in zip(picked, trees):
                full[a] = rebuild(list(chosen[at:at + len(tree_leaves)]))
                at += len(tree_leaves)
            return func(*full)

        def regroup(per_leaf: tuple[Tensor, ...]) -> Any:  # one output's Jacobians, as the arguments' trees
            out, at = [], 0
            for tree_leaves, rebuild in trees:
                out.append(rebuild(list(per_leaf[at:at + len(tree_leaves)])))
                at += len(tree_leaves)
            return out[0] if isinstance(argnums, int) else tuple(out)

        jac = jacobian(of_leaves, leaves)  # per output (when a tuple), a tuple over the leaves
        return tuple(regroup(j) for j in jac) if _is_tuple_of_tuples(jac) else regroup(jac)

    return wrapped


def _is_tuple_of_tuples(jac: Any) -> bool:
    return isinstance(jac, tuple) and bool(jac) and isinstance(jac[0], tuple)


# ------------------------------------------------------------------ vmap
def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable[..., Any]:
    """``f -> f`` over a batch: each argument is sliced along its ``in_dims`` entry (None: not
    batched; a pytree of them for a pytree argument), ``f`` runs once per slice, and the outputs
    are stacked along ``out_dims``. Random operations inside ``f`` draw independently per slice."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                             f"structure of inputs: expected one entry per positional argument ({len(args)})")
        flat_args, rebuild = [], []
        sizes = set()
        for a, d in zip(args, dims):
            leaves, re = _flatten(a)
            leaf_dims = _flatten(d)[0] if isinstance(d, (tuple, list, Mapping)) else [d] * len(leaves)
            for leaf, ld in zip(leaves, leaf_dims):
                if ld is not None:
                    if not isinstance(leaf, Tensor):
                        raise ValueError(f"vmap: in_dims {ld} was given for a non-tensor input of type "
                                         f"{type(leaf).__name__}")
                    sizes.add(leaf.shape[ld])
            flat_args.append((leaves, leaf_dims))
            rebuild.append(re)
        if len(sizes) != 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sorted(sizes)} for the mapped dimension" if sizes else
                             "vmap: at least one input must be batched (an in_dims entry that is not None)")
        batch = sizes.pop()
        results = []
        for i in range(batch):
            call = [re([leaf.select(ld, i) if ld is not None else leaf for leaf, ld in zip(leaves, lds)])
                    for (leaves, lds), re in zip(flat_args, rebuild)]
            results.append(func(*call, **kwargs))
        out_leaves = [_flatten(r)[0] for r in results]
        _, out_rebuild = _flatten(results[0])
        n_out = len(out_leaves[0])
        odims = _flatten(out_dims)[0] if isinstance(out_dims, (tuple, list)) else [out_dims] * n_out
        stacked = [_ops.stack([out[k] if isinstance(out[k], Tensor) else Tensor._make(np.asarray(out[k]))
                               for out in out_leaves], odims[k]) for k in range(n_out)]
        return out_rebuild(stacked)

    return wrapped


# ------------------------------------------------------------------ functional_call
def _owner(module: Any, name: str) -> tuple[Any, str]:
    *path, leaf = name.split(".")
    for part in path:
        module = module._modules[part] if part in module._modules else getattr(module, part)
    return module, leaf


@contextlib.contextmanager
def _swapped(module: Any, tensors: Mapping[str, Any], strict: bool, tie_weights: bool) -> Iterator[None]:
    """``module``'s parameters and buffers replaced by ``tensors`` (by name) inside the block."""
    all_parameters = dict(module.named_parameters(remove_duplicate=False))
    all_buffers = dict(module.named_buffers(remove_duplicate=False))
    known = {**all_parameters, **all_buffers}
    if strict:
        missing = [k for k in known if k not in tensors]
        unexpected = [k for k in tensors if k not in known]
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}: missing keys {missing}, "
                               f"unexpected keys {unexpected}")
    replacements = dict(tensors)
    if tie_weights:  # a tied tensor given under one of its names stands for all of them
        for table in (all_parameters, all_buffers):
            by_id: dict[int, Any] = {}
            for name, t in table.items():
                if name in replacements and t is not None:
                    by_id[id(t)] = replacements[name]
            for name, t in table.items():
                if name not in replacements and t is not None and id(t) in by_id:
                    replacements[name] = by_id[id(t)]
    saved = []
    try:
        for name, value in replacements.items():
            owner, leaf = _owner(module, name)
            table = owner._parameters if leaf in owner._parameters else owner._buffers if leaf in owner._buffers \
                else None
            if table is None:
                raise AttributeError(f"functional_call: {type(module).__name__} has no parameter or buffer {name!r}")
            saved.append((table, leaf, table[leaf]))
            table[leaf] = value
        yield
    finally:
        for table, leaf, old in reversed(saved):
            table[leaf] = old


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None, kwargs: Any = None, *,
                    tie_weights: bool = True, strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` computed with the given parameters and buffers (a dict by name,
    or a sequence of dicts) in place of the module's own, which are left untouched."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, Sequence) and not isinstance(dicts, Mapping):
        merged: dict[str, Any] = {}
        for d in dicts:
            overlap = set(merged) & set(d)
            if overlap:
                raise ValueError(f"{', '.join(sorted(overlap))} appeared in multiple dictionaries; behavior of "
                                 "functional call is ambiguous")
            merged.update(d)
        dicts = merged
    call_args = () if args is None else (args if isinstance(args, tuple) else (args,))
    with _swapped(module, dicts, strict, tie_weights):
        return module(*call_args, **(kwargs or {}))
