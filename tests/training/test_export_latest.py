"""`reader_export --latest` exports the checkpoint's last weights, not those of the best held-out step (the
selection figure moves by noise: a run's last step can be the better model on the quality benchmark)."""

import pytest

torch = pytest.importorskip("torch")

from citeqa.training import reader_export  # noqa: E402


def _run(tmp_path, monkeypatch, *flags):
    best, last = {"w": torch.zeros(1)}, {"w": torch.ones(1)}
    torch.save({"step": 1500, "model": last, "best": {"figures": {"step": 500}, "model": best}}, tmp_path / "checkpoint.pt")
    torch.save({"held": []}, tmp_path / "data.pt")
    seen = {}
    monkeypatch.setattr(reader_export, "finish", lambda args, data, state: seen.update(state=state))
    assert reader_export.main(["--out", str(tmp_path), *flags]) == 0
    return reader_export.chosen(seen["state"])["model"]["w"].item()


def test_latest_exports_the_last_weights(tmp_path, monkeypatch):
    assert _run(tmp_path, monkeypatch, "--latest") == 1.0


def test_by_default_the_best_steps_weights(tmp_path, monkeypatch):
    assert _run(tmp_path, monkeypatch) == 0.0
