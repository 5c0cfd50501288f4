"""In a real browser (Debian's headless Chromium, driven by Playwright): the demo frontend on one loopback
origin reading the API on another through real CORS, and Swagger UI rendered, tried out and authorized.

Screenshots are kept in artifacts/screenshots/. Without Chromium these tests skip, saying so.
"""

import functools
import io
import os
import shutil
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from models import Article, db
from tests.factories import add_article
from tests.servers import serving_in_thread

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
REPOSITORY = Path(__file__).resolve().parent.parent
FRONTEND = REPOSITORY / "examples" / "frontend"
SCREENSHOTS = REPOSITORY / "artifacts" / "screenshots"

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Browser run skipped: the playwright package is not installed"
)
pytestmark = [
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"Browser run skipped: no Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
    # One database is enough to show what a browser sees; the rest of the suite covers both.
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name.split('[')[0]}.png"), full_page=True)
    context.close()
    assert not errors, errors


@pytest.fixture
def frontend_origin():
    """The demo frontend served as static files on a loopback port of its own (another origin than the API)."""
    handler = functools.partial(QuietHandler, directory=str(FRONTEND))
    with serving_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as port:
        yield f"http://127.0.0.1:{port}"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def demo(page, frontend_origin: str, live_server: str, path: str):
    separator = "&" if "?" in path else "?"
    page.goto(f"{frontend_origin}/{path}{separator}api=http://{live_server}/api/v1")


def test_the_demo_home_shows_the_studio_from_the_api_through_cors(page, frontend_origin, live_server):
    cross_origin_answers = []
    page.on(
        "response", lambda r: cross_origin_answers.append(r) if r.url.startswith(f"http://{live_server}/") else None
    )
    demo(page, frontend_origin, live_server, "index.html")
    page.wait_for_selector(".slide")
    assert page.locator(".slide h2").all_inner_texts() == [
        "Great Massage In Lexington KY",
        "Enjoy Our Beautiful Massage Studio",
    ]
    assert "Voted Lexington's best massage by consumers!" in page.locator(".highlights").inner_text()
    assert page.locator("#phone").get_attribute("href") == "tel:+18594213085"
    assert page.locator("#phone").inner_text() == "Call (859) 421-3085"
    assert page.locator(".badge").inner_text() in ("Open today — call for times", "Closed now")
    assert page.locator(".hours tr").count() == 7
    assert "Closed" in page.locator(".hours tr").nth(3).inner_text()  # Thursday
    assert page.locator("#latest .card h3").inner_text() == "Massage For Quadratus Lumborum"
    assert cross_origin_answers and all(
        r.headers.get("access-control-allow-origin") == "*" for r in cross_origin_answers
    )
    assert not frontend_origin.endswith(live_server.split(":")[1])


def test_the_demo_article_list_filters_by_topic_and_searches(page, frontend_origin, live_server):
    demo(page, frontend_origin, live_server, "articles.html")
    page.wait_for_selector("#count")
    page.select_option("#topic", "gluteus-medius")
    page.click("#filters button")
    page.wait_for_url("**topic=gluteus-medius**")
    page.wait_for_selector("#count")
    assert page.locator("#count").inner_text() == "1 article"
    page.fill("#q", "kidneys")
    page.click("#filters button")
    page.wait_for_url("**q=kidneys**")
    page.wait_for_selector(".snippet mark")
    assert page.locator(".snippet mark").first.inner_text().lower() == "kidneys"


def test_the_demo_article_page_shows_sanitized_html_and_topics(page, frontend_origin, live_server):
    demo(page, frontend_origin, live_server, "article.html?slug=massage-for-quadratus-lumborum")
    page.wait_for_selector(".body h2")
    assert page.locator(".body h2").first.inner_text() == "The Quadratus Lumborum"
    assert page.locator(".topics a").all_inner_texts() == ["Gluteus Medius", "Gluteus Minimus", "Quadratus Lumborum"]
    assert page.locator(".toc li").count() == 4
    page.click("text=Quadratus Lumborum >> nth=0")  # the first topic chip… or the TOC; either way a real link
    assert page.title()


def test_the_demo_topic_page_shows_anatomy_and_articles(page, frontend_origin, live_server):
    demo(page, frontend_origin, live_server, "topic.html?slug=quadratus-lumborum")
    page.wait_for_selector("#related")
    assert page.locator("h1").inner_text() == "Quadratus Lumborum"
    assert "Originating from the lower border of the last rib" in page.inner_text("main")
    assert page.locator("#related li").all_inner_texts() == ["Gluteus Medius", "Gluteus Minimus"]
    assert page.locator("#topic-articles .card h3").inner_text() == "Massage For Quadratus Lumborum"


