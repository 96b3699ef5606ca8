"""Torch networks to and from checkpoints (models/core/checkpoint.py says where they live):
a fresh network of an architecture, `save`, `load`.
"""

from __future__ import annotations

import json
from pathlib import Path

from models.core.checkpoint import locate
from models.core.errors import ModelError


def build_model(arch: str, config: dict):
    """A fresh network of `arch` ('transformer', 'lstm', 'gru') from its config dict."""
    if arch == "transformer":
        from models.networks.transformer import Transformer, TransformerConfig

        return Transformer(TransformerConfig(**config))
    if arch in ("lstm", "gru"):
        from models.networks.rnn import RNNConfig, build

        return build(RNNConfig(**config))
    raise ModelError(f"architecture {arch!r} is not one of transformer, lstm, gru")


def save(model, arch: str, path: Path, vocab_hash: str, step: int, half: bool = False,
         **extra) -> Path:
    """Write `path`.safetensors and `path`.json; returns the weights path.

    With `half`, weights are stored as float16 (half the size; loading casts them back to
    float32, so the loaded network computes with the rounded weights).
    """
    import copy
    from dataclasses import asdict

    from safetensors.torch import save_model

    path = Path(path).with_suffix("")
    path.parent.mkdir(parents=True, exist_ok=True)
    save_model(copy.deepcopy(model).half() if half else model,
               str(path.with_suffix(".safetensors")))
    meta = {"arch": arch, "config": asdict(model.config), "vocab_hash": vocab_hash,
            "step": step, "dtype": "float16" if half else "float32", **extra}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    return path.with_suffix(".safetensors")


def load(path: Path | None, vocab_hash: str, device: str = "cpu"):
    """The torch network stored at `path` (default: the shipped melody model) and its meta.

    Raises:
        ModelError: the files are missing or damaged, or were made for another vocabulary.
    """
    from safetensors.torch import load_model

    weights, meta = locate(path, vocab_hash)
    model = build_model(meta["arch"], meta["config"])
    try:
        load_model(model, str(weights), device=device)
    except Exception as error:  # safetensors raises several types for a damaged file
        raise ModelError(f"the checkpoint weights {weights} cannot be read ({error})") from None
    model.to(device).eval()
    return model, meta
