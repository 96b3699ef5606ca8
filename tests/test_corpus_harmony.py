"""Folk plans take their harmony from the folk tunes the melody model learned."""

import json
from collections import Counter
from dataclasses import replace

import pytest

from generation.music import styles
from generation.music.plan import make_plan
from generation.music.spec import make_spec
from models.core.grid import Bar, Piece
from models.core.harmony import Chord
from models.inference.progressions import PATH, corpus_progressions
from models.training import progressions
from tests.test_plan import request

ONE, FOUR, FIVE, FIVE7 = Chord(0, "maj"), Chord(5, "maj"), Chord(7, "maj"), Chord(7, "dom7")


def folk_bars(monkeypatch=None, harmony="essen", seeds=range(1, 31)) -> Counter:
    if monkeypatch is not None:
        monkeypatch.setitem(styles.PROFILES, "folk",
                            replace(styles.PROFILES["folk"], harmony=harmony))
    bars: Counter = Counter()
    for seed in seeds:
        spec = make_spec(request(style="folk", key="G major", tempo=112, duration=60.0,
                                 instruments=("guitar",)), seed=seed)
        bars.update(make_plan(spec).chords)
    return bars


def test_folk_harmony_sits_on_the_tonic_as_folk_tunes_do():
    """Essen's tunes hold I on about half their bars and IV on 4 %; the hand-written folk
    progressions put IV in every other phrase."""
    bars = folk_bars()
    total = sum(bars.values())
    assert bars[ONE] / total >= 0.45
    assert bars[FOUR] / total <= 0.1
    assert (bars[FIVE] + bars[FIVE7]) / total >= 0.1


def test_the_hand_written_progressions_fail_that_test(monkeypatch):
    bars = folk_bars(monkeypatch, harmony=None)
    assert bars[FOUR] / sum(bars.values()) > 0.1


@pytest.mark.parametrize("key", ["G major", "E minor", "D dorian", "A mixolydian"])
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_folk_phrases_still_cadence(key, seed):
    """A phrase before new material closes on the tonic, the last one leads to the final
    tonic from a chord other than the tonic, and the piece ends on the tonic."""
    spec = make_spec(request(style="folk", key=key, duration=60.0, instruments=("guitar",)),
                     seed=seed)
    plan = make_plan(spec)
    chords, sections = plan.chords, plan.sections
    assert chords[-1].root == 0 and chords[-2].root != 0
    for before, after in zip(sections, sections[1:], strict=False):
        if after.label in ("B", "C"):
            assert chords[before.start + before.bars - 1].root == 0, plan.form()


def test_the_table_counts_four_bar_phrases_by_collection_and_mode():
    def piece(name, mode, chords):
        bars = tuple(Bar("4/4", 48, (), chord) for chord in chords)
        return Piece(name, "essen", mode, 0, "medium", bars)

    tune = [ONE, ONE, FIVE, ONE, ONE, FOUR, FIVE, ONE, ONE]  # a ninth bar left over
    tunes = [piece(f"t{i}", "major", tune) for i in range(30)]
    tunes += [piece("m", "minor", [Chord(0, "min")] * 8)]
    table = progressions.count(tunes)
    assert list(table) == ["essen"] and list(table["essen"]) == ["major"]  # minor: too few
    rows = table["essen"]["major"]
    assert rows == [[30, [[0, "maj"], [0, "maj"], [7, "maj"], [0, "maj"]]],
                    [30, [[0, "maj"], [5, "maj"], [7, "maj"], [0, "maj"]]]]


def test_the_shipped_table_reads_as_chords():
    data = json.loads(PATH.read_text())
    assert data["phrase_bars"] == progressions.PHRASE and len(data["corpus_sha1"]) == 40
    major = corpus_progressions("essen", "major")
    assert len(major) == progressions.KEEP and all(len(p) == 4 for p, _ in major)
    assert major[0][0] == (ONE, ONE, ONE, ONE)  # the commonest phrase of a folk tune: the tonic
    assert [n for _, n in major] == sorted((n for _, n in major), reverse=True)
    assert corpus_progressions("essen", "lydian") == []


@pytest.mark.slow
def test_the_shipped_table_is_rebuilt_from_the_corpus(tmp_path):
    from generation.settings import Settings
    from models.training.corpus import CACHE_NAME

    cache = Settings.from_env().cache_dir
    if not (cache / CACHE_NAME).exists():
        pytest.skip("no prepared corpus (tunesmith train data)")
    out = tmp_path / "progressions.json"
    progressions.build(cache, out)
    shipped, rebuilt = json.loads(PATH.read_text()), json.loads(out.read_text())
    if rebuilt["corpus_sha1"] != shipped["corpus_sha1"]:
        pytest.skip("the prepared corpus is another build than the one the table came from")
    assert rebuilt == shipped
