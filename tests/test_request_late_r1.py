"""A dev set for six classes of miss the late writers (ESL speaker, music teacher, Discord
regular, terse power user) showed, in phrasings written here, none copied from
generation/data/chat_late.jsonl: terse instrument shorthand ("+harp", "-cello", "cello ->
viola", "lead: flute"), removal and swap verbs ("yeet the drums", "tremolo strings
actually"), lead phrasing ("add an oboe and let it take the melody", "for a sec" is no
length), history ("prev", "run it back", "the 3rd was better"), terse questions ("len?",
"inst?", "is it still in G?") and small talk that is neither help nor an edit.

One-line items are read as `Conversation.say` reads them (`voices.read_in`) against a
conversation of four versions (BIG: v4 plays piano, electric guitar, strings, trumpet, cello,
recorder, bass, drums); questions are read for their topic; dialogues are said to a
`Conversation` whose composer resolves only the Spec.

    .venv/bin/python -m tests.test_request_late_r1   # the score: turns right / total

Scores: 49/134 at 25bb720, before any change (the first 134 items); 136/136 after this
round (two items added during it; "muted trumpet then" needed a last fix).
"""

from __future__ import annotations

import pytest

from generation.job import Changes
from generation.request.recall import History, Past, recalled
from generation.request.understand import understand
from tests.voices import dialogue_misses, read_in, right, wrong_turns

_PARTS = ["piano", "electric guitar", "strings", "trumpet", "cello", "recorder", "bass", "drums"]
_V1 = {"tempo_bpm": 100, "key": "C major", "tonic": 0, "mode": "major", "mood": "calm",
       "style": "pop", "meter": "4/4", "density": 0.5, "total_duration_s": 30.0,
       "instruments": ["piano", "bass", "drums"],
       "parts": [{"instrument": "piano", "role": "lead"}, {"instrument": "bass", "role": "bass"},
                 {"instrument": "drums", "role": "drums"}]}
_V2 = {**_V1, "instruments": ["piano", "strings", "bass", "drums"],
       "parts": [*_V1["parts"], {"instrument": "strings", "role": "comp"}]}
_V3 = {**_V2, "instruments": _PARTS,
       "parts": [{"instrument": name, "role": {"piano": "lead", "bass": "bass",
                                              "drums": "drums"}.get(name, "comp")}
                 for name in _PARTS]}
BIG = History((Past(1, None, _V1), Past(2, 1, _V2), Past(3, 2, _V3),
               Past(4, 3, {**_V3, "tempo_bpm": 115})), current=4,
              last=Changes(tempo_factor=1.15))


def _in(line: str) -> str | dict:
    return read_in(line, BIG)


# --- 1. terse instrument shorthand ---------------------------------------------------------
TERSE = [
    ("+harp", {"add": ["harp"]}),
    ("+ marimba", {"add": ["marimba"]}),
    ("+e piano", {"add": ["electric piano"]}),
    ("+vibes", {"add": ["vibraphone"]}),
    ("+steel pan", {"add": ["steel drums"]}),
    ("+flute +oboe", {"add": ["flute", "oboe"]}),
    ("+choir pls", {"add": ["choir"]}),
    ("-trumpet", {"remove": ["trumpet"]}),
    ("- drums", {"remove": ["drums"]}),
    ("-cello -recorder", {"remove": ["cello", "recorder"]}),
    ("-strings +choir", {"remove": ["strings"], "add": ["choir"]}),
    ("+sax -trumpet", {"add": ["saxophone"], "remove": ["trumpet"]}),
    ("cello -> viola", {"swap": [["cello", "viola"]]}),
    ("trumpet => trombone", {"swap": [["trumpet", "trombone"]]}),
    ("piano → harpsichord", {"swap": [["piano", "harpsichord"]]}),
    ("strings -> pizzicato strings", {"swap": [["strings", "pizzicato strings"]]}),
    ("lead: trumpet", {"lead": "trumpet"}),
    ("lead: flute", {"lead": "flute"}),
    ("melody: cello", {"lead": "cello"}),
    ("lead: square", {"lead": "synth lead"}),  # GM's "square lead" is the synth lead
]

