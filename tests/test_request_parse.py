"""parse_request end to end: stated slots win, instruments, languages, odd input, the contract."""

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generation.job import MAX_LENGTH_S, MIN_LENGTH_S
from generation.request.parse import parse_request
from generation.vocab import INSTRUMENTS, MOODS, STYLES
from models.core.errors import RequestError

pytestmark = [pytest.mark.model]


@pytest.fixture(scope="module")
def classifier():
    from generation.request.classifier import shared_classifier

    return shared_classifier()


@pytest.fixture(scope="module")
def parse(classifier):
    return lambda text, **options: parse_request(text, classifier=classifier, **options)


def test_the_design_example(parse):
    request = parse("calm piano in D minor")
    data = request.to_json()
    for field in ("text", "mood", "style", "tempo_bpm", "key", "meter", "instruments",
                  "duration_s", "bars", "stated", "notes"):
        assert field in data
    assert (data["mood"], data["key"], data["meter"]) == ("calm", "D minor", "4/4")
    assert data["instruments"] == ["piano"] and data["duration_s"] == 30.0
    assert data["bars"] is None and {"key", "instruments"} <= set(data["stated"])
    assert "tempo" not in data["stated"] and 40 <= data["tempo_bpm"] <= 100
    assert data["notes"] == []


@pytest.mark.parametrize(("text", "instruments"), [
    ("piano", ["piano"]),
    ("fiddle tune", ["violin"]),
    ("sax solo", ["saxophone"]),
    ("keys and bass", ["piano", "bass"]),
    ("rhodes and drums", ["electric piano", "drums"]),
    ("string quartet", ["violin", "viola", "cello"]),
    ("upright bass, brushes and vibes on the vibraphone",
     ["acoustic bass", "brush kit", "vibraphone"]),
    ("music box lullaby", ["music box"]),
    ("pan flute and harp", ["pan flute", "harp"]),
    ("electric guitar and electric piano", ["electric guitar", "electric piano"]),
    ("8-bit boss fight", ["synth lead"]),
    ("synth pads", ["synth pad"]),
    ("french horn and timpani", ["horn", "timpani"]),
    ("erhu, guzheng and pipa", ["erhu", "guzheng", "pipa"]),
    ("koto and sitar", ["koto", "sitar"]),
    ("choir with organ", ["choir", "organ"]),
    ("flute, oboe, clarinet and bassoon", ["flute", "oboe", "clarinet", "bassoon"]),
    ("trumpet and trombone", ["trumpet", "trombone"]),
    ("accordion and harmonica", ["accordion", "harmonica"]),
    ("marimba and celesta", ["marimba", "celesta"]),
    ("harpsichord and recorder", ["harpsichord", "recorder"]),
    ("钢琴和小提琴", ["piano", "violin"]),
    ("大提琴", ["cello"]),
    ("violon et violoncelle", ["violin", "cello"]),
    ("guitarra y flauta", ["guitar", "flute"]),
    ("Klavier und Geige", ["piano", "violin"]),
    ("Schlagzeug und Bass", ["drums", "bass"]),
    ("pianno and saxaphone", ["piano", "saxophone"]),
    ("🎹🎻", ["piano", "violin"]),
    ("nylon string guitar", ["guitar"]),
    ("acoustic and electric guitar", ["guitar", "electric guitar"]),
    ("synth bass and 808s", ["synth bass", "808 kit"]),
    ("acoustic piano ballad", ["piano"]),
    ("brass and woodwinds", ["brass", "flute", "oboe", "clarinet", "bassoon"]),
    ("female vocals and piano", ["choir", "piano"]),
])
def test_instruments_are_read(parse, text, instruments):
    request = parse(text)
    assert list(request.instruments) == instruments
    assert "instruments" in request.stated


@pytest.mark.parametrize(("text", "instruments"), [
    ("in the middle of the night", ()), ("a riddle in the dark", ()), ("a string of lights", ()),
    ("celestial choir", ("choir",)), ("recorded at home", ()), ("hot springs at dawn", ()),
    ("a violn and guitr duet", ("violin", "guitar")),
])
def test_typo_tolerance_does_not_invent_instruments(parse, text, instruments):
    request = parse(text)
    assert request.instruments == instruments or (not instruments and
                                                  "instruments" not in request.stated)


def test_lofi_beats_do_not_make_drums_the_lead(parse):
    assert parse("lofi hip hop beat with rhodes and drums").instruments == (
        "electric piano", "drums")


def test_a_stated_minor_key_or_slow_tempo_tilts_an_unstated_mood(parse):
    assert parse("baroque fugue for harpsichord in G minor").mood not in ("happy", "playful")
    assert parse("in E, slow").mood != "energetic"


