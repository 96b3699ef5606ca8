"""Lines that ask, guess, apologise or change their mind twice, read as their writer meant."""

import pytest

from generation.request.parse import parse_request
from generation.request.understand import understand


def turn_of(line: str):
    return understand(line, True).turn


@pytest.mark.parametrize("line, topic", [
    ("what key is this? e minor?", "key"),
    ("what's the tempo, like 100?", "tempo"),
    ("is this in minor? it sounds minor", "key"),
    ("how long is it? 3 min?", "length"),
    ("what key are we in? f sharp?", "key"),
])
def test_a_question_with_a_guess_is_answered_not_acted_on(line, topic):
    turn = turn_of(line)
    assert turn.kind == "question" and turn.topic == topic, turn


@pytest.mark.parametrize("line, check", [
    ("slower please. sorry", lambda c: c.tempo_factor and c.tempo_factor < 1),
    ("add a flute. sorry!", lambda c: c.add == ("flute",)),
    ("maybe drop the drums? or not. yeah do it", lambda c: c.remove == ("drums",)),
    ("faster? nah. ok let's try it", lambda c: c.tempo_factor and c.tempo_factor > 1),
    ("is 70 too slow? maybe 76", lambda c: c.tempo_bpm == 76),  # a proposal, not a guess
])
def test_an_apology_or_a_change_of_heart_keeps_the_edit(line, check):
    turn = turn_of(line)
    assert turn.kind == "edit" and check(turn.changes), turn


@pytest.mark.parametrize("line, tempo", [("make it 150", 150), ("108 please", 108),
                                         ("go 96", 96)])
def test_a_bare_number_above_ninety_is_a_tempo(line, tempo):
    turn = turn_of(line)
    assert turn.kind == "edit" and turn.changes.tempo_bpm == tempo, turn


def test_a_bare_number_that_may_be_seconds_is_asked_about():
    reading = understand("make it 70", True)
    assert reading.turn.kind == "ask" and len(reading.choices) == 2


@pytest.mark.parametrize("text, mood", [("a cosy, sad tune", "sad"),
                                        ("a gentle happy song on the guitar", "happy"),
                                        ("a sad and happy tune", "sad")])
def test_a_mood_said_by_its_name_wins_over_a_word_for_another(text, mood):
    assert parse_request(text).mood == mood
