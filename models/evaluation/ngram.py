"""A token n-gram baseline: interpolated backoff with Witten–Bell weights.

P(w | h) = λ(h) · c(h, w) / c(h) + (1 − λ(h)) · P(w | h[1:]), with
λ(h) = c(h) / (c(h) + types(h)), bottoming out in an add-one unigram. Histories do not
cross the start of a chunk (each chunk starts at BOS), as for the networks.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np


class NGram:
    """Token counts up to `order` (histories of up to order − 1 tokens)."""

    def __init__(self, order: int, vocab_size: int):
        self.order = order
        self.vocab_size = vocab_size
        # counts[n][history of n tokens][next token]; counts[0] stays empty
        self.counts: list[dict[tuple, Counter]] = [defaultdict(Counter) for _ in range(order)]
        self.unigram = np.ones(vocab_size)  # add-one: every token has a probability > 0

    def fit(self, stream: np.ndarray, starts: np.ndarray) -> NGram:
        """Count the chunks of `stream` (starting at `starts`), as train.token_arrays makes."""
        ends = np.append(starts[1:], len(stream))
        for start, end in zip(starts, ends, strict=True):
            chunk = stream[start:end].tolist()
            for i, token in enumerate(chunk):
                self.unigram[token] += 1
                for n in range(1, self.order):
                    if i - n < 0:
                        break
                    self.counts[n][tuple(chunk[i - n:i])][token] += 1
        self.unigram /= self.unigram.sum()
        return self

    def probability(self, history: tuple, token: int, order: int | None = None) -> float:
        """P(token | history) using at most `order` (default: the fitted order)."""
        p = float(self.unigram[token])
        # from the shortest history up, each level interpolated with the one below
        for n in range(1, min(order or self.order, len(history) + 1)):
            following = self.counts[n].get(history[-n:])
            if not following:  # unseen history: every longer one is unseen too
                break
            total = sum(following.values())
            weight = total / (total + len(following))  # Witten–Bell λ(h)
            p = weight * following[token] / total + (1 - weight) * p
        return p

    def nll(self, stream: np.ndarray, starts: np.ndarray, order: int | None = None) -> float:
        """Mean NLL per token (nats) over chunks, the first token (BOS) given.

        `order` ≤ the fitted order evaluates the lower-order model from the same counts.
        """
        order = order or self.order
        ends = np.append(starts[1:], len(stream))
        total, count = 0.0, 0
        for start, end in zip(starts, ends, strict=True):
            chunk = stream[start:end].tolist()
            for i in range(1, len(chunk)):
                history = tuple(chunk[max(0, i - order + 1):i])
                total -= math.log(self.probability(history, chunk[i], order))
                count += 1
        return total / max(count, 1)
