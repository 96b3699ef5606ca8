"""Writes reports/model.md and its plots from models/evaluation/evaluate.py's measurements."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from models.core import checkpoint
from models.core.checkpoint import SHIPPED
from models.evaluation import chorales, evaluate, metrics
from models.evaluation.machine import machine, machine_line
from models.inference.sampler import MelodyModel
from models.training import train

log = logging.getLogger(__name__)

# Pass marks: overlapping area per feature at least 0.8; two-sample classifier accuracy at
# most 70 % (50 % = it cannot tell real from generated).
TARGETS = {"overlap": 0.8, "two_sample": 0.70}


def _plots(out_dir: Path, nll: dict, comparison: dict, density: dict) -> None:
    """Write model-nll.png, model-features.png and model-density.png into `out_dir`.

    Args:
        out_dir: the report's folder (the markdown links the PNGs by file name).
        nll: model name → test NLL (nats/token).
        comparison: `evaluate.compare`'s result; its "raw" per-piece features are plotted.
        density: requested density bucket → notes per quarter note written.
    """
    import matplotlib

    matplotlib.use("Agg")  # files only, no display (the report runs headless)
    from matplotlib import pyplot as plt

    figure, axis = plt.subplots(figsize=(5, 3))
    axis.bar(list(nll), list(nll.values()), color="#4a7ab0")
    axis.set_ylabel("test NLL (nats/token)")
    figure.tight_layout()
    figure.savefig(out_dir / "model-nll.png", dpi=110)
    plt.close(figure)
    # one histogram per feature, real and generated on shared bins
    figure, axes = plt.subplots(2, 4, figsize=(12, 5))
    for axis, name in zip(axes.ravel(), metrics.FEATURES, strict=True):
        real = [f[name] for f in comparison["raw"]["real"]]
        made = [f[name] for f in comparison["raw"]["generated"]]
        bins = np.histogram_bin_edges(real + made, bins=15)
        axis.hist(real, bins, alpha=0.55, label="real", density=True)
        axis.hist(made, bins, alpha=0.55, label="generated", density=True)
        axis.set_title(f"{name} (OA {comparison['features'][name]['overlap']:.2f})", fontsize=8)
    axes[0, 0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out_dir / "model-features.png", dpi=110)
    plt.close(figure)
    figure, axis = plt.subplots(figsize=(4, 3))
    axis.plot(list(density), list(density.values()), marker="o")
    axis.set_xlabel("requested density bucket")
    axis.set_ylabel("notes per quarter note")
    figure.tight_layout()
    figure.savefig(out_dir / "model-density.png", dpi=110)
    plt.close(figure)


def write(cache_dir: Path, out: Path = Path("reports/model.md"), samples: int = 150,
          bars: int = 8, seed: int = 0) -> dict:
    """Measure everything and write the markdown report; returns the numbers.

    Slow: it scores the test split with every model, writes 150 + 4 × 40 melodies (by
    default) and parses the chorales; run by `tunesmith eval model`.

    Args:
        cache_dir: where the corpus, token arrays and n-gram cache live.
        out: the markdown file; the JSON numbers go beside it (model.json), the PNGs into
            its folder.
        samples: held-out pieces to write again (the first 40 also measure density).
        bars: bars per excerpt.
        seed: picks the excerpts and seeds every generation.

    Returns:
        The numbers written to the JSON file.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    arrays = train.token_arrays(cache_dir, train.TrainConfig().context)  # as in training
    nll = evaluate.held_out_nll(cache_dir, arrays)
    model = MelodyModel.load(SHIPPED["transformer"])
    excerpts = evaluate.held_out_excerpts(cache_dir, samples, bars, seed)
    comparison = evaluate.compare(model, excerpts, seed)
    density = evaluate.density_response(model, excerpts[:40], seed)
    harmony = chorales.agreement()
    _plots(out.parent, nll, comparison, density)
    done = {(str(SHIPPED["transformer"]), 1, "protocol"): comparison["melodies"]}
    numbers = {"model": model.version, "machine": machine(), "nll": nll, "harmony": harmony,
               "density": density,
               **{k: v for k, v in comparison.items() if k not in ("raw", "melodies")},
               "families": evaluate.families(excerpts, seed, done),
               "vae": evaluate.vae_figures(), "gan": _gan_report(out.parent / "gan.json")}
    out.with_suffix(".json").write_text(json.dumps(numbers, indent=2, default=str) + "\n")
    out.write_text(_markdown(numbers, arrays, model, bars))
    log.info("wrote %s", out)
    return numbers