# --- 2. removal and swap verbs -------------------------------------------------------------
VERBS = [
    # added by the lead after the merged late run: effects named as sounds, "less" alone
    ("add the sound of rain underneath", {"add": ["rain effect"]}),
    ("could we have the sound of rain underneath", {"add": ["rain effect"]}),  # a polite add
    ("I'd like a flute as well, please", {"add": ["flute"]}),
    ("could I hear a harp in there?", {"add": ["harp"]}),
    ("put some rainfall behind it", {"add": ["rain effect"]}),
    ("add a bit of whistling on top", {"add": ["whistle"]}),
    ("less", "ask"),
    ("ok make it 20 then", {"duration_s": 20.0}),  # no tempo is that slow
    ("make it 70", "ask"),
    ("-3", "ask"),  # semitones or bpm?
    ("mysterious, and slower", {"mood": "mysterious", "tempo_factor": 0.8696}),  # a list of
    ("boss phase: epic and faster", {"mood": "epic", "tempo_factor": 1.15}),  # edits: the
    ("faster and playful", {"mood": "playful", "tempo_factor": 1.15}),  # mood too
    ("way too slow, 150", {"tempo_bpm": 150}),
    ("hmm it feels a bit cluttered to me", {"density": -0.08}),  # a texture complained of
    ("it seems kinda bare", {"density": 0.08}),  # the number said wins over the complaint
    ("it's rushing. 84?", {"tempo_bpm": 84}),
    ("hmm, a bit less", "ask"),
    ("yeet the drums", {"remove": ["drums"]}),
    ("yeet the trumpet pls", {"remove": ["trumpet"]}),
    ("drop the percussion", {"remove": ["drums"]}),
    ("let the cello drop out", {"remove": ["cello"]}),
    ("have the recorder sit out", {"remove": ["recorder"]}),
    ("the trumpet can drop out now", {"remove": ["trumpet"]}),
    ("nix the strings", {"remove": ["strings"]}),
    ("scrap the cello", {"remove": ["cello"]}),
    ("axe the recorder", {"remove": ["recorder"]}),
    ("use muted trumpet instead", {"swap": [["trumpet", "muted trumpet"]]}),
    ("tremolo strings actually", {"swap": [["strings", "tremolo strings"]]}),
    ("pizzicato strings instead", {"swap": [["strings", "pizzicato strings"]]}),
    ("change the trumpet to a muted one", {"swap": [["trumpet", "muted trumpet"]]}),
    ("change the electric guitar to a distorted one",
     {"swap": [["electric guitar", "distortion guitar"]]}),
    ("make the strings tremolo ones", {"swap": [["strings", "tremolo strings"]]}),
    ("overdriven guitar actually", {"swap": [["electric guitar", "overdriven guitar"]]}),
    ("muted trumpet then", {"swap": [["trumpet", "muted trumpet"]]}),
]

# --- 3. lead phrasing ----------------------------------------------------------------------
LEADS = [
    ("the tune I'd rather have on the trumpet, not on piano", {"lead": "trumpet"}),
    ("melody on the strings, not the piano", {"lead": "strings"}),
    ("not the piano, the cello should have the melody", {"lead": "cello"}),
    ("Add a clarinet on top, taking the lead.", {"add": ["clarinet"], "lead": "clarinet"}),
    ("bring in an oboe and let it take the melody", {"add": ["oboe"], "lead": "oboe"}),
    ("Add a vibraphone and give it the head.", {"add": ["vibraphone"], "lead": "vibraphone"}),
    ("add a violin, it should carry the tune", {"add": ["violin"], "lead": "violin"}),
    ("the cello, can it play the main melody?", {"lead": "cello"}),
    ("the trumpet, could it take the tune?", {"lead": "trumpet"}),
    ("the clarinet, could it maybe play the principal melody?", {"lead": "clarinet"}),
    ("let the cello take the melody for a sec", {"lead": "cello"}),
    ("give the tune to the trumpet for a bit", {"lead": "trumpet"}),
    ("yeet the drums for a sec", {"remove": ["drums"]}),
    ("drop the strings for a moment", {"remove": ["strings"]}),
    ("let the trumpet play the melody for a while", {"lead": "trumpet"}),
]

# --- 4. history ----------------------------------------------------------------------------
HISTORY = [
    ("prev", "undo"),
    ("prev pls", "undo"),
    ("previous", "undo"),
    ("run it back", "again"),
    ("run that back pls", "again"),
    ("ehh one more", "again"),
    ("hmm one more go", "again"),
    ("tweak it a lil", "vary"),
    ("tweak it slightly", "vary"),
    ("Once more, a little differently.", "vary"),
    ("no no, cancel", "undo"),
    ("cancel that", "undo"),
    ("Too fast. Undo.", "undo"),
    ("Too busy. Back a step.", "undo"),
    ("too loud, go back", "undo"),
    ("back a step", "undo"),
    ("I like version 2 more, return to it", "goto 2"),
    ("let's return to version 1", "goto 1"),
    ("return to v3", "goto 3"),
    ("voltar para a versão 2", "goto 2"),
    ("volvamos a la versión 2", "goto 2"),
    ("hmm the 3rd was better", "goto 3"),
    ("the first was better tbh", "goto 1"),
    ("nah the og was better", "goto 1"),
    ("ngl the original slapped more, go back to it", "goto 1"),
    ("no wait, 2 was better, go 2", "goto 2"),
    ("go 3", "goto 3"),
]

