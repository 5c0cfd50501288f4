"""An admin keeps the hours current: ranges of dated exceptions, edited and listed; the weekly schedule
changed a day at a time; its wording never left describing hours the studio no longer keeps."""

from tests.factories import set_weekly_hours

HOURS = "/api/v1/studio/hours"
EXCEPTIONS = f"{HOURS}/exceptions"
NINE_TO_FIVE = [{"opens": "09:00", "closes": "17:00"}]
VACATION = {"starts_on": "2027-07-05", "ends_on": "2027-07-11", "note": "Vacation", "intervals": []}


def test_a_vacation_week_is_one_request(seeded_app, client, admin_key):
    set_weekly_hours(seeded_app, {weekday: [("09:00", "17:00")] for weekday in range(7)})
    created = client.write("POST", EXCEPTIONS, admin_key, 201, json=VACATION)
    assert created.headers["Location"] == f"http://localhost{EXCEPTIONS}/2027-07-05"
    assert created.get_json()["data"] == {**VACATION, "closed": True}
    for day in ("2027-07-05", "2027-07-08", "2027-07-11"):  # Monday, Thursday, Sunday of that week
        during = client.get_json(f"{HOURS}?at={day}T15:00:00Z").get_json()["data"]
        assert during["open_now"] is False
        assert during["next_opening"] == "2027-07-12T13:00:00Z"  # the Monday after, 09:00 in Lexington
    before = client.get_json(f"{HOURS}?at=2027-07-04T15:00:00Z").get_json()["data"]
    assert before["open_now"] is True and [e["starts_on"] for e in before["exceptions"]] == ["2027-07-05"]
    # Asked by a day inside it, the answer names the day that does name it.
    problem = client.problem(f"{EXCEPTIONS}/2027-07-08", 404)
    assert "starts on 2027-07-05" in problem["detail"]


def test_an_exception_is_edited_with_if_match(client, admin_key):
    client.write("POST", EXCEPTIONS, admin_key, 201, json=VACATION)
    url = f"{EXCEPTIONS}/2027-07-05"
    client.write("PATCH", url, admin_key, 428, json={"note": "x"}, headers={"If-Match": None})
    client.write("PATCH", url, admin_key, 412, json={"note": "x"}, headers={"If-Match": '"stale"'})
    extended = client.write("PATCH", url, admin_key, 200, json={"ends_on": "2027-07-14"}).get_json()["data"]
    assert (extended["ends_on"], extended["note"]) == ("2027-07-14", "Vacation")
    moved = client.write(
        "PUT",
        url,
        admin_key,
        200,
        json={"starts_on": "2027-07-06", "ends_on": "2027-07-07", "intervals": [{"opens": "10:00", "closes": "12:00"}]},
    )
    assert moved.headers["Location"] == f"http://localhost{EXCEPTIONS}/2027-07-06"
    assert moved.get_json()["data"] == {
        "starts_on": "2027-07-06",
        "ends_on": "2027-07-07",
        "note": None,
        "closed": False,
        "intervals": [{"opens": "10:00", "closes": "12:00"}],
    }
    client.problem(url, 404)


def test_bad_ranges_and_overlaps_are_refused_and_change_nothing(client, admin_key):
    client.write("POST", EXCEPTIONS, admin_key, 201, json=VACATION)
    before = client.get_json(EXCEPTIONS).get_json()
    backwards = client.write("POST", EXCEPTIONS, admin_key, 422, json={**VACATION, "ends_on": "2027-07-01"})
    assert backwards.get_json()["errors"] == {"ends_on": ["Must be starts_on or a later day."]}
    too_long = {"starts_on": "2027-01-01", "ends_on": "2028-01-02", "intervals": []}
    assert "366" in client.write("POST", EXCEPTIONS, admin_key, 422, json=too_long).get_json()["errors"]["ends_on"][0]
    overlapping = {"starts_on": "2027-07-10", "ends_on": "2027-07-20", "intervals": []}
    problem = client.write("POST", EXCEPTIONS, admin_key, 409, json=overlapping).get_json()
    assert "2027-07-05 to 2027-07-11" in problem["detail"]
    client.write("POST", EXCEPTIONS, admin_key, 422, json={**VACATION, "date": "2027-07-05"})  # the old field
    client.write("PATCH", f"{EXCEPTIONS}/2027-07-05", admin_key, 422, json={"ends_on": "2027-07-01"})
    assert client.get_json(EXCEPTIONS).get_json() == before


