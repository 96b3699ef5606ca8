"""Classes of line that writers the reader never saw got wrong, each pinned with phrasings
written here (none copied from the held-out writers' dialogues): the piano trio of a jazz
club, tempo and length said as multiples."""

from __future__ import annotations

import pytest

from generation.request.changes import read_changes
from generation.request.understand import picked, understand


@pytest.mark.model
@pytest.mark.parametrize("text, names", [
    ("a bossa-ish jazz ballad for piano trio", ["piano", "acoustic bass", "drums"]),
    ("piano trio, swinging, late night jazz club", ["piano", "acoustic bass", "drums"]),
    ("a slow blues for piano trio", ["piano", "acoustic bass", "drums"]),
    ("a classical piano trio in E flat", ["piano", "violin", "cello"]),  # the concert hall's
])
def test_a_piano_trio_in_a_club_style_is_piano_bass_and_drums(text, names):
    from generation.request.parse import parse_request

    request = parse_request(text)
    assert sorted(request.instruments) == sorted(names) and request.whole_band


@pytest.mark.parametrize("line, expected", [
    ("this is rushing, halve it", {"tempo_factor": 0.5}),  # the exact multiple, not a step
    ("it drags. double it", {"tempo_factor": 2.0}),
    ("cut the tempo in half", {"tempo_factor": 0.5}),
    ("triple the speed", {"tempo_factor": 3.0}),
    ("make it twice as slow", {"tempo_factor": 0.5}),
    ("way too short, triple it", {"length_factor": 3.0}),
    ("chop the length in half", {"length_factor": 0.5}),
    ("add an oboe to double the tune", {"add": ["oboe"]}),  # doubling a part is no multiple
])
def test_a_multiple_multiplies_exactly_what_it_names(line, expected):
    got = {k: list(v) if isinstance(v, tuple) else v
           for k, v in read_changes(line).to_json().items() if k != "mood_amount"}
    assert got == expected


@pytest.mark.parametrize("line, factor", [("halve it", 0.5), ("triple it pls", 3.0),
                                          ("can you double it?", 2.0)])
def test_a_multiple_of_nothing_named_is_asked_about(line, factor):
    reading = understand(line, has_piece=True)
    assert reading.turn.kind == "ask" and len(reading.choices) == 2
    assert picked("the tempo", reading.choices).changes.tempo_factor == factor
    assert picked("2", reading.choices).changes.length_factor == factor


@pytest.mark.model
@pytest.mark.parametrize("text, key", [
    ("dub reggae skank, bass and organ, a minor 75", "A minor"),  # a list of what it wants
    ("melancholy harp piece a minor", "A minor"),
    ("festival fanfare brass a major joyful", "A major"),
    ("ambient drone a minor, 20 seconds", "A minor"),
])
def test_a_minor_said_in_a_list_of_wants_is_the_key_of_a(text, key):
    from generation.request.parse import parse_request

    assert parse_request(text).key == key


@pytest.mark.model
@pytest.mark.parametrize("text", ["write a minor waltz for guitar",
                                  "it is a minor thing, sad piano please"])
def test_a_minor_after_a_verb_is_still_the_article(text):
    from generation.request.parse import parse_request

    assert not parse_request(text).key.startswith("A ")


@pytest.mark.model
@pytest.mark.parametrize("line, up, amount", [("ease it down a touch", False, 0.5),
                                              ("crank it way up", True, 2.0),
                                              ("knock it down", False, 1.0)])
def test_a_direction_of_nothing_named_asks_tempo_or_energy(line, up, amount):
    reading = understand(line, has_piece=True)
    assert reading.turn.kind == "ask"
    tempo = picked("the tempo", reading.choices).changes
    assert (tempo.tempo_factor > 1) == up
    energy = picked("the energy", reading.choices).changes
    assert energy.mood == ("energetic" if up else "calm") and energy.mood_amount == amount


@pytest.mark.parametrize("line, first, answer, expected", [
    ("could you make it bigger?", "more epic", "longer", {"length_factor": 1.5}),
    ("deeper pls", "an octave lower", "the octave", {"transpose": -12}),
    ("hmm, a little lighter", "sparser", "happier", {"mood": "happy", "mood_amount": 0.5}),
    ("make it hit harder", "more energetic", "2", {"density": 0.15}),
    ("it should breathe more", "sparser", "slower", {"tempo_factor": 0.8696}),
    ("higher", "up a whole step", "an octave", {"transpose": 12}),
])
def test_a_word_that_means_two_edits_is_asked_about(line, first, answer, expected):
    reading = understand(line, has_piece=True)
    assert reading.turn.kind == "ask" and reading.choices[0][0] == first
    assert picked(answer, reading.choices).changes.to_json() == expected


