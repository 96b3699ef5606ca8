"""Held-out lines in the three voices of `test_request_voices.py`, written after the reader's
code was frozen (at 8d86328) and run once: 42/49 turns right. Their score is reported as held
out, and the misses are left failing here (strict xfail) rather than fixed against them.

    .venv/bin/python -m tests.test_request_voices_late   # the score: turns right / total
"""

from __future__ import annotations

import pytest

from tests.test_request_slang import LITTLE_SLOWER, SLOWER
from tests.test_request_voices import BUSIER, FASTER, LITTLE_FASTER, THINNER, _quietly, score
from tests.voices import BAND, CUE, marked_misses, read_in, right, wrong_turns

LATE_LINES = [
    # (a) the hesitant amateur
    ("hmm could it be like 105? or no, 100 is fine", {"tempo_bpm": 100}),
    ("maybe shorter... 20 seconds? no, 25", {"duration_s": 25.0}),
    ("add an oboe? hmm or maybe a bassoon", {"add": ["bassoon"]}),
    ("slower maybe? actually no, leave the tempo", "smalltalk"),
    ("what if it were in G? let's hear it", {"tonic": "G"}),
    ("maybe a cello? but quiet", _quietly("cello")),
    ("could it feel a little more hopeful?", {"mood": "happy", "mood_amount": 0.5}),
    ("hmm it's a bit busy? maybe fewer notes", {"density": THINNER}),
    ("is it too fast? maybe a touch slower", {"tempo_factor": LITTLE_SLOWER}),
    ("could the violin play the tune maybe?", {"lead": "violin"}),
    ("maybe a vilin?", {"add": ["violin"]}),
    ("what if we took the bass out? try it", {"remove": ["bass"]}),
    ("sadder? no... more lonely, i guess", {"mood": "sad"}),
    ("could it be a little fuller maybe", {"density": 0.08}),
    # (b) the film composer
    ("Tempo 120. Amend: 116.", {"tempo_bpm": 116}),
    ("More dread in the low end.", {"mood": "dark"}),
    ("Less activity in the melody.", {"density": THINNER}),
    ("Brushes, not sticks.", {"swap": [["drums", "brush kit"]]}),
    ("More momentum.", {"mood": "energetic"}),
    ("Key of D. Correction: Db.", {"tonic": "Db"}),
    ("More whimsy, less menace.", {"mood": "playful"}),
    ("Lose the bass. No, keep it. Lose the drums.", {"remove": ["drums"]}),
    ("Strings quieter, barely there.", _quietly("strings", add=False)),
    ("Denser texture under the theme.", {"density": BUSIER}),
    ("Up a minor third. Actually, a fourth.", {"transpose": 5}),
    # (c) the texter
    ("fastr pls. nah, slowr", {"tempo_factor": SLOWER}),
    ("add clarnet", {"add": ["clarinet"]}),
    ("less notes n sadder", {"density": THINNER, "mood": "sad"}),
    ("scarier!!", {"mood": "dark"}),
    ("w/o drums pls", {"remove": ["drums"]}),
    ("bit faster", {"tempo_factor": LITTLE_FASTER}),
    ("moar drive", {"mood": "energetic"}),
    ("in D. jk E", {"tonic": "E"}),
    ("add harp, v quiet", _quietly("harp")),
    ("2 crowded", {"density": THINNER}),
    ("faster n thinner", {"tempo_factor": FASTER, "density": THINNER}),
]
LATE_CUE = [
    ("the choir is too much, maybe strings instead?", {"swap": [["choir", "strings"]]}),
    ("Brass instead of choir?", {"swap": [["choir", "brass"]]}),
    ("drums? v quiet", _quietly("drums")),
]
PIANO = "a gentle piano piece in D minor, 30 seconds"
LATE_DIALOGUES = [
    ("a quiet piece for piano and flute in Eb major", [
        ("what instruments are playing?", {"action": "question", "listed": True}),
        ("could it be minor maybe?", {"spec": {"key": "Eb minor"}}),
        ("oh no, go back to major please", {"action": "undo", "version": 1})]),
    (PIANO, [("add strings", {"version": 2}), ("darker", {"version": 3}),
             ("take me back to the first one", {"action": "goto", "version": 1})]),
    (PIANO, [("make it 80", {"action": "ask"}),
             ("seconds", {"action": "edit", "spec": {"total_duration_s": 80.0}})]),
    ("a calm piece for piano, cello and harp", [
        ("replace it with a flute", {"action": "ask"}),
        ("the harp", {"action": "edit", "has": ["flute"], "lacks": ["harp"]})]),
]
ONE = [(line, expected, BAND) for line, expected in LATE_LINES] + \
    [(line, expected, CUE) for line, expected in LATE_CUE]


# the misses of the one run at 8d86328 (42/49 turns right), kept failing: strict, so a line the
# reader learns later shows up as passing ("could it feel a little more hopeful?" passes since
# "little" next to "more" is read as its amount)
MISSED = {"hmm could it be like 105? or no, 100 is fine", "maybe a cello? but quiet",
          "Tempo 120. Amend: 116.",
          "Brushes, not sticks.", "Strings quieter, barely there.",
          "the choir is too much, maybe strings instead?"}


@pytest.mark.model
@pytest.mark.parametrize("line, expected, history",
                         marked_misses(ONE, MISSED, "held out, missed"))
def test_a_late_line_is_read_as_its_writer_meant(line, expected, history):
    got = read_in(line, history)
    assert right(got, expected), f"{line!r}: {got}"


@pytest.mark.model
@pytest.mark.parametrize("opening, turns", LATE_DIALOGUES,
                         ids=[t[0][0] for _, t in LATE_DIALOGUES])
def test_a_late_dialogue_gets_what_its_writer_meant(composer, opening, turns):
    wrong = wrong_turns(composer, opening, turns)
    assert not wrong, wrong


if __name__ == "__main__":
    got, total, missed = score(ONE, LATE_DIALOGUES)
    print("\n".join(missed))
    print(f"{got}/{total} late turns right")
