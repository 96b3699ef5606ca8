"""Exact slot reading: every way of writing a key, tempo, meter and length, and what is not one."""

import pytest

from generation.request.keys import read_key
from generation.request.slots import Text, read_length, read_meter, read_tempo


@pytest.mark.parametrize(("text", "key"), [
    ("calm piano in D minor", "D minor"),
    ("Dm", "D minor"),
    ("d minor", "D minor"),
    ("D min", "D minor"),
    ("something in d min please", "D minor"),
    ("in the key of E flat", "Eb major"),
    ("key of e flat minor", "Eb minor"),
    ("Eb", "Eb major"),
    ("a ballad in E♭", "Eb major"),
    ("F♯ minor", "F# minor"),
    ("f sharp minor", "F# minor"),
    ("F-sharp major", "F# major"),
    ("C#m", "C# minor"),
    ("C# minor", "C# minor"),
    ("Bb major", "Bb major"),
    ("bb minor", "Bb minor"),
    ("G dorian", "G dorian"),
    ("jam in D mixolydian", "D mixolydian"),
    ("E phrygian metal", "E phrygian"),
    ("Cmaj7 vibes", "C major"),
    ("Am7 lofi loop", "A minor"),
    ("moody Dm9 chords", "D minor"),
    ("sad song in A minor", "A minor"),
    ("in a minor", "A minor"),
    ("A major", "A major"),
    ("something in E", "E major"),
    ("in F#, fast", "F# major"),
    ("key: G", "G major"),
    ("E#major", "F major"),
    ("C harmonic minor", "C minor"),
    # other languages
    ("ré mineur", "D minor"),
    ("une valse en mi bémol majeur", "Eb major"),
    ("fa dièse mineur", "F# minor"),
    ("sol mayor", "G major"),
    ("re menor con guitarra", "D minor"),
    ("si bemol mayor", "Bb major"),
    ("la menor", "A minor"),
    ("d-Moll", "D minor"),
    ("D-Dur", "D major"),
    ("fis-Moll", "F# minor"),
    ("Es-Dur", "Eb major"),
    ("B-Dur", "Bb major"),
    ("h-Moll", "B minor"),
    ("D小调", "D minor"),
    ("C大调的钢琴曲", "C major"),
    ("升F小调", "F# minor"),
    ("降E大调", "Eb major"),
    ("re minore", "D minor"),
    ("key:D", "D major"),
    ("key=Am", "A minor"),
    ("something in F sharp minor on the organ", "F# minor"),
    ("in E flat major", "Eb major"),
    ("in B flat", "Bb major"),
    ("calm piano in c", "C major"),
    ("an E flat piece for horn", "Eb major"),
    ("ab major", "Ab major"),
    ("a# minor", "A# minor"),
    ("C-sharp, fast", "C# major"),
    ("jazz in f, 120 bpm", "F major"),
    ("E調", "E major"),
    ("Ebm", "Eb minor"),
    ("A♭ major", "Ab major"),
    ("in a flat major", "Ab major"),
    ("Dminor", "D minor"),
    ("D-minor", "D minor"),
    ("something in eb", "Eb major"),
])
def test_keys_are_read_exactly(text, key):
    found = read_key(Text.of(text))
    assert found is not None and found.name == key


@pytest.mark.parametrize("text", [
    "a calm piece", "I want something happy", "a piano piece", "E is for elephant music",
    "make a song about a cat", "Am I allowed to ask for jazz?", "give me a beat", "be happy",
    "c'est la vie", "a dog and a cat", "DM me a song", "plan B for the party",
    "F1 racing music", "A + for effort", "in e.g. a waltz", "a song in a day", "la la land",
    "do re mi for kids",
    "the grade was a C", "minor league baseball", "a major hit", "vitamin D vibes",
])
def test_prose_is_not_a_key(text):
    assert read_key(Text.of(text)) is None


@pytest.mark.parametrize(("text", "mode"), [
    ("sad song in a minor key", "minor"), ("something in minor", "minor"),
    ("a major key anthem", "major"), ("小调", "minor"), ("in Moll", "minor"),
])
def test_a_mode_without_a_tonic(text, mode):
    found = read_key(Text.of(text))
    assert found is not None and found.tonic is None and found.mode == mode


def test_unknown_key_names_get_a_note():
    found = read_key(Text.of("H# minor"))
    assert found.tonic is None and "H# minor" in found.notes[0]


