"""The offline commands of `tunesmith`: train, eval and bench.

They run the offline tools (generation.tools) and the model commands directly: the only part
of bot/ that looks past generation's public face. Each handler imports what it needs when it
runs, so `tunesmith --help` pays for none of it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_train(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser("train", help="train a model (writes safetensors)")
    train.add_argument("what", choices=["parser", "reader", "data", "model", "vae", "critic",
                                        "gan", "progressions"],
                       help="what to train (vae: the phrase VAE, models/weights/vae.*; gan: "
                            "adversarial fine-tuning against the critic; progressions: the "
                            "corpus's four-bar progressions for folk and celtic plans)")
    train.add_argument("--arch", choices=["transformer", "lstm", "gru"], default="transformer",
                       help="music model architecture (train model)")
    train.add_argument("--minutes", type=float, help="time budget (train model, train gan)")
    train.add_argument("--steps", type=int, help="music model step budget (train model)")
    train.add_argument("--threads", type=int, default=2, help="torch threads (train model)")
    train.set_defaults(handler=train_command)


def add_eval(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser("eval", help="score the parser, the model or whole pieces")
    evaluate.add_argument("what", choices=["parser", "model", "compose", "chat", "chords", "vae",
                                           "music"],
                          help="what to score")
    evaluate.add_argument("--out", help="report path (default reports/model.md or "
                                        "reports/compose.md); for chat, the folder for "
                                        "chat.md and chat.json (default reports)")
    evaluate.add_argument("--split", choices=["report", "tune", "all", "writers", "late", "unseen"],
                          default="report",
                          help="chat: which dialogues to run (default: the held-out report "
                               "split)")
    evaluate.add_argument("--stages", action="store_true",
                          help="music: what each product constraint costs the network's "
                               "lines, one at a time (reports/music-stages.md)")
    evaluate.set_defaults(handler=eval_command)


def add_bench(commands: argparse._SubParsersAction) -> None:
    bench = commands.add_parser("bench", help="measure speed and memory (JSON report)")
    bench.add_argument("what", choices=["render", "parse", "model", "compose", "chat", "vae"],
                       help="the stage to measure")
    bench.add_argument("--runs", type=int, default=5, help="runs to take the median over")
    bench.set_defaults(handler=bench_command)


def bench_command(args: argparse.Namespace) -> int:
    if args.what == "model":
        from models.evaluation import bench as model_bench

        report = model_bench.run(runs=args.runs)
    elif args.what == "vae":
        from generation.tools import vae_bench

        report = vae_bench.run(runs=args.runs)
    elif args.what == "parse":
        from generation.tools import request_bench

        report = request_bench.run(runs=args.runs)
    else:
        from generation.tools import bench

        report = bench.run(args.what, runs=args.runs)
    print(json.dumps(report, indent=2), file=args.output)
    return 0


def train_command(args: argparse.Namespace) -> int:
    if args.what == "parser":
        from generation.tools import request_train

        report = request_train.train()
        print(json.dumps({key: report[key] for key in
                          ("held_out", "held_out_parse_request", "probe_parse_request",
                           "train_s")}, indent=2), file=args.output)
    elif args.what == "reader":  # the conversation reader (generation/request/reader.py)
        from generation.tools.reader_train import train

        print(json.dumps(train(), indent=2), file=args.output)
    elif args.what in ("data", "model", "critic", "gan", "progressions"):
        from generation import Settings
        from models import commands

        cache_dir = Settings.from_env().cache_dir
        if args.what == "critic":
            report = commands.train_critic(cache_dir)
        elif args.what == "progressions":
            report = commands.train_progressions(cache_dir)
        elif args.what == "gan":
            report = commands.train_gan(cache_dir, minutes=args.minutes)
        else:
            report = (commands.train_data(cache_dir) if args.what == "data" else
                      commands.train_model(args.arch, cache_dir, minutes=args.minutes,
                                           steps=args.steps, threads=args.threads))
        print(json.dumps(report, indent=2), file=args.output)
    elif args.what == "vae":
        from generation import Settings
        from models import commands

        report = commands.train_vae(Settings.from_env().cache_dir, minutes=args.minutes,
                                    steps=args.steps, threads=args.threads)
        print(json.dumps(report, indent=2), file=args.output)
    return 0


def eval_command(args: argparse.Namespace) -> int:
    if args.what == "parser":
        from generation.tools import request_train

        print(json.dumps(request_train.evaluate(), indent=2), file=args.output)
    elif args.what == "compose":
        from generation import Composer
        from generation.tools import evaluate

        out = Path(args.out or "reports/compose.md")
        result = evaluate.evaluate(Composer(), evaluate.load_requests(), out.parent / "compose")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(evaluate.report_markdown(result), encoding="utf-8")
        print(json.dumps({"report": str(out)} | result["summary"], indent=2),
              file=args.output)
    elif args.what == "model":
        from generation import Settings
        from models.evaluation import report

        out = args.out or "reports/model.md"
        numbers = report.write(Settings.from_env().cache_dir, Path(out))
        print(json.dumps({"report": out, "nll": numbers["nll"],
                          "two_sample_accuracy": numbers["two_sample_accuracy"]}, indent=2),
              file=args.output)
    elif args.what == "chords":
        from generation import Composer
        from generation.tools import chords_heard

        out = Path(args.out or "reports")
        out.mkdir(parents=True, exist_ok=True)
        print(json.dumps(chords_heard.evaluate_chords(Composer(), out / "chords"), indent=2),
              file=args.output)
    elif args.what == "vae":
        from generation import Settings
        from generation.tools import vae_bench

        out = Path(args.out or "reports")
        figures = vae_bench.write_report(Settings.from_env().cache_dir, out)
        print(json.dumps({"report": str(out / "vae.md"),
                          "reconstruction": figures["reconstruction"]["two_bar"],
                          "interpolation": figures["interpolation"],
                          "speed": figures["speed"]}, indent=2), file=args.output)
    elif args.what == "music" and args.stages:
        from generation import Composer, Settings
        from generation.tools import eval_stages

        out = Path(args.out or "reports")
        result = eval_stages.evaluate(Composer(), Settings.from_env().cache_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "music-stages.md").write_text(eval_stages.report_markdown(result),
                                             encoding="utf-8")
        (out / "music-stages.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(json.dumps({"report": str(out / "music-stages.md"),
                          "two_sample": {r["stage"]: r["two_sample"] for r in result["rows"]}},
                         indent=2), file=args.output)
    elif args.what == "music":
        from generation import Composer, Settings
        from generation.tools import eval_music

        out = Path(args.out or "reports")
        result = eval_music.evaluate(Composer(), Settings.from_env().cache_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "music.md").write_text(eval_music.report_markdown(result), encoding="utf-8")
        (out / "music.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(json.dumps({"report": str(out / "music.md"), "two_sample": result["two_sample"],
                          "two_sample_folk": result["two_sample_folk"],
                          "stats": result["stats"]}, indent=2), file=args.output)
    elif args.what == "chat":
        from generation import Composer
        from generation.tools import eval_chat

        result = eval_chat.write_report(Composer(), args.split, Path(args.out or "reports"))
        overall = result["summary"]["overall"]
        print(json.dumps({"split": args.split, "turns": overall["turns"]}
                         | {k: v for k, v in overall.items() if k != "turns"}, indent=2),
              file=args.output)
    return 0
