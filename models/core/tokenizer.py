"""Tokens: a melody in bars, preceded by its control tokens.

A piece reads

    BOS STYLE_s MODE_m METER_n/d TEMPO_t DENS_k MOOD_vA          header (controls)
    BAR [METER_n/d] BPOS_k [LAST] CHORD_r_q  (POS_t PITCH_p DUR_d)*   one group per bar
    EOS

- Pitches are in the normalised key (tonic C); the caller transposes at the end.
- POS_t is the onset within the bar and DUR_d the length, both in ticks (12 per quarter).
- METER inside a bar appears only where the meter changes. BPOS_k is the bar's index
  modulo 4 from the start of the piece (or of the section): the phrase position.
  LAST marks the final bar (a cadence).
- CHORD_r_q: root r above the tonic (0..11) and a fitted quality (models/core/harmony.py).
- DENS_k buckets notes per quarter note; MOOD is derived from the other controls: valence
  'p'/'n' from the mode's third, arousal 'h'/'l' from tempo and density (the corpus has no
  mood labels, so it is a proxy, stated as one).
- There is no velocity token: the corpus carries no dynamics.

The vocabulary's hash (`Tokenizer.vocab_hash`) is stored in every checkpoint.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from models.core.errors import RequestError
from models.core.grid import DURATIONS, METERS, PITCH_RANGE, TICKS, Bar, Piece, meter_ticks
from models.core.harmony import FIT_QUALITIES, Chord
from models.core.notes import STYLES, Controls

# The order of these tuples (and of models.core.grid's METERS and DURATIONS) is the order of the
# vocabulary: changing it changes the ids, hence `vocab_hash`, and every checkpoint then
# refuses to load.
COLLECTION_NAMES = ("essen", "oneill", "aird", "ryan", "palestrina", "bach")
MODE_NAMES = ("major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "locrian")
MODE_SYNONYMS = {"ionian": "major", "aeolian": "minor"}
TEMPOS = ("slow", "medium", "fast")  # slow ≤ 80 bpm < medium ≤ 120 bpm < fast (quarters)
DENSITY_EDGES = (0.75, 1.25, 2.0)  # notes per quarter note between DENS_0..DENS_3
NOTES_PER_SECOND = (1.0, 2.8)  # a melody's notes a second at density 0, and the rise to 1
# The nearest corpus collection for each product style.
STYLE_COLLECTION = {
    "classical": "bach", "baroque": "bach", "jazz": "ryan", "blues": "ryan", "pop": "essen",
    "rock": "essen", "lofi": "essen", "ambient": "palestrina", "folk": "essen",
    "celtic": "oneill", "electronic": "oneill", "cinematic": "aird", "chiptune": "oneill",
}
MAX_BAR_TICKS = 96  # the longest bar in `METERS`: 4/2 = 8 quarters; POS_0..POS_95
BRIGHT_MODES = ("major", "lydian", "mixolydian")


def density_bucket(notes_per_quarter: float) -> int:
    """DENS_k of a corpus piece: how many `DENSITY_EDGES` its notes per quarter exceed."""
    return sum(notes_per_quarter > edge for edge in DENSITY_EDGES)


def density_of(density: float, tempo_bpm: float) -> int:
    """The DENS bucket of a requested density (0..1) at a tempo: density sets notes per
    second (`NOTES_PER_SECOND`), the tempo turns them into notes per quarter.

    Only DENS_1 and DENS_2 are asked for: written under DENS_0 a melody is 44 % notes longer
    than a beat, under DENS_3 65 % sixteenths (reports/music.md), both far outside what folk
    tunes and chorale sopranos do; a slow piece still gets eighths, a fast one no flood.
    The calmest density (0.3) keeps eighths up to 88 bpm, so the calm pieces a sadder edit
    slows down (83 → 76 bpm) do not turn from quarters to eighths, busier, as they slow.
    """
    low, rise = NOTES_PER_SECOND
    per_quarter = (low + rise * density) * 60.0 / max(tempo_bpm, 1.0)
    return min(2, max(1, density_bucket(per_quarter)))


def mood_token(mode: str, tempo: str, density: int) -> str:
    """The MOOD token derived for a corpus piece (it has no mood label): see the docstring."""
    valence = "p" if mode in BRIGHT_MODES else "n"
    arousal = "h" if tempo == "fast" or (tempo == "medium" and density >= 2) else "l"
    return f"MOOD_{valence}{arousal}"


@dataclass(frozen=True)
class Header:
    """The control tokens that open every sequence, as values."""

    style: str  # a collection name
    mode: str  # one of `MODE_NAMES`
    meter: str  # 'n/d', one of `METERS` (a corpus piece's first bar's)
    tempo: str  # one of `TEMPOS`
    density: int  # DENS bucket 0..3
    mood: str | None = None  # 'MOOD_xy'; None: derived from mode, tempo and density

    def tokens(self) -> list[str]:
        """Always 7 tokens, BOS first, in this order (`decode` relies on both)."""
        return ["BOS", f"STYLE_{self.style}", f"MODE_{self.mode}", f"METER_{self.meter}",
                f"TEMPO_{self.tempo}", f"DENS_{self.density}",
                self.mood or mood_token(self.mode, self.tempo, self.density)]


def chord_token(chord: Chord) -> str:
    """CHORD_r_q; a quality without a token is written as its nearest (maj7 → maj, ...)."""
    return f"CHORD_{chord.root}_{chord.token_quality()}"


class Tokenizer:
    """The fixed vocabulary and the piece ↔ token conversions."""

    def __init__(self) -> None:
        # PAD must stay id 0: the losses ignore target 0 and chunk_nll pads with zeros
        vocab = ["PAD", "BOS", "EOS", "BAR", "LAST"]
        vocab += [f"STYLE_{c}" for c in COLLECTION_NAMES]
        vocab += [f"MODE_{m}" for m in MODE_NAMES]
        vocab += [f"METER_{m}" for m in METERS]
        vocab += [f"TEMPO_{t}" for t in TEMPOS]
        vocab += [f"DENS_{k}" for k in range(len(DENSITY_EDGES) + 1)]
        vocab += [f"MOOD_{v}{a}" for v in "pn" for a in "hl"]
        vocab += [f"BPOS_{k}" for k in range(4)]
        vocab += [f"CHORD_{r}_{q}" for r in range(12) for q in FIT_QUALITIES]
        vocab += [f"POS_{t}" for t in range(MAX_BAR_TICKS)]  # every tick, not only sixteenths
        vocab += [f"PITCH_{p}" for p in range(PITCH_RANGE[0], PITCH_RANGE[1] + 1)]
        vocab += [f"DUR_{d}" for d in DURATIONS]
        self.vocab = vocab  # id → token
        self.index = {token: i for i, token in enumerate(vocab)}  # token → id
        # a checkpoint stores this and loading refuses another: ids mean nothing without it
        self.vocab_hash = hashlib.sha256("\n".join(vocab).encode()).hexdigest()[:16]

    def __len__(self) -> int:
        return len(self.vocab)

    def ids(self, tokens: list[str]) -> list[int]:
        """Token strings → ids (KeyError for a token not in the vocabulary)."""
        return [self.index[t] for t in tokens]

    def kind(self, token_id: int) -> str:
        """'POS', 'PITCH', 'DUR', 'BAR', 'CHORD', ... : the token's family."""
        return self.vocab[token_id].split("_")[0]

    # --- pieces -------------------------------------------------------------------------

    def header_of(self, piece: Piece) -> Header:
        """The controls a corpus piece is trained under; its mood is derived."""
        notes = sum(len(bar.notes) for bar in piece.bars)
        quarters = sum(bar.length for bar in piece.bars) / TICKS  # the piece's length
        return Header(piece.collection, piece.mode, piece.bars[0].meter, piece.tempo,
                      density_bucket(notes / max(quarters, 1.0)))

    def bar_tokens(self, bar: Bar, index: int, meter: str | None, last: bool) -> list[str]:
        """One bar's tokens; `meter` is given only where it changes."""
        tokens = ["BAR"] + ([f"METER_{meter}"] if meter else []) + [f"BPOS_{index % 4}"]
        tokens += (["LAST"] if last else []) + [chord_token(bar.chord)]
        for onset, duration, pitch in bar.notes:  # three tokens a note, in onset order
            tokens += [f"POS_{onset}", f"PITCH_{pitch}", f"DUR_{duration}"]
        return tokens

    def encode(self, piece: Piece) -> list[int]:
        """The whole piece as token ids, BOS to EOS."""
        tokens = self.header_of(piece).tokens()
        meter = piece.bars[0].meter
        for index, bar in enumerate(piece.bars):  # index → BPOS: phrase position from bar 0
            changed = bar.meter if bar.meter != meter else None
            meter = bar.meter
            tokens += self.bar_tokens(bar, index, changed, index == len(piece.bars) - 1)
        return self.ids(tokens + ["EOS"])

    def encode_chunks(self, piece: Piece, context: int) -> list[list[int]]:
        """The piece cut at bar lines into sequences ≤ `context`, each led by the header."""
        header = self.ids(self.header_of(piece).tokens())
        # current: the chunk being filled; meter: the meter in force before this bar
        chunks, current, meter = [], list(header), piece.bars[0].meter
        for index, bar in enumerate(piece.bars):
            last = index == len(piece.bars) - 1
            bar_ids = self.ids(self.bar_tokens(bar, index, bar.meter if bar.meter != meter
                                               else None, last) + (["EOS"] if last else []))
            meter = bar.meter
            # the bar does not fit: close the chunk (unless it holds only the header) and
            # open the next with the header, plus the meter in force where the header's
            # (the first bar's) no longer is
            if len(current) + len(bar_ids) > context and len(current) > len(header):
                chunks.append(current)
                current = list(header) + self.ids([f"METER_{meter}"] if meter !=
                                                  piece.bars[0].meter else [])
            # a bar too long for a chunk of its own is cut at `context` tokens (its later
            # notes are lost)
            current += bar_ids[: context - len(current)]
        chunks.append(current)
        return chunks

    def decode(self, ids: list[int]) -> tuple[Header | None, list[Bar]]:
        """Token ids back to the header and the bars (the inverse of `encode`)."""
        tokens = [self.vocab[i] for i in ids]
        # the header is the first 7 tokens (`Header.tokens`): family → value, e.g. MODE → minor
        fields = {t.split("_", 1)[0]: t.split("_", 1)[1] for t in tokens[:7] if "_" in t}
        header = None
        # the MOOD token is not kept: the Header re-derives it
        if tokens[:1] == ["BOS"] and {"STYLE", "MODE", "METER", "TEMPO", "DENS"} <= set(fields):
            header = Header(fields["STYLE"], fields["MODE"], fields["METER"], fields["TEMPO"],
                            int(fields["DENS"]))
        meter = header.meter if header else "4/4"  # until a METER token says otherwise
        bars: list[Bar] = []
        notes: list[tuple[int, int, int]] = []  # of the bar being read
        # a note is complete at its DUR; a POS or PITCH without the rest is dropped
        chord, onset, pitch = Chord(0, "maj"), None, None
        in_bar = False
        for token in tokens[7 if header else 0:]:
            family, _, value = token.partition("_")
            if token in ("BAR", "EOS") and in_bar:  # the bar being read is over
                bars.append(Bar(meter, meter_ticks(meter), tuple(notes), chord))
                notes = []
            if token == "BAR":
                in_bar = True
            elif token == "EOS":
                break
            elif family == "METER":
                meter = value
            elif family == "CHORD":
                root, quality = value.split("_")
                chord = Chord(int(root), quality)
            elif family == "POS":
                onset = int(value)
            elif family == "PITCH":
                pitch = int(value)
            elif family == "DUR" and onset is not None and pitch is not None:
                notes.append((onset, int(value), pitch))
                onset = pitch = None
        else:  # ran out of ids without EOS (a sample): keep the last bar
            if in_bar:
                bars.append(Bar(meter, meter_ticks(meter), tuple(notes), chord))
        return header, bars

    # --- controls -----------------------------------------------------------------------

    def controls_header(self, controls: Controls) -> Header:
        """The header tokens asked for by `controls` (RequestError quotes a bad value)."""
        if controls.style not in STYLE_COLLECTION:
            raise RequestError(f"style {controls.style!r} is not one of {', '.join(STYLES)}")
        mode = MODE_SYNONYMS.get(controls.mode, controls.mode)
        if mode not in MODE_NAMES:
            raise RequestError(f"mode {controls.mode!r} is not one of {', '.join(MODE_NAMES)}")
        meter = f"{controls.meter[0]}/{controls.meter[1]}"
        if meter not in METERS:
            raise RequestError(f"meter {meter} is not supported (use one of {', '.join(METERS)})")
        # the same band edges as models.training.corpus.tempo_band gives corpus pieces
        tempo = "slow" if controls.tempo_bpm <= 80 else "fast" if controls.tempo_bpm > 120 \
            else "medium"
        density = density_of(controls.density, controls.tempo_bpm)
        # the requested mood is used as asked, not derived as it is for corpus pieces
        valence = "p" if controls.valence >= 0 else "n"
        mood = f"MOOD_{valence}{'h' if controls.arousal >= 0 else 'l'}"
        return Header(STYLE_COLLECTION[controls.style], mode, meter, tempo, density, mood)
