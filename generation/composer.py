"""The one place that wires the stages together: Job → Composition.

    text ─ request ─► Request ─ spec ─► Spec ─ plan ─► Plan ─ melody ─► notes ─ arrange ─► MIDI
                               perform ─► MIDI (pan, pedal, swells, timing) ─ render ─► MP3, PNG

Each action a user can take on a piece (🔁 regenerate, 🎲 vary, ⏩ extend, 🐢/🐇 tempo,
🎹 instrument) is a small change to the earlier Spec, so the rest of the piece stays put.
`render_file` wires `tunesmith render`: any MIDI file, described by ear, to MP3 and PNG.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pretty_midi

from generation.audio.render import Rendered, load_midi, render
from generation.job import Changes, Composition, Job, Request, new_seed
from generation.music.arrange import arrange
from generation.music.continuation import Given, continue_request, given_for, read_upload
from generation.music.edits import edit
from generation.music.keyfind import estimate_key, key_agrees
from generation.music.melody import MelodyWriter, controls_of, shifted, transposition
from generation.music.perform import perform
from generation.music.plan import framed, make_plan
from generation.music.revise import revise
from generation.music.spec import Spec, make_spec
from generation.notation import write_notation
from generation.settings import Settings
from models.core.errors import ModelError, RequestError

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
DRAFTS = 3  # seeded drafts tried until one sounds in the asked key
TAIL_SHARE = 0.025  # release tail as a share of the length, so the MP3 stays within 3 %
# actions that keep their base's draft: an edit sentence, and the phrase VAE's variations and
# blends, which rework the base's own melody
KEEPS_DRAFT = ("edit", "vary", "blend")
# critic logits a semitone of the lead's distance from its band's middle costs a draft. The
# band is where the mood puts the melody; the critic alone prefers drafts below it (the corpus
# sits lower), and a mood edit, written as one draft, then rose back towards the band: "a bit
# sadder" lowered the melody in 16 of 20 seeded pairs (tests/test_mood_directions.py), 18 with
# a weight of 1, 20 with 2
REGISTER_WEIGHT = 2.0
# critic logits a draft loses per unit of distance between its share of sixteenth onsets and
# its corpus collection's (models.inference.CRAFT's short_target). Beside the register term,
# worth 2 logits a semitone, the critic's own preference for drafts with the collection's
# sixteenths (it scored them higher) was outweighed, and the kept drafts had none: 2.5 % of
# onsets against the corpus's 12-15 %.
RHYTHM_WEIGHT = 20.0


@dataclass(frozen=True)
class Resolved:
    """What a job comes to before any music is written."""

    spec: Spec
    request: dict[str, Any]  # as the piece's .json records it: the parsed request, or the edit
    given: Given | None = None  # an upload's bars: a continuation and its follow-ups


def parse(job: Job, text: str) -> Request:
    """The job's text and typed options read into a Request (the request stage)."""
    from generation.request.parse import parse_request  # the encoder loads on first use

    return parse_request(text, key=job.key, tempo_bpm=job.tempo_bpm, duration_s=job.duration_s,
                         instrument=job.instrument)


def slug(text: str, limit: int = 40) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:limit].strip("-") or "piece"