def _gan_report(path: Path) -> dict | None:
    """The gates `tunesmith train gan` measured (reports/gan.json), if it has run."""
    return json.loads(path.read_text()) if path.exists() else None


def _family_nll(row: dict, n: dict) -> str:
    """The test NLL of a row's checkpoint, from the NLL table or the GAN gates."""
    for arch, path in SHIPPED.items():
        if row.get("checkpoint") == str(path) and arch in n["nll"]:
            return f"{n['nll'][arch]:.4f}"
    gan = n.get("gan") or {}
    if row.get("checkpoint", "").endswith("melody-gan") and gan.get("measures"):
        return f"{gan['measures']['tuned']['nll']:.4f}"
    return "–"


def _families_markdown(n: dict, bars: int) -> list[str]:
    """The side-by-side table of every family, the VAE's figures and the GAN's gates."""
    field = ("pitch_class_entropy", "scale_consistency", "groove_consistency",
             "empty_beat_rate", "polyphony")
    lines = ["## Every family side by side", "",
             f"The same {n['pieces']} held-out excerpts ({bars} bars, test split) and seeds for "
             "every generator. Two-sample: the classifier above, mean ± sd over 5 random "
             "halvings of the same phrases (50 % = indistinguishable). Diversity is pooled "
             "over all melodies (distinct 4-note n-grams; entropy in bits of pitch classes "
             "and of (onset in the quarter, length)). The last five columns are muspy's "
             "metrics (Dong et al. 2020), mean per melody. Raw samples: top-p 1, no scale, "
             "chord or range filter (only bar grammar and meter); the rest sample as the "
             "product does (top-p 0.95, scale strictness 0.8, chord-tone bias). The critic's "
             "pick keeps the best of 3 seeded drafts, as the composer does (which also "
             "checks the key of the arranged piece). Critic: its mean logit over the melodies' "
             "4-bar phrases (> 0 leans real).", "",
             "| family | test NLL | two-sample | critic | distinct 4-grams | pc spread | "
             "rhythm spread | " + " | ".join(f.replace("_", " ") for f in field) + " |",
             "|---" * (7 + len(field)) + "|"]
    for row in n["families"]:
        two = (f"{row['two_sample']:.1%} ± {row['two_sample_sd']:.1%}" if "two_sample" in row
               else "(real)")
        d = row["diversity"]
        f = row["field"] or {}
        critic = f"{row['critic']:.2f}" if "critic" in row else "–"
        lines.append(f"| {row['family']} | {_family_nll(row, n)} | {two} | {critic} | "
                     f"{d['distinct_4grams']:.3f} | {d['pitch_class_spread']:.2f} | "
                     f"{d['rhythm_spread']:.2f} | "
                     + " | ".join(f"{f.get(k, float('nan')):.3f}" for k in field) + " |")
    ngram = [k for k in n["nll"] if k.endswith("-gram")]
    for name in ngram:
        lines.append(f"| {name} | {n['nll'][name]:.4f} | not sampled |" + " |" * 9)
    vae = n.get("vae")
    lines += ["", "n-gram: scored only (it has no sampler behind the decoder interface, and "
              "fitting it takes minutes of pure Python, cached as its NLL alone).", ""]
    if vae:
        figures = ", ".join(f"{k} {v:.4g}" for k, v in vae.items() if k != "source")
        lines.append(f"Phrase VAE (held-out reconstruction, from `{vae['source']}`): {figures}.")
    else:
        lines.append("Phrase VAE: not trained (no models/weights/vae.json or reports/vae.json).")
    gan = n.get("gan")
    lines += ["", "## Adversarial fine-tuning: the gates", ""]
    if not gan:
        return lines + ["`tunesmith train gan` has not run here (no reports/gan.json).", ""]
    lines += [f"`{gan['command']}` on {gan['machine'].get('cpu', gan['machine'])}, "
              f"{gan['date']}: base `{gan['measures']['base']['model']}` against fine-tuned "
              f"`{gan['measures']['tuned']['model']}` on {gan['excerpts']} held-out excerpts "
              f"(seed {gan['seed']}). **{'Shipped' if gan['shipped'] else 'Not shipped'}.**",
              "", "| gate | base | fine-tuned | limit | passed |", "|---|---|---|---|---|"]
    for name, check in gan["checks"].items():
        lines.append(f"| {name.replace('_', ' ')} | {check['base']:.4f} | "
                     f"{check['tuned']:.4f} | {check['limit']:.4f} | "
                     f"{'yes' if check['passed'] else '**no**'} |")
    return lines + [""]


