"""The command line: same pipeline, readable output, clear errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli import load_articles, main
from tests.conftest import REPO, SEEDS


def test_summarize_json_prints_the_exact_response_body(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summarize", str(SEEDS), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert set(body) >= {"summary", "verification", "articles", "run"}
    texts = {a["id"]: a["text"] for a in body["articles"]}
    for point in body["summary"]["key_points"]:
        for c in point["citations"]:
            assert texts[c["article_id"]][c["start"] : c["end"]] == c["text"]


def test_summarize_text_output_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summarize", str(SEEDS)]) == 0
    out = capsys.readouterr().out
    assert "Key points" in out and "Verification:" in out and "Model: mock" in out


def test_txt_files_take_their_stem_as_id(tmp_path: Path) -> None:
    (tmp_path / "story-1.txt").write_text("Japan and Italy met in Tokyo.", encoding="utf-8")
    (tmp_path / "ignored.md").write_text("not an article", encoding="utf-8")
    assert load_articles([str(tmp_path)]) == [
        {"id": "story-1", "text": "Japan and Italy met in Tokyo."}
    ]


def test_json_file_may_hold_a_list_or_a_request(tmp_path: Path) -> None:
    items = [{"id": "a", "text": "One."}, {"id": "b", "text": "Two."}]
    (tmp_path / "list.json").write_text(json.dumps(items), encoding="utf-8")
    (tmp_path / "request.json").write_text(json.dumps({"articles": items[:1]}), encoding="utf-8")
    assert [a["id"] for a in load_articles([str(tmp_path)])] == ["a", "b", "a"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no such file"),
        ({"bad.json": "{nope"}, "not valid JSON"),
        ({"blank.txt": "   \n"}, "empty or whitespace"),
        (
            {"a.json": '{"id": "x", "text": "A."}', "b.json": '{"id": "x", "text": "B."}'},
            "duplicate article id",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    target = tmp_path if files else tmp_path / "missing"
    assert main(["summarize", str(target)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_verify_command(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "verify",
            "--articles",
            str(SEEDS),
            "--json",
            "Japan and Italy elevated ties to a special strategic partnership.",
            "Japan and Italy elevated ties to an alliance in 2030.",
        ]
    )
    assert code == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert [r["supported"] for r in results] == [True, False]


def test_module_entry_point_runs_in_a_fresh_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "service", "summarize", "seeds", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["run"]["model"] == "mock"


def refused_at_start(capsys: pytest.CaptureFixture[str]) -> str:
    """Summarise the seeds under the environment the test set; expect exit 2, and return
    what was printed on stderr."""
    from service.config import get_settings

    get_settings.cache_clear()
    try:
        assert main(["summarize", str(SEEDS)]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_misconfigured_real_model_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUMMARIZER_MODEL", "some-real-model")
    err = refused_at_start(capsys)
    assert "configuration error" in err and "OPENAI_BASE_URL" in err


def test_a_reply_larger_than_the_window_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SUMMARIZER_MAX_OUTPUT_TOKENS", "30000")
    assert "SUMMARIZER_CONTEXT_TOKENS (16384)" in refused_at_start(capsys)


def test_a_bad_setting_is_a_configuration_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SUMMARIZER_CONTEXT_TOKENS", "lots")
    err = refused_at_start(capsys)
    assert "configuration error" in err and "SUMMARIZER_CONTEXT_TOKENS" in err
