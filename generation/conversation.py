"""A conversation with the composer: versions of a piece, each made from its parent.

    conversation = Conversation(run)          # run: Job → Composition (the Composer)
    conversation.say("calm piano in D minor")  # v1, a new piece
    conversation.say("faster, and add a cello")  # v2 ← v1: 64 → 74 bpm, + cello; same melody
    conversation.say("what key is this in?")   # an answer, no new piece
    conversation.say("undo")                   # v1 is current again

Every line gets exactly one `Answer`. Lines are read by `generation.turn`; an edit becomes a
Job with the parent's Spec and the Changes, which the Composer turns into the next version
(`generation.music.revise`). Whether the melody was kept is read back from the two MIDI files, not
promised.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from generation.differences import (  # noqa: F401  (lead_line: eval and tests)
    change_words,
    differences,
    kept_words,
    lead_line,
    melody_kept,
)
from generation.job import (
    BLEND_MIX,
    Changes,
    Composition,
    Job,
    blend_job,
    check_prompt,
    follow_up,
)
from generation.request.recall import History, Past, named_instruments, recalled
from generation.request.turn import PREVIOUS, Turn
from generation.request.understand import picked, understand
from generation.vocab import INSTRUMENTS_SAID, MOODS, STYLES
from models.core.errors import TunesmithError

EXAMPLE = "calm piano in D minor"


@dataclass(frozen=True)
class Version:
    number: int  # 1, 2, ... in the order made
    parent: int | None  # the version it was made from; None for a new piece
    job: Job
    piece: Composition
    action: str = "compose"  # compose, edit, vary, regenerate, extend, ...
    said: str = ""  # the line that asked for it


@dataclass(frozen=True)
class Answer:
    """What a line gets back; `to_json` is the `tunesmith chat --json` contract."""

    kind: str  # 'piece' | 'reply' | 'error'
    action: str  # compose, edit, vary, regenerate, undo, redo, goto, question, help, ...
    reply: str
    version: int | None = None  # the current piece after this line
    parent: int | None = None
    changed: dict[str, list[Any]] = field(default_factory=dict)
    piece: Composition | None = None
    choices: tuple[str, ...] = ()  # a question back ("ask"): the readings, numbered from 1

    def to_json(self) -> dict[str, Any]:
        out = {"kind": self.kind, "action": self.action, "version": self.version,
               "parent": self.parent, "reply": self.reply, "changed": self.changed,
               "piece": self.piece.to_json() if self.piece else None}
        return out | ({"choices": list(self.choices)} if self.action == "ask" else {})


def answer_question(topic: str | None, piece: Composition | None, name: str) -> str:
    """The answer to a question about `piece` (called `name`: "v2", "this piece") or about
    what the composer can do; the topics are those of `generation.request.turn`."""
    if topic == "abilities":
        return HELP
    if topic == "styles":
        return "styles I know: " + ", ".join(STYLES)
    if topic == "moods":
        return "moods I know: " + ", ".join(MOODS)
    if topic == "instrument list":
        return "instruments I can play: " + INSTRUMENTS_SAID
    if piece is None:
        return f"there is no piece yet to ask about; try “{EXAMPLE}”"
    spec = piece.spec
    parts = played_by(spec)
    answers = {
        "key": f"{name} is in {spec['key']}",
        "tempo": f"{name} is at {spec['tempo_bpm']} bpm",
        "meter": f"{name} is in {spec['meter']}",
        "instruments": f"{name} is played by {parts}",
        "length": f"{name} lasts {piece.duration_s:.0f} s ({spec['bars']} bars"
                  + (f" + {added} added" if (added := sum(spec.get("extensions", ()))
                                                + spec.get("intro", 0) + spec.get("outro", 0))
                     else "") + ")",
        "mood": f"{name} is {spec['mood']} (valence {spec['valence']:+.2f}, arousal "
                f"{spec['arousal']:+.2f})",
        "style": f"{name} is {spec['style']}",
    }
    if topic in answers:
        return answers[topic]
    if topic == "form" and piece.form:
        return f"{name} is built {piece.form} (section and bars)"
    if topic == "chords" and piece.chords:
        return f"{name}'s chords, a bar each: {' | '.join(piece.chords)}"
    if topic in ("form", "chords"):
        return f"{name} was made before I kept its {topic}; change it and ask again"
    return (f"{name}: {spec['key']}, {spec['tempo_bpm']} bpm, {spec['meter']}, "
            f"{spec['style']}, {spec['mood']}, {parts}; ask about its key, tempo, chords, "
            "form, instruments or length")


def played_by(spec: dict[str, Any]) -> str:
    """The instruments of a piece as its spec names them, each once, the melody's marked:
    "celesta (melody), strings, bass" (a part that plays two roles is one instrument)."""
    lead = next((p["instrument"] for p in spec.get("parts", []) if p["role"] == "lead"), None)
    names = dict.fromkeys([*(p["instrument"] for p in spec.get("parts", [])),
                           *spec.get("instruments", [])])
    return ", ".join(f"{n} (melody)" if n == lead else n for n in names)


class Conversation:
    """One conversation's versions and the current one; `say` answers a line."""

    def __init__(self, run: Callable[[Job], Composition], rng: random.Random | None = None):
        self.run = run
        self.rng = rng or random.Random()
        self.versions: list[Version] = []
        self.current: Version | None = None
        self._undone: list[Version] = []  # what `redo` brings back, most recent last
        self._pending: tuple[tuple[str, Turn], ...] = ()  # the choices of a question back
        self._last: Changes | None = None  # the last edit said ("even more" repeats it)
        self._named: tuple[str, ...] = ()  # the instruments last named ("add them")

    def say(self, line: str) -> Answer:
        """Answer a line of conversation: it is read as an edit, a request, a question...;
        when it could mean two things, a question back whose choices the next line may pick
        (by number or in words)."""
        pending, self._pending = self._pending, ()
        turn = picked(line, pending) if pending else None
        if turn is None:
            playing = tuple(self.current.piece.spec.get("instruments", ())) if self.current \
                else ()
            reading = understand(line, has_piece=self.current is not None, playing=playing)
            moved = recalled(reading.turn, line, self._history())
            if moved != reading.turn:  # "redo it, the choir is fine", "remove them": no question
                reading = replace(reading, turn=moved, choices=())
            if reading.choices:
                self._pending = reading.choices
                labels = tuple(label for label, _ in reading.choices)
                question = " or ".join(labels) + "? (" + ", ".join(
                    f"{n}: {label}" for n, label in enumerate(labels, 1)) + ")"
                answer = self._reply("reply", "ask", question)
                return replace(answer, choices=labels)
            turn = moved
        if turn.kind == "edit":
            self._last = turn.changes
        self._named = named_instruments(line) or self._named
        return self._safely(turn.kind, lambda: self._answer(turn, line))

    def _history(self) -> History:
        """What the reader may lean on: the versions, the undone ones, the last edit."""
        return History(tuple(Past(v.number, v.parent, v.piece.spec) for v in self.versions),
                       self.current.number if self.current else None,
                       tuple(v.number for v in self._undone), self._last, self._named)

    def compose(self, text: str) -> Answer:
        """A new piece, whatever the text sounds like (`/compose`)."""
        return self._safely("compose", lambda: self._make(
            Job(text=check_prompt(text), seed=self._seed()), None, "compose"))

    def control(self, action: str, instrument: str | None = None,
                amount: float | None = None) -> Answer:
        """A control on the current piece: regenerate, vary (by `amount`, 0..1), extend,
        faster, slower, instrument (🔁 🎲 ⏩ 🐇 🐢 🎹)."""
        def make() -> Answer:
            base = self._base(Turn(action))
            seed = self._seed() if action in ("regenerate", "vary") else base.piece.seed
            return self._make(follow_up(base.job, base.piece, action, seed=seed,
                                        instrument=instrument, amount=amount), base, action)
        return self._safely(action, make)

    def blend(self, other: int, mix: float | None = None, base: int | None = None) -> Answer:
        """Version `base` (default: the current one) with its melody moved `mix` of the way
        to version `other`'s, in the first one's key, tempo and arrangement."""
        return self._safely("blend", lambda: self._blend(
            Turn("blend", base=base, other=other, amount=mix), f"blend with v{other}"))

    def continue_file(self, path: str, text: str = "") -> Answer:
        """A new piece that continues (or re-arranges) the MIDI file at `path`."""
        return self._safely("continue", lambda: self._make(
            Job(action="continue", text=text, midi_path=path, seed=self._seed()), None,
            "continue"))

    def restore(self, number: int | None, undone: tuple[int, ...] = ()) -> None:
        """Make version `number` current, with `undone` (oldest first) left to redo: how an
        evaluation puts a dialogue back where its labels say it is after a wrong turn."""
        self.current = self._version(number) if number else None
        self._undone = [self._version(n) for n in undone]

    def state(self) -> tuple[int | None, tuple[int, ...]]:
        """The current version's number and those left to redo (what `restore` takes)."""
        return (self.current.number if self.current else None,
                tuple(v.number for v in self._undone))

    def history(self) -> list[str]:
        """One line per version: "v2 ← v1 edit “faster” → out/....mp3", current marked."""
        lines = []
        for v in self.versions:
            mark = "▶" if v is self.current else " "
            origin = f"v{v.number} ← v{v.parent}" if v.parent else f"v{v.number}"
            lines.append(f"{mark} {origin} {v.action} “{v.said}” → {v.piece.mp3}")
        return lines

    def _safely(self, action: str, work: Callable[[], Answer]) -> Answer:
        try:
            return work()
        except TunesmithError as error:
            return self._reply("error", action, f"✗ {error}")

    # --- turns ----------------------------------------------------------------------

    def _answer(self, turn: Turn, line: str) -> Answer:
        if turn.kind == "new":
            return self._make(Job(text=check_prompt(turn.text), seed=self._seed()), None,
                              "compose", line)
        if turn.kind in ("empty", "help", "smalltalk", "unknown", "question"):
            return self._talk(turn)
        if turn.kind in ("undo", "redo", "goto"):
            return self._move(turn)
        if turn.kind == "blend":
            return self._blend(turn, line)
        base = self._base(turn)
        if turn.kind in ("vary", "again"):
            action = "vary" if turn.kind == "vary" else "regenerate"
            return self._make(follow_up(base.job, base.piece, action, seed=self._seed(),
                                        amount=turn.amount), base, action, line)
        job = Job(action="edit", text=base.job.text, seed=base.piece.seed,
                  base=base.piece.spec, changes=turn.changes.to_json(),
                  midi_path=base.job.midi_path)
        return self._make(job, base, "edit", line)

    def _blend(self, turn: Turn, line: str) -> Answer:
        base = self._base(turn)
        if turn.other == PREVIOUS:
            if base.parent is None and base.number == 1:
                raise TunesmithError(f"v{base.number} is the first piece; name the one to "
                                     "blend it with (“blend it with v2”)")
            other = self._version(base.parent or base.number - 1)
        else:
            other = self._version(turn.other or 0)
        if other is base:
            raise TunesmithError(f"v{base.number} blended with itself is the same piece; name "
                                 "another version (“blend it with the first one”)")
        mix = BLEND_MIX if turn.amount is None else turn.amount
        job = blend_job(base.piece, other.piece, mix=mix, seed=self._seed(),
                        midi_path=base.job.midi_path)
        return self._make(job, base, "blend", line, other=other.number)

    def _base(self, turn: Turn) -> Version:
        if turn.base == PREVIOUS and self.current is not None:  # "undo that and ..."
            return self._version(self.current.parent or self.current.number)
        if turn.base is not None:
            return self._version(turn.base)
        if self.current is None:
            raise TunesmithError(f"there is no piece to change yet; try “{EXAMPLE}”")
        return self.current

    def _version(self, number: int) -> Version:
        if not 1 <= number <= len(self.versions):
            made = len(self.versions)
            raise TunesmithError(f"there is no version {number}; "
                                 + (f"this conversation has v1–v{made}" if made
                                    else "nothing has been made yet"))
        return self.versions[number - 1]

    def _make(self, job: Job, base: Version | None, action: str, said: str = "",
              other: int | None = None) -> Answer:
        piece = self.run(job)
        version = Version(len(self.versions) + 1, base.number if base else None, job, piece,
                          action, said or job.text or action)
        self.versions.append(version)
        self.current = version
        self._undone.clear()
        if base is None:
            spec = piece.spec
            reply = (f"v{version.number}: {spec['key']} · {spec['tempo_bpm']} bpm · "
                     f"{spec['meter']} · {spec['style']} · "
                     f"{', '.join(dict.fromkeys(spec['instruments']))}")
            added = [note for note in spec.get("notes", ()) if " added " in note]
            reply += f" ({'; '.join(added)})" if added else ""
            return Answer("piece", action, reply, version.number, None, {}, piece)
        changed = differences(base.piece.spec, piece.spec)
        share = melody_kept(base.piece, piece)
        if action in ("vary", "blend"):  # the point of these is how much moved: say it
            edit = piece.spec.get("phrase_edits", [[action, job.amount]])[-1]
            what = (f"a variation of strength {edit[1]:g}" if action == "vary" else
                    f"a blend {edit[1]:.0%} of the way to v{other}'s tune")
            reply = f"v{version.number} ← v{base.number}: {what}; {share:.0%} of the notes kept"
            return Answer("piece", action, reply, version.number, base.number, changed, piece)
        kept = kept_words(share)
        said = ", ".join(change_words(base.piece.spec, piece.spec)) or "nothing else changed"
        asked = job.changes or {}
        form = [f"the {asked['rewrite']} written anew"] if asked.get("rewrite") else []
        form += [f"+ {asked[part]} bars of {part}" for part in ("intro", "outro")
                 if asked.get(part)]
        if form:  # the spec's shown attributes cannot say it
            said = ", ".join(form) + (f", {said}" if changed else "")
        reply = f"v{version.number} ← v{base.number}: {said}; {kept}"
        if action == "edit":  # what the edit could not do as asked ("30 minutes is over ...")
            told = [n for n in piece.spec.get("notes", ()) if n not in base.piece.spec.get(
                "notes", ())]
            reply += f" ({'; '.join(told)})" if told else ""
        return Answer("piece", action, reply, version.number, base.number, changed, piece)

    def _move(self, turn: Turn) -> Answer:
        if self.current is None:
            return self._reply("reply", turn.kind, f"nothing to {turn.kind} yet; try “{EXAMPLE}”")
        before = self.current
        if turn.kind == "undo":
            if before.parent is None:
                return self._reply("reply", "undo", f"v{before.number} is where this piece "
                                   "started; there is nothing earlier to go back to")
            target = before
            for _ in range(turn.steps):  # "undo both": back as far as asked, or to the start
                if target.parent is None:
                    break
                self._undone.append(target)
                target = self._version(target.parent)
        elif turn.kind == "redo":
            if not self._undone:
                return self._reply("reply", "redo", "there is nothing to redo")
            target = self._undone.pop()
        else:
            target = self._version(turn.base)
            self._undone.clear()
        self.current = target
        changed = differences(before.piece.spec, target.piece.spec)
        words = change_words(before.piece.spec, target.piece.spec)
        reply = f"back to v{target.number}" + (f": {', '.join(words)}" if words else "")
        return Answer("piece", turn.kind, reply, target.number, target.parent, changed,
                      target.piece)

    def _talk(self, turn: Turn) -> Answer:
        if turn.kind == "question":  # "what can you do?" is answered with the help text
            action = "help" if turn.topic == "abilities" else "question"
            return self._reply("reply", action, self._about(turn.topic))
        if turn.kind == "smalltalk":
            return self._reply("reply", "smalltalk", "glad to help! Tell me what to change "
                               "(“a bit faster”, “add a cello”) or describe a new piece.")
        if turn.kind == "empty":
            return self._reply("reply", "empty", f"say what you'd like to hear, e.g. “{EXAMPLE}”")
        return self._reply("reply", "help", HELP)

    def _about(self, topic: str | None) -> str:
        current = self.current
        if current is None:
            return answer_question(topic, None, "")
        return answer_question(topic, current.piece, f"v{current.number}")

    def _reply(self, kind: str, action: str, text: str) -> Answer:
        now = self.current
        return Answer(kind, action, text, now.number if now else None,
                      now.parent if now else None, {}, now.piece if now else None)

    def _seed(self) -> int:
        return self.rng.randrange(2**31)


HELP = """I compose music and change it as we talk. Try:
  a new piece     “calm piano in D minor”, “an irish jig on the fiddle”
  change it       “a bit faster”, “in G”, “up a whole step”, “sadder”, “jazzier”,
                  “add a cello”, “drop the drums”, “swap the piano for a harp”,
                  “melody on violin”, “the drums are too loud”, “twice as long”,
                  “make it a waltz”
  variations      “a little different”, “vary it a lot”, “again”
  blends          “blend it with the first one”, “mix v2 and v4”, “a bit of v1”
  go back         “undo”, “redo”, “go back to the first one”, “version 2 but on guitar”
  ask             “what key is this in?”, “what chords?”, “how long is it?”
  start over      “now something completely different: a tango”"""
