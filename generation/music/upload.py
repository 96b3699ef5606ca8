"""Uploaded MIDI files, checked and rewritten before anything else reads them.

A hostile MIDI can make a parser spin or eat gigabytes (design.md, "Hostile input"), so the
bytes are parsed with symusic in a child process with an address-space and CPU limit and a
wall-clock timeout. The child checks every limit and writes a clean MIDI made only of the
checked notes, tempos and time signatures; only that file is used afterwards, under a name the
server makes. Used by the bot's /continue and by `tunesmith continue`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from models.core.errors import MidiError

CLEAN_TPQ = 480  # ticks per quarter note of every clean file
MAX_TEMPO_EVENTS = 512
MAX_TIME_SIGNATURES = 256


@dataclass(frozen=True)
class MidiLimits:
    """What an uploaded MIDI may contain."""

    max_bytes: int = 256 * 1024
    min_tpq: int = 24  # ticks per quarter note
    max_tpq: int = 32767  # the largest PPQ a MIDI header can hold; music21 writes 10080
    min_bpm: float = 20.0
    max_bpm: float = 400.0
    max_seconds: float = 600.0  # end of the last note
    max_notes: int = 20_000
    max_tracks: int = 32
    max_polyphony: int = 96  # notes sounding at once, all tracks together
    lowest_pitch: int = 12  # C0; drums are exempt from the pitch range
    highest_pitch: int = 120  # C9
    timeout_s: float = 10.0  # wall clock for the parsing child
    memory_bytes: int = 1024 * 1024 * 1024  # address space of the parsing child


@dataclass(frozen=True)
class CleanMidi:
    """A checked upload: the clean file and what it holds."""

    path: Path
    tracks: int
    notes: int
    seconds: float
    tempo_bpm: float
    time_signature: str
    programs: tuple[int, ...]


def check_size(size: int, filename: str, limits: MidiLimits = MidiLimits()) -> None:
    """Refuse an upload by its announced size and name, before downloading it."""
    if not filename.lower().endswith((".mid", ".midi")):
        raise MidiError(f"{filename!r} is not a MIDI file: upload a .mid or .midi file")
    if size > limits.max_bytes:
        raise MidiError(f"{filename!r} is {size / 1024:.0f} KB; the limit is "
                        f"{limits.max_bytes / 1024:.0f} KB")
    if size < 14:
        raise MidiError(f"{filename!r} is only {size} bytes, too short to be a MIDI file")


def upload_name(data: bytes) -> str:
    """A server-made file name: the content hash, never the user's name."""
    return f"upload-{hashlib.sha256(data).hexdigest()[:16]}.mid"


