"""Connectionist temporal classification (Graves et al., 2006) as one graph node: the loss of a
label sequence under per-frame class log-probabilities, summed over every alignment.

A target ``l`` of length ``L`` is extended with blanks, ``l' = (b, l_1, b, l_2, ..., l_L, b)``
(``S = 2L + 1`` states). An alignment walks through ``l'`` one frame at a time, staying, moving
one state, or skipping a blank between two different labels. With ``y_t(c) = log p_t(c)``, the
forward variables ``alpha_t(s)`` (log-probability of the alignments that reach state ``s`` at
frame ``t``) and the backward ones ``beta_t(s)`` are::

    alpha_t(s) = y_t(l'_s) + lse(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) if l'_s != b, l'_{s-2})
    beta_t(s)  = y_t(l'_s) + lse(beta_{t+1}(s),  beta_{t+1}(s+1),  beta_{t+1}(s+2)  if l'_s != b, l'_{s+2})
    loss = -lse(alpha_{T-1}(S-1), alpha_{T-1}(S-2))

and the gradient, as PyTorch returns it for the log-probabilities (that of the logits under a
log-softmax, which the log-softmax's own backward leaves unchanged)::

    dloss/dy_t(c) = p_t(c) - exp(lse_{s: l'_s = c}(alpha_t(s) + beta_t(s)) + loss - y_t(c))
"""

from __future__ import annotations

import numpy as np

from ...autograd.function import Function

_NEG_INF = -np.inf


def _lse(*terms: np.ndarray) -> np.ndarray:
    stacked = np.stack(terms)
    top = np.max(stacked, axis=0)
    safe = np.where(np.isfinite(top), top, 0)
    with np.errstate(divide="ignore"):
        return safe + np.log(np.sum(np.exp(stacked - safe), axis=0))


def _shifted(v: np.ndarray, k: int, toward_end: bool) -> np.ndarray:
    """``v`` moved ``k`` states later (``toward_end``) or earlier, filled with -inf."""
    out = np.full_like(v, _NEG_INF)
    if toward_end:
        out[k:] = v[:len(v) - k]
    else:
        out[:len(v) - k] = v[k:]
    return out


def _one_sequence(lp: np.ndarray, labels: np.ndarray, blank: int) -> tuple[float, np.ndarray]:
    """The loss of ``labels`` under the frames ``lp`` [T, C], and its gradient [T, C]."""
    frames = lp.shape[0]
    ext = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    ext[1::2] = labels
    states = len(ext)
    can_skip = np.zeros(states, dtype=bool)
    can_skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    alpha = np.full((frames, states), _NEG_INF)
    beta = np.full((frames, states), _NEG_INF)
    alpha[0, 0] = lp[0, ext[0]]
    if states > 1:
        alpha[0, 1] = lp[0, ext[1]]
    for t in range(1, frames):
        prev = alpha[t - 1]
        skip = np.where(can_skip, _shifted(prev, 2, True), _NEG_INF)
        alpha[t] = lp[t, ext] + _lse(prev, _shifted(prev, 1, True), skip)
    beta[-1, -1] = lp[-1, ext[-1]]
    if states > 1:
        beta[-1, -2] = lp[-1, ext[-2]]
    skip_back = np.zeros(states, dtype=bool)  # from s, a skip to s + 2 exists
    skip_back[:-2] = can_skip[2:]
    for t in range(frames - 2, -1, -1):
        nxt = beta[t + 1]
        skip = np.where(skip_back, _shifted(nxt, 2, False), _NEG_INF)
        beta[t] = lp[t, ext] + _lse(nxt, _shifted(nxt, 1, False), skip)
    ends = [alpha[-1, -1]] + ([alpha[-1, -2]] if states > 1 else [])
    loss = -float(_lse(*[np.asarray(e) for e in ends]))
    both = alpha + beta  # [T, S]
    per_class = np.full(lp.shape, _NEG_INF)
    for s in range(states):  # lse over the states that carry each class
        per_class[:, ext[s]] = _lse(per_class[:, ext[s]], both[:, s])
    with np.errstate(invalid="ignore", over="ignore"):
        grad = np.exp(lp) - np.exp(per_class + loss - lp)
    return loss, grad


class CTCLossFunction(Function):
    """Per-sequence CTC losses ``[N]`` of log-probabilities ``[T, N, C]`` (see the module docstring)."""

    array_io = True

    @staticmethod
    def forward(ctx, log_probs, *, targets, input_lengths, target_lengths, blank, zero_infinity):
        frames, batch, classes = log_probs.shape
        lp = log_probs.astype(np.float64)
        losses = np.zeros(batch)
        grad = np.zeros((frames, batch, classes))
        for n in range(batch):
            t_n = int(input_lengths[n])
            loss, g = _one_sequence(lp[:t_n, n], targets[n][: int(target_lengths[n])], blank)
            if zero_infinity and np.isinf(loss):
                loss, g = 0.0, np.zeros_like(g)
            losses[n] = loss
            grad[:t_n, n] = g
        ctx.grad = grad.astype(log_probs.dtype)
        return losses.astype(log_probs.dtype)

    @staticmethod
    def backward(ctx, g):
        return ctx.grad * g[None, :, None]
