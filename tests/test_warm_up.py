"""A server loads what every request needs before it takes traffic, so its first request does
not pay for the token encoding, the lexical tables or the calibration."""

from __future__ import annotations

import textwrap

from service.config import Settings
from service.pipeline.warm_up import warm_up
from tests.conftest import run_python

_FRESH_PROCESS = textwrap.dedent(
    """
    import gc

    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.config import Settings
    from service.pipeline import processes
    from service.pipeline.warm_up import GC_YOUNG_THRESHOLD
    from service.text.token_count import encoding
    from service.verify.scoring import default_calibration

    app = create_app(Settings(ingest_processes=2))
    assert encoding.cache_info().currsize == 0, "loaded at import: the test proves nothing"
    assert default_calibration.cache_info().currsize == 0
    assert gc.get_freeze_count() == 0 and processes._pool is None
    assert gc.get_threshold()[0] != GC_YOUNG_THRESHOLD
    with TestClient(app) as client:
        # Started (the lifespan ran), no request yet.
        print(encoding.cache_info().currsize, default_calibration.cache_info().currsize)
        # What was loaded is out of the collector's sight; the ingest processes are up.
        print(gc.get_freeze_count() > 0, processes._pool is not None)
        print(gc.get_threshold()[0] == GC_YOUNG_THRESHOLD)
        assert client.get("/healthz").status_code == 200
    """
)


def test_a_started_server_has_loaded_what_requests_need_before_any_request() -> None:
    assert run_python("-c", _FRESH_PROCESS).split() == ["1", "1", "True", "True", "True"]


def test_warm_up_runs_under_the_default_settings_and_again() -> None:
    settings = Settings()
    warm_up(settings)
    warm_up(settings)


def test_the_cli_starts_as_a_server_does() -> None:
    # The collector settings are the warm-up's last step: a CLI run that has them has warmed up.
    script = textwrap.dedent(
        """
        import contextlib, gc, io
        from service.cli import main
        from service.pipeline.warm_up import GC_YOUNG_THRESHOLD

        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["summarize", "--quiet", "seeds/"]) == 0
        print(gc.get_freeze_count() > 0, gc.get_threshold()[0] == GC_YOUNG_THRESHOLD)
        """
    )
    assert run_python("-c", script).split() == ["True", "True"]
