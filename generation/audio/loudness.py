"""Loudness as streaming services measure it, and a true-peak limiter that holds a ceiling.

Integrated loudness is ITU-R BS.1770-4 (K-weighting, 400 ms blocks, the -70 LUFS and
relative gates) as pyloudnorm computes it. True peak is the peak of the signal 4× oversampled
(BS.1770-4 Annex 2): the three points between each pair of samples are interpolated with
12-tap windowed-sinc phases, enough to see the overs a DAC or an MP3 decoder would make.

The limiter looks ahead: the gain starts to fall `ahead` seconds before a peak that would
pass the ceiling, reaches the needed reduction by the peak, and recovers at `release` dB per
second. It works on blocks as they come (the MP3 encoder follows the synthesizer), holding
back only its look-ahead.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.ndimage import maximum_filter1d

OVERSAMPLE = 4
TAPS = 12  # per phase: the points between samples n and n+1 use samples n-5 .. n+6
BEFORE, AFTER = TAPS // 2 - 1, TAPS // 2  # 5 samples before n, 6 after
SILENCE_LUFS = -70.0  # BS.1770's absolute gate: quieter than this is silence


@cache
def _meter(rate: int):
    import pyloudnorm  # scipy filters: imported when the first piece is measured

    return pyloudnorm.Meter(rate)  # BS.1770-4 K-weighting


def integrated_lufs(audio: np.ndarray, rate: int) -> float:
    """Integrated loudness of (frames, channels) audio, in LUFS; SILENCE_LUFS for silence or
    for audio shorter than one 400 ms block."""
    if len(audio) < int(0.4 * rate) + 1:
        return SILENCE_LUFS
    loudness = _meter(rate).integrated_loudness(audio)
    return float(loudness) if np.isfinite(loudness) else SILENCE_LUFS


def gain_to(loudness: float, target: float) -> float:
    """The factor that brings `loudness` (LUFS) to `target`; 1 for silence."""
    return 1.0 if loudness <= SILENCE_LUFS else 10 ** ((target - loudness) / 20)


def mastering_gain(audio: np.ndarray, rate: int, target: float, ceiling_db: float,
                   rounds: int = 2) -> float:
    """The gain that brings `audio` to `target` LUFS once the limiter has held its peaks
    under `ceiling_db`: limiting takes loudness away from peaky music (a piano at -14 LUFS
    peaks above full scale), so the loss is measured and made up, `rounds` times."""
    gain = gain_to(integrated_lufs(audio, rate), target)
    for _ in range(rounds):
        limiter = Limiter(rate, ceiling_db)
        limited = np.concatenate([limiter.push(audio * np.float32(gain)), limiter.flush()])
        loudness = integrated_lufs(limited, rate)
        if loudness <= SILENCE_LUFS or abs(loudness - target) < 0.05:
            break
        gain *= gain_to(loudness, target)
    return gain


@cache
def _phases() -> np.ndarray:
    """(TAPS, OVERSAMPLE - 1): the weights of samples n-5..n+6 for the points at n + 1/4,
    n + 2/4, n + 3/4: a sinc under a Kaiser window (beta 5) as wide as the taps, each phase
    summing to 1. Flat within 0.2 % up to 0.35 of the sample rate (15 kHz at 44.1 kHz)."""
    offsets = np.arange(-BEFORE, AFTER + 1, dtype=np.float64)[:, None]
    distance = np.arange(1, OVERSAMPLE)[None, :] / OVERSAMPLE - offsets
    half_width, beta = TAPS / 2, 5.0
    window = np.i0(beta * np.sqrt(np.clip(1 - (distance / half_width) ** 2, 0, 1))) / np.i0(beta)
    weights = np.sinc(distance) * window
    return (weights / weights.sum(axis=0)).astype(np.float32)


def _between(audio: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """The largest interpolated magnitude between frame n and n+1, for each n in `frames`
    (BEFORE <= n < len(audio) - AFTER)."""
    windows = audio[frames[:, None] + np.arange(-BEFORE, AFTER + 1)]  # (K, TAPS, channels)
    points = np.einsum("ktc,tp->kpc", windows, _phases())  # (K, phases, channels)
    return np.abs(points).max(axis=(1, 2))


def true_peak(audio: np.ndarray) -> float:
    """The 4× oversampled peak magnitude of (frames, channels) audio (linear)."""
    if not len(audio):
        return 0.0
    peak = float(np.abs(audio).max())
    padded = np.concatenate([np.zeros((BEFORE, audio.shape[1]), audio.dtype), audio,
                             np.zeros((AFTER, audio.shape[1]), audio.dtype)])
    # only where a sample comes within 6 dB of the sample peak can a point between exceed it
    loud = np.flatnonzero(np.abs(audio).max(axis=1) > peak / 2)
    near = np.unique(np.concatenate([loud - 1, loud]).clip(0, len(audio) - 1)) + BEFORE
    return max(peak, float(_between(padded, near).max(initial=0.0)))


def dbtp(peak: float) -> float:
    return 20 * np.log10(max(peak, 1e-9))


class Limiter:
    """A look-ahead true-peak limiter over a stream of (frames, channels) float32 blocks.

    `push` returns the limited frames it can finish (all but the look-ahead), `flush` the
    rest; together they return exactly the frames pushed, in order.
    """

    def __init__(self, rate: int, ceiling_db: float, channels: int = 2, ahead_s: float = 0.005,
                 release_db_per_s: float = 30.0):
        self.ceiling = 10 ** (ceiling_db / 20)
        self.ahead = max(2, int(ahead_s * rate) // 2 * 2)  # even: a centred window
        self.release = release_db_per_s / rate  # dB a frame
        self._held = np.zeros((0, channels), np.float32)  # pushed, not yet returned
        self._behind = np.zeros((BEFORE, channels), np.float32)  # returned, for the filter
        self._recent = np.zeros(self.ahead, np.float64)  # last reductions (dB) returned
        self._pushed = self._returned = 0

    def push(self, block: np.ndarray) -> np.ndarray:
        self._held = np.concatenate([self._held, block.astype(np.float32, copy=False)])
        self._pushed += len(block)
        return self._take(len(self._held) - AFTER - self.ahead)

    def flush(self) -> np.ndarray:
        pending = self._pushed - self._returned
        self._held = np.concatenate([self._held, np.zeros((AFTER + self.ahead,
                                                          self._held.shape[1]), np.float32)])
        return self._take(pending)

    def _take(self, count: int) -> np.ndarray:
        """Limit and return the first `count` held frames."""
        if count <= 0:
            return self._held[:0]
        audio = np.concatenate([self._behind, self._held])
        ready = len(self._held) - AFTER  # frames whose points after them are known
        needed = self._reduction(audio, ready)  # dB, per held frame < ready
        # the gain falls `ahead` frames before a peak (look-ahead maximum) ...
        ahead = maximum_filter1d(needed, size=self.ahead + 1, origin=-(self.ahead // 2))
        ahead = ahead[:count]
        # ... recovers at `release` dB a frame: e[k] = max(ahead[k], e[k-1] - release)
        steps = np.arange(count) * self.release
        carried = self._recent[-1] - self.release
        released = np.maximum(np.maximum.accumulate(ahead + steps), carried) - steps
        released = np.maximum(released, 0.0)
        if not self._returned:  # as if the first reduction had been there before the start
            self._recent[:] = released[0]
        # ... and is smoothed by a trailing mean as long as the look-ahead: still >= needed
        joined = np.concatenate([self._recent, released])
        sums = np.cumsum(np.concatenate([[0.0], joined]))
        smooth = (sums[self.ahead + 1:] - sums[:-self.ahead - 1])[-count:] / (self.ahead + 1)
        out = self._held[:count] * (10 ** (-smooth / 20)).astype(np.float32)[:, None]
        self._recent = joined[-self.ahead:]
        self._behind = np.concatenate([self._behind, self._held[:count]])[-BEFORE:]
        self._held = self._held[count:]
        self._returned += count
        return out

    def _reduction(self, audio: np.ndarray, ready: int) -> np.ndarray:
        """dB each of the first `ready` held frames must come down so that neither it nor the
        points between it and the next frame pass the ceiling."""
        needed = np.zeros(max(ready, 0), np.float64)
        if ready <= 0:
            return needed
        frames = np.abs(audio[BEFORE:BEFORE + ready + 1]).max(axis=1)
        # a point between two samples is rarely 3 dB above both: look only near loud ones
        near = np.flatnonzero(np.maximum(frames[:-1], frames[1:]) > self.ceiling / 1.41)
        if len(near):
            peaks = np.maximum(frames[near], _between(audio, near + BEFORE))
            over = peaks > self.ceiling
            needed[near[over]] = 20 * np.log10(peaks[over] / self.ceiling)
        return needed