def test_a_topic_with_many_articles_shows_ten_and_links_to_them_all(page, frontend_origin, live_server, seeded_app):
    for number in range(11):
        add_article(seeded_app, f"ql-note-{number:02d}", topics=["quadratus-lumborum"])
    demo(page, frontend_origin, live_server, "topic.html?slug=quadratus-lumborum")
    page.wait_for_selector("#topic-articles .card")
    assert page.locator("#topic-articles .card").count() == 10
    page.click("#topic-articles >> text=All 12 articles")
    page.wait_for_selector("#count")
    assert page.locator("#count").inner_text() == "12 articles"
    assert page.locator("#results .card").count() == 12
    assert page.locator("#topic").input_value() == "quadratus-lumborum"


def test_swagger_ui_renders_every_operation_and_try_it_out_works(page, live_server, seeded_app):
    spec = seeded_app.test_client().get("/api/v1/openapi.json").get_json()
    operations = sum(1 for item in spec["paths"].values() for method in item if method != "parameters")
    page.goto(f"http://{live_server}/api/v1/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() == operations
    listing = page.locator("#operations-articles-get_article_list")
    listing.locator(".opblock-summary").click()
    listing.locator("button.try-out__btn").click()
    listing.locator("button.execute").click()
    status = listing.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert "massage-for-quadratus-lumborum" in listing.locator(".live-responses-table .microlight").first.inner_text()


def test_an_admin_authorizes_in_swagger_ui_and_creates_a_draft(page, live_server, seeded_app, admin_key):
    page.goto(f"http://{live_server}/api/v1/docs")
    page.wait_for_selector(".opblock")
    page.click(".auth-wrapper .authorize")
    page.fill(".modal-ux input", admin_key)  # HTTP bearer: Swagger UI adds "Bearer " itself
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.btn-done")
    create = page.locator("#operations-articles-post_article_list")
    create.locator(".opblock-summary").click()
    create.locator("button.try-out__btn").click()
    create.locator("textarea.body-param__text").fill(
        '{"title": "Written In Swagger UI", "body_markdown": "A draft.", "status": "draft"}'
    )
    create.locator("button.execute").click()
    status = create.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "201"
    with seeded_app.app_context():
        article = db.session.scalar(db.select(Article).where(Article.slug == "written-in-swagger-ui"))
        assert article is not None and article.status == "draft"


def _try_it_out(page, operation_id: str, body: str | None = None) -> str:
    """Open an operation in Swagger UI, try it out (with `body`, else the example it offers), execute it,
    and return the status it answered with."""
    operation = page.locator(f"#operations-{operation_id}")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    if body is not None:
        operation.locator("textarea.body-param__text").fill(body)
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    return status.inner_text().strip()


def test_an_admin_closes_the_studio_for_days_and_reads_who_did_it_in_swagger_ui(page, live_server, admin_key):
    page.goto(f"http://{live_server}/api/v1/docs")
    page.wait_for_selector(".opblock")
    page.click(".auth-wrapper .authorize")
    page.fill(".modal-ux input", admin_key)
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.btn-done")
    # The example offered is Christmas, three days closed: sent as it is.
    assert _try_it_out(page, "studio-post_hours_exception_list") == "201"
    assert _try_it_out(page, "audit-get_audit_log") == "200"
    answer = page.locator("#operations-audit-get_audit_log .live-responses-table .microlight").first.inner_text()
    assert '"hours exception"' in answer and '"admin-one"' in answer and '"2026-12-24"' in answer


def _readme_snippet(after: str) -> str:
    """The README's "For frontend developers" JavaScript, from the comment line `after` to the block's end."""
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    section = readme.split("## For frontend developers", 1)[1].split("```js", 1)[1].split("```", 1)[0]
    return section[section.index(after) :]


def test_the_readme_json_ld_snippet_runs_no_script_an_editor_typed(page, live_server, seeded_app, tmp_path):
    """A title written to break out of <script>, pasted into another site's head as the README shows."""
    attack = "Tips </script><img src=x onerror=alert(1)>"
    add_article(seeded_app, "massage-for-quadratus-lumborum-tips", title=attack)
    snippet = _readme_snippet("// Structured data").replace(
        "massage-for-quadratus-lumborum/", "massage-for-quadratus-lumborum-tips/"
    )
    (tmp_path / "page.js").write_text(  # a file of its own: the snippet holds "</script>" in a string
        f'window.ran = []; window.alert = (x) => window.ran.push(x); const API = "http://{live_server}/api/v1";\n'
        f"{snippet}\nwindow.done = true;\n",
        encoding="utf-8",
    )
    (tmp_path / "index.html").write_text(
        "<!doctype html><html><head><title>another site</title></head>"
        '<body><script type="module" src="page.js"></script></body></html>',
        encoding="utf-8",
    )
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    with serving_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as port:
        page.goto(f"http://127.0.0.1:{port}/index.html")
        page.wait_for_function("window.done === true")
        page.wait_for_timeout(500)  # an injected <img onerror> fires once its request fails
        assert page.evaluate("window.ran") == []
        assert page.locator("img").count() == 0
        headline = page.evaluate(
            "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').text).headline"
        )
        assert headline == attack


def test_an_editors_preview_link_renders_a_draft_in_the_demo_until_revoked(
    page, frontend_origin, live_server, seeded_app, editor_key
):
    client = seeded_app.test_client()
    auth = {"Authorization": f"Bearer {editor_key}"}
    draft = {"title": "Stretching The Piriformis", "body_markdown": "## Why\n\nIt sits deep.", "status": "draft"}
    assert client.post("/api/v1/articles", json=draft, headers=auth).status_code == 201
    # The site's article page, with the demo told where the API is: the link's `url` opens it with the token.
    seeded_app.config["PUBLIC_ARTICLE_URL"] = (
        f"{frontend_origin}/article.html?slug={{slug}}&api=http://{live_server}/api/v1"
    )
    link = client.post("/api/v1/articles/stretching-the-piriformis/preview-links", json={}, headers=auth).get_json()
    link = link["data"]
    assert link["url"].startswith(f"{frontend_origin}/article.html?") and f"preview={link['token']}" in link["url"]
    page.goto(link["url"])  # the browser holds no key: only the token in the URL
    page.wait_for_selector(".body h2")
    assert page.locator("h1").inner_text() == "Stretching The Piriformis"
    assert page.locator(".preview").inner_text() == "Preview: this article is not published yet."
    assert page.locator(".body h2").inner_text() == "Why"
    assert page.locator(".meta").first.inner_text() == "1 min read"  # no publication date yet
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "preview-of-a-draft.png"), full_page=True)
    # Revoked, the same link shows nothing of the draft.
    revoked = client.delete(f"/api/v1/articles/stretching-the-piriformis/preview-links/{link['id']}", headers=auth)
    assert revoked.status_code == 204
    page.reload()
    page.wait_for_selector(".error")
    assert "Stretching The Piriformis" not in page.inner_text("main")
    assert "Could not load this" in page.locator(".error").inner_text()


