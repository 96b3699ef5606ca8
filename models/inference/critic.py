"""The critic: a discriminator telling real 4-bar phrases from the melody model's.

A phrase is read note by note. Each note is a handful of small integers (its pitch, its pitch
class above the bar's chord root, the chord's quality, the interval from the previous note,
its length, its onset in the bar and within the quarter, the rest before it, its bar), whose
embeddings are summed with those of the phrase's meter, style and mode. Convolutions of
several widths (1 to 8 notes) with ReLU, max- and mean-pooled over the notes, then a small
MLP with three phrase-level numbers (notes per bar, empty bars, range) give one logit:
> 0 means "sounds like the corpus". This is SeqGAN's CNN discriminator over notes instead
of tokens.

`Critic` (torch, models/networks/critic_net.py) is trained by models/training/critic_train.py
and models/training/gan.py; `NumpyCritic` is the same forward pass in numpy for the
composer, which must not import torch (see models/inference/decoder.py):

    critic = NumpyCritic.load()                     # models/weights/critic.*
    logits = critic.score([(bars, "essen", "major"), ...])   # (B,) float32
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.core.checkpoint import WEIGHTS_DIR
from models.core.errors import ModelError
from models.core.grid import DURATIONS, METERS, PITCH_RANGE, TICKS, Bar
from models.core.harmony import FIT_QUALITIES
from models.core.tokenizer import COLLECTION_NAMES, MODE_NAMES

WEIGHTS = WEIGHTS_DIR / "critic"
PHRASE_BARS = 4
# Per-note fields and how many values each takes (ids 0..size-1).
NOTE_FIELDS = {
    "pitch": PITCH_RANGE[1] - PITCH_RANGE[0] + 1,  # MIDI pitch in the normalised key
    "chord_pc": 12,  # pitch class above the bar's chord root
    "quality": len(FIT_QUALITIES),  # the chord's token quality
    "interval": 26,  # -12..12 semitones from the previous note; 25 = first note
    "duration": len(DURATIONS),  # index of the length in ticks
    "onset": 96,  # tick in the bar
    "subbeat": TICKS,  # tick within the quarter note
    "rest": 8,  # bucket of the silence before the note (`REST_EDGES`); 7 = first note
    "bar": 8,  # bar index in the phrase
}
CONTEXT_FIELDS = {"meter": len(METERS), "style": len(COLLECTION_NAMES), "mode": len(MODE_NAMES)}
REST_EDGES = (1, 4, 7, 13, 25, 49)  # ticks: 0 | 1-3 | 4-6 | 7-12 | 13-24 | 25-48 | ≥49
SUMMARY = 3  # notes per bar / 8, share of empty bars, range / 24
MAX_NOTES = 128  # notes beyond this many are not read (a 4-bar phrase has about 17)
# Where each field's ids start in the one shared embedding table.
_SIZES = list(NOTE_FIELDS.values()) + list(CONTEXT_FIELDS.values())
_OFFSETS = np.concatenate([[0], np.cumsum(_SIZES)[:-1]]).astype(np.int64)
TABLE_SIZE = int(sum(_SIZES)) + 1  # the last row is padding: always zero
PAD = TABLE_SIZE - 1


@dataclass(frozen=True)
class CriticConfig:
    """The critic's shape; stored beside its weights."""

    embd: int = 48  # width of the summed note embedding
    channels: int = 32  # filters per convolution width
    widths: tuple[int, ...] = (1, 2, 3, 4, 6, 8)  # notes each convolution spans
    hidden: int = 64  # the MLP's hidden layer
    dropout: float = 0.1


@dataclass(frozen=True)
class Encoded:
    """One phrase as the critic reads it."""

    notes: np.ndarray  # (N, len(NOTE_FIELDS)) int64 table rows (offsets applied)
    context: np.ndarray  # (len(CONTEXT_FIELDS),) int64 table rows
    summary: np.ndarray  # (SUMMARY,) float32


def encode(bars: list[Bar], style: str, mode: str) -> Encoded:
    """A phrase (bars on the tick grid, normalised key) of a collection `style` in `mode`."""
    rows, previous, last_end, offset = [], None, None, 0  # last_end/offset: absolute ticks
    for index, bar in enumerate(bars):
        quality = FIT_QUALITIES.index(bar.chord.token_quality()) if bar.chord else 0
        root = bar.chord.root if bar.chord else 0
        for onset, duration, pitch in bar.notes:
            start = offset + onset
            rest = 7 if last_end is None else int(np.searchsorted(REST_EDGES, start - last_end,
                                                                  side="right"))
            interval = 25 if previous is None else int(np.clip(pitch - previous, -12, 12)) + 12
            rows.append([min(max(pitch, PITCH_RANGE[0]), PITCH_RANGE[1]) - PITCH_RANGE[0],
                         (pitch - root) % 12, quality, interval, _duration_index(duration),
                         min(onset, 95), onset % TICKS, rest, min(index, 7)])
            previous, last_end = pitch, start + duration
        offset += bar.length
    notes = np.array(rows[:MAX_NOTES], dtype=np.int64).reshape(-1, len(NOTE_FIELDS))
    notes += _OFFSETS[: len(NOTE_FIELDS)]
    meter = bars[0].meter if bars else "4/4"
    context = np.array([METERS.index(meter), COLLECTION_NAMES.index(style),
                        MODE_NAMES.index(mode)], dtype=np.int64) + _OFFSETS[len(NOTE_FIELDS):]
    pitches = [p for bar in bars for _, _, p in bar.notes]
    summary = np.array([len(pitches) / max(len(bars), 1) / 8,
                        float(np.mean([not b.notes for b in bars])) if bars else 1.0,
                        (max(pitches) - min(pitches)) / 24 if pitches else 0.0], np.float32)
    return Encoded(notes, context, summary)