def _markdown(n: dict, arrays, model, bars: int) -> str:
    """The report's markdown text.

    Args:
        n: the numbers `write` measured.
        arrays: the token arrays (for the test split's size).
        model: the evaluated `MelodyModel` (its checkpoint meta names the run).
        bars: bars per excerpt.

    Some prose is fixed text, not measured: the 2 CPU cores, the batch of 16 × 512 tokens,
    the sampling settings (which must match evaluate.compare) and the caveats.
    """
    return "\n".join([*_nll_markdown(n, arrays, model), *_realism_markdown(n, bars),
                       *_families_markdown(n, bars), *_closing_markdown(n)])


def _nll_markdown(n: dict, arrays, model) -> list[str]:
    """The title, the held-out NLL table and how each model was trained."""
    meta = model.meta
    lines = [
        "# The melody model: evaluation", "",
        f"Model `{n['model']}` ({meta['arch']}, {meta['config']}), trained "
        f"{meta.get('metrics', {}).get('minutes', 0):.0f} min on 2 CPU cores. "
        f"Written by `tunesmith eval model` on {machine_line()}.", "",
        "## Held-out NLL (test split, nats per token)", "",
        f"Test split: {len(arrays['test'][1])} chunks, {len(arrays['test'][0])} tokens "
        "(pieces never seen in training; split by piece).", "",
        "| model | NLL/token | perplexity |", "|---|---|---|",
    ]
    for name, value in sorted(n["nll"].items(), key=lambda kv: kv[1]):
        lines.append(f"| {name} | {value:.4f} | {np.exp(value):.2f} |")
    lines += ["", "How each was trained (batch 16 × 512 tokens a step; the time is wall clock on "
              "the 2 shared cores, whose load from other work varied):", "",
              "| model | layers × width | steps | tokens seen | minutes |",
              "|---|---|---|---|---|"]
    for arch, path in SHIPPED.items():  # every shipped checkpoint present
        if path.with_suffix(".json").exists():
            m = checkpoint.read_meta(path)
            # tokens seen = steps × batch × context, with TrainConfig's defaults (16, 512)
            lines.append(f"| {arch} | {m['config']['n_layer']} × {m['config']['n_embd']} | "
                         f"{m['step']} | {m['step'] * 16 * 512 / 1e6:.1f} M | "
                         f"{m.get('metrics', {}).get('minutes', 0):.0f} |")
    lines += ["", "The n-gram (Witten–Bell interpolated; order chosen on the validation split) "
              "is fitted on the training split. The Transformer's lead over the LSTM is small; "
              "the LSTM is cheaper per token and had a less loaded machine for its 13 minutes."]
    return lines


