"""Pruning, as ``torch.nn.utils.prune``: zero a fraction of a layer's weights and keep them zero.

Pruning ``module.weight`` moves the parameter to ``weight_orig``, adds a buffer ``weight_mask``
of zeros and ones, and recomputes ``weight = weight_orig * weight_mask`` before every call (a
forward pre-hook), so the pruned entries stay zero and get no gradient. Which entries are zeroed:

* ``l1_unstructured``: the ``amount`` of entries with the smallest ``|w|``;
* ``random_unstructured``: ``amount`` entries at random;
* ``ln_structured``: whole slices along ``dim`` (a conv's output channels for ``dim=0``) with the
  smallest ``n``-norm; ``random_structured``: slices at random;
* ``global_unstructured``: the smallest entries over several parameters taken together;
* ``custom_from_mask``: a given mask; ``identity``: none.

``amount`` is a fraction of the entries (a float in ``[0, 1]``) or a count (an int). Pruning an
already pruned tensor prunes among the entries still kept, and the masks combine.
``remove(module, "weight")`` makes the pruning permanent: ``weight`` is a parameter again,
holding ``weight_orig * weight_mask``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ...random import rng
from ...tensor import Tensor
from ..module import Module

__all__ = [
    "BasePruningMethod", "CustomFromMask", "Identity", "L1Unstructured", "LnStructured", "PruningContainer",
    "RandomStructured", "RandomUnstructured", "custom_from_mask", "global_unstructured", "identity", "is_pruned",
    "l1_unstructured", "ln_structured", "random_structured", "random_unstructured", "remove",
]


def _check_amount(amount: Any) -> None:
    if not isinstance(amount, numbers.Real) or isinstance(amount, bool) or amount < 0 or \
            (isinstance(amount, float) and amount > 1):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")


def _count(amount: Any, size: int) -> int:
    """How many of ``size`` entries ``amount`` prunes (a count, or a fraction rounded)."""
    if isinstance(amount, numbers.Integral):
        if amount > size:
            raise ValueError(f"amount={amount} should be smaller than the number of parameters to prune={size}")
        return int(amount)
    return int(round(amount * size))


class BasePruningMethod:
    """A way to choose the mask: ``compute_mask(t, default_mask)`` returns the new mask, a tensor of
    ``t``'s shape, as in PyTorch (a method of one's own overrides it). chainrule's methods define
    ``_mask``, the same on the arrays."""

    PRUNING_TYPE = "unstructured"
    _tensor_name = ""

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return Tensor._make(np.asarray(self._mask(_array(t), _array(default_mask))))

    def _mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define compute_mask(t, default_mask)")

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self._tensor_name, self.apply_mask(module))

    def apply_mask(self, module: Module) -> Tensor:
        """``weight_orig * weight_mask``, a graph node, so the gradient reaches ``weight_orig`` masked."""
        orig = getattr(module, self._tensor_name + "_orig")
        return orig * getattr(module, self._tensor_name + "_mask")

    @classmethod
    def apply(cls, module: Module, name: str, *args: Any, importance_scores: Tensor | None = None,
              **kwargs: Any) -> BasePruningMethod:
        method = cls(*args, **kwargs)
        method._tensor_name = name
        previous = _hook_of(module, name)
        if previous is not None:  # prune again, among the entries still kept
            container = previous if isinstance(previous, PruningContainer) else PruningContainer(previous)
            container.add_pruning_method(method)
            method_to_apply = container
            default_mask = getattr(module, name + "_mask")._data.copy()
            orig = getattr(module, name + "_orig")
        else:
            method_to_apply = method
            orig = getattr(module, name)
            default_mask = np.ones(orig.shape, dtype=orig._data.dtype)
        # the scores: the weights as the layer uses them (pruned entries count as 0), as PyTorch
        scores = (importance_scores if importance_scores is not None else getattr(module, name))._data
        if scores.shape != orig._data.shape:
            raise ValueError(f"importance_scores should have the same shape as parameter {name} of {module}")
        mask = _mask_of(method_to_apply, scores, default_mask).astype(orig._data.dtype)
        if previous is None:
            del module._parameters[name]
            module.register_parameter(name + "_orig", orig)
            module.register_buffer(name + "_mask", Tensor._make(mask))
            module.register_forward_pre_hook(method_to_apply)
        else:
            module._buffers[name + "_mask"] = Tensor._make(mask)
            hooks = module._forward_pre_hooks
            for key, hook in hooks.items():
                if hook is previous:
                    hooks[key] = method_to_apply
        setattr(module, name, method_to_apply.apply_mask(module))
        return method_to_apply

    def remove(self, module: Module) -> None:
        name = self._tensor_name
        weight = self.apply_mask(module)
        module.__dict__.pop(name, None)
        orig = module._parameters.pop(name + "_orig")
        del module._buffers[name + "_mask"]
        orig._data = weight._data.copy()
        module.register_parameter(name, orig)


class PruningContainer(BasePruningMethod):
    """The pruning methods applied one after the other to one tensor, each among the entries the
    ones before kept."""

    def __init__(self, *methods: BasePruningMethod) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        for method in methods:
            self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        if self._tensor_name and method._tensor_name != self._tensor_name:
            raise ValueError(f"Can only add pruning methods acting on the parameter named '{self._tensor_name}' to "
                             f"PruningContainer. Found '{method._tensor_name}'")
        self._tensor_name = method._tensor_name
        self._pruning_methods += (method,)

    def __iter__(self) -> Iterator[BasePruningMethod]:
        return iter(self._pruning_methods)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __getitem__(self, i: int) -> BasePruningMethod:
        return self._pruning_methods[i]

    def _mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        method = self._pruning_methods[-1]
        mask = default_mask.copy()
        if method.PRUNING_TYPE == "unstructured":
            kept = mask == 1
            mask[kept] = _mask_of(method, t[kept], mask[kept])
        elif method.PRUNING_TYPE == "structured":
            dim = method.dim % t.ndim
            alive = np.flatnonzero(np.any(np.moveaxis(mask, dim, 0).reshape(t.shape[dim], -1) != 0, axis=1))
            sub_t, sub_mask = np.take(t, alive, axis=dim), np.take(mask, alive, axis=dim)
            partial = _mask_of(method, sub_t, sub_mask)
            index = [slice(None)] * t.ndim
            index[dim] = alive
            mask[tuple(index)] = partial
        else:  # global: the new mask as it is
            mask = _mask_of(method, t, mask)
        return mask


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is all ones."""

    PRUNING_TYPE = "unstructured"

    def _mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        return default_mask


