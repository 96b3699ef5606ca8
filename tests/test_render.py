import shutil
import struct
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pretty_midi
import pytest
from PIL import Image
from pydub import AudioSegment
from pydub.utils import mediainfo

from bot.cli import main
from generation import settings as settings_module
from generation.audio.pianoroll import DRUM_COLOUR, PALETTE, draw_piano_roll
from generation.audio.render import load_midi, render, render_budget
from generation.audio.synth import shared_synthesizer
from generation.composer import render_file
from generation.settings import Settings
from models.core.errors import ConfigError, DependencyError, MidiError
from tests.midi_bytes import header, track, vlq


def piece(notes, program=0, bpm=120.0, drums=()):
    """A MIDI from (pitch, velocity, start, end) tuples."""
    midi = pretty_midi.PrettyMIDI(initial_tempo=bpm)
    part = pretty_midi.Instrument(program, name="lead")
    part.notes = [pretty_midi.Note(v, p, s, e) for p, v, s, e in notes]
    midi.instruments.append(part)
    if drums:
        kit = pretty_midi.Instrument(0, is_drum=True)
        kit.notes = [pretty_midi.Note(v, p, s, e) for p, v, s, e in drums]
        midi.instruments.append(kit)
    return midi


def scale_piece(seconds=8.0, velocity=90, program=0):
    step = 0.25
    return piece([(60 + (i * 2) % 12, velocity, i * step, i * step + step)
                  for i in range(int(seconds / step))], program=program)


def decoded(mp3: Path) -> tuple[AudioSegment, np.ndarray]:
    audio = AudioSegment.from_mp3(mp3)
    samples = np.array(audio.get_array_of_samples(), dtype=np.float64) / 32768.0
    return audio, samples


@pytest.fixture(scope="module")
def settings():
    return Settings.from_env({})


def test_mp3_lasts_as_long_as_the_piece_plus_tail_and_is_audible(tmp_path, settings):
    midi = scale_piece(8.0)
    out = render(midi, tmp_path / "scale", settings, title="scale")
    audio, samples = decoded(out.mp3)
    assert 8.0 <= audio.duration_seconds <= 8.0 + settings.release_tail_s + 0.1
    rms = np.sqrt(np.mean(samples**2))
    assert 20 * np.log10(rms) > -30  # clearly audible
    assert np.max(np.abs(samples)) < 0.999  # not clipped
    assert audio.frame_rate == 44_100 and audio.channels == 2


def test_mp3_carries_the_title_tag(tmp_path, settings):
    out = render(scale_piece(2.0), tmp_path / "tagged", settings, title="Calm piano in D minor")
    assert mediainfo(str(out.mp3))["TAG"]["title"] == "Calm piano in D minor"


def test_loudness_is_consistent_between_a_quiet_and_a_loud_piece(tmp_path, settings):
    quiet = render(scale_piece(6.0, velocity=25), tmp_path / "quiet", settings, title="q")
    loud = render(piece([(p, 120, 0.0, 6.0) for p in (48, 52, 55, 60, 64, 67, 72)] +
                        [(36, 127, t * 0.5, t * 0.5 + 0.5) for t in range(12)], program=30),
                  tmp_path / "loud", settings, title="l")
    levels = [lufs(r.mp3) for r in (quiet, loud)]
    assert abs(levels[0] - levels[1]) < 1.0
    assert max(np.max(np.abs(decoded(r.mp3)[1])) for r in (quiet, loud)) < 0.999


def lufs(mp3: Path) -> float:
    import pyloudnorm

    audio, samples = decoded(mp3)
    return pyloudnorm.Meter(audio.frame_rate).integrated_loudness(samples.reshape(-1, 2))