@pytest.mark.model
@pytest.mark.parametrize("line, expected", [
    ("bigger and more epic", {"mood": "epic"}),  # a word beside it settles it
    ("just a whole step higher", {"transpose": 2}),
    ("happier, brighter", {"mood": "happy"}),
])
def test_a_word_that_means_two_edits_is_read_when_the_line_settles_it(line, expected):
    turn = understand(line, has_piece=True).turn
    assert turn.kind == "edit"
    assert {k: v for k, v in turn.changes.to_json().items() if k != "mood_amount"} == expected


@pytest.mark.model
@pytest.mark.parametrize("line, density", [("could use more layers", 0.15),
                                           ("fewer layers maybe", -0.15),
                                           ("a bit less stuff going on", -0.08)])
def test_layers_and_stuff_are_the_texture_and_nothing_else(line, density):
    turn = understand(line, has_piece=True).turn
    assert turn.kind == "edit"
    assert {k: v for k, v in turn.changes.to_json().items() if k != "mood_amount"} == {
        "density": density}


@pytest.mark.parametrize("line, mood, amount", [
    ("ooh, creepier please", "dark", 1.0),  # "creepy" is dark in the lexicon: so is "creepier"
    ("just a little grimmer", "dark", 0.5),
    ("spookier", "dark", 1.0),
    ("much creepier", "dark", 2.0),
])
def test_a_comparative_of_a_mood_word_moves_to_that_word_s_mood(line, mood, amount):
    changes = read_changes(line)
    assert (changes.mood, changes.mood_amount) == (mood, amount)


def test_words_that_merely_end_like_comparatives_name_no_mood():
    for line in ("later, under the water, the player", "never over"):
        assert read_changes(line).mood is None


@pytest.mark.model
@pytest.mark.parametrize("text, names", [
    ("a cool jazz trio tune, vibes and upright and drums", {"vibraphone", "acoustic bass"}),
    ("bossa with acoustic guitar + vibes", {"guitar", "vibraphone"}),
])
def test_vibes_after_a_list_word_is_the_vibraphone(text, names):
    from generation.request.parse import parse_request

    assert names <= set(parse_request(text).instruments)


@pytest.mark.model
@pytest.mark.parametrize("text", ["summer vibes on a marimba", "beach party vibes, marimba"])
def test_vibes_after_a_describing_word_is_a_feeling(text):
    from generation.request.parse import parse_request

    assert "vibraphone" not in parse_request(text).instruments


@pytest.mark.model
def test_a_family_name_for_the_lead_means_the_member_the_piece_has():
    from generation.job import Changes
    from generation.music.revise import revise
    from generation.music.spec import make_spec
    from generation.request.parse import parse_request

    spec = make_spec(parse_request("a funk tune for clarinet, electric guitar, bass and drums"),
                     3)
    assert spec.part("lead").instrument == "clarinet"
    guitar = revise(spec, Changes(lead="guitar"))  # "guitar lead": the electric one it has
    assert guitar.part("lead").instrument == "electric guitar"
    assert "guitar" not in {p.instrument for p in guitar.parts}


@pytest.mark.model
def test_a_melody_left_without_its_instrument_goes_to_a_part_that_can_sing_it():
    from generation.job import Changes
    from generation.music.revise import revise
    from generation.music.spec import make_spec
    from generation.request.parse import parse_request

    spec = make_spec(parse_request("a rock song with electric guitar, bass, drums and a sax"), 3)
    roles = [p.role for p in spec.parts]
    assert roles.index("bass") < roles.index("counter")  # the bass comes before the sax
    left = revise(spec, Changes(remove=("guitar",)))
    assert left.part("lead").instrument == "saxophone"


@pytest.mark.parametrize("line, kind", [
    ("give it another go", "again"),  # a new take of the same request, not a new piece
    ("could we hear a fresh take on the whole song", "again"),
    ("and another one? sorry", "again"),
    ("one more try", "again"),
    ("same vibe, but different", "vary"),
    ("a new song now, a polka", "new"),  # a new piece named stays one
])
def test_a_new_take_is_the_same_request_again(line, kind):
    assert understand(line, has_piece=True).turn.kind == kind