def test_an_uploaded_photo_shows_responsive_on_the_demos_article_page(page, frontend_origin, live_server, seeded_app, editor_key):  # fmt: skip
    from tests.test_media import multipart, photo, processed

    client = seeded_app.test_client()
    auth = {"Authorization": f"Bearer {editor_key}"}
    form = {"file": (io.BytesIO(photo(width=1600, height=1000, orientation=0)), "ql.jpg"), "alt": "Hands on the QL"}
    assert client.post("/api/v1/media", headers=auth, **multipart(form)).status_code == 201
    processed(seeded_app, "hands-on-the-ql")
    url = "/api/v1/articles/massage-for-quadratus-lumborum"
    article = client.get(url, headers=auth)
    body = article.get_json()["data"]["body_markdown"].replace(
        "## The Causes", "![Thumbs along the QL](media:hands-on-the-ql)\n\n## The Causes", 1
    )
    change = {"feature_image": {"media": "hands-on-the-ql"}, "body_markdown": body}
    answer = client.patch(url, json=change, headers={**auth, "If-Match": article.headers["ETag"]})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    demo(page, frontend_origin, live_server, "article.html?slug=massage-for-quadratus-lumborum")
    feature = page.locator("#feature-image")
    feature.wait_for()
    page.wait_for_function("document.querySelector('#feature-image').complete && document.querySelector('#feature-image').naturalWidth > 0")  # fmt: skip
    shown = feature.evaluate(
        "img => ({natural: [img.naturalWidth, img.naturalHeight], attributes: [img.width, img.height],"
        " box: [img.getBoundingClientRect().width, img.getBoundingClientRect().height], source: img.currentSrc,"
        " alt: img.alt})"
    )
    assert shown["alt"] == "Hands on the QL"
    assert shown["source"].startswith(f"http://{live_server}/api/v1/files/") and shown["source"].endswith(".avif")
    # The file the browser chose for the column is one of the AVIF variants; the box keeps the intrinsic ratio.
    image = client.get("/api/v1/media/hands-on-the-ql").get_json()["data"]
    avif = {variant["url"].replace("http://localhost", f"http://{live_server}") for variant in image["variants"] if variant["format"] == "avif"}  # fmt: skip
    assert shown["source"] in avif
    assert abs(shown["box"][0] / shown["box"][1] - 1.6) < 0.02
    assert feature.get_attribute("width") == "1600" and feature.get_attribute("height") == "1000"
    inline = page.locator(".body picture img")
    assert inline.count() == 1 and inline.get_attribute("alt") == "Thumbs along the QL"
    assert inline.get_attribute("loading") == "lazy" and inline.get_attribute("width") == "1600"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "article-with-images.png"), full_page=True)


