"""`tunesmith chat`: the conversation in a console, no Discord needed.

Type a sentence: a request composes a piece, and later sentences edit it ("a bit faster",
"add a cello"), ask about it ("what key is this in?") or move in its history ("undo").
The bot's controls work too (🔁 🎲 ⏩ 🐢 🐇 🎹 and /commands). It drives the same Composer
and jobs as the Discord bot. With `--json` every input line gets exactly one JSON object
(`generation.conversation.Answer.to_json`); with `--seed N` a conversation is reproducible.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import TextIO

from generation import Answer, Composition, Conversation

HELP = """Talk to it (a sentence on its own):
  calm piano in D minor          a new piece
  a bit faster, add a cello      change the current piece (the rest stays)
  what key is this in?           ask about it
  undo · redo · version 1        move in its history
Commands:
  /compose TEXT        a new piece whatever the text says
  🔁 or /again         the same request with a new seed
  🎲 or /vary [S]      same plan, the melody moved by S (0.05–1; 0.1 keeps most notes,
                       1 is a new tune; default 0.2)
  /blend N [MIX]       this piece's melody MIX (0–1, default 0.5) of the way to vN's
  ⏩ or /extend        continue the piece with another section
  🐇 or /faster        15 % faster        🐢 or /slower   15 % slower
  🎹 or /instrument NAME   give the melody to another instrument (e.g. /instrument flute)
  /continue FILE.mid [TEXT]   continue or re-arrange a MIDI file
  /history             the versions of this conversation
  /help                this text          /quit   leave"""

ALIASES = {"🔁": "again", "🎲": "vary", "⏩": "extend", "🐇": "faster", "🐢": "slower",
           "🎹": "instrument"}
ACTIONS = {"again": "regenerate", "vary": "vary", "extend": "extend", "faster": "faster",
           "slower": "slower", "instrument": "instrument"}
QUIT = ("quit", "exit", "q")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def summary(piece: Composition) -> str:
    spec = piece.spec
    lines = [
        f"♪ {spec['key']} · {spec['tempo_bpm']} bpm · {spec['meter']} · {spec['style']} · "
        f"{', '.join(dict.fromkeys(spec['instruments']))} · {piece.duration_s:.1f} s · "
        f"seed {piece.seed}",
        f"  MIDI {piece.midi}", f"  MP3  {piece.mp3}", f"  PNG  {piece.png}",
    ]
    lines += [f"  note: {note}" for note in piece.notes]
    return "\n".join(lines)


class ChatSession:
    """One console conversation: commands and emoji on top of a `Conversation`."""

    def __init__(self, conversation: Conversation):
        self.conversation = conversation

    def answer(self, line: str) -> Answer | None:
        """The answer to one line; None when the user leaves."""
        line = line.strip()
        for emoji, word in ALIASES.items():
            if line.startswith(emoji):
                line = f"/{word}{line[len(emoji):]}"
        if not line.startswith("/"):
            return self.conversation.say(line)
        command, _, rest = line[1:].partition(" ")
        command, rest = command.lower(), rest.strip()
        if command in QUIT:
            return None
        if command == "help":
            return Answer("reply", "help", HELP, *self._now())
        if command == "history":
            lines = self.conversation.history()
            text = "\n".join(lines) if lines else "nothing yet: try calm piano in D minor"
            return Answer("reply", "history", text, *self._now())
        if command == "compose":
            return self.conversation.compose(rest)
        if command == "continue":
            path, _, text = rest.partition(" ")
            if not path:
                return Answer("error", "continue", "✗ give a MIDI file: /continue song.mid "
                              "[what to do with it]", *self._now())
            return self.conversation.continue_file(path, text)
        if command == "vary" and rest:
            strength = _number(rest)
            if strength is None or not 0.05 <= strength <= 1:
                return Answer("error", "vary", f"✗ a variation's strength is a number from "
                              f"0.05 to 1, not {rest!r}", *self._now())
            return self.conversation.control("vary", amount=strength)
        if command == "blend":
            return self._blend(rest)
        if command in ACTIONS:
            if command == "instrument" and not rest:
                return Answer("error", "instrument", "✗ name the instrument, e.g. "
                              "/instrument flute", *self._now())
            return self.conversation.control(ACTIONS[command], rest.lower() or None)
        return Answer("error", command, f"✗ unknown command /{command}; type /help",
                      *self._now())

    def _blend(self, rest: str) -> Answer:
        words = rest.lower().lstrip("v").split()
        other = int(words[0]) if words and words[0].isdigit() else None
        mix = _number(words[1]) if len(words) > 1 else None
        if other is None or (len(words) > 1 and (mix is None or not 0 <= mix <= 1)):
            return Answer("error", "blend", "✗ name a version and a mix from 0 to 1: "
                          "/blend 1 0.5", *self._now())
        return self.conversation.blend(other, mix)

    def handle(self, line: str) -> str | None:
        """The text a person sees for one line; None when they leave."""
        answer = self.answer(line)
        if answer is None:
            return None
        if answer.kind == "piece" and answer.action not in ("undo", "redo", "goto"):
            return f"{answer.reply}\n{summary(answer.piece)}"
        return answer.reply

    def _now(self) -> tuple[int | None, int | None, dict, Composition | None]:
        current = self.conversation.current
        if current is None:
            return None, None, {}, None
        return current.number, current.parent, {}, current.piece


def chat(out_dir: Path, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, *,
         as_json: bool = False, seed: int | None = None) -> int:
    from generation import Composer

    composer = Composer()
    rng = random.Random(seed) if seed is not None else random.Random()
    session = ChatSession(Conversation(lambda job: composer.run(job, out_dir), rng))
    interactive = stdin.isatty() and not as_json
    if not as_json:
        print("tunesmith chat — describe a piece, then talk about it; /help for more",
              file=stdout)
    while True:
        if interactive:
            print("tunesmith> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            return 0
        if as_json:
            answer = session.answer(line)
            if answer is None:
                return 0
            print(json.dumps(answer.to_json(), ensure_ascii=False), file=stdout, flush=True)
            continue
        text = session.handle(line)
        if text is None:
            return 0
        if text:
            print(text, file=stdout, flush=True)
