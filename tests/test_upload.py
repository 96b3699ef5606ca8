"""Uploaded MIDI: refused by size and header before parsing, every limit checked in a child
process, and only a clean rewrite used afterwards. Hostile files are built here, byte by byte."""

from __future__ import annotations

import struct

import pytest
import symusic

from generation.music.upload import MidiLimits, check_size, clean_upload, max_polyphony
from models.core.errors import MidiError


def midi_file(*tracks: bytes, tpq: int = 480) -> bytes:
    """A format-1 MIDI file around raw track bodies (end-of-track is added)."""
    body = b"MThd" + struct.pack(">IHHH", 6, 1, len(tracks), tpq)
    for track in tracks:
        track += b"\x00\xff\x2f\x00"
        body += b"MTrk" + struct.pack(">I", len(track)) + track
    return body


def score_bytes(notes, *, tempo: float = 120.0, program: int = 0, drum: bool = False,
                tracks: int = 1) -> bytes:
    """`notes` as (pitch, velocity, start, end) tuples in ticks at 480 per quarter."""
    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, qpm=tempo))
    for _ in range(tracks):
        track = symusic.Track(name="t", program=program, is_drum=drum)
        for pitch, velocity, start, end in notes:
            track.notes.append(symusic.Note(start, end - start, pitch, velocity))
        score.tracks.append(track)
    return score.dumps_midi()


SCALE = [(60 + step, 90, i * 480, (i + 1) * 480) for i, step in enumerate((0, 2, 4, 5, 7))]


def test_size_and_name_are_checked_before_download():
    with pytest.raises(MidiError, match="300 KB; the limit is 256 KB"):
        check_size(300 * 1024, "song.mid")
    with pytest.raises(MidiError, match="'song.mp3' is not a MIDI file"):
        check_size(1000, "song.mp3")
    check_size(1000, "Song.MIDI")


def test_a_clean_file_keeps_the_notes_under_a_server_made_name(tmp_path):
    data = score_bytes(SCALE, tempo=100, program=40)
    clean = clean_upload(data, tmp_path)
    assert clean.path.parent == tmp_path and clean.path.name.startswith("upload-")
    assert (clean.tracks, clean.notes, clean.tempo_bpm, clean.programs) == (1, 5, 100.0, (40,))
    assert clean.seconds == pytest.approx(3.0)
    rewritten = symusic.Score.from_file(str(clean.path))
    assert [(n.pitch, n.time, n.duration) for n in rewritten.tracks[0].notes] == \
        [(p, s, e - s) for p, _, s, e in SCALE]


def test_controls_lyrics_and_sysex_do_not_survive_the_rewrite(tmp_path):
    track = (b"\x00\xf0\x05\x7e\x7f\x09\x01\xf7"  # a sysex message
             b"\x00\xb0\x07\x64"  # volume controller
             b"\x00\xff\x05\x03abc"  # a lyric
             b"\x00\x90\x3c\x64\x83\x60\x80\x3c\x00")  # one quarter-note C4
    clean = clean_upload(midi_file(track), tmp_path)
    rewritten = symusic.Score.from_file(str(clean.path))
    assert rewritten.note_num() == 1
    assert len(rewritten.tracks[0].controls) == 0 and len(rewritten.tracks[0].lyrics) == 0
    assert b"\xf0" not in clean.path.read_bytes()[14:]


@pytest.mark.parametrize("data, message", [
    (b"RIFF" + bytes(60), "does not start with the MIDI header"),
    (b"MThd" + bytes(40), "malformed"),
    (midi_file(b"\x00\x90\x3c\x64"), "no notes"),  # a note that never ends is dropped
    (midi_file(b"\x00\x90\x3c\x64\xff\xff\xff\x7f\x80\x3c\x00"), "the music lasts"),
    (midi_file(b"\x00\x90\x3c\x64\x83\x60\x80\x3c\x00", tpq=4), "4 ticks per beat"),
    (score_bytes(SCALE, tempo=1000), "a tempo of 1000 bpm"),
    (score_bytes([(127, 90, 0, 480)]), "note pitch 127 is outside"),
    (score_bytes([(60 + i % 40, 90, 0, 480) for i in range(100)]), "100 notes sound at once"),
    (score_bytes(SCALE, tracks=33), "33 tracks"),
])
def test_hostile_files_are_refused_with_a_clear_message(tmp_path, data, message):
    with pytest.raises(MidiError, match=message):
        clean_upload(data, tmp_path)
    assert not list(tmp_path.glob("*.mid"))


def test_drums_are_exempt_from_the_pitch_range(tmp_path):
    assert clean_upload(score_bytes([(127, 90, 0, 480)], drum=True), tmp_path).notes == 1


def test_note_count_limit(tmp_path):
    with pytest.raises(MidiError, match="5 notes is above the limit of 4"):
        clean_upload(score_bytes(SCALE), tmp_path, MidiLimits(max_notes=4))


def test_the_parsing_child_runs_under_memory_and_time_limits(tmp_path):
    data = score_bytes(SCALE)
    with pytest.raises(MidiError, match="memory and time limits"):
        clean_upload(data, tmp_path, MidiLimits(memory_bytes=32 * 2**20))
    with pytest.raises(MidiError, match="took longer than"):
        clean_upload(data, tmp_path, MidiLimits(timeout_s=0.01))


def test_polyphony_counts_notes_sounding_together():
    track = symusic.Track(name="t", program=0, is_drum=False)
    for start, end in ((0, 10), (5, 15), (10, 20), (10, 12)):
        track.notes.append(symusic.Note(start, end - start, 60, 90))
    assert max_polyphony([track]) == 3  # at tick 10 the first note has just ended
