"""`tunesmith eval music --stages`: each stage writes under exactly the constraint it names."""

from generation.tools.eval_stages import LEAD_RANGE, STAGES, Stage, report_markdown, written
from models.core.grid import Bar, Piece
from models.core.harmony import Chord


def folk_tune() -> Piece:
    """Eight bars of a 4/4 tune in C: I I IV V, I IV V I, quarter notes."""
    roots = (0, 0, 5, 7, 0, 5, 7, 0)
    bars = tuple(Bar("4/4", 48, tuple((12 * i, 12, 60 + root + 2 * i) for i in range(4)),
                     Chord(root, "maj")) for root in roots)
    return Piece("essen/test/1", "essen", "major", 0, "medium", bars)


def test_the_range_stage_keeps_the_lead_range_and_the_raw_stage_leaves_it(composer):
    piece, request = folk_tune(), None
    raw = [written(composer.model, piece, STAGES[0], request, seed) for seed in range(6)]
    ranged = [written(composer.model, piece, Stage("range", lead_range=True), request, seed)
              for seed in range(6)]
    assert all(LEAD_RANGE[0] <= p <= LEAD_RANGE[1] for line in ranged for p in line.pitches)
    # unconstrained, the network's lines are its own: the same seeds write other notes
    assert [line.pitches for line in raw] != [line.pitches for line in ranged]


def test_the_craft_stage_applies_the_collections_filters(composer):
    piece = folk_tune()
    raw = [written(composer.model, piece, STAGES[0], None, seed) for seed in range(8)]
    crafted = [written(composer.model, piece, Stage("craft", craft=True), None, seed)
               for seed in range(8)]

    def longest_run(line) -> int:
        runs, run = [1], 1
        for a, b in zip(line.pitches, line.pitches[1:], strict=False):
            run = run + 1 if a == b else 1
            runs.append(run)
        return max(runs)

    # the craft filters bound a run of one pitch at three notes (sampler.Craft.longest)
    assert max(longest_run(line) for line in crafted) <= 3
    assert [line.pitches for line in raw] != [line.pitches for line in crafted]


def test_the_report_has_a_row_a_stage_and_the_median_cost():
    rows = [{"stage": s.name, "windows": 40, "two_sample": 0.5 + 0.02 * i,
             "groups": {"intervals": 0.5, "inter-onsets": 0.5, "durations": 0.5,
                        "scale degrees": 0.5}} for i, s in enumerate(STAGES)]
    text = report_markdown({"machine": "test", "collection": "essen", "tunes": 3,
                            "human_windows": 9, "request": "a folk tune", "rows": rows})
    assert all(f"| {s.name} |" in text for s in STAGES)
    assert "Median cost of one constraint alone: +" in text
