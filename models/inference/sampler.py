"""`MelodyModel`: load a checkpoint and write melodies bar by bar under control.

The sampler writes the bar scaffolding itself (BAR, BPOS, LAST, CHORD: forced, fed to the
network in one batch through the KV cache), and samples only the notes inside each bar,
through the filters of models/inference/filters.py composed in one loop, then temperature and
nucleus sampling with a seeded numpy `Generator` (PCG64). So a melody always has exactly the
bars asked for, each with the chord asked for, and the same seed gives the same notes. The
network is a `models.inference.decoder` decoder: the shipped Transformer runs in numpy, not torch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

from models.core.grid import (
    PITCH_RANGE,
    TICKS,
    Bar,
    bars_to_notes,
    meter_beat,
    meter_ticks,
    notes_to_bars,
)
from models.core.harmony import MODES, Chord
from models.core.notes import Controls, Note
from models.core.tokenizer import Header, Tokenizer, chord_token
from models.inference import decoder, filters

__all__ = ["Chord", "Controls", "MelodyModel", "Note"]
log = logging.getLogger(__name__)

# Section labels that end a piece: the last bar gets LAST (a cadence) only when the final
# label is one of these, or when there are no labels at all.
ENDINGS = ("outro", "end", "ending", "coda")
CHORD_BIAS = 1.0  # logits added to chord tones on beats

@dataclass(frozen=True)
class Craft:
    """The strengths of the melody's craft filters (logits; see models/inference/filters.py).

    The network alone repeats one pitch for a bar, trills a-b-a-b-a, runs on after leaps and
    rarely holds a phrase's last note (reports/music.md measures each); these settings bring
    its lines to the human interquartile ranges of their corpus collection.
    """

    longest: int = 3  # notes of one pitch in a row, at most
    repeat: float = 0.0  # the previous pitch again
    step: float = 0.2  # a step of 1–2 semitones
    recovery: float = 1.5  # a step back after a leap, against moving on
    cadence: float = 3.0  # a held note at a phrase's end
    far: float = 0.4  # each semitone of a leap beyond a fifth (the network leaps an octave
    # and more ten times as often as Essen's tunes: 1 % of intervals against 0.1 %; O'Neill's
    # reels and jigs do leap: celtic pieces were easier to tell from them with it, 66 → 75 %)
    common: float = 0.0  # the previous pitch again on a beat, where the chord holds it (Essen
    # only: O'Neill's tunes repeat less than the network already does)
    shorts: float = 0.2  # share of notes shorter than an eighth before they cost
    short_penalty: float = 2.0
    # share of notes shorter than an eighth the collection writes at DENS_2 (test split,
    # reports/music-before-after.md), and what a short note gains while the line has fewer
    short_target: float = 0.0
    short_bonus: float = 0.0
    leading: float = 0.0  # the leading tone's penalty (half of it under a chord holding it)
    trills: bool = False  # let a-b-a-b run on (the oscillation filter off)


# Folk tunes (Essen: stepwise 46 %, repeated notes 19 %, longest run 3, per tune medians)
# repeat and leap more than chorale sopranos and Palestrina's lines, which move by step.
# Short notes at DENS_2 (per tune, test split): Essen 15 %, O'Neill 9 %, Aird 17 %, Ryan 19 %;
# chorale sopranos and Palestrina next to none.
_FOLK = dict(short_bonus=2.5, leading=0.8)
CRAFT = {"bach": Craft(longest=2, repeat=1.0, step=0.4, leading=0.8),
         "palestrina": Craft(longest=2, repeat=1.0, step=0.4, leading=0.8),
         "essen": Craft(short_target=0.15, common=1.0, **_FOLK),
         "oneill": Craft(short_target=0.09, far=0.0, **_FOLK),
         "aird": Craft(short_target=0.17, **_FOLK), "ryan": Craft(short_target=0.19, **_FOLK)}
# every craft filter off: the network's own lines (`tunesmith eval music --stages`)
NO_CRAFT = Craft(longest=10**6, step=0.0, recovery=0.0, cadence=0.0, far=0.0, shorts=1.0,
                 short_penalty=0.0, trills=True)
SHORTEST = 6  # ticks: notes shorter than an eighth count as short for the rhythm filter


@dataclass
class _Run:
    """The mutable state of one generation."""

    ids: list[int]  # every token fed so far (for a refill when the context is full)
    header: list[int]  # the control tokens, BOS first: every refill starts with them
    cache: object  # the decoder's cache (KV cache, or a recurrent state); replaced on refill
    logits: np.ndarray | None = None  # (vocab,) float32: what the network predicts next
    fed: list[int] = field(default_factory=list)  # every token fed by `_feed`, in order


class MelodyModel:
    """A trained melody network with its tokenizer; see `generate`."""

    def __init__(self, network, meta: dict, tokenizer: Tokenizer):
        """`network`: a decoder (models.inference.decoder's interface: a `NumpyTransformer`,
        or a torch network wrapped as a models.networks.torch_decoder.TorchNetwork)."""
        self.network = network
        self.meta = meta
        self.tokenizer = tokenizer
        self.table = filters.TokenTable(tokenizer)
        self.context = self.network.context  # cache positions before a refill (tokens)
        # e.g. 'transformer-18aedc61-2831': architecture, vocabulary, training step
        self.version = f"{meta['arch']}-{tokenizer.vocab_hash[:8]}-{meta['step']}"
        self.last_token_count = 0  # tokens fed by the latest `sample` (the benchmark reads it)
        self._last_ids: list[int] = []  # and those tokens, for tests that decode them

    @classmethod
    def load(cls, path: Path | None = None, device: str = "cpu") -> MelodyModel:
        """The checkpoint at `path` (None: models/weights/melody); ModelError if unusable."""
        tokenizer = Tokenizer()
        network, meta = decoder.load(path, tokenizer.vocab_hash, device)
        return cls(network, meta, tokenizer)

    # --- the network ----------------------------------------------------------------

    def _feed(self, run: _Run, ids: list[int]) -> None:
        """Feed tokens through the cache; refill from the header when the context is full."""
        if run.cache.length + len(ids) > self.context - 1:
            self._refill(run)
        if len(ids) == 1:  # a sampled note token: the fast single-token path
            run.logits = self.network.step(ids[0], run.cache)
        else:  # the header, a prefix or a bar's scaffold: one batch through the cache
            run.logits = self.network.prefill(ids, run.cache)
        run.ids += ids
        run.fed += ids

    def _refill(self, run: _Run) -> None:
        """Restart the cache on the header plus the most recent bars (half a context)."""
        bar = self.tokenizer.index["BAR"]
        keep = self.context // 2 - len(run.header)  # tokens of history kept after the header
        tail = run.ids[-keep:]
        # drop the partial bar the cut lands in, so the history opens on a bar line as every
        # training chunk does after its header
        starts = [i for i, t in enumerate(tail) if t == bar]
        tail = tail[starts[0]:] if starts else []
        run.cache = self.network.new_cache()
        ids = run.header + tail
        run.logits = self.network.prefill(ids, run.cache)
        run.ids = list(ids)  # `_feed` appends the tokens that triggered the refill

    # --- generation -----------------------------------------------------------------

    def generate(self, controls: Controls, chords: list[Chord], *, seed: int,
                 sections: list[str] | None = None, prefix: list[Note] | None = None,
                 temperature: float = 1.0, top_p: float = 0.95,
                 scale_strictness: float = 0.8,
                 pitch_range: tuple[int, int] = (55, 84),
                 chord_bias: float = CHORD_BIAS, register_pull: float = 0.0) -> list[Note]:
        """Exactly len(chords) bars of melody (after the prefix's bars), tonic C.

        Args:
            controls: style, mode, meter, tempo, density and mood of the melody.
            chords: one chord per bar to write (root relative to the tonic).
            seed: the same seed (and arguments) gives the same notes.
            sections: optional label per bar ('intro', 'A', 'B', 'outro', ...): the phrase
                position restarts where the label changes, and the final bar is written as
                a cadence unless the last label is not an ending ('outro', 'end', 'coda').
                Without labels the final bar is a cadence.
            prefix: notes to continue (normalised key, starting at beat 0); the new bars
                start at the first bar line after the prefix's last onset.
            temperature: softmax temperature (> 0).
            top_p: nucleus mass kept (0 < top_p ≤ 1).
            scale_strictness: 0 = any pitch, 1 = scale (and chord) tones only.
            pitch_range: lowest and highest MIDI pitch (normalised key).
            chord_bias: logits added to the bar's chord tones on beats (0 = none).
            register_pull: how strongly the line's mean is steered to the middle of
                `pitch_range` (filters.register; 0 = not at all).

        Returns:
            The new notes, sorted by onset, in quarter-note beats from the piece start.
        """
        header = self.tokenizer.controls_header(controls)
        # the corpus has no dynamics, so loudness follows arousal: MIDI velocity 66..94
        velocity = round(80 + 14 * max(-1.0, min(1.0, controls.arousal)))
        return self.sample(header, chords, seed=seed, sections=sections, prefix=prefix,
                           temperature=temperature, top_p=top_p,
                           scale_strictness=scale_strictness, pitch_range=pitch_range,
                           velocity=velocity, chord_bias=chord_bias,
                           register_pull=register_pull)

    def sample(self, header: Header, chords: list[Chord], *, seed: int,
               sections: list[str] | None = None, prefix: list[Note] | None = None,
               temperature: float = 1.0, top_p: float = 0.95, scale_strictness: float = 0.8,
               pitch_range: tuple[int, int] = (55, 84), velocity: int = 80,
               chord_bias: float = CHORD_BIAS, register_pull: float = 0.0,
               craft: Craft | None = None) -> list[Note]:
        """`generate` with the header tokens given directly (corpus collections, buckets);
        `craft` replaces the collection's craft filters (`CRAFT`)."""
        if not chords:
            return []
        if sections is not None and len(sections) != len(chords):
            raise ValueError(f"{len(sections)} section labels for {len(chords)} bars")
        if temperature <= 0 or not 0 < top_p <= 1:
            raise ValueError(f"temperature {temperature} / top_p {top_p} out of range")
        # the asked range clipped to the pitches the vocabulary has (MIDI, normalised key)
        low, high = max(pitch_range[0], PITCH_RANGE[0]), min(pitch_range[1], PITCH_RANGE[1])
        if low > high:
            raise ValueError(f"pitch range {pitch_range} leaves no playable pitch")
        bar_length = meter_ticks(header.meter)  # ticks (12 per quarter note)
        generator = np.random.default_rng(seed)  # PCG64: the only source of randomness here
        header_ids = self.tokenizer.ids(header.tokens())
        run = _Run(ids=[], header=header_ids, cache=self.network.new_cache())
        # the prefix as the model would have written it: bars on the tick grid, chords
        # fitted, tokenised without meter changes or LAST
        prefix_bars = notes_to_bars(prefix or [], header.meter, header.mode)
        prefix_ids = []
        for index, bar in enumerate(prefix_bars):
            prefix_ids += self.tokenizer.ids(self.tokenizer.bar_tokens(bar, index, None, False))
        # header + prefix take at most half the context; the rest is left for the new bars
        budget = self.context // 2
        if len(header_ids) + len(prefix_ids) > budget:  # keep the prefix's latest bars
            bar_id = self.tokenizer.index["BAR"]
            tail = prefix_ids[-(budget - len(header_ids)):]
            tail = tail[tail.index(bar_id):] if bar_id in tail else []
            prefix_ids = tail
        with self.network.running():
            self._feed(run, header_ids + prefix_ids)
            bars = self._write_bars(run, header, chords, sections, generator, bar_length,
                                    len(prefix_bars), temperature, top_p, scale_strictness,
                                    (low, high), prefix, chord_bias, register_pull,
                                    craft or CRAFT.get(header.style, Craft()))
        start = len(prefix_bars) * bar_length / TICKS  # the first new bar, in quarter-note beats
        self.last_token_count = len(run.fed)  # for the benchmark: tokens fed, all told
        self._last_ids = run.fed
        return bars_to_notes(bars, start, velocity)

    def _filters(self, mode: str, strictness: float, low: int, high: int, max_gap: int,
                 chord_bias: float, craft: Craft, pull: float = 0.0):
        """The logit filters of one generation, in the order they are applied.

        Each is `filter(logits, step) -> logits` with this call's settings bound. The order
        matters once: `silence` stands down rather than bar every token, judging by what
        grammar and meter have left.
        """
        table = self.table
        trills = [] if craft.trills else [partial(filters.oscillation, table=table)]
        return [
            partial(filters.grammar, table=table),
            partial(filters.meter, table=table),
            partial(filters.silence, table=table, max_gap=max_gap),
            partial(filters.scale, table=table, scale_pcs=frozenset(MODES[mode]),
                    strictness=strictness),
            partial(filters.pitch_range, table=table, low=low, high=high),
            partial(filters.register, table=table, centre=(low + high) / 2, pull=pull),
            partial(filters.chord_tones, table=table, bias=chord_bias),
            partial(filters.common_tone, table=table, bias=craft.common if chord_bias else 0.0),
            partial(filters.repetition, table=table, longest=craft.longest,
                    penalty=craft.repeat),
            *trills,
            partial(filters.contour, table=table, step_bias=craft.step,
                    recovery=craft.recovery, far=craft.far),
            partial(filters.cadence, table=table, bias=craft.cadence),
            partial(filters.rhythm, table=table, shortest=SHORTEST, share=craft.shorts,
                    penalty=craft.short_penalty, target=craft.short_target,
                    bonus=craft.short_bonus),
            partial(filters.leading_tone, table=table, penalty=craft.leading),
        ]

    def _write_bars(self, run, header, chords, sections, generator, bar_length, first_bar,
                    temperature, top_p, strictness, pitch_range, prefix,
                    chord_bias, register_pull, craft) -> list[Bar]:
        """The bars of `chords`, one at a time: scaffold forced, notes sampled and filtered.

        `first_bar` is the number of prefix bars; all positions below are absolute ticks
        from the piece start unless named as in-bar.
        """
        tokenizer, table = self.tokenizer, self.table
        beat = round(meter_beat(header.meter) * TICKS)  # ticks per beat (18 in 6/8, 12 in 4/4)
        # max_gap = one bar: no rest may last longer than a whole bar
        chain = self._filters(header.mode, strictness, *pitch_range, max_gap=bar_length,
                              chord_bias=chord_bias, craft=craft,
                              pull=register_pull)
        ending = sections is None or sections[-1] in ENDINGS
        # where the melody so far stops sounding; a prefix note held past the bar line
        # counts as ending at it
        prefix_end = max((round((n.start + n.duration) * TICKS) for n in prefix or []),
                         default=first_bar * bar_length)
        last_end = min(prefix_end, first_bar * bar_length)
        if not prefix:  # open on the first beat: no anacrusis rest before a section
            # as if a note had ended one bar minus a beat before the first bar: with
            # max_gap = one bar, the silence filter then allows a first onset ≤ one beat in
            last_end = first_bar * bar_length + beat - bar_length
        bars, phrase = [], 0  # phrase: bars since the section began (BPOS = phrase % 4)
        recent = tuple(n.pitch for n in sorted(prefix or [], key=lambda n: n.start)[-4:])
        written = shorts = pitches = 0
        for i, chord in enumerate(chords):
            if sections is not None and i > 0 and sections[i] != sections[i - 1]:
                phrase = 0
            closes = 1.0 if (phrase % 4 == 3 or i == len(chords) - 1 or (
                sections is not None and sections[i + 1] != sections[i])) else \
                0.3 if phrase % 4 == 1 else 0.0
            # the forced scaffold: BAR BPOS_k [LAST] CHORD_r_q, fed as one batch
            scaffold = ["BAR", f"BPOS_{phrase % 4}"]
            scaffold += ["LAST"] if ending and i == len(chords) - 1 else []
            self._feed(run, tokenizer.ids(scaffold + [chord_token(chord)]))
            phrase += 1
            bar_start = (first_bar + i) * bar_length
            final = i == len(chords) - 1
            # min_pos: a note held over from the previous bar delays the first onset here;
            # max_end: a note may tie into the next bar, but the final bar ends at its bar line
            step = filters.Step("event", bar_start, bar_length, max(0, last_end - bar_start),
                                last_end=last_end, beat=beat, chord_pcs=chord.pitch_classes(),
                                max_end=bar_length if final else 2 * bar_length,
                                recent=recent, phrase_end=closes, notes=written, shorts=shorts,
                                pitch_sum=pitches)
            notes = []  # (onset tick in bar, duration ticks, pitch), as `Bar.notes`
            # one note = three sampled tokens, POS → PITCH → DUR; `step.phase` says which
            while True:
                logits = run.logits  # (vocab,) float32, after every token fed so far
                for keep in chain:
                    logits = keep(logits, step)
                token = _sample(logits, temperature, top_p, generator)
                if token == table.bar:  # the bar is complete; the next scaffold opens it
                    break
                value = int(table.value[token])  # POS tick, MIDI pitch or DUR ticks
                if step.phase == "event":
                    step = replace(step, phase="pitch", pos=value)
                    pitch = None
                elif step.phase == "pitch":
                    step = replace(step, phase="dur")
                    pitch = value
                else:  # the duration completes the note
                    notes.append((step.pos, value, pitch))
                    end = step.pos + value  # in-bar tick; past bar_length for a tie
                    recent = (*recent[-3:], pitch)
                    written, shorts = written + 1, shorts + (value < SHORTEST)
                    pitches += pitch
                    step = replace(step, phase="event", min_pos=end, last_end=bar_start + end,
                                   recent=recent, notes=written, shorts=shorts,
                                   pitch_sum=pitches)
                    last_end = bar_start + end
                self._feed(run, [token])
                if step.phase == "event" and step.min_pos >= bar_length:
                    break  # the bar is full: nothing but BAR may follow
            bars.append(Bar(header.meter, bar_length, tuple(notes), chord))
        return bars


def _sample(logits: np.ndarray, temperature: float, top_p: float,
            generator: np.random.Generator) -> int:
    """One token id drawn from softmax(logits / temperature) within the nucleus `top_p`."""
    if temperature != 1.0:  # x / 1.0 == x: skipping it changes no sample
        logits = logits / temperature
    logits = filters.nucleus(logits, top_p)
    weights = np.exp(logits.astype(np.float64) - logits.max())  # -inf → 0: never drawn
    cumulative = np.cumsum(weights)
    # inverse CDF: the first token whose cumulative weight exceeds a uniform draw
    token = int(np.searchsorted(cumulative, generator.random() * cumulative[-1], side="right"))
    return min(token, int(np.flatnonzero(weights)[-1]))  # a draw rounded up to the total