def clean_upload(data: bytes, out_dir: Path, limits: MidiLimits = MidiLimits()) -> CleanMidi:
    """Check MIDI bytes in a limited child process and write a clean copy into `out_dir`.

    Raises:
        MidiError: with a message for the user when any limit is broken or the file is
            malformed, or when parsing runs out of time or memory.
    """
    check_size(len(data), "upload.mid", limits)
    if data[:4] != b"MThd":
        raise MidiError("this file does not start with the MIDI header 'MThd', so it is not a "
                        "standard MIDI file")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / upload_name(data)
    env = {"PATH": os.environ.get("PATH", ""), "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-c", "from generation.music.upload import _child; _child()",
               str(path), json.dumps(asdict(limits))]
    try:
        done = subprocess.run(command, input=data, capture_output=True, env=env,
                              timeout=limits.timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise MidiError(f"reading this MIDI file took longer than {limits.timeout_s:.0f} s, "
                        "so it was refused") from None
    try:
        answer = json.loads(done.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise MidiError("this MIDI file could not be read within the memory and time limits "
                        f"(the reader stopped with code {done.returncode})") from None
    if "error" in answer:
        raise MidiError(answer["error"])
    answer["path"] = Path(answer["path"])
    answer["programs"] = tuple(answer["programs"])
    return CleanMidi(**answer)


def _child() -> None:
    """Entry point of the parsing child: stdin bytes → clean file, one JSON line on stdout."""
    import resource

    path, limits = Path(sys.argv[1]), MidiLimits(**json.loads(sys.argv[2]))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    cpu = int(limits.timeout_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    data = sys.stdin.buffer.read(limits.max_bytes + 1)
    try:
        summary = _check_and_write(data, path, limits)
    except MidiError as error:
        print(json.dumps({"error": str(error)}))
        return
    print(json.dumps(summary))


def _check_and_write(data: bytes, path: Path, limits: MidiLimits) -> dict:
    import symusic

    try:
        score = symusic.Score.from_midi(data)
    except Exception as error:  # symusic raises plain RuntimeError/ValueError on bad bytes
        raise MidiError(f"this MIDI file is malformed ({str(error)[:120]})") from None
    if not limits.min_tpq <= score.ticks_per_quarter <= limits.max_tpq:
        raise MidiError(f"{score.ticks_per_quarter} ticks per beat is outside the allowed "
                        f"{limits.min_tpq}–{limits.max_tpq}")
    tracks = [track for track in score.tracks if track.note_num() > 0]
    if not tracks:
        raise MidiError("this MIDI file has no notes")
    if len(tracks) > limits.max_tracks:
        raise MidiError(f"{len(tracks)} tracks with notes is above the limit of "
                        f"{limits.max_tracks}")
    notes = sum(track.note_num() for track in tracks)
    if notes > limits.max_notes:
        raise MidiError(f"{notes} notes is above the limit of {limits.max_notes}")
    if len(score.tempos) > MAX_TEMPO_EVENTS:
        raise MidiError(f"{len(score.tempos)} tempo changes is above the limit of "
                        f"{MAX_TEMPO_EVENTS}")
    for tempo in score.tempos:
        if not limits.min_bpm <= tempo.qpm <= limits.max_bpm:
            # a set-tempo of 0 µs per beat reads as an infinite tempo: say what the file says
            said = "a tempo of 0 (no time per beat)" if math.isinf(tempo.qpm) else \
                f"a tempo of {tempo.qpm:.0f} bpm"
            raise MidiError(f"{said} is outside the allowed "
                            f"{limits.min_bpm:.0f}–{limits.max_bpm:.0f} bpm")
    for track in tracks:
        if track.is_drum:
            continue
        for note in track.notes:
            if not limits.lowest_pitch <= note.pitch <= limits.highest_pitch:
                raise MidiError(f"note pitch {note.pitch} is outside the playable range "
                                f"{limits.lowest_pitch}–{limits.highest_pitch}")
    seconds = score.to("second").end()
    if seconds > limits.max_seconds:
        raise MidiError(f"the music lasts {seconds:.0f} s; the limit is "
                        f"{limits.max_seconds:.0f} s")
    polyphony = max_polyphony(tracks)
    if polyphony > limits.max_polyphony:
        raise MidiError(f"{polyphony} notes sound at once; the limit is {limits.max_polyphony}")
    clean = _clean_score(score.resample(CLEAN_TPQ, min_dur=1), limits)
    path.write_bytes(clean.dumps_midi())
    first_tempo = score.tempos[0].qpm if len(score.tempos) else 120.0
    signature = clean.time_signatures[0] if len(clean.time_signatures) else None
    return {"path": str(path), "tracks": len(clean.tracks), "notes": clean.note_num(),
            "seconds": round(seconds, 3), "tempo_bpm": round(first_tempo, 2),
            "time_signature": (f"{signature.numerator}/{signature.denominator}"
                               if signature else "4/4"),
            "programs": [track.program for track in clean.tracks]}


def max_polyphony(tracks) -> int:
    """Most notes sounding at the same tick, over all `tracks`."""
    edges = []
    for track in tracks:
        for note in track.notes:
            if note.duration > 0:
                edges.append((note.time, 1))
                edges.append((note.time + note.duration, -1))
    edges.sort()  # at equal ticks, -1 sorts first: a note ending frees its slot first
    sounding = peak = 0
    for _, change in edges:
        sounding += change
        peak = max(peak, sounding)
    return peak


def _clean_score(score, limits: MidiLimits):
    """A new Score holding only notes, tempos and valid time signatures of `score`."""
    import symusic

    clean = symusic.Score(CLEAN_TPQ)
    for tempo in score.tempos:
        clean.tempos.append(symusic.Tempo(tempo.time, qpm=float(tempo.qpm)))
    for signature in list(score.time_signatures)[:MAX_TIME_SIGNATURES]:
        if 1 <= signature.numerator <= 32 and signature.denominator in (1, 2, 4, 8, 16, 32):
            clean.time_signatures.append(
                symusic.TimeSignature(signature.time, signature.numerator, signature.denominator))
    for index, track in enumerate(t for t in score.tracks if t.note_num() > 0):
        new = symusic.Track(name=f"track {index + 1}", program=int(track.program) & 0x7F,
                            is_drum=bool(track.is_drum))
        for note in track.notes:
            if note.duration > 0 and note.velocity > 0:
                new.notes.append(symusic.Note(note.time, note.duration, note.pitch,
                                              min(127, note.velocity)))
        if new.note_num():
            clean.tracks.append(new)
    if not clean.tracks:
        raise MidiError("this MIDI file has no notes that can be played")
    return clean


if __name__ == "__main__":
    _child()
