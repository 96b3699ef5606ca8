"""Golden guard: seeded pieces keep their exact MIDI bytes.

34 pieces: every style at two seeds, every follow-up action, and two continuations of an
upload. A change that is meant to leave the music alone (a refactor, a speed-up) must keep
every hash; a deliberate musical change records new ones in a commit of its own:

    .venv/bin/python -m tests.test_golden --record
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pretty_midi
import pytest

from generation.composer import Composer
from generation.job import FOLLOW_UPS, Job, follow_up
from tests.test_compose import STYLE_REQUESTS

pytestmark = pytest.mark.slow
GOLDEN = Path(__file__).with_name("golden_midi.json")
SEEDS = (7, 2026)
BASE = Job(text="calm piano in D minor, 20 seconds", seed=5)


def upload(folder: Path) -> Path:
    """A 16-note G major tune, as a user might upload it."""
    source = pretty_midi.PrettyMIDI(initial_tempo=100)
    part = pretty_midi.Instrument(0)
    line = [67, 69, 71, 72, 74, 72, 71, 69, 67, 66, 67, 69, 71, 67, 62, 67]
    part.notes = [pretty_midi.Note(90, p, i * 0.6, i * 0.6 + 0.55) for i, p in enumerate(line)]
    source.instruments.append(part)
    path = folder / "tune.mid"
    source.write(str(path))
    return path


def pieces(composer: Composer, folder: Path) -> dict[str, str]:
    """Case name → sha256 of the piece's MIDI bytes."""
    made = {}
    for style, text in STYLE_REQUESTS.items():
        for seed in SEEDS:
            made[f"{style} seed {seed}"] = composer.run(Job(text=text, seed=seed), folder)
    first = composer.run(BASE, folder)
    for action in FOLLOW_UPS:
        made[f"follow-up {action}"] = composer.run(follow_up(
            BASE, first, action, seed=11, instrument="flute" if action == "instrument" else None),
            folder)
    tune = upload(folder)
    for text in ("", "as a jazz tune in E minor"):
        made[f"continue {text!r}"] = composer.run(
            Job(action="continue", text=text, midi_path=str(tune), seed=3), folder)
    return {name: hashlib.sha256(piece.midi.read_bytes()).hexdigest()
            for name, piece in made.items()}


def test_seeded_pieces_keep_their_midi_bytes(tmp_path):
    expected = json.loads(GOLDEN.read_text())
    found = pieces(Composer(), tmp_path)
    assert len(found) >= 30 and set(found) == set(expected)
    changed = sorted(name for name in found if found[name] != expected[name])
    assert not changed, f"MIDI bytes changed for {len(changed)} pieces: {changed}"


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        GOLDEN.write_text(json.dumps(pieces(Composer(), Path(folder)), indent=1) + "\n")
    print(f"recorded {GOLDEN}")
