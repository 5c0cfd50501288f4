"""Reading topics: the list by name, and one topic with its related topics and articles."""


def test_list_is_by_name_with_summary_fields(client):
    body = client.get_json("/api/v1/topics").get_json()
    assert [topic["slug"] for topic in body["data"]] == ["gluteus-medius", "gluteus-minimus", "quadratus-lumborum"]
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 3, "pages": 1}
    ql = body["data"][2]
    assert ql["aliases"] == ["QL", "QL’s", "QL muscles"]
    assert ql["body_region"] == "lower back"
    assert "stressors" not in ql


def test_list_pages(client):
    body = client.get_json("/api/v1/topics?per_page=2&page=2").get_json()
    assert [topic["slug"] for topic in body["data"]] == ["quadratus-lumborum"]
    assert body["meta"]["pages"] == 2


def test_one_topic_has_anatomy_care_related_topics_and_articles(client):
    ql = client.get_json("/api/v1/topics/quadratus-lumborum").get_json()["data"]
    assert ql["name"] == "Quadratus Lumborum"
    assert ql["attachments"][0].startswith("Originating from the lower border of the last rib")
    assert ql["actions"][0].startswith("the QL is involved in our ability to stand and balance")
    assert len(ql["stressors"]) == 3
    assert ql["assessment"][0].startswith("In determining if there are problems with the QL muscles")
    assert [related["slug"] for related in ql["related"]] == ["gluteus-medius", "gluteus-minimus"]
    assert [article["slug"] for article in ql["articles"]] == ["massage-for-quadratus-lumborum"]


def test_related_topics_are_related_both_ways_and_say_only_what_the_page_says(client):
    medius = client.get_json("/api/v1/topics/gluteus-medius").get_json()["data"]
    assert [related["slug"] for related in medius["related"]] == ["gluteus-minimus", "quadratus-lumborum"]
    assert medius["summary"] is None
    assert medius["attachments"] == [] and medius["care"] == []
    assert medius["actions"] == ["the typical hip abductors (glut medius and glut minimus)"]


def test_unknown_topic_is_a_404_problem(client):
    client.problem("/api/v1/topics/biceps", 404)
