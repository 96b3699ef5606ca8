"""The phrase VAE measured on held-out phrases (the test split), with the shipped weights
run as the product runs them (numpy, float16 weights computed in float32).

- reconstruction from z = μ: token accuracy, onset-pitch accuracy (a note's pitch where the
  phrase has an onset), exact phrases; on two-bar phrases (the targets) and on all phrases
- KL per phrase and active latent dimensions (Cov_x(E[z|x]) > 0.01, Burda et al. 2016;
  and those whose KL averages over 0.1 nats)
- prior samples z ~ N(0, I) decoded under real phrases' conditioning, against those phrases:
  notes per bar, rests, pitch mean and spread, in-scale and chord-tone shares, leaps
- interpolations between pairs of phrases of the same meter and mode (the straight path, as blends
  take it, and the spherical one for comparison), decoded under A's conditioning as a blend
  is: in-key share along the path (A's mode), the change from one point to the next, and
  whether the path moves steadily from A to B: the distance to A's decoding never falls,
  and to B's never rises, by more than one token between points; beside it, mixing the two
  phrases step by step at random as a baseline
"""

from __future__ import annotations

import numpy as np

from models.core.grid import METERS
from models.core.harmony import MODES, Chord
from models.inference import phrases
from models.inference.phrases import QUALITIES
from models.training import phrase_corpus

PATH_POINTS = 11  # t = 0, 0.1, ..., 1
TOLERANCE = 1  # tokens a steady path may step back between neighbouring points


def _batches(count: int, size: int = 512):
    for start in range(0, count, size):
        yield np.arange(start, min(start + size, count))


def reconstruction(codec, split) -> dict:
    tokens, keys, chords = split
    mus, kls, guesses = [], [], []
    for index in _batches(len(tokens)):
        feats = phrase_corpus.batch_features(keys[index], chords[index])
        mu, logvar = codec.posterior(tokens[index].astype(np.int64), feats)
        mus.append(mu)
        kls.append(0.5 * (mu ** 2 + np.exp(logvar) - 1 - logvar))  # (B, Z) nats
        guesses.append(codec.decode(mu, feats))
    mu, kl, guess = np.concatenate(mus), np.concatenate(kls), np.concatenate(guesses)
    real = tokens != phrases.PAD
    onset = tokens >= phrases.PITCH_BASE
    hit = guess == tokens

    def scores(rows) -> dict:
        return {"phrases": int(rows.sum()),
                "token_accuracy": float(hit[rows][real[rows]].mean()),
                "onset_pitch_accuracy": float(hit[rows][onset[rows]].mean()),
                "exact_phrases": float((hit | ~real)[rows].all(1).mean()),
                "hold_baseline": float((tokens[rows][real[rows]] == phrases.HOLD).mean())}

    two_bars = keys[:, 3] == 2
    return {"two_bar": scores(two_bars), "all": scores(np.ones(len(tokens), bool)),
            "kl_per_phrase": float(kl.sum(1).mean()),
            "active_dims": int((mu.var(0) > 0.01).sum()),
            "dims_over_0.1_nats": int((kl.mean(0) > 0.1).sum()), "z": int(mu.shape[1]),
            "mu": mu}


