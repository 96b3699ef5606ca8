"""The melody network at sampling time: token ids in, next-token logits (numpy) out.

    decoder, meta = load(path, vocab_hash)
    cache = decoder.new_cache()
    with decoder.running():
        logits = decoder.prefill(header_ids, cache)  # (vocab,) after the last id
        logits = decoder.step(token, cache)          # (vocab,) after one more token

`NumpyTransformer` is models/networks/transformer.py's forward pass (eval mode) without
torch: a cold start skips torch's import (about a second on a 2-core machine) and every
composing process holds about 300 MB less. `models.networks.torch_decoder.TorchNetwork`
gives any torch network the same interface: the LSTM/GRU baselines, a network being
trained, a GPU (`device` other than "cpu"); `load` imports it only for those.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

import numpy as np

from models.core import checkpoint
from models.core.errors import ModelError
from models.core.ops import gelu, layer_norm, softmax

EPS = 1e-5  # torch.nn.LayerNorm's default, which the Transformer was trained with


class Cache:
    """Keys and values of every layer, (n_layer, n_head, context, head_dim) float32 each."""

    def __init__(self, n_layer: int, n_head: int, context: int, head_dim: int):
        shape = (n_layer, n_head, context, head_dim)
        # never read beyond `length`, so left uninitialised (zeroing costs page faults)
        self.keys = np.empty(shape, np.float32)
        self.values = np.empty(shape, np.float32)
        self.length = 0  # positions filled so far


class NumpyTransformer:
    """The Transformer of models/networks/transformer.py at inference: same weights, same logits."""

    def __init__(self, weights: dict[str, np.ndarray], config: dict):
        self.context = int(config["context"])
        self.n_layer, self.n_head = int(config["n_layer"]), int(config["n_head"])
        self.n_embd = int(config["n_embd"])

        def get(name: str) -> np.ndarray:
            if name not in weights:
                raise ModelError(f"the checkpoint has no tensor {name!r}")
            return np.ascontiguousarray(weights[name], dtype=np.float32)  # stored as float16

        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            # torch stores (out, in); x @ W.T is kept as x @ (in, out), contiguous
            return np.ascontiguousarray(get(name + ".weight").T), get(name + ".bias")

        # tied input and output embeddings are stored once, under either name
        self.wte = get("wte.weight" if "wte.weight" in weights else "head.weight")  # (vocab, C)
        if self.wte.shape != (int(config["vocab_size"]), self.n_embd):
            raise ModelError(f"the embedding is {self.wte.shape}, the config says "
                             f"({config['vocab_size']}, {self.n_embd})")
        self.wpe = get("wpe.weight")  # (context, C)
        self.head = np.ascontiguousarray(self.wte.T)  # (C, vocab)
        self.blocks = [{
            "ln_1": (get(f"blocks.{i}.ln_1.weight"), get(f"blocks.{i}.ln_1.bias")),
            "qkv": linear(f"blocks.{i}.attn.qkv"),  # (C, 3C): q, k, v side by side
            "proj": linear(f"blocks.{i}.attn.proj"),  # (C, C)
            "ln_2": (get(f"blocks.{i}.ln_2.weight"), get(f"blocks.{i}.ln_2.bias")),
            "up": linear(f"blocks.{i}.mlp.0"),  # (C, 4C)
            "down": linear(f"blocks.{i}.mlp.2"),  # (4C, C)
        } for i in range(self.n_layer)]
        self.ln_f = (get("ln_f.weight"), get("ln_f.bias"))
        self._blas = None

    def new_cache(self) -> Cache:
        return Cache(self.n_layer, self.n_head, self.context, self.n_embd // self.n_head)

    @contextlib.contextmanager
    def running(self):
        """One BLAS thread while sampling: a token is too little work to share (see sampler)."""
        if self._blas is None:
            from threadpoolctl import ThreadpoolController

            self._blas = ThreadpoolController()
        with self._blas.limit(limits=1, user_api="blas"):
            yield

    def step(self, token: int, cache: Cache) -> np.ndarray:
        """Logits (vocab,) after `token` is appended to the cached positions."""
        return self.prefill([token], cache)

    def prefill(self, ids: list[int], cache: Cache) -> np.ndarray:
        """Logits (vocab,) after the last of `ids`, which continue the cached positions.

        The ids attend causally to each other and fully to what was cached before them.
        """
        T, start = len(ids), cache.length
        if start + T > self.context:
            raise ValueError(f"sequence of {start + T} exceeds the context {self.context}")
        C, H = self.n_embd, self.n_head
        D = C // H
        end = start + T
        x = self.wte[ids] + self.wpe[start:end]  # (T, C)
        mask = None
        if T > 1:  # query t (position start + t) sees keys up to start + t
            later = np.arange(end)[None, :] > np.arange(start, end)[:, None]  # (T, end)
            mask = np.where(later, np.float32(-np.inf), np.float32(0))
        for layer, block in enumerate(self.blocks):
            h = layer_norm(x, *block["ln_1"], EPS)
            weight, bias = block["qkv"]
            q, k, v = (h @ weight + bias).reshape(T, 3, H, D).transpose(1, 2, 0, 3)  # (H, T, D)
            cache.keys[layer, :, start:end] = k
            cache.values[layer, :, start:end] = v
            att = q @ cache.keys[layer, :, :end].transpose(0, 2, 1)  # (H, T, end)
            att *= np.float32(1 / math.sqrt(D))
            if mask is not None:
                att += mask
            y = softmax(att) @ cache.values[layer, :, :end]  # (H, T, D)
            weight, bias = block["proj"]
            x = x + y.transpose(1, 0, 2).reshape(T, C) @ weight + bias
            h = layer_norm(x, *block["ln_2"], EPS)
            weight, bias = block["up"]
            h = gelu(h @ weight + bias)  # (T, 4C)
            weight, bias = block["down"]
            x = x + h @ weight + bias
        cache.length = end
        return layer_norm(x[-1], *self.ln_f, EPS) @ self.head


def load(path: Path | None, vocab_hash: str,
         device: str = "cpu") -> tuple[object, dict]:
    """The checkpoint at `path` (None: the shipped melody model) as a decoder, and its meta.

    A Transformer on the CPU runs in numpy (a `NumpyTransformer`); anything else is loaded
    with torch (a `TorchNetwork`, imported only then).

    Raises:
        ModelError: the files are missing or damaged, or were made for another vocabulary.
    """
    weights_path, meta = checkpoint.locate(path, vocab_hash)
    if meta.get("arch") != "transformer" or device != "cpu":
        from models.networks import torch_decoder  # torch: a GPU, or an LSTM/GRU baseline

        return torch_decoder.load(path, vocab_hash, device)
    from safetensors.numpy import load_file

    try:
        weights = load_file(str(weights_path))
    except Exception as error:  # safetensors raises several types for a damaged file
        raise ModelError(f"the checkpoint weights {weights_path} cannot be read "
                         f"({error})") from None
    try:
        return NumpyTransformer(weights, meta["config"]), meta
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"the checkpoint {weights_path.name} does not fit its config "
                         f"({error})") from None
