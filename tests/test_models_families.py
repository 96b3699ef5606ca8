"""The side-by-side table of `tunesmith eval model`: every row, the VAE line, the gates."""

from __future__ import annotations

import json

from models.evaluation import evaluate, report


def numbers(gan=None, vae=None):
    field = dict.fromkeys(("pitch_class_entropy", "scale_consistency", "groove_consistency",
                           "empty_beat_rate", "polyphony"), 0.5)
    diversity = {"distinct_4grams": 0.61, "pitch_class_spread": 3.1, "rhythm_spread": 4.2}
    rows = [{"family": "real (held-out)", "field": field, "diversity": diversity},
            {"family": "Transformer", "checkpoint": str(report.SHIPPED["transformer"]),
             "two_sample": 0.617, "two_sample_sd": 0.012, "critic": -0.4, "field": field,
             "diversity": diversity},
            {"family": "Transformer + GAN (candidate, not shipped)",
             "checkpoint": "runs/gan/melody-gan", "two_sample": 0.58, "two_sample_sd": 0.02,
             "field": None, "diversity": diversity}]
    return {"pieces": 150, "nll": {"transformer": 0.6849, "7-gram": 1.0911}, "families": rows,
            "gan": gan, "vae": vae}


def test_every_family_is_a_row_with_its_figures():
    text = "\n".join(report._families_markdown(numbers(), 8))
    assert "| Transformer | 0.6849 | 61.7% ± 1.2% | -0.40 | 0.610 |" in text
    assert "| 7-gram | 1.0911 | not sampled |" in text
    assert "Phrase VAE: not trained" in text
    assert "has not run here" in text
    # a row without muspy figures still renders (nan), and the candidate has no NLL of its own
    assert "| Transformer + GAN (candidate, not shipped) | – | 58.0% ± 2.0% | – |" in text


def test_the_gates_and_the_vae_figures_are_reported(tmp_path, monkeypatch):
    gan = {"command": "tunesmith train gan", "machine": {"cpu": "AMD EPYC"}, "date": "today",
           "excerpts": 300, "seed": 1, "shipped": False,
           "measures": {"base": {"model": "a", "nll": 0.69}, "tuned": {"model": "b", "nll": 0.7}},
           "checks": {"nll": {"base": 0.69, "tuned": 0.75, "limit": 0.7107, "passed": False}}}
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "vae.json").write_text(json.dumps(
        {"held_out": {"reconstruction_accuracy": 0.81, "bars": 2}, "note": "x"}))
    vae = evaluate.vae_figures()
    assert vae == {"source": "reports/vae.json", "held_out.reconstruction_accuracy": 0.81}
    text = "\n".join(report._families_markdown(numbers(gan, vae), 8))
    assert "held_out.reconstruction_accuracy 0.81" in text
    assert "**Not shipped.**" in text
    assert "| nll | 0.6900 | 0.7500 | 0.7107 | **no** |" in text
    assert "| Transformer + GAN (candidate, not shipped) | 0.7000 |" in text
