"""A question set may only set what cannot reach outside the index (k, min_score). Any other setting
(a server URL, the answerer, a folder, a key) is a bad set: `citeqa eval` exits 2 with
`error: FILE:LINE: settings.X cannot be set by a question set (allowed: k, min_score, reader_threshold)` and runs nothing
(it used to crash with a TypeError for answerer, llm_base_url and index_path)."""

import subprocess
import sys

import pytest

from conftest import ROOT

from citeqa.evaluation.loader import SET_SETTINGS, load_question_set
from citeqa.evaluation.questions import SetFileError

SET = """name: reach out
settings:
  k: 3
  {key}: {value}
questions:
  - id: where
    question: Where did Thailand sign the UN cybercrime convention?
    expect: {{contains: [Hanoi]}}
"""


@pytest.mark.parametrize("key, value", [
    ("llm_base_url", "http://203.0.113.9/v1"), ("answerer", "openai"), ("index_path", "/etc"),
    ("llm_api_key", "sk-x"), ("corpus_path", "/etc"), ("corpus_folders", "[/etc]"), ("chroma_url", "http://203.0.113.9:8000"),
    ("llm_model", "/srv/model.gguf"), ("embedding_model", "/srv/model"), ("collection", "other"),
])
def test_eval_refuses_a_set_that_reaches_outside(tmp_path, key, value):
    path = tmp_path / "set.yaml"
    path.write_text(SET.format(key=key, value=value), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "citeqa.cli", "eval", str(path), "--index", str(tmp_path / "index")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"error: {path}:4: settings.{key} cannot be set by a question set (allowed: k, min_score, reader_threshold)\n"
    assert done.stdout == "" and not (tmp_path / "index").exists()


def test_the_allowed_settings_load_and_are_checked(tmp_path):
    assert SET_SETTINGS == ("k", "min_score", "reader_threshold")
    path = tmp_path / "set.yaml"
    path.write_text(SET.format(key="min_score", value="0.3"), encoding="utf-8")
    assert load_question_set(path).settings == {"k": 3, "min_score": 0.3}
    path.write_text(SET.format(key="min_score", value="2"), encoding="utf-8")
    with pytest.raises(SetFileError) as e:
        load_question_set(path)
    assert e.value.location() == f"{path}:4: settings.min_score is invalid (Input should be less than or equal to 1)"
    assert load_question_set(ROOT / "tests" / "regression" / "seeds.yaml").settings == {}  # the bundled set still loads


def test_an_uploaded_set_may_not_name_a_corpus(tmp_path):
    path = tmp_path / "set.yaml"
    for folder in ("/etc", str(tmp_path / "missing")):
        path.write_text(f"corpus: {folder}\n" + SET.replace("  {key}: {value}\n", "").format(), encoding="utf-8")
        with pytest.raises(SetFileError) as e:
            load_question_set(path, allow_corpus=False)
        assert e.value.line == 1 and e.value.detail.startswith("corpus cannot be set by an uploaded question set")
    path.write_text(f"corpus: {tmp_path}\n" + SET.replace("  {key}: {value}\n", "").format(), encoding="utf-8")
    assert load_question_set(path).corpus == tmp_path.resolve()  # a set on disk still may