class _Unstructured(BasePruningMethod):
    """Zero the ``amount`` entries that score lowest."""

    def __init__(self, amount: Any) -> None:
        _check_amount(amount)
        self.amount = amount

    def _scores(self, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        k = _count(self.amount, t.size)
        mask = default_mask.copy()
        if k:
            mask.reshape(-1)[np.argsort(self._scores(t).reshape(-1), kind="stable")[:k]] = 0
        return mask


class RandomUnstructured(_Unstructured):
    """Zero ``amount`` entries chosen at random."""

    def _scores(self, t: np.ndarray) -> np.ndarray:
        return rng(None).random(t.shape)


class L1Unstructured(_Unstructured):
    """Zero the ``amount`` entries of smallest absolute value."""

    def _scores(self, t: np.ndarray) -> np.ndarray:
        return np.abs(t)


def _slice_norms(t: np.ndarray, n: Any, dim: int) -> np.ndarray:
    """The ``n``-norm of each slice of ``t`` along ``dim``."""
    rows = np.moveaxis(t, dim, 0).reshape(t.shape[dim], -1)
    return np.linalg.norm(rows, ord=n, axis=1) if n not in ("fro", "nuc") else np.linalg.norm(rows, axis=1)


class LnStructured(BasePruningMethod):
    """Zero the ``amount`` slices along ``dim`` with the smallest ``n``-norm."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: Any, n: Any, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount, self.n, self.dim = amount, n, dim

    def _mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        dim = self.dim % t.ndim
        k = _count(self.amount, t.shape[dim])
        keep = np.argsort(-_slice_norms(t, self.n, dim), kind="stable")[: t.shape[dim] - k]
        mask = np.zeros_like(default_mask)
        index = [slice(None)] * t.ndim
        index[dim] = keep
        mask[tuple(index)] = 1
        return mask * default_mask


class RandomStructured(BasePruningMethod):
    """Zero ``amount`` slices along ``dim`` chosen at random."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: Any, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount, self.dim = amount, dim

    def _mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        dim = self.dim % t.ndim
        k = _count(self.amount, t.shape[dim])
        dropped = np.argsort(rng(None).random(t.shape[dim]))[:k]
        mask = default_mask.copy()
        index = [slice(None)] * t.ndim
        index[dim] = dropped
        mask[tuple(index)] = 0
        return mask


class CustomFromMask(BasePruningMethod):
    """Prune with a given mask (combined with the existing one)."""

    PRUNING_TYPE = "global"

    def __init__(self, mask: Any) -> None:
        self.mask = mask._data if isinstance(mask, Tensor) else np.asarray(mask)

    def _mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        if self.mask.shape != default_mask.shape:
            raise ValueError(f"custom_from_mask: the mask of shape {self.mask.shape} does not match the tensor's "
                             f"shape {default_mask.shape}")
        return default_mask * self.mask.astype(default_mask.dtype)


def _array(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _mask_of(method: BasePruningMethod, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
    """``method``'s new mask for ``t``, as an array: chainrule's methods are asked directly, a method
    of one's own through ``compute_mask`` with tensors, as PyTorch calls it."""
    if type(method).compute_mask is BasePruningMethod.compute_mask:
        return method._mask(t, default_mask)
    return _array(method.compute_mask(Tensor._make(t), Tensor._make(default_mask)))


def _hook_of(module: Module, name: str) -> BasePruningMethod | None:
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            return hook
    return None


def identity(module: Module, name: str) -> Module:
    """Prune nothing, but set up ``name_orig``, ``name_mask`` and the hook."""
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: Any) -> Module:
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: Module, name: str, amount: Any, importance_scores: Tensor | None = None) -> Module:
    L1Unstructured.apply(module, name, amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: Any, dim: int) -> Module:
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module: Module, name: str, amount: Any, n: Any, dim: int,
                  importance_scores: Tensor | None = None) -> Module:
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module: Module, name: str, mask: Any) -> Module:
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters: Iterable[tuple[Module, str]], pruning_method: type, importance_scores: Any = None,
                        **kwargs: Any) -> None:
    """Prune the entries chosen over all ``(module, name)`` pairs together (e.g. the 20 % smallest
    weights of the whole network), each pair getting its part of the mask."""
    pairs = list(parameters)
    if not pairs:
        raise TypeError("global_unstructured(): parameters must be an iterable of (module, name) pairs, got none")
    scores = importance_scores or {}
    tensors, masks = [], []
    for module, name in pairs:
        hook = _hook_of(module, name)
        current = getattr(module, name + "_orig") if hook is not None else getattr(module, name)
        tensors.append(scores.get((module, name), current)._data.reshape(-1))
        masks.append(getattr(module, name + "_mask")._data.reshape(-1) if hook is not None
                     else np.ones(current._data.size, dtype=current._data.dtype))
    method = pruning_method(**kwargs)
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(f'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
                        f"{pruning_method} of type {method.PRUNING_TYPE}")
    container = PruningContainer()
    method._tensor_name = container._tensor_name = "temp"
    container.add_pruning_method(method)
    final = container._mask(np.concatenate(tensors), np.concatenate(masks))
    at = 0
    for (module, name), flat in zip(pairs, tensors):
        shape = getattr(module, name).shape
        custom_from_mask(module, name, final[at:at + flat.size].reshape(shape))
        at += flat.size


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``name`` permanent: a plain parameter holding ``name_orig * name_mask``."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")


def is_pruned(module: Module) -> bool:
    """Is any tensor of ``module`` or of its submodules pruned?"""
    return any(isinstance(hook, BasePruningMethod) for m in module.modules() for hook in m._forward_pre_hooks.values())
