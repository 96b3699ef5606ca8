"""`tunesmith eval music --stages`: what each of the product's constraints costs a melody.

`tunesmith eval music` tells the product's lead lines from human ones; this says where the
distance comes from. The network writes each held-out folk tune (Essen) again under the
tune's own header and chords, every filter off, and the two-sample test of
`tunesmith eval music` compares those lines with the tunes. Then the same, with one of the
product's constraints at a time, and with all of them:
- the header a plain folk request asks for (its tempo band, density bucket and mood), the
  tune keeping its meter and mode so that its chords still fit;
- the lead's range (a folk lead's, in the normalised key);
- the register pull to the middle of that range (models/inference/filters.register, as the
  product sets it);
- the product's sampling: nucleus 0.95, scale strictness 0.95, the chord-tone bias;
- the craft filters (models.inference.sampler.CRAFT);
- the plan's phrase labels (A A′ B A, four bars each).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from generation.music.craft import Line
from generation.tools.eval_music import features, line_of, two_sample_accuracy
from models.evaluation.machine import machine_line

COLLECTION = "essen"
BARS = 24  # bars written per tune
GROUPS = {"intervals": slice(0, 25), "inter-onsets": slice(25, 34),
          "durations": slice(34, 43), "scale degrees": slice(43, 55)}
LABELS = ("A", "A'", "B", "A")
LEAD_RANGE = (60, 81)  # a folk lead's (guitar) in the normalised key


@dataclass(frozen=True)
class Stage:
    """One row: which of the product's constraints the network writes under."""

    name: str
    header: bool = False
    lead_range: bool = False
    register: bool = False
    sampling: bool = False
    craft: bool = False
    phrases: bool = False


STAGES = (
    Stage("the network alone: the tune's header and chords, no filter"),
    Stage("+ a folk request's header (tempo, density, mood)", header=True),
    Stage("+ the lead's range", lead_range=True),
    Stage("+ the lead's range and the register pull to its middle", register=True),
    Stage("+ the product's sampling (nucleus, scale, chord tones)", sampling=True),
    Stage("+ the craft filters", craft=True),
    Stage("+ the plan's phrase labels", phrases=True),
    Stage("all of these", True, True, True, True, True, True),
)


def request_header(model, piece, request) -> Any:
    """The header `request` (the product's Controls) asks for, in the tune's meter and mode."""
    meter = tuple(int(x) for x in piece.bars[0].meter.split("/"))
    return model.tokenizer.controls_header(replace(request, mode=piece.mode, meter=meter))


def written(model, piece, stage: Stage, request, seed: int) -> Line:
    """The lead line the network writes over `piece`'s chords under `stage`."""
    from generation.music.melody import REGISTER_PULL
    from models.inference.sampler import CHORD_BIAS, NO_CRAFT

    header = request_header(model, piece, request) if stage.header \
        else model.tokenizer.header_of(piece)
    chords = [bar.chord for bar in piece.bars][:BARS]
    options: dict[str, Any] = dict(top_p=1.0, scale_strictness=0.0, chord_bias=0.0,
                                   pitch_range=(36, 108), craft=NO_CRAFT)
    if stage.lead_range:
        options.update(pitch_range=LEAD_RANGE)
    if stage.register:
        options.update(register_pull=REGISTER_PULL, pitch_range=LEAD_RANGE)
    if stage.sampling:
        options.update(top_p=0.95, scale_strictness=0.95, chord_bias=CHORD_BIAS)
    if stage.craft:
        options.pop("craft")
    sections = [LABELS[(i // 4) % len(LABELS)] for i in range(len(chords))] \
        if stage.phrases else None
    notes = model.sample(header, chords, seed=seed, sections=sections, **options)
    return Line.of_notes(notes, 0)


def stage_row(model, pieces, human: np.ndarray, stage: Stage, request) -> dict[str, Any]:
    """The two-sample accuracy of one stage's lines, overall and per feature group."""
    made = np.array([features(w) for i, piece in enumerate(pieces)
                     for w in written(model, piece, stage, request, seed=i).windows()])
    if len(made) < 10:
        return {"stage": stage.name, "windows": len(made), "two_sample": None, "groups": {}}
    return {"stage": stage.name, "windows": len(made),
            "two_sample": two_sample_accuracy(list(made), list(human), draws=8),
            "groups": {name: two_sample_accuracy(list(made[:, cut]), list(human[:, cut]))
                       for name, cut in GROUPS.items()}}


def evaluate(composer, cache_dir: Path, tunes: int = 150, stages=STAGES) -> dict[str, Any]:
    """Every stage over the first `tunes` held-out tunes of `COLLECTION`."""
    from generation.job import Job
    from generation.music.melody import controls_of
    from models.training.corpus import load

    pieces = [p for p in load(cache_dir, split="test") if p.collection == COLLECTION][:tunes]
    human = np.array([features(w) for piece in pieces for w in line_of(piece).windows()])
    spec = composer.spec_for(Job(action="compose", text="a folk tune", seed=1)).spec
    request = controls_of(spec)
    rows = [stage_row(composer.model, pieces, human, stage, request) for stage in stages]
    return {"machine": machine_line(), "collection": COLLECTION, "tunes": len(pieces),
            "human_windows": len(human), "request": "a folk tune", "rows": rows}


def report_markdown(result: dict[str, Any]) -> str:
    """One row a stage: the two-sample accuracy overall and by feature group."""
    lines = [
        "# What each constraint costs a melody (`tunesmith eval music --stages`)", "",
        f"Machine: {result['machine']}", "",
        f"{result['tunes']} held-out {result['collection']} tunes ({result['human_windows']} "
        f"windows of 32 notes), each written again by the network, {BARS} bars, one seed a "
        "tune. Two-sample accuracy of a logistic regression (50 % = indistinguishable), "
        f"overall and on each feature group alone; the header row asks what "
        f"\"{result['request']}\" asks.", "",
        "| stage | windows | two-sample | " + " | ".join(GROUPS) + " |",
        "|---|---|---|" + "---|" * len(GROUPS),
    ]
    for row in result["rows"]:
        cells = [f"{row['groups'][g]:.0%}" if row["groups"] else "–" for g in GROUPS]
        accuracy = "–" if row["two_sample"] is None else f"{row['two_sample']:.0%}"
        lines.append(f"| {row['stage']} | {row['windows']} | {accuracy} | "
                     + " | ".join(cells) + " |")
    costs = [r["two_sample"] for r in result["rows"][1:-1] if r["two_sample"] is not None]
    if costs and result["rows"][0]["two_sample"] is not None:
        lines += ["", f"Median cost of one constraint alone: "
                      f"{statistics.median(costs) - result['rows'][0]['two_sample']:+.0%}."]
    return "\n".join(lines) + "\n"