@pytest.mark.parametrize(("text", "mood"), [
    ("D minor, 60 bpm", "sad"), ("E minor, fast", "energetic"), ("in G, 140 bpm", "happy"),
    ("in E, slow", "calm"), ("key: C, 3/4, 1:30", "calm"),
])
def test_slots_alone_choose_the_mood_their_key_and_tempo_suggest(parse, text, mood):
    request = parse(text)
    assert request.mood == mood and "mood" not in request.stated
    assert any("no mood or style was described" in note for note in request.notes)


def test_140_beats_per_minute_is_not_a_drum_part(parse):
    request = parse("piano at 140 beats per minute")
    assert request.instruments == ("piano",) and request.tempo_bpm == 140


def test_an_instrument_outside_the_vocabulary_maps_to_the_nearest_with_a_note(parse):
    request = parse("happy ukulele song")
    assert request.instruments == ("guitar",)
    assert any("ukulele" in note and "guitar" in note for note in request.notes)


def test_left_out_instruments(parse):
    request = parse("rock song, no drums")
    assert "drums" not in request.instruments and request.without == ("drums",)


def test_every_name_comes_from_the_vocabulary(parse):
    for text in ("villain music", "rainy sunday afternoon", "lofi beats", "一首歌", "???"):
        request = parse(text)
        assert request.mood in MOODS and set(request.moods) <= set(MOODS)
        assert request.style in STYLES and set(request.instruments) <= set(INSTRUMENTS)
        assert request.mood == request.moods[0]


@pytest.mark.parametrize(("text", "slot", "value"), [
    ("sad song at 160 bpm", "tempo_bpm", 160),
    ("fast ambient", "tempo_bpm", 144),
    ("calm jazz 2 minutes", "duration_s", 120.0),
    ("happy waltz", "meter", "3/4"),
    ("jazz in 5/4", "meter", "5/4"),
    ("lofi beats to study to", "style", "lofi"),
    ("celtic tune", "style", "celtic"),
    ("8-bit adventure", "style", "chiptune"),
    ("baroque piece", "style", "baroque"),
    ("sad jazz", "mood", "sad"),
    ("a happy song about rain", "mood", "happy"),
    ("musique triste", "mood", "sad"),
    ("canción alegre", "mood", "happy"),
    ("traurige Musik", "mood", "sad"),
    ("悲伤的钢琴曲", "mood", "sad"),
    ("ruhige Klaviermusik", "mood", "calm"),
])
def test_stated_beats_inferred(parse, text, slot, value):
    assert getattr(parse(text), slot) == value


@pytest.mark.parametrize(("mood", "style", "low", "high"), [
    ("calm", "classical", 60, 84), ("energetic", "baroque", 117, 133), ("sad", "rock", 91, 107),
])
def test_unstated_tempo_comes_from_the_mood_and_style_ranges(mood, style, low, high):
    from generation.request.parse import _tempo_range

    assert _tempo_range(mood, style) == (low, high)


@pytest.mark.parametrize("text", [
    "hype track for a basketball highlight reel", "drone footage of the alps",
    "a swing set in the park", "rock climbing gym montage", "country club dinner",
])
def test_style_words_in_another_sense_do_not_state_a_style(parse, text):
    assert "style" not in parse(text).stated


def test_bars_set_the_duration(parse):
    request = parse("16 bars of calm piano at 120 bpm in 3/4")
    assert request.bars == 16 and request.duration_s == pytest.approx(16 * 3 * 0.5)
    assert {"length", "tempo", "meter"} <= set(request.stated)


@pytest.mark.parametrize(("text", "fragment", "field", "value"), [
    ("epic battle 300 bpm", "above 240", "tempo_bpm", 240),
    ("lullaby at 10 bpm", "below 40", "tempo_bpm", 40),
    ("ambient drone for 45 minutes", "limit of 20 minutes", "duration_s", 1200.0),
    ("a 2 second jingle", "below 5", "duration_s", 5.0),
    ("H# minor jazz", "H# minor", "key", None),
    ("2 bars of calm piano at 120 bpm", "under 5 seconds", "bars", 3),
    ("0 bars, fast", "under 5 seconds", "bars", 3),
    ("900 bars of techno at 120 bpm", "limit of 20 minutes", "bars", 600),
])
def test_out_of_range_values_are_clamped_with_a_note(parse, text, fragment, field, value):
    request = parse(text)
    assert any(fragment in note for note in request.notes)
    if value is not None:
        assert getattr(request, field) == value


@pytest.mark.parametrize("text", ["asdfghjkl", "!!!!", "qwpoeiru zxmcnv", "12345"])
def test_nonsense_gives_defaults_with_a_note(parse, text):
    request = parse(text)
    assert request.notes and request.mood in MOODS and request.instruments
    assert request.duration_s == 30.0


