"""Reading the studio's details and its hours, with open_now computed in its time zone."""

from datetime import date

import pytest

from tests.factories import add_hours_exception, set_weekly_hours

HOURS = "/api/v1/studio/hours"
NINE_TO_FIVE_WEEKDAYS = {weekday: [("09:00", "17:00")] for weekday in range(5)}


def test_studio_details_are_the_pages_and_nothing_more(client):
    studio = client.get_json("/api/v1/studio").get_json()["data"]
    assert studio["name"] == "Corey Proffitt Studios Massage"
    assert studio["phone"] == {"display": "(859) 421-3085", "e164": "+18594213085"}
    assert studio["address"] == {
        "street_address": None,
        "locality": "Lexington",
        "region": "KY",
        "postal_code": None,
        "country": "US",
    }
    assert studio["email"] is None
    assert studio["time_zone"] == "America/New_York"
    # The page has no image files: no logo, no slide pictures.
    assert studio["logo"] is None
    assert studio["hero_slides"] == [
        {
            "headline": "Great Massage In Lexington KY",
            "subheadline": "Welcome To Corey Proffitt Studios Massage",
            "image": None,
        },
        {
            "headline": "Enjoy Our Beautiful Massage Studio",
            "subheadline": "Come see why we've best voted best massage in Lexington, KY numerous times.",
            "image": None,
        },
    ]
    assert studio["highlights"] == ["Voted Lexington's best massage by consumers!"]


def test_unseeded_studio_is_a_404_problem(empty_client):
    empty_client.problem("/api/v1/studio", 404)
    empty_client.problem(HOURS, 404)