@pytest.mark.parametrize("overlap", [True, False], ids=["encoded-while-synthesized", "after"])
def test_the_end_of_the_piece_fades_out(tmp_path, settings, overlap):
    # an organ holding its note to the very end: only the fade can silence it
    out = render(piece([(60, 100, 0.0, 4.0)], program=19), tmp_path / "organ", settings,
                 title="organ", tail_s=0.0, overlap=overlap)
    _, samples = decoded(out.mp3)
    frames = samples.reshape(-1, 2)
    tail = frames[-int(0.15 * 44_100):-int(0.05 * 44_100)]  # before the MP3's end padding
    middle = frames[len(frames) // 4: len(frames) // 4 + 4410]
    assert np.sqrt(np.mean(tail**2)) < 0.05 * np.sqrt(np.mean(middle**2))


def test_png_decodes_at_discord_friendly_size(tmp_path, settings):
    midi = piece([(60, 90, 0, 1), (64, 90, 1, 2)], drums=[(36, 100, 0, 0.1), (38, 100, 1, 1.1)])
    out = render(midi, tmp_path / "roll", settings, title="roll", subtitle="C major · 120 bpm")
    assert pixels(out.png).shape == (600, 1200, 3)


def pixels(png: Path) -> np.ndarray:
    with Image.open(png) as image:
        return np.asarray(image.convert("RGB"), dtype=int)  # (H, W, RGB)


def shown(png: Path, colour: str, alpha: float) -> np.ndarray:
    """(y, x) of the pixels painted in `colour` at `alpha` over the background."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    expected = np.rint(alpha * rgb + (1 - alpha) * np.array([0x16, 0x18, 0x1D]))
    return np.argwhere(np.abs(pixels(png) - expected).max(axis=2) <= 1)


def test_piano_roll_shows_each_part_in_its_own_colour_and_drums_in_their_lane(tmp_path):
    midi = piece([(72, 100, 0, 2), (74, 100, 2, 4)], drums=[(36, 127, t / 2, t / 2 + 0.1)
                                                           for t in range(8)])
    bass = pretty_midi.Instrument(33, name="bass")
    bass.notes = [pretty_midi.Note(100, 40, 0, 4)]
    midi.instruments.insert(1, bass)
    png = draw_piano_roll(midi, tmp_path / "roll.png", title="three parts",
                          subtitle="C major · 120 bpm · 4/4")
    assert pixels(png).shape == (600, 1200, 3)
    alpha = 0.45 + 0.55 * 100 / 127  # louder notes are drawn more opaque
    lead, low = shown(png, PALETTE[0], alpha), shown(png, PALETTE[1], alpha)
    hits = shown(png, DRUM_COLOUR, 0.8)
    assert len(lead) > 500 and len(low) > 500  # two notes of the lead, one of the bass
    assert lead[:, 0].max() < low[:, 0].min()  # the lead drawn above the bass
    assert lead[:, 1].max() - lead[:, 1].min() > 1000  # 4 s of lead across the roll
    assert len(hits) > 8 * 5 and hits[:, 0].min() > max(lead[:, 0].max(), low[:, 0].max())
    assert lead[:, 0].max() < 450 and hits[:, 0].min() > 450  # drums in the lane below


def test_streamed_render_sounds_like_rendering_then_encoding(tmp_path, settings):
    """With a core to spare, render() encodes while it synthesizes, from an estimated
    loudness; that must sound like the whole piece synthesized, measured exactly, then
    encoded (what it does on a saturated machine)."""
    midi = piece([(60 + i % 12, 90, i * 0.25, i * 0.25 + 1.0) for i in range(24)],
                 drums=[(36, 110, t * 0.5, t * 0.5 + 0.1) for t in range(12)])
    streamed = render(midi, tmp_path / "streamed", settings, title="t", overlap=True)
    whole = render(midi, tmp_path / "whole", settings, title="t", overlap=False)
    (_, a), (_, b) = decoded(streamed.mp3), decoded(whole.mp3)
    assert len(a) == len(b)
    level = np.sqrt(np.mean(b**2))
    assert abs(lufs(streamed.mp3) - lufs(whole.mp3)) < 0.5  # the same loudness
    assert np.sqrt(np.mean((a - b) ** 2)) < 0.05 * level  # same music: 26 dB under it
    assert streamed.png.read_bytes() == whole.png.read_bytes()
    assert {"synth", "gauge", "mp3", "png", "wall"} <= set(streamed.timings)
    assert {"synth", "mp3", "png", "wall"} <= set(whole.timings)


def test_a_piece_does_not_open_with_the_last_pieces_sound(settings):
    synth = shared_synthesizer(settings.soundfont_path(), settings.sample_rate)
    quiet = piece([(60, 90, 1.0, 1.5)])
    first = synth.render(quiet, 2 * settings.sample_rate)
    loud = piece([(p, 127, 0.0, 3.0) for p in (48, 52, 55, 60, 64, 67)], program=48)
    synth.render(loud, 3 * settings.sample_rate + 17)  # ends mid-chord, off FluidSynth's block
    again = synth.render(quiet, 2 * settings.sample_rate)
    assert np.max(np.abs(again[: settings.sample_rate])) < 1e-5  # silence until the note
    assert np.max(np.abs(again - first)) < 1e-2 * np.max(np.abs(first))


def test_render_draws_the_same_picture_as_the_drawer_alone(tmp_path, settings):
    midi = scale_piece(4.0)
    out = render(midi, tmp_path / "together", settings, title="t", subtitle="s")
    alone = draw_piano_roll(midi, tmp_path / "alone.png", title="t", subtitle="s")
    assert out.png.read_bytes() == alone.read_bytes()


def never_ending_note_midi(ticks_until_off: int) -> bytes:
    """A format-0 file: one note on at 0, its note-off `ticks_until_off` later (96 per beat)."""
    events = vlq(0) + bytes([0x90, 60, 100]) + vlq(ticks_until_off) + bytes([0x80, 60, 0])
    return header(tracks=1, division=struct.pack(">H", 96), fmt=0) + track(events)


def test_a_note_that_never_ends_is_cut_at_the_budget(tmp_path, settings):
    path = tmp_path / "never.mid"
    path.write_bytes(never_ending_note_midi(9_000_000))  # a note of 46,875 s at 120 bpm
    capped = replace(settings, max_render_s=5.0)
    assert render_budget(load_midi(path), capped) == 5.0 + capped.release_tail_s
    out = render_file(path, tmp_path, capped)
    audio, _ = decoded(out.mp3)
    assert audio.duration_seconds <= 5.0 + capped.release_tail_s + 0.1


def test_not_a_midi_file_is_refused_clearly(tmp_path, settings):
    path = tmp_path / "song.mid"
    path.write_bytes(b"ID3 this is an mp3 really")
    with pytest.raises(MidiError, match="not a MIDI file"):
        render_file(path, tmp_path, settings)


def test_missing_soundfont_names_the_package(monkeypatch):
    monkeypatch.setattr(settings_module, "SOUNDFONT_CANDIDATES", ("/nonexistent/a.sf2",))
    with pytest.raises(DependencyError, match="fluid-soundfont-gm"):
        Settings.from_env({}).soundfont_path()
    with pytest.raises(DependencyError, match="does not exist"):
        Settings.from_env({"TUNESMITH_SOUNDFONT": "/nonexistent/b.sf2"}).soundfont_path()


def test_missing_fluidsynth_library_names_the_packages(monkeypatch):
    from generation.audio.synth import Synthesizer

    monkeypatch.setitem(sys.modules, "fluidsynth", None)  # import now raises ImportError
    with pytest.raises(DependencyError, match="libfluidsynth3"):
        Synthesizer(Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"))


def test_bad_settings_are_refused_with_the_value():
    with pytest.raises(ConfigError, match="900"):
        Settings.from_env({"TUNESMITH_MAX_RENDER": "9000"} | {"TUNESMITH_SAMPLE_RATE": "900"})


def test_render_command_writes_mp3_and_png(tmp_path, capsys):
    path = tmp_path / "tune.mid"
    scale_piece(3.0).write(str(path))
    assert main(["render", str(path), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "tune.mp3").stat().st_size > 10_000
    assert (tmp_path / "out" / "tune.png").stat().st_size > 10_000
    assert '"duration_s"' in capsys.readouterr().out


def test_render_command_reports_a_bad_file_and_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.mid"
    path.write_bytes(b"MThd\x00\x00")
    assert main(["render", str(path), "--out", str(tmp_path)]) == 2
    assert "could not be read as MIDI" in capsys.readouterr().err


def test_the_render_bench_names_the_machine_beside_its_figures():
    from generation.tools import bench
    from models.evaluation.machine import cpu_model

    figures = bench.run("render", runs=1)
    assert figures["machine"]["cpu"] == cpu_model() and figures["machine"]["date"]
    if shutil.which("lscpu"):  # the family and model lscpu shows, as every figure names them
        shown = dict(line.split(":", 1) for line in subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines()
            if ":" in line)
        assert figures["machine"]["family"] == shown["CPU family"].strip()
        assert figures["machine"]["model"] == shown["Model"].strip()
        assert figures["machine"]["avx512"] == ("avx512f" in shown.get("Flags", "").split())
    assert figures["render_median_s"] > 0 and figures["files_median_s"] > 0
    assert {"synth", "mp3", "png", "wall"} <= set(figures["files_stage_median_s"])