@pytest.mark.parametrize(("text", "match"), [
    ("", "empty"), ("   ", "empty"), ("x" * 1001, "1001 characters"),
])
def test_bad_requests_are_refused_clearly(parse, text, match):
    with pytest.raises(RequestError, match=match):
        parse(text)


def test_typed_options_win_and_count_as_stated(parse):
    request = parse("sad piano in D minor at 60 bpm", key="F# major", tempo_bpm=150,
                    duration_s=45, instrument="cello")
    assert (request.key, request.tempo_bpm, request.duration_s) == ("F# major", 150, 45.0)
    assert request.instruments == ("cello",)
    assert {"key", "tempo", "length", "instruments"} <= set(request.stated)


def test_a_typed_instrument_outside_the_vocabulary_is_mapped_with_a_note(parse):
    request = parse("happy song", instrument="Ukulele")
    assert request.instruments == ("guitar",) and any("ukulele" in n for n in request.notes)


@pytest.mark.parametrize(("typed", "key"), [
    ("A", "A major"), ("a minor", "A minor"), ("Dm", "D minor"), ("f#", "F# major"),
    ("E flat", "Eb major"), ("ré mineur", "D minor"), ("G dorian", "G dorian"),
])
def test_typed_keys_in_any_spelling(parse, typed, key):
    assert parse("calm piano", key=typed).key == key


@pytest.mark.parametrize(("options", "match"), [
    ({"key": "H# minor"}, "H# minor"), ({"instrument": "kazoo"}, "kazoo"),
])
def test_unreadable_typed_options_are_refused(parse, options, match):
    with pytest.raises(RequestError, match=match):
        parse("calm piano", **options)


def test_a_mode_without_tonic_keeps_the_mode(parse):
    request = parse("sad song in a minor key")
    assert request.key.endswith(" minor") and "key" not in request.stated


def test_unstated_slots_are_not_listed_as_stated(parse):
    request = parse("villain music")
    assert request.stated == () and request.instruments and request.key


def test_cli_reads_one_request_per_stdin_line():
    lines = "calm piano in D minor\n\nfast 8-bit boss fight 2 minutes\n"
    done = subprocess.run([sys.executable, "-m", "bot.cli", "parse", "--json"], input=lines,
                          capture_output=True, text=True, timeout=120, check=True)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 3
    assert rows[0]["key"] == "D minor" and "error" in rows[1]
    assert rows[2]["duration_s"] == 120.0 and rows[2]["style"] == "chiptune"


_PIECES = ["in", "D", "minor", "Eb", "bpm", "120", "3/4", "bars", "0", "16", "piano", "no",
           "drums", "key", "of", "sharp", "flat", "1:30", "min", "seconds", "a", "jazz", "8-bit",
           "小调", "每分钟", "拍", "Moll", "ré", "mineur", "at", "tempo", ":", "99999999999", "-5",
           "1e309", "nan", "🎹", "\u200b", "H#", "bars", "hours"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(min_size=1, max_size=300),
                 st.lists(st.sampled_from(_PIECES), min_size=1, max_size=40).map(" ".join)))
@pytest.mark.slow
def test_any_text_gives_a_usable_request_or_a_clear_refusal(text):
    from generation.request.classifier import shared_classifier

    try:
        request = parse_request(text[:300], classifier=shared_classifier())
    except RequestError as error:
        assert not text[:300].strip() and "empty" in str(error)
        return
    assert request.mood in MOODS and request.style in STYLES and request.instruments
    assert set(request.instruments) <= set(INSTRUMENTS)
    assert 40 <= request.tempo_bpm <= 240 and MIN_LENGTH_S <= request.duration_s <= MAX_LENGTH_S
    tonic, mode = request.key.split(" ")
    assert tonic[0] in "ABCDEFG" and tonic[1:] in ("", "#", "b")
    json.dumps(request.to_json())


def test_a_caption_of_a_thousand_characters_is_read_whole(parse):
    """Descriptions pasted from elsewhere name key, tempo, meter and instruments anywhere,
    the last of them far past the old 300-character limit."""
    filler = ("The piece opens quietly and grows slowly, with long phrases that rise and fall "
              "like a conversation between old friends. ")
    text = ("A melodic classical piece for piano and cello. " + filler * 6
            + "It is in the key of E minor, at 84 beats per minute, in 3/4 time.")
    assert 800 < len(text) <= 1000
    request = parse(text)
    assert (request.key, request.tempo_bpm, request.meter) == ("E minor", 84, "3/4")
    assert {"piano", "cello"} <= set(request.instruments)