class Composer:
    """Turns jobs into finished pieces; loads the text encoder and the music model once."""

    def __init__(self, settings: Settings | None = None, model=None):
        self.settings = settings or Settings.from_env()
        self._model = model
        self._critic = None  # loaded on the first draft choice; False: not available

    @property
    def model(self):
        if self._model is None:
            from models.inference import MelodyModel

            try:
                self._model = MelodyModel.load(device=self.settings.device)
            except FileNotFoundError as error:
                raise ModelError(
                    "the music model's weights are missing: run `tunesmith train model`"
                ) from error
        return self._model

    @property
    def model_version(self) -> str:
        """The melody model's version and the phrase VAE's (A′ sections, 🎲, blends):
        'transformer-18aedc61-2831+vae-0f3c2a1b-9000'."""
        from generation.music import variation

        return f"{self.model.version}+{variation.codec().version}"

    def warm(self) -> None:
        """Load everything a first request would wait for: encoder, model, synthesizer,
        the notation's engraver and fonts."""
        import generation.notation.score  # noqa: F401  (music21's modules load here)
        from generation.audio.render import synthesizers
        from generation.notation.engrave import ready
        from generation.request.parse import parse_request

        parse_request("warm up")
        _ = self.model_version  # the melody model and the phrase VAE
        synthesizers(self.settings)
        ready()

    # --- from a job to a spec ---------------------------------------------------------------

    def spec_for(self, job: Job) -> Resolved:
        """The Spec a job asks for, the request it came from, and an upload's given bars.

        The seed is drawn here, once, for every action that was not given one; a new request
        or a continuation is parsed here, once.
        """
        seed = job.seed if job.seed is not None else new_seed()
        if job.action == "continue":
            midi, file_tempo = read_upload(job.midi_path)  # a bad file is refused first
            request, given = continue_request(parse(job, job.text or "continue this piece"),
                                              midi, file_tempo)
            # the upload's own bars are put back where they were: no octave moved
            return Resolved(replace(make_spec(request, seed), octave=0), request.to_json(),
                            given)
        if job.action == "compose":
            request = parse(job, job.text)
            spec, recorded = make_spec(request, seed), request.to_json()
        elif job.base is None:
            raise RequestError(f"there is no earlier piece to {job.action}")
        elif job.action == "edit":  # a sentence's changes: the base's own seed is kept
            base = Spec.from_json(job.base)
            spec = revise(base, Changes.from_json(job.changes or {}))
            recorded = {"text": base.text, "action": "edit", "base_seed": base.seed,
                        "changes": job.changes or {}}
        else:
            base = Spec.from_json(job.base)
            spec = edit(base, job.action, seed, instrument_name=job.instrument,
                        amount=job.amount, other=job.other)
            recorded = {"text": base.text, "action": job.action, "base_seed": base.seed}
            if job.amount is not None:
                recorded["amount"] = job.amount
        # a follow-up of a continued upload keeps the upload's bars
        given = given_for(spec, job.midi_path) if job.midi_path else None
        return Resolved(spec, recorded, given)

    # --- the pipeline -----------------------------------------------------------------------

    def compose_midi(self, spec: Spec, given: Given | None, timings: dict[str, float],
                     drafts: int = DRAFTS):
        """Plan, melody and arrangement, from the best of `drafts` seeded drafts.

        With the critic (models/inference/critic.py) every draft's lead line is written and scored
        (how much its 4-bar phrases sound like the corpus), and the drafts are tried best
        first. Key-finding (Krumhansl–Schmuckler) then listens to each finished draft the way
        a listener's ear sums it up: the first that sounds unmistakably in the asked key is
        kept; when none does (a draft leaning to the dominant), the closest one. Without the
        critic, drafts are written one at a time until one is in key. An edit sentence keeps
        its base's draft (`drafts=1`): a new cello must not bring a new melody.
        """

        def timed(stage: str, work):
            started = time.perf_counter()
            result = work()
            timings[stage] = round(timings.get(stage, 0.0) + time.perf_counter() - started, 4)
            return result

        writer = MelodyWriter(self.model)
        prefix = list(given.melody) if given else None
        drafts = 1 if given is not None else drafts  # an upload's continuation: one draft

        def write(variant: int):
            draft = replace(spec, variant=variant)
            plan = timed("plan", lambda: given.plan(draft) if given else make_plan(draft))
            melody = timed("melody", lambda: writer.write(draft, plan, prefix=prefix))
            return draft, plan, melody

        variants = range(spec.variant, spec.variant + drafts)
        critic = self.critic if drafts > 1 else None
        if critic is not None:
            written = [write(v) for v in variants]
            scores = timed("critic", lambda: [draft_score(critic, *w) for w in written])
            # best first; sorted() is stable, so equal scores keep the seed order
            candidates = iter([w for _, w in sorted(zip(scores, written, strict=True),
                                                     key=lambda pair: -pair[0])])
        else:
            candidates = (write(v) for v in variants)
        best = None
        for draft, plan, melody in candidates:
            if draft.intro or draft.outro:  # bars an edit put around the melody
                plan = framed(draft, plan)
                melody = shifted(melody, draft.intro * draft.beats_per_bar)
            midi = timed("arrange", lambda d=draft, p=plan, m=melody: arrange(d, p, m))
            if drafts == 1:
                return draft, midi, plan
            # judged as it will be heard: the performance's lengths and velocities can tip a
            # piece that leans to the dominant (a cinematic C minor read as G minor)
            found = estimate_key(timed("perform", lambda d=draft, p=plan, m=midi: perform(d, p, m)))
            exact, _ = key_agrees(draft.key, found)
            if exact:
                return draft, midi, plan
            score = found.correlation if found.tonic == draft.tonic else -1.0
            if best is None or score > best[0]:
                best = (score, draft, midi, plan)
        kept = replace(best[1], notes=best[1].notes + (
            f"none of {drafts} drafts sounded unmistakably in {spec.key}; kept the closest",))
        return kept, best[2], best[3]

    @property
    def critic(self):
        """The draft critic (numpy), or None when it is switched off or not trained."""
        if self._critic is None and self.settings.rerank:
            from models.inference import NumpyCritic

            try:
                self._critic = NumpyCritic.load()
            except ModelError as error:
                log.warning("drafts are not reranked: %s", error)
                self._critic = False
        return self._critic or None

    def run(self, job: Job, out_dir: Path, progress: Progress | None = None) -> Composition:
        """Do `job` and write <name>.mid, .mp3, .png, .json, and (unless the job asks for no
        notation) .musicxml and .score.png into `out_dir`."""
        report = progress or (lambda stage, fraction: None)
        timings: dict[str, float] = {}
        clock = began = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[stage] = round(now - clock, 4)
            clock = now

        report("understanding", 0.05)
        resolved = self.spec_for(job)
        lap("spec")
        report("composing", 0.2)
        spec, midi, plan = self.compose_midi(resolved.spec, resolved.given, timings,
                                             drafts=1 if job.action in KEEPS_DRAFT else DRAFTS)
        clock = time.perf_counter()
        # the performance (pan, pedal, swells, timing) is what is heard and downloaded; the
        # arrangement it plays stays as written, for the notation
        written, midi = midi, perform(spec, plan, midi)
        lap("perform")
        report("rendering", 0.6)
        out_dir.mkdir(parents=True, exist_ok=True)
        name = f"{slug(spec.text)}-{spec.seed}"
        if job.action not in ("compose", "regenerate"):  # one name per distinct follow-up
            digest = hashlib.sha1(json.dumps(spec.to_json(), sort_keys=True).encode())
            name += f"-{job.action}-{digest.hexdigest()[:6]}"
        base = out_dir / name
        midi.write(str(base.with_suffix(".mid")))
        lap("write_midi")
        meter = f"{spec.meter[0]}/{spec.meter[1]}"
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="notation") as beside:
            # the score is written while FluidSynth renders (its C code lets go of the GIL)
            scoring = (beside.submit(write_notation, spec, plan, written, base)
                       if job.notation else None)
            rendered = render(midi, base, self.settings, title=spec.text[:60] or "tunesmith",
                              subtitle=f"{spec.key} · {spec.tempo_bpm} bpm · {meter} · "
                                       f"{spec.style}",
                              tail_s=TAIL_SHARE * spec.total_duration_s)
            timings.update({f"render_{k}": round(v, 4) for k, v in rendered.timings.items()})
            clock = time.perf_counter()
            notation, notes = None, spec.notes
            if scoring is not None:
                report("writing the score", 0.9)
                try:
                    notation = scoring.result()
                    timings.update({f"notation_{k}": v for k, v in notation.timings.items()})
                    notes += (notation.note,) if notation.note else ()
                except Exception:  # the music is made: deliver it without its score
                    log.exception("the notation of %s failed", name)
                    notes += ("the sheet music could not be written for this piece",)
                lap("notation")  # what the score adds after the audio is done
        composition = Composition(
            name=name, midi=base.with_suffix(".mid"), mp3=rendered.mp3, png=rendered.png,
            json=base.with_suffix(".json"), seed=spec.seed, model_version=self.model_version,
            spec=spec.to_json(), request=resolved.request, timings=timings, notes=notes,
            duration_s=round(spec.total_duration_s, 3), form=plan.form(),
            chords=plan.chord_names(spec.tonic, spec.mode),
            musicxml=notation.musicxml if notation else None,
            score=notation.score if notation else None,
        )
        base.with_suffix(".json").write_text(json.dumps(composition.to_json(), indent=2))
        report("done", 1.0)
        # wall time: the PNG is drawn while the MP3 is encoded, so the stages add up to more
        log.info("composed %s in %.2f s", name, time.perf_counter() - began)
        return composition


