"""The few network operations inference needs, in numpy (float32 in, float32 out).

The shipped networks are trained with torch but run without it: importing torch costs about a
second of every cold start and 300 MB of every process, for a batch of one token at a time.
"""

from __future__ import annotations

import numpy as np


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact GELU, x·Φ(x), with erf from Abramowitz & Stegun 7.1.26 (error under 1.5e-7).

    numpy has no erf, and scipy.special costs a second import for one function.
    """
    z = np.abs(x) * np.float32(1 / np.sqrt(2))
    t = 1 / (1 + np.float32(0.3275911) * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                                                      + t * (-1.453152027 + t * 1.061405429))))
    erf = (1 - poly * np.exp(-z * z)).astype(x.dtype, copy=False)
    return 0.5 * x * (1 + np.copysign(erf, x))


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis (one new array, normalised in place); -inf entries get 0."""
    e = np.exp(x - x.max(-1, keepdims=True))
    e /= e.sum(-1, keepdims=True)
    return e


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the last axis, as torch computes it (biased variance)."""
    mean = x.mean(-1, keepdims=True)
    var = np.square(x - mean).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias
