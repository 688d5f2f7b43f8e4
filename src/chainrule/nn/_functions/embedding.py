"""The embedding lookup as one graph node: ``Y = weight[indices]`` (a one-hot matrix product).

Looking up row ``k`` of ``weight`` [num_embeddings, dim] is ``onehot(k) @ weight``; so with
``G = dLoss/dY`` the weight's gradient is ``onehot^T @ G``: every looked-up row receives the sum
of the gradients of the positions that read it, a scatter-add, with no one-hot matrix built::

    Y        = weight[idx]                  # [*idx.shape, dim]
    dweight  = zeros; dweight[idx] += G     # [num_embeddings, dim]
    dweight[padding_idx] = 0                # the padding row is never trained

With ``scale_grad_by_freq`` each position's gradient is divided by how often its index occurs
in the batch. The indices take no gradient.
"""

from __future__ import annotations

import numpy as np

from ...autograd.function import Function


class EmbeddingFunction(Function):
    """``Y = weight[indices]``; backward scatters ``G`` back to the rows that were read."""

    array_io = True

    @staticmethod
    def forward(ctx, weight, indices, *, padding_idx=None, scale_grad_by_freq=False):
        ctx.indices, ctx.num, ctx.padding_idx = indices, weight.shape[0], padding_idx
        ctx.scale_grad_by_freq = scale_grad_by_freq
        return weight[indices]  # [*indices.shape, dim]

    @staticmethod
    def backward(ctx, g):
        idx = ctx.indices.reshape(-1)  # [n]
        g2 = g.reshape(idx.size, g.shape[-1])  # [n, dim]
        if ctx.scale_grad_by_freq:
            counts = np.bincount(idx, minlength=ctx.num)  # occurrences of each row
            g2 = g2 / counts[idx, None].astype(g.dtype)
        dweight = np.zeros((ctx.num, g.shape[-1]), dtype=g.dtype)  # [num_embeddings, dim]
        np.add.at(dweight, idx, g2)  # dweight = onehot^T @ G
        if ctx.padding_idx is not None:
            dweight[ctx.padding_idx] = 0
        return dweight, None


class EmbeddingBagFunction(Function):
    """Each bag ``b`` (a run of ``indices`` from ``offsets[b]`` to the next offset) reduced to one
    vector: ``sum_i w_i weight[idx_i]`` (``sum``, with per-sample weights ``w``, else 1),
    the sum over the bag's size (``mean``), or the elementwise ``max``. Backward: each row read
    gets ``G_b`` (times ``w_i``; over the size for ``mean``; only the arg-max rows for ``max``)::

        Y[b]        = reduce_{i in bag b} w_i weight[idx_i]     # [bags, dim]
        dweight[k] += w_i G[b]  for every i in bag b with idx_i = k
        dw_i        = <weight[idx_i], G[b]>                     # per_sample_weights' gradient

    Indices equal to ``padding_idx`` are left out of their bag (not counted by ``mean``); an empty
    bag gives zeros.
    """

    array_io = True

    @staticmethod
    def forward(ctx, weight, indices, bag_of, per_sample_weights, *, bags, mode, padding_idx):
        keep = np.ones(indices.shape, bool) if padding_idx is None else indices != padding_idx
        idx, bag = indices[keep], bag_of[keep]  # the entries that count  [n]
        rows = weight[idx]  # [n, dim]
        w = None if per_sample_weights is None else per_sample_weights[keep]
        ctx.idx, ctx.bag, ctx.keep, ctx.w, ctx.num, ctx.mode, ctx.bags = idx, bag, keep, w, weight.shape[0], mode, bags
        dim = weight.shape[1]
        if mode == "max":
            out = np.full((bags, dim), -np.inf, dtype=weight.dtype)
            np.maximum.at(out, bag, rows)
            empty = np.bincount(bag, minlength=bags) == 0
            out[empty] = 0
            # the first entry of each bag reaching the maximum takes the gradient  [bags, dim]
            n = len(idx)
            first = np.full((bags, dim), n, dtype=np.int64)
            np.minimum.at(first, bag, np.where(rows == out[bag], np.arange(n)[:, None], n))
            first[first == n] = -1  # an empty bag sends no gradient
            ctx.arg = first
            return out
        out = np.zeros((bags, dim), dtype=weight.dtype)
        np.add.at(out, bag, rows if w is None else rows * w[:, None])
        if mode == "mean":
            counts = np.bincount(bag, minlength=bags)
            ctx.counts = counts
            out /= np.maximum(counts, 1)[:, None].astype(weight.dtype)
        ctx.rows = rows
        return out

    @staticmethod
    def backward(ctx, g):
        need_weight, _, _, need_w = ctx.needs_input_grad
        dweight = dw = None
        dim = g.shape[1]
        if ctx.mode == "max":
            dweight = np.zeros((ctx.num, dim), dtype=g.dtype)
            b, d = np.nonzero(ctx.arg >= 0)
            np.add.at(dweight, (ctx.idx[ctx.arg[b, d]], d), g[b, d])
            return dweight, None, None, None
        per_entry = g[ctx.bag]  # G_b for every entry  [n, dim]
        if ctx.mode == "mean":
            per_entry = per_entry / np.maximum(ctx.counts, 1)[ctx.bag, None].astype(g.dtype)
        if need_weight:
            dweight = np.zeros((ctx.num, dim), dtype=g.dtype)
            np.add.at(dweight, ctx.idx, per_entry if ctx.w is None else per_entry * ctx.w[:, None])
        if need_w and ctx.w is not None:
            dw = np.zeros(ctx.keep.shape, dtype=g.dtype)
            dw[ctx.keep] = (ctx.rows * per_entry).sum(axis=1)
        return dweight, None, None, dw