def draft_score(critic, spec: Spec, plan, melody) -> float:
    """How a draft ranks: the critic's score, less `REGISTER_WEIGHT` per semitone the lead
    line lies from where the mood puts it."""
    return lead_score(critic, spec, plan, melody) - REGISTER_WEIGHT * register_miss(
        spec, plan, melody) - RHYTHM_WEIGHT * rhythm_miss(spec, melody)


def rhythm_miss(spec: Spec, melody) -> float:
    """How far the lead line's share of sixteenth onsets (under 0.3 beats apart) lies from
    its corpus collection's: the critic, like the register, is not told it."""
    from models.inference import CRAFT, STYLE_COLLECTION

    craft = CRAFT.get(STYLE_COLLECTION.get(spec.style, ""))
    if craft is None or len(melody) < 2:
        return 0.0
    onsets = sorted(n.start for n in melody)
    shorts = sum(b - a < 0.3 for a, b in zip(onsets, onsets[1:], strict=False))
    return abs(shorts / (len(onsets) - 1) - craft.short_target)


def register_miss(spec: Spec, plan, melody) -> float:
    """Semitones between the lead line's mean pitch and the middle of its band: the band is
    where the mood puts the melody (spec.register), which the critic does not know about."""
    lead = spec.part("lead")
    if lead is None or not melody:
        return 0.0
    middle = (lead.low + lead.high) / 2 - transposition(spec)
    return abs(sum(n.pitch for n in melody) / len(melody) - middle)


