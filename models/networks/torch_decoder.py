"""A torch network at sampling time, behind the interface of models/inference/decoder.py.

The shipped Transformer on the CPU runs in numpy (`NumpyTransformer`); this wrapper is for
the LSTM/GRU baselines, a network being trained, and a torch device other than the CPU.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from models.networks import torch_checkpoint


class TorchNetwork:
    """Any torch network of this package (forward with a cache) behind the same interface."""

    def __init__(self, network, threads: int = 1):
        self.network = network.eval()
        self.context = network.config.context
        # Batch-1 decoding is a chain of tiny matrix-vector products: one thread avoids the
        # synchronisation that made two threads 5-20x slower on a busy 2-core machine.
        self.threads = threads

    def new_cache(self):
        return self.network.new_cache(1)

    @contextlib.contextmanager
    def running(self):
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            with torch.inference_mode():
                yield
        finally:
            torch.set_num_threads(threads)

    def step(self, token: int, cache) -> np.ndarray:
        if hasattr(self.network, "step"):  # the Transformer's dispatch-free path
            return self.network.step(token, cache).float().cpu().numpy()
        return self.prefill([token], cache)

    def prefill(self, ids: list[int], cache) -> np.ndarray:
        import torch

        device = next(self.network.parameters()).device
        logits, _ = self.network(torch.tensor([ids], dtype=torch.long, device=device),
                                 cache=cache)
        return logits[0, -1].float().cpu().numpy()


def load(path: Path | None, vocab_hash: str, device: str = "cpu") -> tuple[TorchNetwork, dict]:
    """The checkpoint at `path` (None: the shipped melody model) as a torch decoder, and its meta.

    Raises:
        ModelError: the files are missing or damaged, or were made for another vocabulary.
    """
    network, meta = torch_checkpoint.load(path, vocab_hash, device)
    return TorchNetwork(network), meta
