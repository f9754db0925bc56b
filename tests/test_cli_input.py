"""The CLI's input: files and folders, request bodies and their options, every mistake one line
on stderr naming the file (or the flag, or the variable) and exit 2."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from service.cli import main
from service.config import get_settings
from tests.conftest import REPO, SEEDS, seed_articles

STORY = "Japan and Italy met in Tokyo on Friday and agreed to deepen their partnership."


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def one_error_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    (line,) = err.strip().splitlines()
    return line


def write(folder: Path, files: dict[str, Any]) -> None:
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            text = content if isinstance(content, str) else json.dumps(content)
            path.write_text(text, encoding="utf-8")


# -- the README's own verify examples -------------------------------------------------------


def test_sentences_may_follow_the_article_paths_as_the_readme_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "verify",
        "--articles",
        str(SEEDS),
        "Japan and Italy elevated ties to a special strategic partnership.",
        "Japan and Italy elevated ties to an alliance in 2030.",
        "--json",
    )
    assert code == 0
    results = json.loads(out)["results"]
    assert [r["supported"] for r in results] == [True, False]


def test_every_verify_command_in_the_readme_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    block = (REPO / "README.md").read_text(encoding="utf-8").split("## Command line", 1)[1]
    commands = [
        line.split("#")[0].strip()
        for line in block.split("```")[1].splitlines()
        if line.startswith("python -m service verify")
    ]
    assert len(commands) >= 2
    (tmp_path / "seeds").symlink_to(SEEDS)
    (tmp_path / "claims.txt").write_text(
        "Japan and Italy elevated ties to a special strategic partnership.\n\n"
        "Meloni visited Tokyo.\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    for command in commands:
        # As written, and with each optional flag it shows.
        for form in (re.sub(r"\[(.*?)\]", "", command), re.sub(r"\[(.*?)\]", r"\1", command)):
            argv = shlex.split(form.replace("PATH...", "seeds/"))[3:]
            code, out, err = run(capsys, *argv)
            assert code == 0, (form, err)
            if "--json" in argv:
                results = json.loads(out)["results"]
            else:
                results = [line for line in out.splitlines() if "SUPPORTED" in line[:11]]
            given = [a for a in argv if " " in a] or ["from claims.txt", "2 of them"]
            assert len(results) == len(given), (form, out)


def test_articles_must_come_first_after_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    line = one_error_line(capsys, "verify", "--articles", "Not a path, a sentence.")
    assert line == "error: --articles: 'Not a path, a sentence.' is not a file or folder"


# -- sentences files -------------------------------------------------------------------------


def test_a_missing_sentences_file_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    line = one_error_line(
        capsys, "verify", "--articles", str(SEEDS), "--sentences-file", "missing.txt"
    )
    assert line == "error: missing.txt: no such file"


def test_a_sentences_file_that_is_not_utf8_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = tmp_path / "claims.txt"
    claims.write_bytes("Meloni visited Tokyo. caf\xe9".encode("latin-1"))
    line = one_error_line(
        capsys, "verify", "--articles", str(SEEDS), "--sentences-file", str(claims)
    )
    assert line.startswith(f"error: {claims}: not UTF-8 text (byte 0xe9 at offset 25)")


def test_a_bad_sentence_is_named_by_where_it_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = tmp_path / "verify.json"
    sentences = ["Meloni visited Tokyo.", {"text": "Meloni visited Tokyo.", "citations": [{}]}]
    body.write_text(json.dumps({"articles": seed_articles(), "sentences": sentences}), "utf-8")
    line = one_error_line(capsys, "verify", "--articles", str(body), "A sentence argument.")
    assert line.startswith(f"error: {body}: sentences[1]: ")


# -- files and folders -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "bad", "message"),
    [
        (
            {"a.txt": STORY, "blank.txt": "   \n"},
            "blank.txt",
            "article body is empty or whitespace",
        ),
        ({"noid.json": {"text": STORY}}, "noid.json", "`id` is missing"),
        (
            {"extra.json": {"id": "x", "text": STORY, "author": "me"}},
            "extra.json",
            "unknown field `author` (an article has id, text, html",
        ),
        ({"list.json": [{"id": "x", "text": STORY}, 3]}, "list.json[1]", "expected an article"),
        ({"bad.json": "{nope"}, "bad.json", "not valid JSON"),
        ({"latin.txt": b"caf\xe9 au lait"}, "latin.txt", "not UTF-8 text (byte 0xe9 at offset 3)"),
        (
            {"body.json": {"articles": [], "option": {}}},
            "body.json",
            "unknown field 'option' in a request body",
        ),
    ],
)
def test_an_error_about_a_file_names_the_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, Any],
    bad: str,
    message: str,
) -> None:
    write(tmp_path, files)
    line = one_error_line(capsys, "summarize", "--quiet", str(tmp_path))
    assert line.startswith(f"error: {tmp_path / bad}: ") and message in line


def test_two_files_with_one_id_are_both_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"a.json": {"id": "x", "text": STORY}, "b.json": {"id": "x", "text": STORY}})
    line = one_error_line(capsys, "summarize", "--quiet", str(tmp_path))
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert line == f"error: duplicate article id 'x': in {a} and in {b}"


def test_a_folder_read_says_what_it_read_and_what_it_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Suffixes in any case are read (files from other systems); the rest is listed with why.
    write(tmp_path, {"NHK.TXT": STORY, "wire.Json": {"id": "wire", "text": STORY}})
    write(tmp_path, {"notes.md": "not an article", ".draft.txt": STORY})
    (tmp_path / "older").mkdir()
    code, out, err = run(capsys, "summarize", "--json", str(tmp_path))
    assert code == 0, err
    assert [a["id"] for a in json.loads(out)["articles"]] == ["NHK", "wire"]
    assert err.strip() == (
        f"{tmp_path}: read 2 article(s) from 2 file(s); skipped .draft.txt (hidden), "
        "notes.md (not .txt or .json), older/ (a folder: give its path to read it)"
    )
    # --quiet keeps stderr for errors and warnings only.
    code, _, err = run(capsys, "summarize", "--quiet", str(tmp_path))
    assert code == 0 and err == ""


def test_a_folder_with_nothing_to_read_says_what_it_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"notes.md": "x"})
    line = one_error_line(capsys, "summarize", str(tmp_path))
    assert line == (
        f"error: {tmp_path}: no .txt or .json files in this folder; "
        "skipped notes.md (not .txt or .json)"
    )


def test_a_pipeline_error_names_the_file_of_the_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"a.txt": STORY, "b.txt": STORY + " " + "More words here. " * 100})
    monkeypatch.setenv("SUMMARIZER_MAX_ARTICLE_CHARS", "1000")
    get_settings.cache_clear()
    try:
        line = one_error_line(capsys, "summarize", "--quiet", str(tmp_path))
    finally:
        get_settings.cache_clear()
    assert line.startswith(f"error: {tmp_path / 'b.txt'}: article 'b' has ")


# -- a request body's options ------------------------------------------------------------------


def request_file(folder: Path, options: dict[str, Any], name: str = "request.json") -> Path:
    path = folder / name
    path.write_text(json.dumps({"articles": seed_articles(), "options": options}), "utf-8")
    return path


def key_points(capsys: pytest.CaptureFixture[str], *argv: str) -> int:
    code, out, err = run(capsys, "summarize", "--json", *argv)
    assert code == 0, err
    return len(json.loads(out)["summary"]["key_points"])


def test_a_request_bodys_options_are_honoured_and_flags_override_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = request_file(tmp_path, {"max_key_points": 2})
    assert key_points(capsys, str(body)) == 2
    assert key_points(capsys, str(body), "--max-key-points", "3") == 3
    # Without options anywhere, the API's default.
    assert key_points(capsys, str(SEEDS)) == 8


def test_bad_options_are_named_by_their_file_or_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = request_file(tmp_path, {"max_key_point": 2})
    line = one_error_line(capsys, "summarize", str(body))
    assert line.startswith(f"error: {body}: options.max_key_point: not an option (the options are")
    body = request_file(tmp_path, {"max_key_points": 99})
    line = one_error_line(capsys, "summarize", str(body))
    expected = "options.max_key_points: Input should be less than or equal to 20"
    assert line == f"error: {body}: {expected}"
    line = one_error_line(capsys, "summarize", str(SEEDS), "--max-key-points", "0")
    assert line == "error: --max-key-points: Input should be greater than or equal to 1"


def test_two_request_bodies_that_disagree_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = request_file(tmp_path, {"max_key_points": 2}, "one.json")
    two = tmp_path / "two.json"
    two.write_text(
        json.dumps(
            {"articles": [{"id": "other", "text": STORY}], "options": {"max_key_points": 3}}
        ),
        "utf-8",
    )
    line = one_error_line(capsys, "summarize", str(one), str(two))
    assert line.startswith(f"error: {two}: options.max_key_points is 3 but {one}: ")


def test_a_verify_body_gives_its_sentences_to_verify_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = tmp_path / "verify.json"
    sentences = ["Japan and Italy elevated ties to a special strategic partnership."]
    body.write_text(json.dumps({"articles": seed_articles(), "sentences": sentences}), "utf-8")
    code, out, _ = run(capsys, "verify", "--articles", str(body), "--json")
    assert code == 0
    assert [r["supported"] for r in json.loads(out)["results"]] == [True]
    line = one_error_line(capsys, "summarize", str(body))
    assert line == f"error: {body}: `sentences` belong to a /verify body; use verify for them"


# -- usage mistakes and settings ---------------------------------------------------------------


def test_a_port_out_of_range_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--port", "99999"])
    assert stopped.value.code == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == (
        "error: argument --port: '99999' is not a port: give 1 to 65535 (or 0 for any free "
        "port) (see python -m service serve --help)"
    )


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("SUMMARIZER_CONTEXT_TOKENS", "abc", "an integer, at least 1024"),
        ("SUMMARIZER_CONTEXT_TOKENS", "1000", "an integer, at least 1024"),
        ("SUMMARIZER_REPAIR", "maybe", "true or false (also 1/0, yes/no, on/off)"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    accepted: str,
) -> None:
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    try:
        line = one_error_line(capsys, "summarize", str(SEEDS))
    finally:
        get_settings.cache_clear()
    assert line == (
        f"configuration error: {variable}={value!r} is not accepted: it must be {accepted}"
    )


def test_setting_warnings_go_to_stderr_before_the_summary(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SUMMARIZER_CACHE_DIRECTORY", "/tmp")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.delenv("SUMMARIZER_MODEL", raising=False)
    get_settings.cache_clear()
    try:
        code, out, err = run(capsys, "summarize", "--quiet", str(SEEDS))
    finally:
        get_settings.cache_clear()
    assert code == 0 and "Model: mock" in out
    assert err.splitlines() == [
        "warning: SUMMARIZER_CACHE_DIRECTORY is not a setting and is ignored; "
        "did you mean SUMMARIZER_CACHE_DIR?",
        "warning: SUMMARIZER_MODEL is mock, so the in-process extractive model answers and "
        "OPENAI_BASE_URL (http://127.0.0.1:9/v1) is not used; to use that server, set "
        "SUMMARIZER_MODEL to the name of a model it serves (GET /v1/models lists them)",
    ]
