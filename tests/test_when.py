"""The event's `when` resolved to a date against the articles' own dates."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from service.api.app import create_app
from service.config import Settings
from service.text.when import publication_date, resolve_when

DAYS = "monday tuesday wednesday thursday friday saturday sunday".split()


@given(st.dates(date(1990, 1, 1), date(2090, 1, 1)), st.sampled_from(DAYS))
def test_a_weekday_is_the_latest_such_day_on_or_before_the_article(
    published: date, day: str
) -> None:
    resolved = date.fromisoformat(resolve_when(f"on {day.title()}", published) or "")
    assert DAYS[resolved.weekday()] == day
    assert published - timedelta(days=6) <= resolved <= published


def test_explicit_and_relative_dates() -> None:
    friday = date(2026, 1, 16)
    assert resolve_when("Friday", friday) == "2026-01-16"
    assert resolve_when("Thursday night", friday) == "2026-01-15"
    assert resolve_when("16 January", friday) == "2026-01-16"
    assert resolve_when("March 3, 2025", friday) == "2025-03-03"
    assert resolve_when("yesterday", friday) == "2026-01-15"
    for vague in ("this week", "next Friday", "in March", "Friday or Saturday"):
        assert resolve_when(vague, friday) is None, vague
    assert publication_date("2026-01-16T11:01") == friday
    assert publication_date("16/01/2026") is None
    assert publication_date(None) is None


ARTICLES = [
    {
        "id": "wire",
        "published_at": "2025-06-11",
        "text": (
            "Chancellor Ana Ruiz and President Tomas Berg met in Lisbon on Tuesday. "
            "The two leaders signed an agreement on port investment worth 2 billion euros. "
            "Ruiz said the agreement would create thousands of jobs in the coming decade. "
            "Berg called the deal a milestone for both countries."
        ),
    },
    {
        "id": "daily",
        "text": (
            "Ana Ruiz and Tomas Berg signed a port investment agreement worth 2 billion euros. "
            "The agreement covers three harbours on the southern coast. "
            "Ruiz and Berg will meet again in the autumn, officials said. "
            "Ana Ruiz told reporters that Tomas Berg had been a reliable partner."
        ),
    },
]


def test_the_event_when_is_a_date_where_the_articles_allow() -> None:
    client = TestClient(create_app(Settings()))
    response = client.post("/summarize", json={"articles": ARTICLES})
    assert response.status_code == 200, response.text
    event = response.json()["summary"]["event"]
    assert event is not None
    assert event["when_stated"] == "Tuesday"
    assert event["when"] == "2025-06-10"
