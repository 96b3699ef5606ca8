"""`tunesmith eval model`: a markdown report (with PNG plots) on the shipped melody model.

1. Held-out NLL per token on the test split: Transformer, LSTM, GRU, n-gram.
2. Generated vs real: for held-out pieces, the model writes the same number of bars with
   the piece's own controls and chords; Yang & Lerch overlapping areas per feature.
3. A classifier two-sample test on 4-bar phrases (held-out accuracy; 50 % = can't tell).
4. Control adherence: key and mode, scale, meter, density, chord tones.
5. The chord fitter against music21's chorale analyses.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

from models.core.checkpoint import SHIPPED
from models.core.grid import TICKS, Bar, meter_beat, meter_ticks
from models.core.harmony import MODES
from models.core.tokenizer import Header, Tokenizer
from models.evaluation import metrics
from models.networks import torch_checkpoint
from models.training import corpus

log = logging.getLogger(__name__)


def _to_bars(notes, meter: str, count: int) -> list[Bar]:
    """Generated notes back on the tick grid, exactly `count` bars (empty bars padded).

    The chords fitted here (in major) are not used: the comparisons take the requested ones.
    """
    from models.core.grid import notes_to_bars

    bars = notes_to_bars(notes, meter, "major")
    length = meter_ticks(meter)
    while len(bars) < count:
        bars.append(Bar(meter, length, (), bars[-1].chord if bars else None))
    return bars[:count]


def held_out_nll(cache_dir: Path, arrays, orders=(3, 4, 5, 6, 7)) -> dict[str, float]:
    """Test NLL (nats/token) of every shipped network and of the best n-gram of `orders`."""
    from models.evaluation.ngram import NGram
    from models.training.train import chunk_nll

    tokenizer = Tokenizer()
    out = {}
    for arch, path in SHIPPED.items():
        if path.with_suffix(".json").exists():
            model, _ = torch_checkpoint.load(path, tokenizer.vocab_hash)
            out[arch] = chunk_nll(model, *arrays["test"])
            log.info("%s test NLL %.4f", arch, out[arch])
    saved = Path(cache_dir) / f"ngram-{tokenizer.vocab_hash}-{max(orders)}.json"
    if saved.exists():  # the n-gram depends only on the data: fitted once, minutes in Python
        out.update(json.loads(saved.read_text()))
        return out
    valid_stream, valid_starts = arrays["valid"]
    ngram = NGram(max(orders), len(tokenizer)).fit(*arrays["train"])
    best_order, best = orders[0], np.inf
    for order in orders:  # the order is chosen on the validation split
        nll = ngram.nll(valid_stream, valid_starts[:300], order)
        log.info("%d-gram valid NLL %.4f", order, nll)
        if nll < best:
            best_order, best = order, nll
    out[f"{best_order}-gram"] = ngram.nll(*arrays["test"], order=best_order)
    saved.write_text(json.dumps({f"{best_order}-gram": out[f"{best_order}-gram"]}))
    return out


def held_out_excerpts(cache_dir: Path, count: int, bars: int,
                      seed: int) -> list[tuple[Header, list]]:
    """`count` random test pieces as (header, bars 2..bars + 1): skipping a pickup bar.

    Only pieces with one meter over their first bars + 1 bars qualify: the sampler writes
    a whole melody in one meter.
    """
    tokenizer = Tokenizer()
    pieces = [p for p in corpus.load(cache_dir, "test")
              if len(p.bars) > bars and len({b.meter for b in p.bars[: bars + 1]}) == 1]
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(pieces), size=min(count, len(pieces)), replace=False)
    return [(tokenizer.header_of(pieces[i]), list(pieces[i].bars[1: bars + 1]))
            for i in chosen]


def _beat_share(bars: list[Bar], beat: int) -> float:
    """Share of onsets on a beat (`beat` in ticks)."""
    onsets = [o for bar in bars for o, _, _ in bar.notes]
    return float(np.mean([o % beat == 0 for o in onsets])) if onsets else 0.0


def _chord_tone_share(bars: list[Bar], chords, beat: int) -> float:
    """Share of on-beat notes whose pitch class is in that bar's chord."""
    hits = [p % 12 in chord.pitch_classes() for bar, chord in zip(bars, chords, strict=True)
            for o, _, p in bar.notes if o % beat == 0]
    return float(np.mean(hits)) if hits else 0.0