def lead_score(critic, spec: Spec, plan, melody) -> float:
    """The critic's mean logit over the lead line's 4-bar phrases (normalised key)."""
    from models.inference import Tokenizer, notes_to_bars

    header = Tokenizer().controls_header(controls_of(spec))
    bars = notes_to_bars(melody, header.meter, header.mode)[: len(plan.chords)]
    # the plan's chords, not those fitted to the notes: the model wrote against them
    bars = [replace(bar, chord=chord) for bar, chord in zip(bars, plan.chords, strict=False)]
    return critic.melody_score(bars, header.style, header.mode)


def render_file(path: Path, out_dir: Path, settings: Settings) -> Rendered:
    """`tunesmith render`: any MIDI file → out_dir/<stem>.mp3 and .png."""
    midi = load_midi(path)
    return render(midi, out_dir / path.stem, settings, title=path.stem,
                  subtitle=describe(midi))


def describe(midi: pretty_midi.PrettyMIDI) -> str:
    """'D minor · 72 bpm · 4/4' from what the file says (or estimates when it is silent)."""
    if midi.key_signature_changes:
        key = pretty_midi.key_number_to_key_name(midi.key_signature_changes[0].key_number)
        tonic, mode = key.split()
        key = f"{tonic} {mode.lower()}"
    else:
        key = estimate_key(midi).name
    _, tempi = midi.get_tempo_changes()
    bpm = round(float(tempi[0])) if len(tempi) else 120
    if midi.time_signature_changes:
        sig = midi.time_signature_changes[0]
        meter = f"{sig.numerator}/{sig.denominator}"
    else:
        meter = "4/4"
    return f"{key} · {bpm} bpm · {meter}"
