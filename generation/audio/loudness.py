"""Loudness as streaming services measure it, and a true-peak limiter that holds a ceiling.

Integrated loudness is ITU-R BS.1770-4 (K-weighting, 400 ms blocks, the -70 LUFS and
relative gates) as libebur128 computes it (through pyebur128: a C library that imports in
30 ms, where pyloudnorm pulls in scipy.signal, 1.5 s of CPU at every cold start; the tests
measure the MP3s with pyloudnorm, an independent implementation). True peak is the peak of
the signal 4× oversampled (BS.1770-4 Annex 2): the three points between each pair of
samples are interpolated with 12-tap windowed-sinc phases, enough to see the overs a DAC or
an MP3 decoder would make.

The limiter looks ahead: the gain starts to fall `ahead` seconds before a peak that would
pass the ceiling, reaches the needed reduction by the peak, and recovers at `release` dB per
second. It works on blocks as they come (the MP3 encoder follows the synthesizer), holding
back only its look-ahead, and costs next to nothing where no peak comes near the ceiling.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

OVERSAMPLE = 4
TAPS = 12  # per phase: the points between samples n and n+1 use samples n-5 .. n+6
BEFORE, AFTER = TAPS // 2 - 1, TAPS // 2  # 5 samples before n, 6 after
STEP = 32  # frames the limiter's gain is held for
SILENCE_LUFS = -70.0  # BS.1770's absolute gate: quieter than this is silence
GAIN_BLOCK_S = 10.0  # seconds of audio the mastering gain limits and measures at a time


def integrated_lufs(audio: np.ndarray, rate: int) -> float:
    """Integrated loudness of (frames, channels) audio, in LUFS; SILENCE_LUFS for silence or
    for audio shorter than one 400 ms block."""
    if len(audio) < int(0.4 * rate) + 1:
        return SILENCE_LUFS
    import pyebur128

    frames = np.ascontiguousarray(audio.reshape(len(audio), -1), dtype=np.float32)
    state = pyebur128.R128State(frames.shape[1], rate, pyebur128.MeasurementMode.MODE_I)
    state.add_frames(frames.ravel(), len(frames))  # interleaved
    loudness = pyebur128.get_loudness_global(state)
    return float(loudness) if np.isfinite(loudness) else SILENCE_LUFS


def gain_to(loudness: float, target: float) -> float:
    """The factor that brings `loudness` (LUFS) to `target`; 1 for silence."""
    return 1.0 if loudness <= SILENCE_LUFS else 10 ** ((target - loudness) / 20)


def mastering_gain(audio: np.ndarray, rate: int, target: float, ceiling_db: float) -> float:
    """The gain that brings `audio` to `target` LUFS once the limiter has held its peaks
    under `ceiling_db`: limiting takes loudness away from peaky music (a piano at -14 LUFS
    peaks above full scale), so when the limiter acts the loss is measured and made up once.
    (Estimating the loss from the energy the limiter removed instead missed by up to 0.8 LU
    on rock: its peaks are low kicks that K-weighting counts less.)"""
    loudness = integrated_lufs(audio, rate)
    gain = gain_to(loudness, target)
    if loudness <= SILENCE_LUFS:
        return gain
    import pyebur128

    # in blocks: the whole piece limited at once took four copies of it (a 20-minute piece:
    # 106 MB each at the gauge's 11,025 Hz)
    limiter = Limiter(rate, ceiling_db, audio.shape[1])
    meter = pyebur128.R128State(audio.shape[1], rate, pyebur128.MeasurementMode.MODE_I)
    step = int(GAIN_BLOCK_S * rate)
    for start in range(0, len(audio) + 1, step):
        last = start + step > len(audio)
        limited = limiter.push(audio[start:start + step] * np.float32(gain))
        if last:
            limited = np.concatenate([limited, limiter.flush()])
        if len(limited):
            meter.add_frames(np.ascontiguousarray(limited, dtype=np.float32).ravel(),
                             len(limited))
    if limiter.reduced:
        after = pyebur128.get_loudness_global(meter)
        gain *= gain_to(float(after) if np.isfinite(after) else SILENCE_LUFS, target)
    return float(gain)


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
    count, _, channels = windows.shape
    rows = windows.transpose(0, 2, 1).reshape(count * channels, TAPS)  # one matrix product
    points = rows @ _phases()  # (K * channels, phases)
    return np.abs(points).reshape(count, -1).max(axis=1)


def _magnitude(audio: np.ndarray) -> np.ndarray:
    """The largest magnitude of each frame across channels (numpy's max over a short last
    axis is several times slower than this)."""
    largest = np.abs(audio[:, 0])
    for channel in range(1, audio.shape[1]):
        np.maximum(largest, np.abs(audio[:, channel]), out=largest)
    return largest


def true_peak(audio: np.ndarray) -> float:
    """The 4× oversampled peak magnitude of (frames, channels) audio (linear)."""
    if not len(audio):
        return 0.0
    peak = float(np.abs(audio).max())
    padded = np.concatenate([np.zeros((BEFORE, audio.shape[1]), audio.dtype), audio,
                             np.zeros((AFTER, audio.shape[1]), audio.dtype)])
    # only where a sample comes within 6 dB of the sample peak can a point between exceed it
    loud = np.flatnonzero(_magnitude(audio) > peak / 2)
    near = np.unique(np.concatenate([loud - 1, loud]).clip(0, len(audio) - 1)) + BEFORE
    return max(peak, float(_between(padded, near).max(initial=0.0)))


def dbtp(peak: float) -> float:
    return 20 * np.log10(max(peak, 1e-9))


class Limiter:
    """A look-ahead true-peak limiter over a stream of (frames, channels) float32 blocks.

    The gain is worked out per STEP of frames (0.7 ms at 44.1 kHz) and held within it; the
    reduction of a step covers the largest any of its frames needs. `push` returns the
    limited frames it can finish (all but the look-ahead), `flush` the rest; together they
    return exactly the frames pushed, in order, whatever the blocks.
    """

    def __init__(self, rate: int, ceiling_db: float, channels: int = 2, ahead_s: float = 0.005,
                 release_db_per_s: float = 30.0):
        self.ceiling = 10 ** (ceiling_db / 20)
        self.ahead = max(1, round(ahead_s * rate / STEP))  # look-ahead, in steps
        self.release = release_db_per_s * STEP / rate  # dB a step
        # the last BEFORE frames returned (for the filter), then those pushed, not returned
        self._buffer = np.zeros((BEFORE, channels), np.float32)
        self._recent = np.zeros(self.ahead, np.float64)  # last reductions (dB), per step
        self._pushed = self._returned = 0
        self.reduced = False  # whether any frame has been brought down so far

    def push(self, block: np.ndarray) -> np.ndarray:
        self._buffer = np.concatenate([self._buffer, block.astype(np.float32, copy=False)])
        self._pushed += len(block)
        return self._take(((self._held - AFTER) // STEP - self.ahead) * STEP)

    @property
    def _held(self) -> int:
        """Frames pushed and not yet returned."""
        return len(self._buffer) - BEFORE

    def flush(self) -> np.ndarray:
        pending = self._pushed - self._returned
        count = -(-pending // STEP) * STEP
        missing = count + self.ahead * STEP + AFTER - self._held
        self._buffer = np.concatenate([self._buffer, np.zeros((max(missing, 0),
                                                               self._buffer.shape[1]),
                                                              np.float32)])
        return self._take(count)[:pending]

    def _take(self, count: int) -> np.ndarray:
        """Limit and return the first `count` held frames (whole steps)."""
        if count <= 0:
            return self._buffer[:0]
        steps = count // STEP
        held = self._buffer[BEFORE:BEFORE + count]
        needed = self._reduction(self._buffer, self._held - AFTER)  # dB a step
        if not needed.any() and not self._recent.any():  # nothing near the ceiling: as it is
            return self._advance(count, held.copy())  # the caller may change it in place
        self.reduced = True
        window = self.ahead + 1
        # the gain falls `ahead` steps before a peak (look-ahead maximum) ...
        ahead = sliding_window_view(needed[:steps + self.ahead], window).max(axis=1)
        # ... recovers at `release` dB a step: e[k] = max(ahead[k], e[k-1] - release)
        slope = np.arange(steps) * self.release
        carried = self._recent[-1] - self.release
        released = np.maximum(np.maximum.accumulate(ahead + slope), carried) - slope
        released = np.maximum(released, 0.0)
        if not self._returned:  # as if the first reduction had been there before the start
            self._recent[:] = released[0]
        # ... and is smoothed by a trailing mean as long as the look-ahead: still >= needed
        joined = np.concatenate([self._recent, released])
        smooth = sliding_window_view(joined, window).mean(axis=1)[-steps:]
        self._recent = joined[-self.ahead:]
        gain = np.repeat((10 ** (-smooth / 20)).astype(np.float32), STEP)
        return self._advance(count, held * gain[:, None])

    def _advance(self, count: int, out: np.ndarray) -> np.ndarray:
        """Hand back `out`, the first `count` held frames limited, and forget them."""
        self._buffer = self._buffer[count:]
        self._returned += count
        return out

    def _reduction(self, audio: np.ndarray, ready: int) -> np.ndarray:
        """dB each step of the first `ready` held frames must come down so that none of its
        frames, nor the points between them and the next, pass the ceiling."""
        needed = np.zeros(-(-max(ready, 0) // STEP), np.float64)
        if ready <= 0:
            return needed
        frames = _magnitude(audio[BEFORE:BEFORE + ready + 1])
        # a point between two samples is rarely 3 dB above both: look only near loud ones
        near = np.flatnonzero(np.maximum(frames[:-1], frames[1:]) > self.ceiling / 1.41)
        if len(near):
            peaks = np.maximum(frames[near], _between(audio, near + BEFORE))
            over = peaks > self.ceiling
            np.maximum.at(needed, near[over] // STEP, 20 * np.log10(peaks[over] / self.ceiling))
        return needed