def _stats(tokens: np.ndarray, keys: np.ndarray, chords: np.ndarray) -> dict:
    """Statistics of phrases: per phrase, then averaged."""
    notes_per_bar, rests, pitches, in_scale, chord_tones, leaps = [], [], [], [], [], []
    for row, key, pair in zip(tokens, keys, chords, strict=True):
        real = row[row != phrases.PAD]
        onsets = np.flatnonzero(real >= phrases.PITCH_BASE)
        notes_per_bar.append(len(onsets) / int(key[3]))
        rests.append(float((real == phrases.REST).mean()))
        if not len(onsets):
            continue
        values = real[onsets] - phrases.PITCH_BASE + 36
        pitches.extend(values.tolist())
        scale = set(MODES[tuple(MODES)[int(key[1])]])
        in_scale.append(float(np.mean([v % 12 in scale for v in values])))
        per_bar = phrases.bar_steps(METERS[int(key[0])])
        tones = [Chord(int(r), QUALITIES[q]).pitch_classes() for r, q in pair]
        chord_tones.append(float(np.mean([v % 12 in tones[min(s // per_bar, 1)]
                                          for s, v in zip(onsets, values, strict=True)])))
        if len(values) > 1:
            leaps.append(float(np.abs(np.diff(values)).mean()))
    return {"notes_per_bar": float(np.mean(notes_per_bar)), "rest_share": float(np.mean(rests)),
            "pitch_mean": float(np.mean(pitches)), "pitch_std": float(np.std(pitches)),
            "in_scale": float(np.mean(in_scale)), "chord_tones": float(np.mean(chord_tones)),
            "mean_interval": float(np.mean(leaps))}


def prior_samples(codec, split, count: int = 2000, seed: int = 0) -> dict:
    tokens, keys, chords = split
    rng = np.random.default_rng(seed)
    index = rng.choice(len(tokens), size=min(count, len(tokens)), replace=False)
    feats = phrase_corpus.batch_features(keys[index], chords[index])
    z = rng.standard_normal((len(index), codec.z)).astype(np.float32)
    sampled = np.concatenate([codec.decode(z[b], feats[b]) for b in _batches(len(index))])
    return {"real": _stats(tokens[index], keys[index], chords[index]),
            "prior": _stats(sampled, keys[index], chords[index])}


def _lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return (1 - t) * a + t * b


def _slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    omega = np.arccos(np.clip(np.dot(a / np.linalg.norm(a), b / np.linalg.norm(b)), -1, 1))
    if np.sin(omega) < 1e-6:
        return (1 - t) * a + t * b
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def _in_key(row: np.ndarray, scale: set[int]) -> tuple[int, int]:
    onsets = row[row >= phrases.PITCH_BASE] - phrases.PITCH_BASE + 36
    return sum(int(p) % 12 in scale for p in onsets), len(onsets)


def interpolations(codec, split, mu: np.ndarray, pairs: int = 300, seed: int = 0,
                   spherical: bool = False, same_mode: bool = True) -> dict:
    """Paths between random pairs of two-bar phrases of the same meter (and, with
    `same_mode`, the same mode: a key to stay in; all phrases are in C)."""
    tokens, keys, chords = split
    rng = np.random.default_rng(seed)
    two_bars = np.flatnonzero(keys[:, 3] == 2)
    ts = np.linspace(0, 1, PATH_POINTS)
    inside = total = base_inside = base_total = steady = strict = 0
    step_changes, max_changes = [], []
    for _ in range(pairs):
        a = rng.choice(two_bars)
        same = two_bars[(keys[two_bars, 0] == keys[a, 0])
                        & ((keys[two_bars, 1] == keys[a, 1]) | (not same_mode))]
        b = rng.choice(same[same != a]) if len(same) > 1 else a
        feats = phrase_corpus.batch_features(keys[[a]], chords[[a]]).repeat(PATH_POINTS, 0)
        between = _slerp if spherical else _lerp
        path = np.stack([between(mu[a], mu[b], t) for t in ts]).astype(np.float32)
        decoded = codec.decode(path, feats)  # (points, T) under A's conditioning
        length = int((tokens[a] != phrases.PAD).sum())
        decoded = decoded[:, :length]
        scale = set(MODES[tuple(MODES)[int(keys[a, 1])]])
        for row in decoded:
            hits, count = _in_key(row, scale)
            inside, total = inside + hits, total + count
        for t in ts:  # the baseline: each step from A with probability 1 - t, else from B
            mixed = np.where(rng.random(length) < t, tokens[b][:length], tokens[a][:length])
            hits, count = _in_key(mixed, scale)
            base_inside, base_total = base_inside + hits, base_total + count
        to_a = (decoded != decoded[0]).sum(1)
        to_b = (decoded != decoded[-1]).sum(1)
        changes = (decoded[1:] != decoded[:-1]).sum(1) / length
        step_changes.append(float(changes.mean()))
        max_changes.append(float(changes.max()))
        steady += bool((np.diff(to_a) >= -TOLERANCE).all() and (np.diff(to_b) <= TOLERANCE).all())
        strict += bool((np.diff(to_a) >= 0).all() and (np.diff(to_b) <= 0).all())
    return {"path": "slerp" if spherical else "straight", "same_mode": same_mode, "pairs": pairs,
            "points": PATH_POINTS, "in_key": inside / max(total, 1),
            "in_key_note_mixing": base_inside / max(base_total, 1),
            "mean_step_change": float(np.mean(step_changes)),
            "max_step_change": float(np.mean(max_changes)),
            "steady": steady / pairs, "steady_strict": strict / pairs, "tolerance": TOLERANCE}


def measure(cache_dir, codec=None) -> dict:
    """Every figure of the report, on the test split."""
    from models.inference.vae_numpy import PhraseCodec
    from models.training.vae_train import windows

    codec = codec or PhraseCodec.load()
    test = windows(cache_dir)["test"]
    with codec.running():
        recon = reconstruction(codec, test)
        mu = recon.pop("mu")
        return {"version": codec.version, "parameters": codec.meta.get("parameters"),
                "training": {k: codec.meta.get(k) for k in ("step", "metrics", "train_config",
                                                            "command")},
                "reconstruction": recon,
                "samples": prior_samples(codec, test),
                "interpolation": interpolations(codec, test, mu),
                "interpolation_slerp": interpolations(codec, test, mu, spherical=True),
                "interpolation_any_mode": interpolations(codec, test, mu, same_mode=False)}