def _duration_index(ticks: int) -> int:
    return int(np.argmin([abs(d - ticks) for d in DURATIONS]))


def stack(phrases: list[Encoded]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A batch: notes (B, N, F) padded with `PAD`, context (B, 3), summary (B, 3), lengths (B,)."""
    longest = max([len(p.notes) for p in phrases] + [1])
    notes = np.full((len(phrases), longest, len(NOTE_FIELDS)), PAD, dtype=np.int64)
    for row, phrase in enumerate(phrases):
        notes[row, : len(phrase.notes)] = phrase.notes
    return (notes, np.stack([p.context for p in phrases]), np.stack([p.summary for p in phrases]),
            np.array([len(p.notes) for p in phrases], dtype=np.int64))


def phrases_of(bars: list[Bar], length: int = PHRASE_BARS) -> list[list[Bar]]:
    """Consecutive `length`-bar phrases of a melody (a shorter tail is its own phrase)."""
    return [bars[i:i + length] for i in range(0, len(bars), length) if bars[i:i + length]]


def fields_hash() -> str:
    """What the stored weights mean: the field sizes and the vocabularies they index."""
    import hashlib

    text = json.dumps([NOTE_FIELDS, CONTEXT_FIELDS, REST_EDGES, METERS, COLLECTION_NAMES,
                       MODE_NAMES, DURATIONS])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_meta(path: Path) -> dict:
    path = Path(path).with_suffix("")
    if not path.with_suffix(".json").exists() or not path.with_suffix(".safetensors").exists():
        raise ModelError(f"no critic at {path}: train one with `tunesmith train critic`")
    meta = json.loads(path.with_suffix(".json").read_text())
    if meta.get("fields") != fields_hash():
        raise ModelError(f"the critic {path.name} was trained on other note fields: retrain "
                         "it with `tunesmith train critic`")
    return meta


def config_of(meta: dict) -> CriticConfig:
    config = dict(meta["config"])
    config["widths"] = tuple(config["widths"])
    return CriticConfig(**config)


class NumpyCritic:
    """The torch `Critic` at inference (no dropout), in numpy: the same logits."""

    def __init__(self, weights: dict[str, np.ndarray], config: CriticConfig, meta=None):
        self.config, self.meta = config, meta or {}
        self.embed = weights["embed.weight"].astype(np.float32)  # (TABLE_SIZE, E)
        # Conv1d weights (C, E, k) → per offset j: (E, C), so a window is Σ_j x[t + j] @ W_j
        self.convs = [(np.ascontiguousarray(weights[f"convs.{i}.weight"].transpose(2, 1, 0),
                                            np.float32),
                       weights[f"convs.{i}.bias"].astype(np.float32))
                      for i in range(len(config.widths))]
        self.hidden = (weights["hidden.weight"].T.astype(np.float32),
                       weights["hidden.bias"].astype(np.float32))
        self.out = (weights["out.weight"].T.astype(np.float32),
                    weights["out.bias"].astype(np.float32))

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> NumpyCritic:
        """The critic stored at `path`; ModelError if it is missing or was made otherwise."""
        from safetensors.numpy import load_file

        meta = read_meta(path)
        weights = load_file(str(Path(path).with_suffix("").with_suffix(".safetensors")))
        return cls(weights, config_of(meta), meta)

    @classmethod
    def from_torch(cls, critic) -> NumpyCritic:
        weights = {k: v.detach().cpu().numpy() for k, v in critic.state_dict().items()}
        return cls(weights, critic.config)

    def logits(self, notes, context, summary, lengths) -> np.ndarray:
        """`stack`'s arrays → (B,) float32 logits; > 0 leans "real"."""
        B, N, _ = notes.shape
        mask = (np.arange(N)[None, :] < lengths[:, None]).astype(np.float32)  # (B, N)
        x = self.embed[notes].sum(2) + self.embed[context].sum(1)[:, None]  # (B, N, E)
        x = x * mask[..., None]
        width = max(self.config.widths)
        x = np.concatenate([x, np.zeros((B, width - 1, x.shape[2]), np.float32)], 1)
        pooled = []
        for weight, bias in self.convs:  # weight (k, E, C)
            y = bias + sum(x[:, j:j + N] @ weight[j] for j in range(len(weight)))  # (B, N, C)
            y = np.maximum(y, 0) * mask[..., None]
            pooled += [y.max(1), y.sum(1) / np.maximum(lengths, 1)[:, None]]
        h = np.concatenate(pooled + [summary.astype(np.float32)], 1)
        h = np.maximum(h @ self.hidden[0] + self.hidden[1], 0)
        return (h @ self.out[0] + self.out[1])[:, 0]

    def score(self, phrases: list[tuple[list[Bar], str, str]]) -> np.ndarray:
        """(B,) logits of phrases given as (bars, collection, mode)."""
        if not phrases:
            return np.zeros(0, np.float32)
        return self.logits(*stack([encode(*p) for p in phrases]))

    def melody_score(self, bars: list[Bar], style: str, mode: str) -> float:
        """The mean logit of a melody's 4-bar phrases: how much it sounds like the corpus."""
        phrases = phrases_of(bars)
        if not phrases:
            return 0.0
        return float(self.score([(p, style, mode) for p in phrases]).mean())
