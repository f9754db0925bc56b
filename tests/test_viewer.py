"""The evidence viewer's files and routes, without a browser: served, self-contained, shipped.

What the page does in a browser is in tests/test_viewer_browser.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import textwrap
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.viewer import ASSETS, CONTENT_SECURITY_POLICY, SEEDS_PATH, VIEWER_PATHS
from service.config import Settings
from service.drafting.extractive import ExtractiveModel
from tests.conftest import REPO, seed_articles

STATIC = REPO / "service" / "api" / "static"
KEY = "viewer-test-key-4Jf8sLq2Wm7Zx0Vb"


def _client(**settings: object) -> TestClient:
    app = create_app(settings=Settings(**settings), model=ExtractiveModel())  # type: ignore[arg-type]
    return TestClient(app, raise_server_exceptions=False)


class _Links(HTMLParser):
    """Every URL the page names in a `src` or `href`."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def _page_links() -> list[str]:
    parser = _Links()
    parser.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    return parser.urls


def test_the_page_and_its_files_are_served_with_a_strict_policy() -> None:
    client = _client()
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.head("/").status_code == 200
    local = [url for url in _page_links() if url.startswith("/viewer/")]
    assert sorted(local) == sorted(f"/viewer/{name}" for name in ASSETS)
    for name, media_type in ASSETS.items():
        asset = client.get(f"/viewer/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["content-type"] == media_type
        assert asset.content == (STATIC / name).read_bytes()
    assert client.get("/viewer/missing.js").status_code == 404


def test_the_page_loads_nothing_from_another_origin() -> None:
    # Offline by construction: every link is this app's own path, and no file names a host.
    assert all(url.startswith(("/", "#")) and not url.startswith("//") for url in _page_links())
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        hosts = set(re.findall(r"https?://[^\s\"')]+", text)) - {"http://www.w3.org/2000/svg"}
        assert not hosts, f"{path.name} names {hosts}"
        assert "@import" not in text and "url(" not in text, path.name


def test_the_script_never_parses_a_string_as_html() -> None:
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "DOMParser",
        "createContextualFragment",
        "srcdoc",
        "eval(",
        "Function(",
        "localStorage",
        "sessionStorage",
        "document.cookie",
    ):
        assert sink not in script, sink


def test_the_static_files_name_nothing_of_the_seed_event() -> None:
    outlets = {a["source"].split(" (")[0] for a in seed_articles() if a.get("source")}
    names = outlets | {"Takaichi", "Meloni", "Japan", "Italy", "Tokyo"}
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not [n for n in names if n in text], path.name


def test_the_bundled_seeds_are_served_as_a_summarize_body() -> None:
    client = _client()
    seeds = client.get(SEEDS_PATH)
    assert seeds.status_code == 200
    assert seeds.json() == {"articles": seed_articles()}
    summary = client.post("/summarize", json=seeds.json())
    assert summary.status_code == 200
    assert [a["id"] for a in summary.json()["articles"]] == [a["id"] for a in seed_articles()]


def test_the_viewer_stays_reachable_when_keys_are_on() -> None:
    client = _client(api_key_hashes=(hashlib.sha256(KEY.encode()).hexdigest(),))
    for path in sorted(VIEWER_PATHS):
        assert client.get(path).status_code == 200, path
    body = client.get(SEEDS_PATH).json()
    refused = client.post("/summarize", json=body)
    assert refused.status_code == 401 and refused.json()["type"] == "unauthorized"
    allowed = client.post("/summarize", json=body, headers={"Authorization": f"Bearer {KEY}"})
    assert allowed.status_code == 200
    # Only the viewer's own paths are open: a guess under its prefix still needs a key.
    assert client.get("/viewer/other.js").status_code == 401


def test_the_viewer_is_not_part_of_the_api_schema() -> None:
    paths = _client().get("/openapi.json").json()["paths"]
    assert not set(paths) & VIEWER_PATHS


def test_the_wheel_ships_the_viewer_and_the_seeds(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder

    (wheel,) = WheelBuilder(str(REPO)).build(
        directory=str(tmp_path / "dist"), versions=["standard"]
    )
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    assert {f"service/api/static/{n}" for n in [*ASSETS, "index.html"]} <= names
    seeds = sorted(p.name for p in (REPO / "seeds").glob("*.json"))
    assert {f"service/_seeds/{n}" for n in seeds} <= names
    # Read from the installed copy alone, away from the checkout: the page and the seeds.
    probe = textwrap.dedent(
        """
        import json
        from service.api import viewer
        folder = viewer.seeds_dir()
        print(json.dumps({
            "module": viewer.__file__,
            "seeds_dir": str(folder),
            "page": viewer.static_file("index.html").decode(),
            "seeds": [a["id"] for a in viewer.seed_articles(folder)],
        }))
        """
    )
    environment = {"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["module"].startswith(str(tmp_path / "site"))
    assert found["seeds_dir"] == str(tmp_path / "site" / "service" / "_seeds")
    assert found["page"] == (STATIC / "index.html").read_text(encoding="utf-8")
    assert found["seeds"] == [a["id"] for a in seed_articles()]
