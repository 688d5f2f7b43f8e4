"""Helpers under ``torch.distributions.utils``'s names."""

from .distribution import broadcast_all, clamp_probs, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]