@pytest.mark.parametrize(("text", "bpm"), [
    ("120 bpm", 120), ("120bpm", 120), ("120 BPM", 120), ("bpm=100", 100), ("bpm: 96", 96),
    ("tempo: 90", 90), ("tempo 132", 132), ("150 beats per minute", 150),
    ("150 beats a minute", 150), ("♩=80", 80), ("q = 72", 72),
    ("largo", 50), ("adagio", 70), ("andante", 92), ("moderato", 112), ("allegro", 138),
    ("presto", 184), ("Allegro con brio", 138),
    ("slow", 66), ("very slow", 52), ("fast", 144), ("very fast", 176), ("super fast", 176),
    ("mid-tempo groove", 100),
    ("每分钟140拍", 140), ("140 battements par minute", 140), ("120 pulsaciones por minuto", 120),
    ("100 Schläge pro Minute", 100), ("lent et triste", 66), ("muy rápido", 176),
    ("langsam", 66), ("schnell", 144), ("很慢的音乐", 52), ("快节奏", 144),
    ("tempo 300", 240), ("300 bpm", 240), ("20 bpm", 40), ("80-100 bpm", 90),
    ("uptempo funk", 144), ("60 BPMs", 60), ("piano at 120", 120),
    ("tempo of around 100", 100), ("~90 bpm", 90),
])
def test_tempos_are_read_exactly(text, bpm):
    found = read_tempo(Text.of(text))
    assert found is not None and found.bpm == bpm


@pytest.mark.parametrize(("text", "note"), [
    ("300 bpm", "tempo 300 bpm is above 240; using 240"),
    ("10 bpm", "tempo 10 bpm is below 40; using 40"),
])
def test_tempos_out_of_range_are_clamped_with_a_note(text, note):
    assert note in read_tempo(Text.of(text)).notes


@pytest.mark.parametrize("text", [
    "calm piano", "not too fast", "快乐的歌", "upbeat pop", "a 3/4 waltz", "16 bars",
    "breakfast music", "a slowdive style shoegaze", "at 100% energy", "done at 2am",
    "lasts 45 seconds at most",
])
def test_no_false_tempo(text):
    assert read_tempo(Text.of(text)) is None


@pytest.mark.parametrize(("text", "meter"), [
    ("3/4", "3/4"), ("6/8", "6/8"), ("5/4", "5/4"), ("in 7/8 time", "7/8"), ("12/8 blues", "12/8"),
    ("a waltz", "3/4"), ("irish jig", "6/8"), ("slip jig", "9/8"), ("military march", "2/4"),
    ("a March for the king", "2/4"),
    ("three-four time", "3/4"), ("in three", "3/4"), ("common time", "4/4"),
    ("une valse", "3/4"), ("un vals", "3/4"), ("ein Walzer", "3/4"), ("华尔兹", "3/4"),
    ("a minuet", "3/4"), ("tarantella", "6/8"),
])
def test_meters_are_read_exactly(text, meter):
    found = read_meter(Text.of(text))
    assert found is not None and found[0] == meter


@pytest.mark.parametrize("text", ["24/7 vibes", "1/2 speed", "calm piano", "marching band",
                                  "a song for early March", "March 3rd birthday",
                                  "march madness hype"])
def test_no_false_meter(text):
    assert read_meter(Text.of(text)) is None


@pytest.mark.parametrize(("text", "seconds", "bars"), [
    ("30 seconds", 30, None), ("2 minutes", 120, None), ("one minute", 60, None),
    ("90 second", 90, None), ("16 bars", None, 16), ("1:30", 90, None), ("45s", 45, None),
    ("2 min", 120, None), ("2 mins", 120, None), ("a minute", 60, None),
    ("a minute and a half", 90, None), ("1.5 minutes", 90, None), ("2m30s", 150, None),
    ("2 minutes 30 seconds", 150, None), ("half a minute", 30, None),
    ("thirty seconds", 30, None), ("eight bars", None, 8), ("8-bar loop", None, 8),
    ("32 measures", None, 32), ("30 secondes", 30, None), ("2 minutos", 120, None),
    ("drei Minuten", 180, None), ("30 Sekunden", 30, None), ("16 Takte", None, 16),
    ("16 mesures", None, 16), ("30秒", 30, None), ("两分钟", 120, None), ("16小节", None, 16),
    ("80s synth pop, 45s", 45, None), ("10 minutes", 600, None), ("1 hour of rain", 3600, None),
    ("1 min 30", 90, None), ("0:45", 45, None), ("a 3-minute song", 180, None),
    ("length: 60", 60, None), ("duration 45", 45, None), ("length: 16 bars", None, 16),
    ("length 2 min", 120, None),
])
def test_lengths_are_read_exactly(text, seconds, bars):
    found = read_length(Text.of(text))
    assert found is not None and found.bars == bars
    assert found.seconds == seconds or (seconds is None and found.seconds is None)


@pytest.mark.parametrize("text", [
    "80s synthwave", "90s hip hop vibes", "the 60s", "calm piano", "one more time",
    "a piano for two",
])
def test_no_false_length(text):
    assert read_length(Text.of(text)) is None