def test_the_demos_home_page_shows_the_studio_s_logo_and_slide_pictures(page, frontend_origin, live_server, seeded_app, editor_key, admin_key):  # fmt: skip
    from tests.test_media import multipart, photo, processed

    client = seeded_app.test_client()
    for name, alt, size in (
        ("logo.png", "The studio's logo", (300, 150)),
        ("room.jpg", "The treatment room", (1200, 800)),
    ):
        image = photo(*size, "PNG" if name.endswith(".png") else "JPEG", orientation=0)
        form = {"file": (io.BytesIO(image), name), "alt": alt}
        answer = client.post("/api/v1/media", headers={"Authorization": f"Bearer {editor_key}"}, **multipart(form))
        assert answer.status_code == 201, answer.get_data(as_text=True)
    processed(seeded_app, "the-treatment-room")
    studio = client.get("/api/v1/studio")
    slides = [{**slide, "image": None} for slide in studio.get_json()["data"]["hero_slides"]]
    slides[0]["image"] = {"media": "the-treatment-room"}
    headers = {"Authorization": f"Bearer {admin_key}", "If-Match": studio.headers["ETag"]}
    answer = client.patch("/api/v1/studio", json={"logo": {"media": "the-studios-logo"}, "hero_slides": slides}, headers=headers)  # fmt: skip
    assert answer.status_code == 200, answer.get_data(as_text=True)
    demo(page, frontend_origin, live_server, "index.html")
    page.wait_for_function("[...document.images].length >= 2 && [...document.images].every((img) => img.complete && img.naturalWidth > 0)")  # fmt: skip
    logo = page.locator("header .brand img.logo")
    assert (
        logo.get_attribute("alt") == ""
        and page.locator("header .brand").inner_text() == "Corey Proffitt Studios Massage"
    )
    slide = page.locator(".hero .slide").first.locator("img")
    assert slide.get_attribute("alt") == "The treatment room"
    box = slide.bounding_box()
    assert abs(box["width"] / box["height"] - 1.5) < 0.02  # at the picture's intrinsic ratio
    assert page.locator(".hero .slide").nth(1).locator("img").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home-with-logo-and-slides.png"), full_page=True)


def test_an_editor_uploads_a_photo_through_swagger_ui(page, live_server, seeded_app, editor_key, tmp_path):
    from tests.test_media import photo

    picture_file = tmp_path / "studio.jpg"
    picture_file.write_bytes(photo(width=800, height=600, orientation=0))
    page.goto(f"http://{live_server}/api/v1/docs")
    page.wait_for_selector(".opblock")
    page.click(".auth-wrapper .authorize")
    page.fill(".modal-ux input", editor_key)
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.btn-done")
    create = page.locator("#operations-media-post_media_list")
    create.locator(".opblock-summary").click()
    create.locator("button.try-out__btn").click()
    create.locator('input[type="file"]').set_input_files(str(picture_file))
    create.locator('tr[data-property-name="alt"] input[type="text"]').fill("The studio's treatment room")
    create.locator("button.execute").click()
    status = create.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "201"
    # The other parts are as Swagger UI offers them: the operation's examples.
    read = seeded_app.test_client().get("/api/v1/media/massage-for-low-back-pain").get_json()["data"]
    assert (read["width"], read["height"], read["alt"]) == (800, 600, "The studio's treatment room")
    assert (read["caption"], read["credit"], read["decorative"]) == (
        "Massage For Low Back Pain",
        "Corey Proffitt Studios Massage",
        False,
    )
