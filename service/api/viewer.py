"""The evidence viewer: a page at `/` that summarises articles and shows each sentence's spans.

Plain HTML, CSS and JavaScript from `static/`, with no build step and nothing fetched from
another origin, so the page works offline. The bundled seed articles are served beside it so
that the page can load them: from the repository's `seeds/`, or from the copy the wheel ships
as `service/_seeds` (pyproject's force-include, like the prompts).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from service.api.errors import error_response

PAGE_PATH = "/"
ASSET_PREFIX = "/viewer/"
SEEDS_PATH = ASSET_PREFIX + "seeds.json"
# Every file the page needs, by name under static/, with its media type.
ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "viewer.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
# The page and its assets stay reachable when API keys are on: the page asks for the key.
VIEWER_PATHS = frozenset({PAGE_PATH, SEEDS_PATH, *(ASSET_PREFIX + name for name in ASSETS)})

# Only this origin's own files may load or run: were article text ever parsed as HTML, an
# inline <script> or onerror= would still be refused.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidate, so that a new version of the service is never shown with an old script.
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)
READ = ["GET", "HEAD"]


@cache
def static_file(name: str) -> bytes:
    """A file of the page, read once from the package (a checkout or an installed wheel)."""
    return (resources.files("service.api") / "static" / name).read_bytes()


def seeds_dir() -> Path | None:
    """The bundled seed articles: the wheel's copy, else the checkout's `seeds/`."""
    package = Path(__file__).resolve().parent.parent
    for folder in (package / "_seeds", package.parent / "seeds"):
        if folder.is_dir() and any(folder.glob("*.json")):
            return folder
    return None


def seed_articles(folder: Path) -> list[dict[str, Any]]:
    """The article objects of the seed folder, in file-name order."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


@router.api_route(PAGE_PATH, methods=READ)
async def page() -> Response:
    """The evidence viewer."""
    return Response(
        static_file("index.html"), media_type="text/html; charset=utf-8", headers=HEADERS
    )


@router.api_route(SEEDS_PATH, methods=READ)
async def seeds() -> Response:
    """The bundled seed articles as a `/summarize` request body."""
    folder = seeds_dir()
    if folder is None:
        return error_response(404, "not_found", "this installation has no bundled seeds", None)
    return JSONResponse({"articles": seed_articles(folder)}, headers=HEADERS)


def _asset_route(name: str, media_type: str) -> Callable[[], Any]:
    async def asset() -> Response:
        return Response(static_file(name), media_type=media_type, headers=HEADERS)

    asset.__name__ = f"viewer_{name.replace('.', '_')}"
    return asset


for _name, _media_type in ASSETS.items():
    router.add_api_route(ASSET_PREFIX + _name, _asset_route(_name, _media_type), methods=READ)