def _scale_share(bars: list[Bar], mode: str) -> float:
    """Share of notes in `mode` on C (the pieces are in the normalised key)."""
    pcs = [p % 12 for bar in bars for _, _, p in bar.notes]
    return float(np.mean([pc in MODES[mode] for pc in pcs])) if pcs else 0.0


def compare(model, excerpts, seed: int = 0) -> dict:
    """Generate against each excerpt; every comparison the report needs."""
    real, generated, rows = [], [], []
    began, notes_made = time.perf_counter(), 0
    for index, (header, bars) in enumerate(excerpts):
        chords = [bar.chord for bar in bars]
        # one label, 'A', which is not an ending: no LAST bar (an excerpt is not a piece)
        notes = model.sample(header, chords, seed=seed + index, sections=["A"] * len(bars),
                             pitch_range=(48, 90))
        notes_made += len(notes)
        made = _to_bars(notes, header.meter, len(bars))
        real.append(bars)
        generated.append(made)
        beat = round(meter_beat(header.meter) * TICKS)
        rows.append({"header": header, "chords": chords, "real": bars, "made": made,
                     "beat": beat})
    seconds = time.perf_counter() - began
    out = {"pieces": len(excerpts), "notes_per_s": notes_made / seconds}
    real_f = [metrics.piece_features(b) for b in real]
    made_f = [metrics.piece_features(b) for b in generated]
    out["features"] = {name: {
        "real_mean": float(np.mean([f[name] for f in real_f])),
        "generated_mean": float(np.mean([f[name] for f in made_f])),
        "overlap": metrics.overlapping_area(np.array([f[name] for f in real_f]),
                                            np.array([f[name] for f in made_f]))}
        for name in metrics.FEATURES}
    # the classifier compares phrases: each excerpt split in two (4 bars each at 8 bars)
    half = lambda bars: [bars[: len(bars) // 2], bars[len(bars) // 2:]]  # noqa: E731
    out["two_sample_accuracy"] = metrics.two_sample_accuracy(
        np.array([metrics.phrase_vector(p) for b in real for p in half(b)]),
        np.array([metrics.phrase_vector(p) for b in generated for p in half(b)]), seed)
    out["controls"] = _adherence(rows)
    out["raw"] = {"real": real_f, "generated": made_f}
    out["melodies"] = generated
    return out


def _adherence(rows) -> dict:
    """Control adherence, measured alike on the real excerpts and on the generated bars."""

    def key_ok(bars, mode):
        return metrics.estimate_key(bars) == (0, mode)

    # the key estimator knows only major and minor profiles
    tonal = [r for r in rows if r["header"].mode in ("major", "minor")]
    result = {}
    for side in ("real", "made"):
        result[side] = {
            "key_and_mode": float(np.mean([key_ok(r[side], r["header"].mode) for r in tonal])),
            "scale_tones": float(np.mean([_scale_share(r[side], r["header"].mode)
                                          for r in rows])),
            "onsets_on_beats": float(np.mean([_beat_share(r[side], r["beat"]) for r in rows])),
            "chord_tones_on_beats": float(np.mean([_chord_tone_share(r[side], r["chords"],
                                                                     r["beat"]) for r in rows])),
            "bars_exact": float(np.mean([len(r[side]) == len(r["chords"]) and all(
                o + 0 < b.length for b in r[side] for o, _, _ in b.notes) for r in rows])),
        }
    return result


def density_response(model, excerpts, seed: int = 0) -> dict[int, float]:
    """Notes per quarter note written for each requested density bucket (same pieces)."""
    from dataclasses import replace

    out = {}
    for bucket in range(4):
        rates = []
        for index, (header, bars) in enumerate(excerpts):
            notes = model.sample(replace(header, density=bucket), [b.chord for b in bars],
                                 seed=seed + index, sections=["A"] * len(bars),
                                 pitch_range=(48, 90))
            rates.append(len(notes) / (sum(b.length for b in bars) / TICKS))
        out[bucket] = float(np.mean(rates))
    return out


# --- generators side by side, and the gates a fine-tuned generator must pass ----------------

# The sampling of `compare` (and the product's defaults); RAW keeps only the structural filters
PROTOCOL = {"top_p": 0.95, "scale_strictness": 0.8, "pitch_range": (48, 90)}
RAW = {"top_p": 1.0, "scale_strictness": 0.0, "chord_bias": 0.0, "pitch_range": (36, 96)}
DRAFT_STRIDE = 1_000_003  # seed distance between drafts, as the composer's variants
GATE_NLL = 1.03  # held-out NLL at most this factor of the base's
GATE_DIVERSITY = 0.95  # each diversity measure at least this share of the base's
DIVERSITY = ("distinct_4grams", "pitch_class_spread", "rhythm_spread")


def write_melodies(model, excerpts, seed: int = 0, settings: dict | None = None,
                   drafts: int = 1, judge=None) -> list[list[Bar]]:
    """One melody per excerpt (its controls and chords), as `compare` writes them.

    With `drafts` > 1 and a `judge` (a models.inference.critic.NumpyCritic), the drafts are
    written on seeds `DRAFT_STRIDE` apart and the one the critic scores highest is kept, as the
    composer does (without its key-finding, which needs the arrangement). The first draft
    uses `compare`'s seed, so one draft gives `compare`'s melodies.
    """
    from dataclasses import replace

    out = []
    for index, (header, bars) in enumerate(excerpts):
        chords = [bar.chord for bar in bars]
        options = []
        for draft in range(drafts if judge is not None else 1):
            notes = model.sample(header, chords, seed=seed + index + DRAFT_STRIDE * draft,
                                 sections=["A"] * len(bars), **(settings or PROTOCOL))
            made = _to_bars(notes, header.meter, len(bars))
            options.append([replace(b, chord=c) for b, c in zip(made, chords, strict=True)])
        if len(options) > 1:
            scores = [judge.melody_score(o, header.style, header.mode) for o in options]
            options = [options[int(np.argmax(scores))]]
        out.append(options[0])
    return out


def _halves(melodies: list[list[Bar]]) -> list[list[Bar]]:
    """Each melody's two halves: the two-sample test's phrases (4 bars of 8)."""
    return [part for bars in melodies
            for part in (bars[: len(bars) // 2], bars[len(bars) // 2:])]


def judge_set(real: list[list[Bar]], made: list[list[Bar]], seeds: int = 5) -> dict:
    """Two-sample accuracy (mean, sd over `seeds` halvings), diversity, muspy's metrics."""
    real_v = np.array([metrics.phrase_vector(p) for p in _halves(real)])
    made_v = np.array([metrics.phrase_vector(p) for p in _halves(made)])
    mean, spread = metrics.two_sample_repeated(real_v, made_v, seeds)
    return {"two_sample": mean, "two_sample_sd": spread, "diversity": metrics.diversity(made),
            "field": metrics.field_metrics(made)}


def gate_measures(model, excerpts, judge, test_arrays, network=None, seed: int = 1,
                  nll_chunks: int | None = None) -> dict:
    """What the gates compare, for one generator on the same excerpts and seeds.

    `network` is the torch twin of `model` for the held-out NLL (the test split's first
    `nll_chunks` chunks; None: all).
    """
    from models.training.train import chunk_nll

    real = [bars for _, bars in excerpts]
    single = write_melodies(model, excerpts, seed)
    reranked = write_melodies(model, excerpts, seed, drafts=3, judge=judge)
    one, three = judge_set(real, single), judge_set(real, reranked)
    return {"two_sample": one["two_sample"], "two_sample_sd": one["two_sample_sd"],
            "two_sample_reranked": three["two_sample"],
            "two_sample_reranked_sd": three["two_sample_sd"],
            "diversity": one["diversity"], "field": one["field"],
            "nll": chunk_nll(network, *test_arrays, limit=nll_chunks)
            if network is not None else None}


def gates(base: dict, tuned: dict) -> dict:
    """The checks a fine-tuned generator must all pass to ship, from two `gate_measures`.

    Lower two-sample accuracy than the base, with one draft and with the critic's pick of
    three; held-out NLL at most `GATE_NLL` × the base's; each diversity measure at least
    `GATE_DIVERSITY` × the base's.
    """
    checks = {}
    for name in ("two_sample", "two_sample_reranked"):
        checks[name] = {"base": base[name], "tuned": tuned[name], "limit": base[name],
                        "passed": tuned[name] < base[name]}
    checks["nll"] = {"base": base["nll"], "tuned": tuned["nll"],
                     "limit": GATE_NLL * base["nll"],
                     "passed": tuned["nll"] <= GATE_NLL * base["nll"]}
    for name in DIVERSITY:
        limit = GATE_DIVERSITY * base["diversity"][name]
        checks[name] = {"base": base["diversity"][name], "tuned": tuned["diversity"][name],
                        "limit": limit, "passed": tuned["diversity"][name] >= limit}
    return {"checks": checks, "ship": all(c["passed"] for c in checks.values())}


def generators(seed: int = 0) -> list[tuple[str, object, dict, int]]:
    """(label, checkpoint path, sampling settings, drafts) of every generator compared.

    The Transformer without GAN fine-tuning is models/weights/melody-base.* once a
    fine-tuned generator has shipped (then melody.* is the fine-tuned one), else melody.*;
    a fine-tuned candidate that did not ship is read from runs/gan when present.
    """
    from pathlib import Path

    from models.core.checkpoint import WEIGHTS_DIR

    shipped_gan = (WEIGHTS_DIR / "melody-base.json").exists()
    base = WEIGHTS_DIR / ("melody-base" if shipped_gan else "melody")
    tuned = WEIGHTS_DIR / "melody" if shipped_gan else Path("runs/gan/melody-gan")
    rows = [("Transformer, raw samples", base, RAW, 1), ("Transformer", base, PROTOCOL, 1),
            ("Transformer + critic's pick of 3 drafts", base, PROTOCOL, 3)]
    if tuned.with_suffix(".json").exists():
        label = "Transformer + GAN" + ("" if shipped_gan else " (candidate, not shipped)")
        rows += [(label, tuned, PROTOCOL, 1), (label + " + critic's pick of 3", tuned, PROTOCOL, 3)]
    for arch in ("lstm", "gru"):
        path = WEIGHTS_DIR / f"baseline-{arch}"
        if path.with_suffix(".json").exists():
            rows.append((arch.upper(), path, PROTOCOL, 1))
    return rows


def families(excerpts, seed: int, done: dict | None = None) -> list[dict]:
    """Every generator on the same excerpts and seeds: two-sample test, diversity, muspy.

    `done` maps (path, drafts, settings name) to melodies already written (`compare`'s).
    The first row is the real excerpts themselves (their muspy figures and diversity).
    """
    from models.core.errors import ModelError
    from models.inference.critic import NumpyCritic
    from models.inference.sampler import MelodyModel

    real = [bars for _, bars in excerpts]
    rows = [{"family": "real (held-out)", "field": metrics.field_metrics(real),
             "diversity": metrics.diversity(real)}]
    try:
        judge = NumpyCritic.load()
        rows[0]["critic"] = _critic_mean(judge, excerpts, real)
    except ModelError as error:
        log.warning("no critic: %s", error)
        judge = None
    models = {}
    for label, path, settings, drafts in generators(seed):
        if drafts > 1 and judge is None:
            continue
        began = time.perf_counter()
        key = (str(path), drafts, "raw" if settings is RAW else "protocol")
        if done and key in done:
            made = done[key]
        else:
            model = models.setdefault(str(path), MelodyModel.load(path))
            made = write_melodies(model, excerpts, seed, settings, drafts, judge)
        row = {"family": label, "checkpoint": str(path), "drafts": drafts, **judge_set(real, made)}
        if judge is not None:  # how much the chosen melodies sound like the corpus, to it
            row["critic"] = _critic_mean(judge, excerpts, made)
        row["seconds"] = round(time.perf_counter() - began, 1)
        rows.append(row)
        log.info("%s: two-sample %.3f", label, row["two_sample"])
    return rows


def _critic_mean(judge, excerpts, melodies) -> float:
    """The critic's mean logit over melodies written for `excerpts` (> 0 leans real)."""
    return float(np.mean([judge.melody_score(m, h.style, h.mode)
                          for (h, _), m in zip(excerpts, melodies, strict=True)]))


def vae_figures() -> dict | None:
    """The phrase VAE's held-out reconstruction figures: its report (`tunesmith eval vae`,
    test phrases) where there is one, else the validation figures its training wrote."""
    from pathlib import Path

    from models.core.checkpoint import WEIGHTS_DIR

    for path in (Path("reports/vae.json"), WEIGHTS_DIR / "vae.json"):
        if path.exists():
            found = json.loads(path.read_text())
            return {"source": str(path), **{k: v for k, v in _flat(found).items()
                                            if any(w in k for w in ("recon", "accuracy",
                                                                    "nll", "kl"))}}
    return None


def _flat(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[f"{prefix}{key}"] = value
    return out
