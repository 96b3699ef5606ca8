"""The phrase VAE at inference, in numpy: models/networks/vae.py's eval-mode pass without torch.

    vae = PhraseCodec.load()                 # models/weights/vae.safetensors + vae.json
    mu = vae.encode(tokens, feats)           # (B, T) int, (B, T, F) float32 → (B, Z)
    tokens = vae.decode(mu, feats)           # → (B, T) int64, the most likely token per step

Arrays are (batch, time, channels) here; torch's convolutions are (batch, channels, time),
so the two flattenings around the latent transpose to match torch's order.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from models.core import checkpoint
from models.core.errors import ModelError
from models.core.ops import gelu
from models.inference import phrases

DEFAULT = checkpoint.WEIGHTS_DIR / "vae"


def conv1d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, dilation: int) -> np.ndarray:
    """torch's Conv1d(k=3, padding=dilation, dilation) on x (B, T, Cin) → (B, T, Cout).

    `weight` is prepared as (3 · Cin, Cout): taps k = 0, 1, 2 read x[t + (k − 1) · dilation].
    """
    steps = x.shape[1]
    padded = np.pad(x, ((0, 0), (dilation, dilation), (0, 0)))
    taps = np.concatenate([padded[:, k * dilation:k * dilation + steps] for k in range(3)], -1)
    # one 2-D product: numpy's stacked 3-D matmul does not reach BLAS's fast path
    out = taps.reshape(-1, taps.shape[-1]) @ weight + bias
    return out.reshape(*x.shape[:2], -1)


class PhraseCodec:
    """The trained phrase VAE's encoder (to μ) and decoder (to the likeliest tokens)."""

    def __init__(self, weights: dict[str, np.ndarray], meta: dict):
        config = meta["config"]
        self.meta = meta
        self.steps, self.z = int(config["steps"]), int(config["z"])
        self.deep = int(config["deep"])
        self.dilations = tuple(int(d) for d in config["dilations"])
        if (self.steps, int(config["features"]), int(config["vocab_size"])) != (
                phrases.STEPS, phrases.FEATURES, phrases.VOCAB):
            raise ModelError("the VAE checkpoint was made for another phrase grid")

        def get(name: str) -> np.ndarray:
            if name not in weights:
                raise ModelError(f"the VAE checkpoint has no tensor {name!r}")
            return np.ascontiguousarray(weights[name], dtype=np.float32)

        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            return np.ascontiguousarray(get(name + ".weight").T), get(name + ".bias")

        def conv(name: str) -> tuple[np.ndarray, np.ndarray]:
            weight = get(name + ".weight")  # (Cout, Cin, 3)
            return (np.ascontiguousarray(weight.transpose(2, 1, 0).reshape(-1, weight.shape[0])),
                    get(name + ".bias"))

        self.embed = get("embed.weight")  # (V, E)
        self.layers = {name: linear(name) for name in (
            "enc_in", "enc_fc", "mu", "logvar", "dec_fc1", "dec_fc2", "dec_cond", "head")}
        self.layers |= {name: conv(name) for name in (
            "enc_conv1", "enc_conv2", "enc_conv3", "dec_conv1", "dec_conv2")}
        self.blocks = [conv(f"dec_blocks.{i}") for i in range(len(self.dilations))]
        self.version = f"vae-{meta['vocab_hash'][:8]}-{meta['step']}"
        self._blas = None

    @contextlib.contextmanager
    def running(self):
        """One BLAS thread: a piece's phrases are too little work to share between threads,
        and on a busy machine a second thread mostly waits (as models/inference/decoder.py does)."""
        if self._blas is None:
            from threadpoolctl import ThreadpoolController

            self._blas = ThreadpoolController()
        with self._blas.limit(limits=1, user_api="blas"):
            yield

    @classmethod
    def load(cls, path: Path | None = None) -> PhraseCodec:
        """The checkpoint at `path` (default models/weights/vae); ModelError if unusable."""
        from safetensors.numpy import load_file

        weights_path, meta = checkpoint.locate(Path(path or DEFAULT), phrases.vocab_hash())
        try:
            weights = load_file(str(weights_path))
        except Exception as error:  # safetensors raises several types for a damaged file
            raise ModelError(f"the VAE weights {weights_path} cannot be read ({error})") from None
        return cls(weights, meta)

    def _dense(self, name: str, x: np.ndarray) -> np.ndarray:
        weight, bias = self.layers[name]
        return (x.reshape(-1, x.shape[-1]) @ weight + bias).reshape(*x.shape[:-1], -1)

    def _conv(self, name: str, x: np.ndarray) -> np.ndarray:
        return conv1d(x, *self.layers[name], 1)

    def encode(self, tokens: np.ndarray, feats: np.ndarray) -> np.ndarray:
        """tokens (B, T) int, feats (B, T, F) float32 → μ (B, Z) float32."""
        return self._dense("mu", self._hidden(tokens, feats))

    def posterior(self, tokens: np.ndarray, feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(μ, log σ²), (B, Z) each: q(z | phrase)."""
        hidden = self._hidden(tokens, feats)
        return self._dense("mu", hidden), self._dense("logvar", hidden)

    def _hidden(self, tokens: np.ndarray, feats: np.ndarray) -> np.ndarray:
        """The encoder up to the layer that μ and log σ² are read from, (B, hidden)."""
        x = np.concatenate([self.embed[np.asarray(tokens)], feats.astype(np.float32)], -1)
        x = gelu(self._dense("enc_in", x))  # (B, T, C)
        x = gelu(self._conv("enc_conv1", x))
        x = x.reshape(len(x), -1, 2, x.shape[-1]).mean(2)  # avg pool: (B, T/2, C)
        x = gelu(self._conv("enc_conv2", x))
        x = x.reshape(len(x), -1, 2, x.shape[-1]).mean(2)  # (B, T/4, mid)
        x = gelu(self._conv("enc_conv3", x))  # (B, T/4, deep)
        flat = x.transpose(0, 2, 1).reshape(len(x), -1)  # torch's (B, deep · T/4) order
        return gelu(self._dense("enc_fc", flat))

    def logits(self, z: np.ndarray, feats: np.ndarray) -> np.ndarray:
        """z (B, Z), feats (B, T, F) → logits (B, T, V) float32 (PAD is -inf)."""
        h = self._dense("dec_fc2", gelu(self._dense("dec_fc1", z.astype(np.float32))))
        h = h.reshape(len(h), self.deep, -1).transpose(0, 2, 1)  # (B, T/4, deep)
        x = gelu(self._conv("dec_conv1", np.repeat(h, 2, axis=1)))  # (B, T/2, mid)
        x = self._conv("dec_conv2", np.repeat(x, 2, axis=1))  # (B, T, width)
        x = x + self._dense("dec_cond", feats.astype(np.float32))
        for (weight, bias), dilation in zip(self.blocks, self.dilations, strict=True):
            x = x + conv1d(gelu(x), weight, bias, dilation)
        out = self._dense("head", gelu(x))
        out[..., phrases.PAD] = -np.inf
        return out

    def decode(self, z: np.ndarray, feats: np.ndarray) -> np.ndarray:
        """z (B, Z), feats (B, T, F) → the likeliest token per step (B, T) int64; padding
        steps (all-zero features) are PAD."""
        tokens = self.logits(z, feats).argmax(-1)
        tokens[feats[..., -1] == 0] = phrases.PAD  # the last feature: inside the phrase
        return tokens