def test_seeded_week_has_unpublished_times_and_thursday_closed(client):
    hours = client.get_json(HOURS).get_json()["data"]
    assert [day["day"] for day in hours["weekly"]] == [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    for day in hours["weekly"]:
        if day["day"] == "thursday":
            assert day == {"day": "thursday", "closed": True, "intervals": []}
        else:
            assert day["closed"] is False
            assert day["intervals"] == [{"opens": None, "closes": None}]
    assert hours["display"] == ["Mon - Wed", "Fri - Sun"]
    assert hours["exceptions"] == []
    assert hours["time_zone"] == "America/New_York"


@pytest.mark.parametrize(
    "at, open_now",
    [
        ("2026-11-23T15:00:00Z", None),  # Monday: open, times unknown
        ("2026-11-26T15:00:00Z", False),  # Thursday: closed
        ("2026-11-27T04:30:00Z", False),  # still Thursday in Lexington (23:30), though Friday in UTC
        ("2026-11-27T05:30:00Z", None),  # Friday 00:30 in Lexington
    ],
)
def test_seeded_open_now_is_unknown_on_open_days_and_false_on_thursday(client, at, open_now):
    hours = client.get_json(f"{HOURS}?at={at}").get_json()["data"]
    assert hours["open_now"] is open_now
    # The next opening is on a day with unpublished times: unknown, never guessed.
    assert hours["next_opening"] is None
    assert hours["next_closing"] is None


def test_known_hours_give_open_now_and_the_next_changes_in_utc(seeded_app, client):
    set_weekly_hours(seeded_app, NINE_TO_FIVE_WEEKDAYS)
    during = client.get_json(f"{HOURS}?at=2026-11-23T15:00:00Z").get_json()["data"]  # Monday 10:00 EST
    assert during["open_now"] is True
    assert during["next_closing"] == "2026-11-23T22:00:00Z"
    assert during["next_opening"] == "2026-11-24T14:00:00Z"
    assert during["weekly"][0]["intervals"] == [{"opens": "09:00", "closes": "17:00"}]
    assert during["weekly"][5] == {"day": "saturday", "closed": True, "intervals": []}

    evening = client.get_json(f"{HOURS}?at=2026-11-24T04:00:00%2B00:00").get_json()["data"]  # Monday 23:00
    assert evening["open_now"] is False
    assert evening["next_opening"] == "2026-11-24T14:00:00Z"
    assert evening["next_closing"] == "2026-11-24T22:00:00Z"


def test_next_opening_across_the_spring_clock_change(seeded_app, client):
    set_weekly_hours(seeded_app, NINE_TO_FIVE_WEEKDAYS)
    # Saturday 7 March 2026, EST; clocks go forward on Sunday 8 March, so Monday 09:00 is EDT (UTC-4).
    hours = client.get_json(f"{HOURS}?at=2026-03-07T17:00:00Z").get_json()["data"]
    assert hours["open_now"] is False
    assert hours["next_opening"] == "2026-03-09T13:00:00Z"


def test_a_dated_exception_replaces_its_weekday(seeded_app, client):
    set_weekly_hours(seeded_app, NINE_TO_FIVE_WEEKDAYS)
    add_hours_exception(seeded_app, date(2026, 11, 24), note="Closed for the day")
    add_hours_exception(seeded_app, date(2026, 11, 28), intervals=[("10:00", "12:00")], note="Saturday special")
    add_hours_exception(seeded_app, date(2026, 11, 1), note="In the past")
    hours = client.get_json(f"{HOURS}?at=2026-11-24T04:00:00Z").get_json()["data"]  # Monday 23:00
    assert hours["next_opening"] == "2026-11-25T14:00:00Z"  # Tuesday is skipped
    assert hours["exceptions"] == [
        {
            "starts_on": "2026-11-24",
            "ends_on": "2026-11-24",
            "note": "Closed for the day",
            "closed": True,
            "intervals": [],
        },
        {
            "starts_on": "2026-11-28",
            "ends_on": "2026-11-28",
            "note": "Saturday special",
            "closed": False,
            "intervals": [{"opens": "10:00", "closes": "12:00"}],
        },
    ]
    saturday = client.get_json(f"{HOURS}?at=2026-11-28T15:30:00Z").get_json()["data"]  # 10:30
    assert saturday["open_now"] is True
    assert saturday["next_closing"] == "2026-11-28T17:00:00Z"


def test_an_interval_past_midnight_is_open_the_next_morning(seeded_app, client):
    set_weekly_hours(seeded_app, {4: [("20:00", "02:00")]})  # Friday night
    hours = client.get_json(f"{HOURS}?at=2026-11-28T06:00:00Z").get_json()["data"]  # Saturday 01:00
    assert hours["open_now"] is True
    assert hours["next_closing"] == "2026-11-28T07:00:00Z"


def test_an_unpublished_day_before_the_next_known_opening_makes_it_unknown(seeded_app, client):
    set_weekly_hours(seeded_app, {0: [("09:00", "17:00")], 1: [(None, None)], 2: [("09:00", "17:00")]})
    hours = client.get_json(f"{HOURS}?at=2026-11-23T23:00:00Z").get_json()["data"]  # Monday 18:00
    assert hours["open_now"] is False
    assert hours["next_opening"] is None
    assert hours["next_closing"] is None


@pytest.mark.parametrize("at", ["yesterday", "2026-11-23T10:00:00", "2026-13-01T00:00:00Z", ""])
def test_bad_at_is_a_400(client, at):
    body = client.problem(f"{HOURS}?at={at}", 400)
    assert list(body["errors"]) == ["at"]


def test_the_studio_and_its_hours_have_revisions_an_admin_restores(client, admin_key):
    seeded_name = client.get_json("/api/v1/studio").get_json()["data"]["name"]
    client.write("PATCH", "/api/v1/studio", admin_key, 200, json={"name": "Renamed Studio", "tagline": "New"})
    history = client.as_key(admin_key, "/api/v1/studio/revisions").get_json()
    assert [r["action"] for r in history["data"]] == ["updated", "seeded"] and history["meta"]["total"] == 2
    assert history["data"][0]["changed_fields"] == ["name", "tagline"]
    client.write("POST", "/api/v1/studio/revisions/1/restore", admin_key, 428, headers={"If-Match": None})
    etag = client.as_key(admin_key, "/api/v1/studio").headers["ETag"]
    restored = client.write("POST", "/api/v1/studio/revisions/1/restore", admin_key, 200, headers={"If-Match": etag})
    assert restored.get_json()["data"]["name"] == seeded_name
    assert client.get_json("/api/v1/studio").get_json()["data"]["name"] == seeded_name
    latest = client.as_key(admin_key, "/api/v1/studio/revisions").get_json()["data"][0]
    assert latest["action"] == "restored revision 1" and latest["key_name"] == "admin-one"
    etag = client.as_key(admin_key, "/api/v1/studio").headers["ETag"]
    client.write("POST", "/api/v1/studio/revisions/99/restore", admin_key, 404, headers={"If-Match": etag})

    seeded_hours = client.get_json("/api/v1/studio/hours").get_json()["data"]["weekly"]
    closed_week = {day: [] for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
    client.write("PUT", "/api/v1/studio/hours", admin_key, 200, json={"weekly": closed_week, "display": ["Closed"]})
    hours_history = client.as_key(admin_key, "/api/v1/studio/hours/revisions").get_json()["data"]
    assert [r["action"] for r in hours_history] == ["updated", "seeded"]
    etag = client.as_key(admin_key, "/api/v1/studio/hours").headers["ETag"]
    back = client.write("POST", "/api/v1/studio/hours/revisions/1/restore", admin_key, 200, headers={"If-Match": etag})
    assert back.get_json()["data"]["weekly"] == seeded_hours
    assert client.get_json("/api/v1/studio/hours").get_json()["data"]["display"] == ["Mon - Wed", "Fri - Sun"]
    client.write("GET", "/api/v1/studio/revisions", None, 401)


def test_a_put_of_the_studio_must_name_every_field(client, admin_key):
    before = client.as_key(admin_key, "/api/v1/studio").get_json()["data"]
    problem = client.write("PUT", "/api/v1/studio", admin_key, 422, json={"name": "Only A Name", "time_zone": "UTC"})
    assert {"tagline", "about", "highlights", "hero_slides", "phone", "email", "address"} <= set(
        problem.get_json()["errors"]
    )
    assert client.as_key(admin_key, "/api/v1/studio").get_json()["data"] == before
