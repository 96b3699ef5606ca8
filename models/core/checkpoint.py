"""Where checkpoints live and what they say: safetensors weights beside a JSON config
that carries the vocabulary hash. No torch here: the torch side (build, save, load a
network) is models/networks/torch_checkpoint.py.

    <name>.safetensors   the weights (tied weights stored once)
    <name>.json          {"arch", "config", "vocab_hash", "step", "metrics", ...}

Loading refuses a checkpoint made for another vocabulary with a ModelError.
"""

from __future__ import annotations

import json
from pathlib import Path

from models.core.errors import ModelError

WEIGHTS_DIR = Path(__file__).parent.parent / "weights"  # models/weights/
DEFAULT_NAME = "melody"
# The shipped checkpoints: the Transformer is the product; the baselines are for comparison.
# melody-base: the Transformer before GAN fine-tuning, present once a fine-tuned one ships.
SHIPPED = {"transformer": WEIGHTS_DIR / "melody", "transformer-base": WEIGHTS_DIR / "melody-base",
           "lstm": WEIGHTS_DIR / "baseline-lstm", "gru": WEIGHTS_DIR / "baseline-gru"}


def read_meta(path: Path) -> dict:
    meta_path = Path(path).with_suffix(".json")
    if not meta_path.exists():
        raise ModelError(f"no checkpoint config at {meta_path}: train one with "
                         "`tunesmith train model`")
    try:
        return json.loads(meta_path.read_text())
    except json.JSONDecodeError as error:
        raise ModelError(f"the checkpoint config {meta_path} is damaged ({error})") from None


def locate(path: Path | None, vocab_hash: str) -> tuple[Path, dict]:
    """The weights file of the checkpoint at `path` (None: the shipped melody model) and
    its metadata, checked: it exists and was made for this vocabulary.

    Raises:
        ModelError: the files are missing or damaged, or were made for another vocabulary.
    """
    path = Path(path if path is not None else WEIGHTS_DIR / DEFAULT_NAME).with_suffix("")
    meta = read_meta(path)
    if meta.get("vocab_hash") != vocab_hash:
        raise ModelError(
            f"the checkpoint {path.name} was trained for vocabulary {meta.get('vocab_hash')!r} "
            f"but this tokenizer's vocabulary is {vocab_hash!r}: retrain it with "
            "`tunesmith train model` or use a matching checkpoint")
    weights = path.with_suffix(".safetensors")
    if not weights.exists():
        raise ModelError(f"the checkpoint weights {weights} are missing")
    return weights, meta
