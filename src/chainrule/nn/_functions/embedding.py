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