def _realism_markdown(n: dict, bars: int) -> list[str]:
    """Generated vs held-out real: feature overlaps, the two-sample test, control adherence
    and the density response."""
    lines = []
    lines += ["", "![NLL](model-nll.png)", "",
              f"## Generated vs held-out real ({n['pieces']} pieces × {bars} bars)", "",
              "The model writes each held-out excerpt again from its controls and chords "
              "(temperature 1.0, top-p 0.95, scale strictness 0.8, pitch range 48–90). "
              "Overlapping area (Yang & Lerch 2020) of the real set's intra-set distances "
              f"and the real↔generated distances; target ≥ {TARGETS['overlap']}.", "",
              "| feature | real mean | generated mean | overlapping area | target met |",
              "|---|---|---|---|---|"]
    for name, f in n["features"].items():
        met = "yes" if f["overlap"] >= TARGETS["overlap"] else "**no**"
        lines.append(f"| {name} | {f['real_mean']:.3f} | {f['generated_mean']:.3f} | "
                     f"{f['overlap']:.3f} | {met} |")
    accuracy = n["two_sample_accuracy"]
    lines += ["", "![features](model-features.png)", "",
              "## Classifier two-sample test", "",
              f"A logistic regression on 66 phrase features (pitch-class, interval, duration "
              f"and onset histograms, density, range) trained on half of the 4-bar phrases "
              f"tells real from generated on the other half with accuracy **{accuracy:.1%}** "
              f"(50 % = indistinguishable; target ≤ {TARGETS['two_sample']:.0%}: "
              f"{'met' if accuracy <= TARGETS['two_sample'] else '**missed**'}).", "",
              "## Control adherence", "",
              "| measure | generated | real (same excerpts) |", "|---|---|---|"]
    made, real = n["controls"]["made"], n["controls"]["real"]
    for key in made:
        lines.append(f"| {key.replace('_', ' ')} | {made[key]:.3f} | {real[key]:.3f} |")
    lines += ["", "key and mode: Krumhansl–Schmuckler estimate equals the requested tonic (C) "
              "and mode, on major/minor pieces. scale tones: share of notes in the requested "
              "mode. chord tones on beats: share of on-beat notes in the bar's chord. "
              "bars exact: the melody has exactly the bars asked for, onsets inside them.", "",
              "Density: notes per quarter note written when the same 40 excerpts are asked "
              "for each density bucket:", "",
              "| bucket | " + " | ".join(str(k) for k in n["density"]) + " |",
              "|---|" + "---|" * len(n["density"]),
              "| notes/quarter | " + " | ".join(f"{v:.2f}" for v in n["density"].values())
              + " |", "", "![density](model-density.png)", ""]
    return lines


def _closing_markdown(n: dict) -> list[str]:
    """The harmony derivation's agreement and the caveats."""
    return ["## Harmony derivation", "",
              f"Chord fitting on all four voices agrees with the root of music21's "
              f"Roman-numeral analyses on {n['harmony']['root_agreement']:.1%} of "
              f"{n['harmony']['bars']} bars ({n['harmony']['chorales']} chorales; the bar's "
              "longest analysed chord).", "",
              "## Caveats", "",
              "- The real excerpts' chords were fitted from the corpus (all voices for chorales, "
              "the melody itself for folk tunes), so the real 'chord tones on beats' share is "
              "partly circular; the generated share is what the chord conditioning and the "
              "chord-tone filter achieve.",
              "- The excerpts are bars 2–9 of each held-out piece (the first bar is often a "
              "pickup); generated melodies are asked to open on the first beat.",
              "- Key-and-mode estimates on 8 bars are noisy (the estimator agrees with the real "
              "excerpts' labels only as often as shown in the 'real' column).",
              "- Meter and bar counts are guaranteed by the sampler's scaffold, not learned.", ""]
