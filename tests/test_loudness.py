"""Every MP3 plays at streaming loudness: -14 LUFS integrated (± 1 LU) and a true peak at or
below -1 dBTP, read back from the decoded MP3 with pyloudnorm (ITU-R BS.1770-4) and a 4×
oversampled peak of scipy's own resampler, not with the code that made it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import scipy.signal
from pydub import AudioSegment

from generation.audio.loudness import Limiter, true_peak
from generation.audio.render import load_midi, render
from generation.composer import Composer
from generation.job import Job
from generation.settings import Settings
from tests.test_compose import STYLE_REQUESTS

TARGET_LUFS, TOLERANCE_LU, CEILING_DBTP = -14.0, 1.0, -1.0
STYLES = ("classical", "ambient", "rock", "lofi", "cinematic", "chiptune")  # peaky to dense


def decoded(mp3: Path) -> tuple[np.ndarray, int]:
    audio = AudioSegment.from_mp3(mp3)
    samples = np.array(audio.get_array_of_samples(), dtype=np.float64) / 32768.0
    return samples.reshape(-1, audio.channels), audio.frame_rate


def measured(mp3: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of the decoded MP3."""
    samples, rate = decoded(mp3)
    peak = np.abs(scipy.signal.resample_poly(samples, 4, 1, axis=0)).max()
    return pyloudnorm.Meter(rate).integrated_loudness(samples), 20 * np.log10(peak)


@pytest.fixture(scope="module")
def pieces(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loudness")
    composer = Composer()
    return {style: composer.run(Job(text=STYLE_REQUESTS[style], seed=7), folder)
            for style in STYLES}


@pytest.mark.slow
@pytest.mark.parametrize("overlap", [True, False], ids=["encoded-while-synthesized", "after"])
def test_every_style_is_mastered_to_streaming_loudness(pieces, tmp_path, overlap):
    settings = Settings.from_env({})
    found = {}
    for style, piece in pieces.items():
        again = render(load_midi(piece.midi), tmp_path / style, settings, title=style,
                       overlap=overlap)
        found[style] = measured(again.mp3)
    loudness = {style: round(lufs, 2) for style, (lufs, _) in found.items()}
    peaks = {style: round(peak, 2) for style, (_, peak) in found.items()}
    assert all(abs(lufs - TARGET_LUFS) <= TOLERANCE_LU for lufs in loudness.values()), loudness
    assert all(peak <= CEILING_DBTP for peak in peaks.values()), peaks
    assert max(loudness.values()) - min(loudness.values()) < 1.0, loudness


@pytest.mark.slow
def test_the_composed_mp3s_are_at_streaming_loudness(pieces):
    found = {style: measured(piece.mp3) for style, piece in pieces.items()}
    assert all(abs(lufs - TARGET_LUFS) <= TOLERANCE_LU and peak <= CEILING_DBTP
               for lufs, peak in found.values()), found


def test_the_true_peak_sees_the_overs_between_samples():
    # a quarter-rate sine sampled 45° off its crests: every sample at 0.707, the wave at 1.0
    frames = np.arange(4000)
    fade = np.clip(np.minimum(frames, frames[::-1]) / 400, 0, 1)  # no click at either end
    wave = (fade * np.sin(np.pi / 2 * frames + np.pi / 4)).astype(np.float32)
    audio = np.stack([wave, wave], axis=1)
    assert np.abs(audio).max() == pytest.approx(0.707, abs=0.01)
    assert true_peak(audio) == pytest.approx(1.0, abs=0.02)


def limited(audio: np.ndarray, ceiling_db: float, block: int) -> np.ndarray:
    limiter = Limiter(44_100, ceiling_db)
    parts = [limiter.push(audio[i:i + block]) for i in range(0, len(audio), block)]
    return np.concatenate(parts + [limiter.flush()])


def test_the_limiter_holds_the_true_peak_ceiling_in_any_blocks():
    rng = np.random.default_rng(3)
    seconds = np.arange(3 * 44_100) / 44_100
    # a bass note under bright noise up to 13 kHz (the true-peak filter is flat to 15 kHz)
    hiss = scipy.signal.sosfiltfilt(scipy.signal.butter(8, 0.6, output="sos"),
                                    rng.standard_normal((len(seconds), 2)), axis=0)
    music = 0.4 * np.sin(2 * np.pi * 110 * seconds)[:, None] + 0.2 * hiss / hiss.std()
    music[44_100:44_300] *= 5  # a hit far past full scale
    music = music.astype(np.float32)
    whole, pieces = limited(music, -1.5, len(music)), limited(music, -1.5, 5_000)
    assert len(whole) == len(pieces) == len(music)
    assert np.allclose(whole, pieces, atol=1e-6)  # the blocks the encoder takes do not matter
    peak = np.abs(scipy.signal.resample_poly(whole, 4, 1, axis=0)).max()
    assert 20 * np.log10(peak) <= -1.45
    quiet = (music * 0.05).astype(np.float32)  # nothing near the ceiling: left as it was
    assert np.array_equal(limited(quiet, -1.5, 7_000), quiet)
