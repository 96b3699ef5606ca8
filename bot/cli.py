"""The `tunesmith` command: the one entry point that configures logging.

Each subcommand is a small function that imports what it needs when it runs, so that
`tunesmith parse` never pays for torch and `tunesmith compose` never imports discord.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

from bot import offline
from generation import MAX_BPM, MIN_BPM
from models.core.errors import RequestError, TunesmithError

log = logging.getLogger("tunesmith")


def _render(args: argparse.Namespace) -> int:
    from generation import Settings, render_file

    rendered = render_file(Path(args.file), Path(args.out), Settings.from_env())
    print(json.dumps(rendered.to_json(), indent=2), file=args.output)
    return 0


def _parse(args: argparse.Namespace) -> int:
    from generation import parse_request

    def show(request) -> str:
        data = request.to_json()
        if args.json:
            return json.dumps(data, ensure_ascii=False)
        return ", ".join(f"{k}={v}" for k, v in data.items() if k not in ("text", "without"))

    if args.text is not None:
        print(show(parse_request(args.text)), file=args.output)
        return 0
    for line in sys.stdin:  # one request a line, one answer a line, even for bad lines
        text = line.rstrip("\r\n")
        try:
            print(show(parse_request(text)), flush=True, file=args.output)
        except TunesmithError as error:
            print(json.dumps({"text": text, "error": str(error)}, ensure_ascii=False)
                  if args.json else f"error: {error}", flush=True, file=args.output)
    return 0


def _bot(args: argparse.Namespace) -> int:
    from bot.run_bot import run

    return run(sync=args.sync)


def _worker(args: argparse.Namespace) -> int:
    from bot.jobs.queue_worker import run

    return run(composer=args.composer, name=args.name)


def _compose(args: argparse.Namespace) -> int:
    from generation import Composer, Job

    job = Job(text=args.text, seed=args.seed, key=args.key, tempo_bpm=args.tempo,
              duration_s=args.length, instrument=args.instrument, notation=args.notation)
    piece = Composer().run(job, Path(args.out))
    print(json.dumps(piece.to_json(), indent=2), file=args.output)
    return 0


def _continue(args: argparse.Namespace) -> int:
    from generation import Composer, Job

    job = Job(action="continue", text=args.text or "", seed=args.seed, midi_path=args.file,
              notation=args.notation)
    piece = Composer().run(job, Path(args.out))
    print(json.dumps(piece.to_json(), indent=2), file=args.output)
    return 0


def _blend(args: argparse.Namespace) -> int:
    from generation import Composer, Composition, blend_job, new_seed

    def read(path: str) -> Composition:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return Composition.from_json(data)
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise RequestError(f"{path} is not the .json written beside a composition "
                               f"({error})") from None

    first, second = read(args.first), read(args.second)
    job = replace(blend_job(first, second, mix=args.mix,
                            seed=args.seed if args.seed is not None else new_seed()),
                  notation=args.notation)
    piece = Composer().run(job, Path(args.out))
    print(json.dumps(piece.to_json(), indent=2), file=args.output)
    return 0


def _chat(args: argparse.Namespace) -> int:
    from bot.chat import chat

    return chat(Path(args.out), stdout=args.output, as_json=args.json, seed=args.seed)


def _notation_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--no-notation", dest="notation", action="store_false",
                         help="MIDI, MP3 and piano roll only: no MusicXML, no score picture")


def _add_parse(commands: argparse._SubParsersAction) -> None:
    parse = commands.add_parser("parse", help="read a request: text → mood, key, tempo ...")
    parse.add_argument("text", nargs="?", help="the request; without it, one per stdin line")
    parse.add_argument("--json", action="store_true", help="one JSON object per request")
    parse.set_defaults(handler=_parse)


def _add_compose(commands: argparse._SubParsersAction) -> None:
    compose = commands.add_parser("compose", help="compose a piece from a sentence")
    compose.add_argument("text", help='what to compose, e.g. "calm piano in D minor"')
    compose.add_argument("--seed", type=int, help="same text + seed + model → same MIDI")
    compose.add_argument("--out", default="out", help="folder to write into (default: out)")
    _notation_option(compose)
    compose.add_argument("--key", help='override the key, e.g. "Eb major"')
    compose.add_argument("--tempo", type=int, help=f"override the tempo (bpm, {MIN_BPM}–{MAX_BPM})")
    compose.add_argument("--length", type=float, help="override the length (seconds)")
    compose.add_argument("--instrument", help="override the lead instrument")
    compose.set_defaults(handler=_compose)


def _add_continue(commands: argparse._SubParsersAction) -> None:
    cont = commands.add_parser("continue", help="continue or re-arrange a MIDI file")
    cont.add_argument("file", help="a .mid file")
    cont.add_argument("text", nargs="?", default="", help='e.g. "as a jazz tune"')
    cont.add_argument("--seed", type=int, help="seed for the new bars")
    cont.add_argument("--out", default="out", help="folder to write into (default: out)")
    _notation_option(cont)
    cont.set_defaults(handler=_continue)


def _add_chat(commands: argparse._SubParsersAction) -> None:
    chat = commands.add_parser("chat", help="talk to the composer in a console")
    chat.add_argument("--out", default="out", help="folder to write into (default: out)")
    chat.add_argument("--json", action="store_true",
                      help="one JSON object per input line (kind, action, version, parent, "
                           "reply, changed, piece)")
    chat.add_argument("--seed", type=int, help="make the whole conversation reproducible")
    chat.set_defaults(handler=_chat)


def _add_blend(commands: argparse._SubParsersAction) -> None:
    blend = commands.add_parser("blend", help="blend two earlier pieces: A's key, tempo and "
                                              "arrangement, the tunes mixed")
    blend.add_argument("first", help="A.json: the .json written beside a composition")
    blend.add_argument("second", help="B.json: the piece whose tune is blended in")
    blend.add_argument("--mix", type=float, default=0.5,
                       help="0 is A's melody, 1 is B's tune under A's chords (default 0.5)")
    blend.add_argument("--seed", type=int, help="seed of the new piece's name and record")
    blend.add_argument("--out", default="out", help="folder to write into (default: out)")
    _notation_option(blend)
    blend.set_defaults(handler=_blend)


def _add_render(commands: argparse._SubParsersAction) -> None:
    render = commands.add_parser("render", help="any MIDI file → .mp3 and .png")
    render.add_argument("file", help="a .mid file")
    render.add_argument("--out", default="out", help="folder to write into (default: out)")
    render.set_defaults(handler=_render)


def _add_servers(commands: argparse._SubParsersAction) -> None:
    """`bot` and `worker`: the long-running processes of a deployment."""
    bot = commands.add_parser("bot", help="the Discord bot (DISCORD_TOKEN from the environment)")
    bot.add_argument("--sync", action="store_true",
                     help="push the slash commands to Discord at startup (first run, changes)")
    bot.set_defaults(handler=_bot)

    worker = commands.add_parser("worker", help="take jobs from Redis (REDIS_URL) and compose them")
    worker.add_argument("--composer", help='"module:Class" to build (default: the real Composer)')
    worker.add_argument("--name", help="this worker's name in the queue (default: host-pid)")
    worker.set_defaults(handler=_worker)


# The order of `tunesmith --help`.
SUBCOMMANDS = (_add_parse, offline.add_train, offline.add_eval, _add_compose, _add_continue,
               _add_chat, _add_blend, _add_render, _add_servers, offline.add_bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tunesmith", description="Compose music from a sentence: MIDI, MP3 and a piano roll."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # A command's stdout is its output (JSON that scripts read, one object a line in
    # `chat --json`); whatever a library prints goes to stderr (pyfluidsynth, imported by
    # pretty_midi, prints where it found the library when the variable CI is set).
    args.output = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr):
            return args.handler(args)
    except TunesmithError as error:
        print(f"tunesmith: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("unexpected failure")
        print("tunesmith: sorry, something went wrong on our side (details are in the log)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