def test_the_exceptions_are_listed_past_ones_too(client, admin_key):
    for starts_on in ("2025-12-25", "2027-07-05", "2026-12-31"):
        client.write("POST", EXCEPTIONS, admin_key, 201, json={"starts_on": starts_on, "intervals": []})
    listed = client.get_json(EXCEPTIONS).get_json()
    assert [e["starts_on"] for e in listed["data"]] == ["2025-12-25", "2026-12-31", "2027-07-05"]
    assert listed["meta"]["total"] == 3
    narrowed = client.get_json(f"{EXCEPTIONS}?since=2026-01-01&until=2026-12-31").get_json()["data"]
    assert [e["starts_on"] for e in narrowed] == ["2026-12-31"]
    client.problem(f"{EXCEPTIONS}?since=soon", 400)


def test_one_day_is_patched_and_the_wording_follows_the_schedule(client, admin_key):
    seeded = client.get_json(HOURS).get_json()["data"]
    assert (seeded["display"], seeded["display_derived"]) == (["Mon - Wed", "Fri - Sun"], False)
    thursday = {"weekly": {"thursday": [{"opens": "10:00", "closes": "16:00"}]}}
    hours = client.write("PATCH", HOURS, admin_key, 200, json=thursday).get_json()["data"]
    assert hours["weekly"][3] == {"day": "thursday", "closed": False, "intervals": thursday["weekly"]["thursday"]}
    assert hours["weekly"][0] == seeded["weekly"][0]  # the days not named stay
    # The page's words no longer describe the week: they are derived from it now.
    assert (hours["display"], hours["display_derived"]) == (["Mon - Wed", "Thu 10:00 - 16:00", "Fri - Sun"], True)

    worded = client.write("PATCH", HOURS, admin_key, 200, json={"display": ["Every day but holidays"]})
    assert (worded.get_json()["data"]["display"], worded.get_json()["data"]["display_derived"]) == (
        ["Every day but holidays"],
        False,
    )
    weekly = dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), NINE_TO_FIVE)
    weekly |= {"saturday": [], "sunday": []}
    replaced = client.write("PUT", HOURS, admin_key, 200, json={"weekly": weekly}).get_json()["data"]
    assert (replaced["display"], replaced["display_derived"]) == (["Mon - Fri 09:00 - 17:00"], True)
    client.write("PATCH", HOURS, admin_key, 200, json={"display": ["Weekdays 9 - 5"]})
    cleared = client.write("PATCH", HOURS, admin_key, 200, json={"display": None}).get_json()["data"]
    assert cleared["display"] == ["Mon - Fri 09:00 - 17:00"] and cleared["display_derived"] is True


def test_a_bad_patch_of_the_week_changes_nothing(client, admin_key):
    before = client.get_json(HOURS).get_json()
    client.write("PATCH", HOURS, admin_key, 422, json={"weekly": {"funday": []}})
    client.write("PATCH", HOURS, admin_key, 422, json={"weekly": {"monday": [{"opens": "09:00"}]}})
    client.write("PATCH", HOURS, admin_key, 428, json={"display": ["x"]}, headers={"If-Match": None})
    client.write("PUT", HOURS, admin_key, 422, json={"weekly": {"monday": []}})  # a PUT names every day
    assert client.get_json(HOURS).get_json() == before