# --- 5. terse questions: the topic each is answered on --------------------------------------
QUESTIONS = [
    ("len?", "length"), ("length?", "length"), ("len", "length"), ("dur?", "length"),
    ("how many seconds is it", "length"), ("how many secs now?", "length"),
    ("inst?", "instruments"), ("insts", "instruments"), ("who's in the band?", "instruments"),
    ("who's playing now?", "instruments"), ("wait what instrumnts r in it", "instruments"),
    ("bpm", "tempo"), ("tempo", "tempo"), ("What's the metronome marking now?", "tempo"),
    ("metronome mark?", "tempo"),
    ("is it still in G?", "key"), ("Is it still in C major?", "key"), ("key now?", "key"),
    ("key", "key"), ("style?", "style"), ("genre?", "style"), ("what style is it now", "style"),
    ("time sig?", "meter"),
]

# --- 6. small talk that is neither help nor an edit ----------------------------------------
TALK = [
    ("yeah this is the one", "smalltalk"),
    ("ok not bad at all", "smalltalk"),
    ("clean 😎", "smalltalk"),
    ("thx, it's for my school project", "smalltalk"),
    ("lol this sounds like zelda", "smalltalk"),
    ("brb grabbing a coffee", "smalltalk"),
    ("gonna grab a snack, back in 5", "smalltalk"),
    ("haha reminds me of tetris", "smalltalk"),
    ("ok this works for my video", "smalltalk"),
    ("noice", "smalltalk"),
    ("hmm not bad", "smalltalk"),
    ("this one's a vibe", "smalltalk"),
    ("it's for my sister's birthday video, thanks!", "smalltalk"),
    ("heh nice one", "smalltalk"),
]

ONE_LINE = [*TERSE, *VERBS, *LEADS, *HISTORY, *TALK]


def _topic(line: str) -> str | None:
    """The topic a line is answered on (None: not a question)."""
    reading = understand(line, has_piece=True, playing=tuple(_PARTS))
    turn = recalled(reading.turn, line, BIG)
    return turn.topic if turn.kind == "question" else None


PIANO = "a gentle piano piece in D minor, 30 seconds"
DIALOGUES = [
    (PIANO, [("-harp", {"action": "edit", "says": ["there is no harp"]}),
             ("+cello", {"action": "edit", "has": ["cello"]}),
             ("-cello", {"action": "edit", "lacks": ["cello"]}),
             ("prev", {"action": "undo", "version": 2})]),
    ("a rock song with electric guitar, bass and drums in E minor", [
        ("electric guitar -> distortion guitar", {"action": "edit",
                                                 "has": ["distortion guitar"],
                                                 "lacks": ["electric guitar"]}),
        ("yeet the drums for a sec", {"action": "edit", "lacks": ["drums"],
                                      "same": ["total_duration_s"]})]),
    ("a calm piece for piano and strings in G major at 90 bpm", [
        ("len?", {"action": "question", "says": [" s ("]}),
        ("inst?", {"action": "question", "listed": True}),
        ("bpm", {"action": "question", "says": ["90 bpm"]}),
        ("is it still in G?", {"action": "question", "says": ["G major"]}),
        ("style?", {"action": "question", "says": ["is classical"]})]),
    (PIANO, [("add a cello", {"version": 2}), ("faster", {"version": 3}),
             ("hmm the 2nd was better", {"action": "goto", "version": 2}),
             ("run it back", {"action": "regenerate", "version": 4}),
             ("no no, cancel", {"action": "undo", "version": 2})]),
    (PIANO, [("add a flute", {"version": 2}),
             ("ok not bad at all", {"action": "smalltalk", "version": 2}),
             ("brb grabbing a coffee", {"action": "smalltalk", "version": 2}),
             ("Add an oboe and let it take the tune.", {"action": "edit", "lead": "oboe",
                                                        "same": ["total_duration_s"]})]),
]


@pytest.mark.model
@pytest.mark.parametrize("line, expected", ONE_LINE)
def test_a_late_class_line_is_read_as_meant(line, expected):
    got = _in(line)
    assert right(got, expected), f"{line!r}: {got}"


@pytest.mark.model
@pytest.mark.parametrize("line, topic", QUESTIONS)
def test_a_terse_question_is_answered_on_its_topic(line, topic):
    assert _topic(line) == topic


@pytest.mark.model
@pytest.mark.parametrize("opening, turns", DIALOGUES, ids=[t[0][0] for _, t in DIALOGUES])
def test_a_late_class_dialogue_gets_what_its_writer_meant(composer, opening, turns):
    wrong = wrong_turns(composer, opening, turns)
    assert not wrong, wrong


def score() -> tuple[int, int, list[str]]:
    """Turns right, turns in all, and a line for each wrong one."""

    misses = []
    for line, expected in ONE_LINE:
        if not right(got := _in(line), expected):
            misses.append(f"{line!r}: {got}")
    for line, topic in QUESTIONS:
        if (got := _topic(line)) != topic:
            misses.append(f"{line!r}: topic {got}")
    said, wrong = dialogue_misses(DIALOGUES)
    turns, misses = len(ONE_LINE) + len(QUESTIONS) + said, misses + wrong
    return turns - len(misses), turns, misses


if __name__ == "__main__":
    got, total, missed = score()
    print("\n".join(missed))
    print(f"{got}/{total} turns right")
