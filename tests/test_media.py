"""The media library: uploads as an editor sends them, what readers get, and every bad file refused."""

import base64
import io
import json
import os
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from api.media import make_variants
from api.transfer import ImportRefused, import_document
from models import Blob, Media, MediaFile, db
from models.auth import create_key
from models.blobs import content_key
from tests.conftest import ApiClient

ALT = "A therapist working on a client's lower back"
SLUG = "a-therapist-working-on-a-clients-lower-back"
# EXIF: orientation 6 says "turn me 90° clockwise to show"; the GPS IFD holds the studio's position.
ORIENTATION, GPS_IFD = 0x0112, 0x8825


def photo(width=1200, height=800, image_format="JPEG", gps=True, orientation=6, **options) -> bytes:
    """A photo-like image (a gradient with detail, so encoders do real work) with EXIF as a phone writes it."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.paste((200, 90, 40), (width // 4, height // 4, width // 2, height // 2))
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        position = exif.get_ifd(GPS_IFD)
        position[1], position[2] = "N", (38.0, 2.0, 51.0)
        position[3], position[4] = "W", (84.0, 30.0, 12.0)
    output = io.BytesIO()
    image.save(output, image_format, exif=exif.tobytes(), **options)
    return output.getvalue()


def multipart(form: dict) -> dict:
    """A multipart/form-data body as a browser or curl sends it (encoded in memory, as bytes)."""

    def part(value):
        if isinstance(value, tuple):  # (stream, filename), as Flask's test client takes files
            return FileStorage(value[0], filename=value[1], content_type="application/octet-stream")
        return value

    parts = [
        (name, part(each)) for name, value in form.items() for each in (value if isinstance(value, list) else [value])
    ]
    boundary, body = encode_multipart(MultiDict(parts))
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(client, key, data: bytes, filename="photo.jpg", status=201, **parts):
    parts = {"alt": ALT, **parts}
    form = {name: value for name, value in parts.items() if value is not None}
    form["file"] = (io.BytesIO(data), filename)
    return client.write("POST", "/api/v1/media", key, status, **multipart(form))


def path_of(url: str) -> str:
    return url.removeprefix("http://localhost")


def has_location(image_bytes: bytes) -> bool:
    """Whether a file still says where it was taken (EXIF GPS), read as any EXIF reader would."""
    exif = Image.open(io.BytesIO(image_bytes)).getexif()
    return bool(exif.get_ifd(GPS_IFD)) or b"GPS" in image_bytes


def stored_files(app) -> list[str]:
    """The keys of the bytes the app's store holds: files in its folder, or rows in the database."""
    with app.app_context():
        if app.config["MEDIA_STORAGE"] == "database" or db.engine.dialect.name == "postgresql":
            return list(db.session.scalars(db.select(Blob.key)))
    return [path.name for path in Path(app.config["MEDIA_FOLDER"]).rglob("*") if path.is_file()]


def processed(app, slug=SLUG) -> None:
    """Make an image's variants as the worker's job does (the worker itself runs in its own test)."""
    with app.test_request_context():
        media_id = db.session.scalar(db.select(Media.media_id).where(Media.slug == slug))
        assert make_variants(media_id).startswith("made ")


def test_an_upload_is_stored_upright_without_its_location_and_its_variants_follow(client, seeded_app, editor_key):
    original_bytes = photo()
    assert has_location(original_bytes)
    answer = upload(client, editor_key, original_bytes, "IMG_2041.JPG", caption="Massage For Low Back Pain")
    made = answer.get_json()["data"]
    assert answer.headers["Location"] == f"http://localhost/api/v1/media/{SLUG}"
    assert answer.get_json()["meta"] == {"warnings": []}
    # Turned as its EXIF said (1200 × 800 shown upright is 800 × 1200), and served at that size.
    assert (made["width"], made["height"]) == (800, 1200)
    assert made["alt"] == ALT and made["caption"] == "Massage For Low Back Pain" and made["decorative"] is False
    assert made["filename"] == "IMG_2041.jpg" and made["format"] == "jpeg"
    assert made["processing"] == "processing" and made["variants"] == []
    assert made["src"] == made["original"]["url"]  # until the variants exist, the original stands in
    assert made["srcset"] == {"jpeg": f"{made['original']['url']} 800w"}
    assert made["placeholder"]["color"].startswith("#") and len(made["placeholder"]["color"]) == 7
    assert made["placeholder"]["data_uri"].startswith("data:image/webp;base64,")
    assert len(made["placeholder"]["data_uri"]) < 400

    served = client.raw.get(path_of(made["original"]["url"]))
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert not has_location(served.data)
    assert Image.open(io.BytesIO(served.data)).size == (800, 1200)
    assert 0x0112 not in Image.open(io.BytesIO(served.data)).getexif()  # upright already: no orientation left

    processed(seeded_app)
    read = client.get_json(f"/api/v1/media/{SLUG}").get_json()["data"]
    assert read["processing"] == "ready"
    widths = [320, 640, 800]  # the standard widths below the original's, then its own
    assert sorted({(variant["format"], variant["width"]) for variant in read["variants"]}) == sorted(
        (name, width) for name in ("avif", "jpeg", "webp") for width in widths
    )
    for variant in read["variants"]:
        assert variant["height"] == round(1200 * variant["width"] / 800)
        file = client.raw.get(path_of(variant["url"]))
        assert file.status_code == 200 and file.mimetype == variant["media_type"] == f"image/{variant['format']}"
        assert len(file.data) == variant["bytes"]
        shown = Image.open(io.BytesIO(file.data))
        assert shown.size == (variant["width"], variant["height"]) and shown.format.lower() == variant["format"]
        assert not has_location(file.data), variant
    assert set(read["srcset"]) == {"avif", "webp", "jpeg"}
    assert read["srcset"]["webp"].count("w, ") == 2 and read["srcset"]["webp"].endswith(" 800w")
    assert read["src"].endswith(".jpg") and read["src"] != read["original"]["url"]  # the widest JPEG variant


def test_a_file_is_served_for_good_with_etag_ranges_and_a_safe_name(client, seeded_app, editor_key):
    made = upload(client, editor_key, photo(orientation=0), "../../etc/passwd.png").get_json()["data"]
    url = path_of(made["original"]["url"])
    first = client.raw.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers["Content-Disposition"] == f'inline; filename="{SLUG}-1200w.jpg"'
    assert first.headers["Accept-Ranges"] == "bytes"
    assert first.headers["ETag"] == '"' + url.rsplit("/", 1)[1].split(".")[0] + '"'
    assert made["filename"] == "passwd.jpg"  # the name it came with, made safe, with what it really is
    assert client.raw.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    part = client.raw.get(url, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == first.data[:10]
    assert part.headers["Content-Range"] == f"bytes 0-9/{len(first.data)}"
    head = client.raw.head(url)
    assert head.status_code == 200 and head.data == b"" and int(head.headers["Content-Length"]) == len(first.data)
    for unknown in ("0" * 64 + ".jpg", "not-a-key", url.rsplit("/", 1)[1].replace(".jpg", ".png")):
        client.problem(f"/api/v1/files/{unknown}", 404)


def test_reads_need_no_key_and_the_list_is_searchable(client, seeded_app, editor_key):
    upload(client, editor_key, photo(gps=False), alt="Hands on the quadratus lumborum")
    upload(client, editor_key, photo(gps=False, orientation=0), alt="The studio's treatment room", caption="Calm")
    listed = client.get_json("/api/v1/media").get_json()
    assert [item["slug"] for item in listed["data"]] == [
        "the-studios-treatment-room",
        "hands-on-the-quadratus-lumborum",
    ]
    assert listed["meta"]["total"] == 2 and "status" not in listed["data"][0]
    found = client.get_json("/api/v1/media?q=quadratus").get_json()["data"]
    assert [item["slug"] for item in found] == ["hands-on-the-quadratus-lumborum"]
    assert client.get_json("/api/v1/media?q=calm").get_json()["data"][0]["slug"] == "the-studios-treatment-room"
    assert client.get_json("/api/v1/media/the-studios-treatment-room").headers["Cache-Control"].startswith("public")
    client.problem("/api/v1/media?status=deleted", 401)


def test_the_same_description_twice_makes_two_images(client, editor_key):
    first = upload(client, editor_key, photo(gps=False)).get_json()["data"]
    second = upload(client, editor_key, photo(gps=False, width=900)).get_json()["data"]
    assert (first["slug"], second["slug"]) == (SLUG, f"{SLUG}-2")
    taken = upload(client, editor_key, photo(gps=False), slug=SLUG, status=409).get_json()
    assert SLUG in taken["detail"]


def test_a_decorative_image_says_so_and_any_other_needs_alt_text(client, editor_key):
    made = upload(client, editor_key, photo(gps=False), "divider.png", alt=None, decorative="true").get_json()["data"]
    assert (made["slug"], made["alt"], made["decorative"]) == ("divider", "", True)
    for parts, field in (
        ({"alt": None}, "alt"),
        ({"alt": "   "}, "alt"),
        ({"alt": "A line", "decorative": "true"}, "alt"),
        ({"decorative": "yes"}, "decorative"),
        ({"alt": "x" * 1001}, "alt"),
        ({"width": "10"}, "width"),
        ({"colour": "red"}, "colour"),
        ({"slug": "Not A Slug"}, "slug"),
    ):
        problem = upload(client, editor_key, photo(gps=False), status=422, **parts).get_json()
        assert field in problem["errors"], (parts, problem)
    # A PATCH is checked against the image it changes.
    url = "/api/v1/media/divider"
    client.write("PATCH", url, editor_key, 422, json={"decorative": False})
    changed = client.write("PATCH", url, editor_key, 200, json={"decorative": False, "alt": "A thin gold line"})
    assert changed.get_json()["data"]["alt"] == "A thin gold line"
    assert client.write("PATCH", url, editor_key, 200, json={"decorative": True}).get_json()["data"]["alt"] == ""
    client.write("PATCH", url, editor_key, 428, json={"caption": "x"}, headers={"If-Match": None})
    client.write("PATCH", url, editor_key, 412, json={"caption": "x"}, headers={"If-Match": '"stale"'})
    client.write("PATCH", url, editor_key, 422, json={"width": 10})


def _bomb() -> bytes:
    """A PNG that says 30,000 × 30,000 pixels (900 megapixels) in a few kilobytes: inflating it would take
    2.7 GB. Written by hand, since no encoder should be asked to make one."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    width = height = 30_000
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    rows = zlib.compressobj(9)
    body = b"".join(rows.compress(b"\0" * (1 + width * 3)) for _ in range(64)) + rows.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def _refusals() -> list[tuple[str, bytes, str, int, str]]:
    jpeg = photo(gps=False)
    animated = io.BytesIO()
    frames = [Image.new("RGB", (40, 40), colour) for colour in ("red", "blue")]
    frames[0].save(animated, "WEBP", save_all=True, append_images=frames[1:])
    gif = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(gif, "GIF")
    corrupt = jpeg[:600] + bytes(range(256)) * 40 + jpeg[-2:]
    svg = (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
    )
    return [
        ("a text file named .png", b"Just some notes, not a picture.\n" * 20, "notes.png", 415, "not an image"),
        ("an SVG", svg, "logo.svg", 415, "SVG is not accepted"),
        ("an SVG named .jpg", svg, "logo.jpg", 415, "SVG is not accepted"),
        ("a GIF", gif.getvalue(), "still.gif", 415, "not an image"),
        ("a decompression bomb", _bomb(), "bomb.png", 422, "pixels"),
        ("a truncated JPEG", jpeg[: len(jpeg) // 2], "half.jpg", 422, "truncated or corrupt"),
        ("a corrupt JPEG", corrupt, "noise.jpg", 422, "truncated or corrupt"),
        ("an animated WebP", animated.getvalue(), "moving.webp", 422, "Animated"),
        ("an empty file", b"", "empty.jpg", 415, "not an image"),
    ]


@pytest.mark.parametrize(("case", "data", "filename", "status", "says"), _refusals(), ids=[r[0] for r in _refusals()])
def test_a_bad_file_is_refused_clearly_and_nothing_is_stored(client, seeded_app, editor_key, case, data, filename, status, says):  # fmt: skip
    problem = upload(client, editor_key, data, filename, status=status).get_json()
    assert says in problem["detail"] and problem["errors"]["file"] == [problem["detail"]]
    assert client.get_json("/api/v1/media").get_json()["meta"]["total"] == 0
    assert stored_files(seeded_app) == []
    with seeded_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(MediaFile)) == 0


def _noisy_photo(width: int, height: int) -> bytes:
    """A JPEG of noise: as large as a photo of that size gets."""
    output = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(output, "JPEG", quality=95)
    return output.getvalue()


def test_an_upload_has_its_own_body_limit_and_must_be_multipart(client, seeded_app, make_app, editor_key):
    big = _noisy_photo(1200, 1000)
    assert len(big) > seeded_app.config["MAX_CONTENT_LENGTH"]  # more than any JSON body may be: fine here
    assert upload(client, editor_key, big, alt="Noise").get_json()["data"]["width"] == 1200
    small_limit = make_app({**seeded_app.config, "MEDIA_MAX_BYTES": len(big) - 1})
    problem = upload(ApiClient(small_limit.test_client()), editor_key, big, alt="Too big", status=413).get_json()
    assert "too large" in problem["detail"].lower() or problem["title"] == "Request Entity Too Large"
    assert client.get_json("/api/v1/media").get_json()["meta"]["total"] == 1
    client.write("POST", "/api/v1/media", editor_key, 415, json={"alt": ALT})
    client.write("POST", "/api/v1/media", None, 401, **multipart({"file": (io.BytesIO(big), "a.jpg")}))
    two = {"alt": ALT, "file": [(io.BytesIO(big), "a.jpg"), (io.BytesIO(big), "b.jpg")]}
    errors = client.write("POST", "/api/v1/media", editor_key, 422, **multipart(two))
    assert errors.get_json()["errors"] == {"file": ["Upload one image at a time."]}
    missing = client.write(
        "POST", "/api/v1/media", editor_key, 422, data={"alt": ALT}, content_type="multipart/form-data"
    )
    assert missing.get_json()["errors"] == {"file": ["Attach the image in a part named file."]}


def test_a_deleted_image_is_hidden_with_its_files_and_a_purge_removes_its_bytes(
    client, seeded_app, editor_key, admin_key
):
    made = upload(client, editor_key, photo(gps=False)).get_json()["data"]
    processed(seeded_app)
    files = [path_of(made["original"]["url"])] + [
        path_of(variant["url"]) for variant in client.get_json(f"/api/v1/media/{SLUG}").get_json()["data"]["variants"]
    ]
    assert len(stored_files(seeded_app)) == len(files) == 10
    deleted = client.write("DELETE", f"/api/v1/media/{SLUG}", editor_key, 204)
    client.problem(f"/api/v1/media/{SLUG}", 404)
    for url in files:
        client.problem(url, 404)
    assert client.get_json("/api/v1/media").get_json()["meta"]["total"] == 0
    listed = client.as_key(editor_key, "/api/v1/media?status=deleted").get_json()["data"]
    assert [(item["slug"], item["status"]) for item in listed] == [(SLUG, "deleted")]
    restored = client.write(
        "POST", f"/api/v1/media/{SLUG}/restore", editor_key, 200, headers={"If-Match": deleted.headers["ETag"]}
    )
    assert all(client.raw.get(url).status_code == 200 for url in files)
    again = client.write(
        "DELETE", f"/api/v1/media/{SLUG}", editor_key, 204, headers={"If-Match": restored.headers["ETag"]}
    )
    client.write("POST", f"/api/v1/media/{SLUG}/purge", editor_key, 403, headers={"If-Match": again.headers["ETag"]})
    client.write("POST", f"/api/v1/media/{SLUG}/purge", admin_key, 204, headers={"If-Match": again.headers["ETag"]})
    assert stored_files(seeded_app) == []
    assert client.as_key(admin_key, "/api/v1/media?status=all").get_json()["meta"]["total"] == 0


def test_identical_bytes_are_stored_once_and_kept_while_any_image_uses_them(client, seeded_app, editor_key, admin_key):
    data = photo(gps=False)
    first = upload(client, editor_key, data, alt="First use").get_json()["data"]
    second = upload(client, editor_key, data, alt="Second use").get_json()["data"]
    assert first["original"]["url"] == second["original"]["url"]
    assert len(stored_files(seeded_app)) == 1
    gone = client.write("DELETE", "/api/v1/media/first-use", editor_key, 204)
    client.write("POST", "/api/v1/media/first-use/purge", admin_key, 204, headers={"If-Match": gone.headers["ETag"]})
    assert client.raw.get(path_of(second["original"]["url"])).status_code == 200
    assert len(stored_files(seeded_app)) == 1


def test_the_database_store_keeps_the_bytes_every_instance_sees(make_app, database_url, editor_key, seeded_app):
    # seeded_app made the tables; two more apps stand for two instances with folders of their own.
    one, other = (
        make_app({**seeded_app.config, "MEDIA_STORAGE": "database", "MEDIA_FOLDER": f"/nonexistent/{n}"})
        for n in ("one", "two")
    )
    made = upload(ApiClient(one.test_client()), editor_key, photo()).get_json()["data"]
    served = other.test_client().get(path_of(made["original"]["url"]))
    assert served.status_code == 200 and Image.open(io.BytesIO(served.data)).size == (800, 1200)
    assert not has_location(served.data)
    with other.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Blob)) == 1
    assert not Path(seeded_app.config["MEDIA_FOLDER"]).exists()  # no instance wrote a file of its own


def test_the_worker_makes_the_variants_of_an_upload(client, seeded_app, editor_key, worker):
    running = worker()
    running.wait_until_consuming()
    upload(client, editor_key, photo(width=2000, height=1000, orientation=0, gps=False))
    deadline = time.monotonic() + 60
    while client.get_json(f"/api/v1/media/{SLUG}").get_json()["data"]["processing"] != "ready":
        assert time.monotonic() < deadline, running.output()
        time.sleep(0.2)
    read = client.get_json(f"/api/v1/media/{SLUG}").get_json()["data"]
    assert sorted({variant["width"] for variant in read["variants"]}) == [320, 640, 960, 1280, 1920, 2000]
    assert "media 1: made 18 variants" in running.output()


ARTICLE_URL = "/api/v1/articles/massage-for-quadratus-lumborum"
TOPIC_URL = "/api/v1/topics/quadratus-lumborum"
PHOTO_SLUG = "hands-on-the-quadratus-lumborum"


def _article_with_images(client, app, editor_key) -> dict:
    """Upload a photo, make its variants, and place it in the seeded article: as its feature image (with
    alt text of its own there) and in its body, above the caption line the page has."""
    upload(client, editor_key, photo(gps=False, orientation=0), alt="Hands on the quadratus lumborum")
    processed(app, PHOTO_SLUG)
    body = client.as_key(editor_key, ARTICLE_URL).get_json()["data"]["body_markdown"]
    placed_body = body.replace(
        "*Massage For Low Back Pain*", f"![Thumbs along the QL](media:{PHOTO_SLUG})\n\n*Massage For Low Back Pain*"
    )
    assert placed_body != body
    change = {"feature_image": {"media": PHOTO_SLUG, "alt": "Massage for the QL"}, "body_markdown": placed_body}
    return client.write("PATCH", ARTICLE_URL, editor_key, 200, json=change).get_json()


def test_an_article_shows_its_feature_image_and_places_library_images_in_its_body(client, seeded_app, editor_key):
    written = _article_with_images(client, seeded_app, editor_key)
    assert written["meta"]["warnings"] == []  # media: is no scheme the sanitizer had to take out
    article = client.get_json(ARTICLE_URL).get_json()["data"]
    feature = article["feature_image"]
    assert (feature["slug"], feature["alt"], feature["alt_override"]) == (
        PHOTO_SLUG,
        "Massage for the QL",
        "Massage for the QL",
    )
    assert (feature["width"], feature["height"]) == (1200, 800) and set(feature["srcset"]) == {"avif", "webp", "jpeg"}
    assert "status" not in feature
    html = article["body_html"]
    assert html.count("<picture>") == 1 and "\ue000" not in html
    assert '<source type="image/avif" srcset="' in html and '<source type="image/webp" srcset="' in html
    assert f'<img src="{feature["src"]}" srcset="{feature["srcset"]["jpeg"]}"' in html
    for attribute in ('width="1200"', 'height="800"', 'alt="Thumbs along the QL"', 'loading="lazy"', 'decoding="async"', 'sizes="(max-width: 720px) 100vw, 720px"'):  # fmt: skip
        assert attribute in html, attribute
    assert html.index("<picture>") < html.index("<em>Massage For Low Back Pain</em>")
    listed = client.get_json("/api/v1/articles").get_json()["data"][0]
    assert listed["feature_image"] == feature  # cards get it too
    document = client.raw.get(f"{ARTICLE_URL}/structured-data").get_json()
    assert document["image"] == {"@type": "ImageObject", "url": feature["src"], "contentUrl": feature["src"],
                                 "width": 1200, "height": 800, "description": "Massage for the QL"}  # fmt: skip
    feed = client.raw.get("/api/v1/feeds/articles.atom").get_data(as_text=True)
    assert f'<link rel="enclosure" href="{feature["src"]}" type="image/jpeg" length="' in feed
    assert "&lt;picture&gt;" in feed  # the body's images, in the entry's HTML content
    sitemap = client.raw.get("/api/v1/sitemap.xml").get_data(as_text=True)
    assert f"<image:loc>{feature['src']}</image:loc>" in sitemap
    revision = client.as_key(editor_key, f"{ARTICLE_URL}/revisions").get_json()["data"][0]["snapshot"]
    assert revision["feature_image"] == {"media": PHOTO_SLUG, "alt": "Massage for the QL"}


def test_a_topic_has_a_picture(client, seeded_app, editor_key):
    upload(client, editor_key, photo(gps=False, orientation=0), alt="The muscle drawn")
    client.write("PATCH", TOPIC_URL, editor_key, 200, json={"image": {"media": "the-muscle-drawn", "alt": None}})
    topic = client.get_json(TOPIC_URL).get_json()["data"]
    assert (topic["image"]["slug"], topic["image"]["alt"], topic["image"]["alt_override"]) == (
        "the-muscle-drawn",
        "The muscle drawn",
        None,
    )
    assert client.raw.get(f"{TOPIC_URL}/structured-data").get_json()["image"]["width"] == 1200
    listed = {item["slug"]: item["image"] for item in client.get_json("/api/v1/topics").get_json()["data"]}
    assert listed["quadratus-lumborum"] == topic["image"] and listed["gluteus-medius"] is None
    # A PATCH may change only the alt text this use gives, keeping the image.
    client.write("PATCH", TOPIC_URL, editor_key, 200, json={"image": {"alt": "The QL, drawn"}})
    assert client.get_json(TOPIC_URL).get_json()["data"]["image"]["alt"] == "The QL, drawn"


def test_the_studio_has_a_logo_and_pictures_on_its_slides(client, seeded_app, editor_key, admin_key):
    upload(client, editor_key, photo(400, 200, "PNG", gps=False, orientation=0), "logo.png", alt="The studio's logo")
    upload(client, editor_key, photo(gps=False, orientation=0), alt="The studio's treatment room")
    seeded = client.get_json("/api/v1/studio").get_json()["data"]
    # A slide written without saying which picture it has is refused, not stripped of its picture.
    slides = [{"headline": slide["headline"], "subheadline": slide["subheadline"]} for slide in seeded["hero_slides"]]
    problem = client.write("PATCH", "/api/v1/studio", admin_key, 422, json={"hero_slides": slides}).get_json()
    assert set(problem["errors"]) == {"hero_slides.0.image", "hero_slides.1.image"}
    unknown = [{**slides[0], "image": {"media": "no-such-room"}}]
    problem = client.write("PATCH", "/api/v1/studio", admin_key, 422, json={"hero_slides": unknown}).get_json()
    assert problem["errors"] == {"hero_slides.0.image.media": ["No image has the slug 'no-such-room'."]}
    assert client.get_json("/api/v1/studio").get_json()["data"] == seeded

    slides[1]["image"], slides[0]["image"] = {"media": "the-studios-treatment-room", "alt": "Our room"}, None
    change = {"logo": {"media": "the-studios-logo"}, "hero_slides": slides}
    client.write("PATCH", "/api/v1/studio", admin_key, 200, json=change)
    studio = client.get_json("/api/v1/studio").get_json()["data"]
    assert (studio["logo"]["slug"], studio["logo"]["width"], studio["logo"]["height"]) == ("the-studios-logo", 400, 200)
    assert studio["hero_slides"][0]["image"] is None
    assert (studio["hero_slides"][1]["image"]["alt"], studio["hero_slides"][1]["image"]["width"]) == ("Our room", 1200)
    document = client.raw.get("/api/v1/studio/structured-data").get_json()
    assert document["logo"]["url"] == studio["logo"]["src"] and document["logo"]["@type"] == "ImageObject"
    assert [image["description"] for image in document["image"]] == ["Our room"]
    publisher = client.raw.get(f"{ARTICLE_URL}/structured-data").get_json()["publisher"]
    assert publisher["logo"]["url"] == studio["logo"]["src"]

    # Where the studio shows an image: it cannot be purged, and a change to it purges the studio too.
    client.write("PATCH", "/api/v1/media/the-studios-logo", editor_key, 200, json={"caption": "Since 2009"})
    events = client.as_key(admin_key, "/api/v1/events?type=media.updated").get_json()["data"]
    assert "studio" in events[0]["payload"]["data"]["purge_keys"]
    deleted = client.write("DELETE", "/api/v1/media/the-studios-treatment-room", editor_key, 204)
    refused = client.write(
        "POST",
        "/api/v1/media/the-studios-treatment-room/purge",
        admin_key,
        409,
        headers={"If-Match": deleted.headers["ETag"]},
    )
    assert "the studio (its logo or a hero slide)" in refused.get_json()["detail"]
    # Deleted, it is gone from the slide and from the JSON-LD; the slide's text stays.
    studio = client.get_json("/api/v1/studio").get_json()["data"]
    assert studio["hero_slides"][1] == {**slides[1], "image": None}
    assert "image" not in client.raw.get("/api/v1/studio/structured-data").get_json()

    # The seeded revision, from before the studio had images, restores as no logo and no pictures.
    client.write("POST", "/api/v1/studio/revisions/1/restore", admin_key, 200)
    restored = client.get_json("/api/v1/studio").get_json()["data"]
    assert restored["logo"] is None and restored["hero_slides"] == seeded["hero_slides"]


def test_an_unknown_image_is_refused_and_the_write_changes_nothing(client, seeded_app, editor_key):
    before = client.as_key(editor_key, ARTICLE_URL).get_json()["data"]
    problem = client.write(
        "PATCH", ARTICLE_URL, editor_key, 422, json={"feature_image": {"media": "no-such-photo"}}
    ).get_json()
    assert problem["errors"] == {"feature_image.media": ["No image has the slug 'no-such-photo'."]}
    problem = client.write(
        "PATCH", ARTICLE_URL, editor_key, 422, json={"body_markdown": "See ![x](media:nowhere)."}
    ).get_json()
    assert problem["errors"] == {"body_markdown": ["No image has the slug 'nowhere' (media:nowhere)."]}
    for bad in ({"media": "Not A Slug"}, {"alt": "no image placed yet"}, {"media": PHOTO_SLUG, "width": 3}, "a-slug"):
        client.write("PATCH", ARTICLE_URL, editor_key, 422, json={"feature_image": bad})
    assert client.as_key(editor_key, ARTICLE_URL).get_json()["data"] == before


def test_a_deleted_image_leaves_its_article_readable_and_one_in_use_cannot_be_purged(
    client, seeded_app, editor_key, admin_key
):
    _article_with_images(client, seeded_app, editor_key)
    deleted = client.write("DELETE", f"/api/v1/media/{PHOTO_SLUG}", editor_key, 204)
    article = client.get_json(ARTICLE_URL).get_json()["data"]
    assert article["feature_image"] is None and "<picture>" not in article["body_html"]
    assert "<em>Massage For Low Back Pain</em>" in article["body_html"]  # the text is all still there
    assert "image" not in client.raw.get(f"{ARTICLE_URL}/structured-data").get_json()
    seen_by_editor = client.as_key(editor_key, ARTICLE_URL).get_json()["data"]["feature_image"]
    assert (seen_by_editor["slug"], seen_by_editor["status"]) == (PHOTO_SLUG, "deleted")
    refused = client.write(
        "POST", f"/api/v1/media/{PHOTO_SLUG}/purge", admin_key, 409, headers={"If-Match": deleted.headers["ETag"]}
    )
    assert "article 'massage-for-quadratus-lumborum'" in refused.get_json()["detail"]
    assert len(stored_files(seeded_app)) == 13  # the original and 4 widths (320 to 1200) in 3 formats
    client.write(
        "POST", f"/api/v1/media/{PHOTO_SLUG}/restore", editor_key, 200, headers={"If-Match": deleted.headers["ETag"]}
    )
    assert client.get_json(ARTICLE_URL).get_json()["data"]["body_html"].count("<picture>") == 1


def test_a_renamed_image_stays_placed(client, seeded_app, editor_key):
    _article_with_images(client, seeded_app, editor_key)
    client.write("PATCH", f"/api/v1/media/{PHOTO_SLUG}", editor_key, 200, json={"slug": "ql-hands"})
    article = client.get_json(ARTICLE_URL).get_json()["data"]
    assert article["feature_image"]["slug"] == "ql-hands" and "<picture>" in article["body_html"]
    # The Markdown still says media:<old slug>; written again, it still finds the image.
    source = client.as_key(editor_key, ARTICLE_URL).get_json()["data"]["body_markdown"]
    again = client.write("PATCH", ARTICLE_URL, editor_key, 200, json={"body_markdown": source + "\n\nMore."})
    assert "<picture>" in again.get_json()["data"]["body_html"]


def test_images_cost_a_list_the_same_queries_whatever_its_size(client, seeded_app, editor_key):
    from tests.factories import add_article
    from tests.test_frontend import counted_queries

    upload(client, editor_key, photo(gps=False, orientation=0), alt="Hands on the quadratus lumborum")
    use = {"feature_image": {"media": PHOTO_SLUG}}

    def queries(url: str) -> int:
        with counted_queries(seeded_app) as statements:
            client.get_json(url)
        return len(statements)

    client.write("PATCH", ARTICLE_URL, editor_key, 200, json=use)
    one = queries("/api/v1/articles?per_page=20")
    for number in range(12):
        add_article(seeded_app, f"bulk-{number}")
        client.write("PATCH", f"/api/v1/articles/bulk-{number}", editor_key, 200, json=use)
    assert queries("/api/v1/articles?per_page=20") == one
    many = client.get_json("/api/v1/articles?per_page=20").get_json()["data"]
    assert len(many) == 13 and all(article["feature_image"]["slug"] == PHOTO_SLUG for article in many)


def test_the_library_s_changes_are_events_and_in_the_change_feed(client, editor_key, admin_key):
    upload(client, editor_key, photo(gps=False))
    client.write("PATCH", f"/api/v1/media/{SLUG}", editor_key, 200, json={"caption": "Low back"})
    client.write("DELETE", f"/api/v1/media/{SLUG}", editor_key, 204)
    events = client.as_key(admin_key, "/api/v1/events?per_page=100").get_json()["data"]
    media_events = [
        (event["type"], event["payload"]["data"]["slug"]) for event in events if event["type"].startswith("media.")
    ]
    assert sorted(media_events) == sorted([("media.created", SLUG), ("media.updated", SLUG), ("media.deleted", SLUG)])
    changes = client.get_json("/api/v1/changes").get_json()["data"]
    assert [(change["change"], change["item_type"]) for change in changes if change["slug"] == SLUG] == [
        ("created", "media"),
        ("updated", "media"),
        ("deleted", "media"),
    ]


def _exported_site_with_images(client, app, editor_key, admin_key, path: Path) -> dict:
    """The seeded site with a photo (renamed since its upload) as an article's feature image, and a logo
    placed by a topic and the studio but deleted since: exported with its revisions to `path`."""
    upload(client, editor_key, photo(), "IMG_2041.JPG", caption="Massage For Low Back Pain")
    processed(app)
    upload(client, editor_key, photo(640, 480, "PNG", gps=False, orientation=0), "logo.png", alt="The studio's logo")
    client.write("PATCH", f"/api/v1/media/{SLUG}", editor_key, 200, json={"slug": "low-back"})
    client.write("PATCH", ARTICLE_URL, editor_key, 200, json={"feature_image": {"media": "low-back", "alt": "Hands"}})
    client.write("PATCH", TOPIC_URL, editor_key, 200, json={"image": {"media": "the-studios-logo"}})
    client.write("PATCH", "/api/v1/studio", admin_key, 200, json={"logo": {"media": "the-studios-logo"}})
    client.write("DELETE", "/api/v1/media/the-studios-logo", editor_key, 204)
    exported = app.test_cli_runner().invoke(args=["export", "--with-revisions", "--output", str(path)])
    assert exported.exit_code == 0, exported.output
    return json.loads(path.read_text(encoding="utf-8"))


def _target_app(make_app, tmp_path):
    """Another site to import into: an empty SQLite database and a media folder of its own."""
    return make_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'target.sqlite3'}",
            "MEDIA_FOLDER": str(tmp_path / "target-media"),
            "MEDIA_STORAGE": "folder",
            "RATELIMIT_ENABLED": False,
        }
    )


def test_an_export_carries_the_library_and_an_import_makes_it_again(
    client, seeded_app, editor_key, admin_key, make_app, tmp_path
):
    document = _exported_site_with_images(client, seeded_app, editor_key, admin_key, tmp_path / "site.json")
    records = {record["slug"]: record for record in document["media"]}
    assert set(records) == {"low-back", "the-studios-logo"}
    assert records["low-back"]["renamed_from"] == [SLUG] and records["the-studios-logo"]["deleted_at"]
    source = client.get_json("/api/v1/media/low-back").get_json()["data"]
    original = base64.b64decode(records["low-back"]["original"]["data"])
    assert original == client.raw.get(path_of(source["original"]["url"])).get_data()  # the stored bytes, as served
    assert not has_location(original)

    target = _target_app(make_app, tmp_path)
    imported = target.test_cli_runner().invoke(args=["import", str(tmp_path / "site.json")])
    assert imported.exit_code == 0, imported.output
    assert "media: 2 created" in imported.output
    reader = ApiClient(target.test_client())
    copy = reader.get_json("/api/v1/media/low-back").get_json()["data"]
    # The same bytes under the same URL; the variants are made again by the worker, as after an upload.
    assert copy["original"] == source["original"] and copy["processing"] == "processing"
    assert reader.raw.get(path_of(copy["original"]["url"])).get_data() == original
    processed(target, "low-back")
    copy = reader.get_json("/api/v1/media/low-back").get_json()["data"]
    assert [(v["format"], v["width"]) for v in copy["variants"]] == [
        (v["format"], v["width"]) for v in source["variants"]
    ]
    assert reader.raw.get(f"/api/v1/media/{SLUG}").status_code == 301  # its old slug still leads to it
    feature = reader.get_json(ARTICLE_URL).get_json()["data"]["feature_image"]
    assert (feature["slug"], feature["alt"]) == ("low-back", "Hands")
    # The deleted logo is deleted there too, and still placed where it was: a restore brings it back.
    assert reader.get_json("/api/v1/studio").get_json()["data"]["logo"] is None
    with target.app_context():
        key = create_key("target-editor", "editor")
    placed_for_editors = reader.as_key(key, TOPIC_URL).get_json()["data"]["image"]
    assert (placed_for_editors["slug"], placed_for_editors["status"]) == ("the-studios-logo", "deleted")
    history = reader.as_key(key, "/api/v1/media/low-back/revisions").get_json()["data"]
    assert [revision["action"] for revision in history] == ["updated", "created"]

    again = target.test_cli_runner().invoke(args=["import", str(tmp_path / "site.json")])
    assert again.exit_code == 0 and "media: 2 unchanged" in again.output, again.output


def test_an_import_checks_an_image_s_bytes_as_an_upload_and_refuses_a_clash(
    client, seeded_app, editor_key, admin_key, make_app, tmp_path
):
    document = _exported_site_with_images(client, seeded_app, editor_key, admin_key, tmp_path / "site.json")
    source_original = client.get_json("/api/v1/media/low-back").get_json()["data"]["original"]
    target = _target_app(make_app, tmp_path)
    bad = json.loads(json.dumps(document))
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    bad["media"][0]["original"]["data"] = base64.b64encode(svg).decode()
    bad["media"][1]["original"]["data"] = base64.b64encode(photo(gps=False)).decode()  # not the bytes of its key
    bad["articles"][0]["feature_image"] = {"media": "nowhere"}
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    refused = target.test_cli_runner().invoke(args=["import", str(tmp_path / "bad.json")])
    assert refused.exit_code == 1 and "nothing was written" in refused.output
    assert "media[0].original.data: SVG is not accepted" in refused.output
    assert "media[1].original.key: Does not match the bytes" in refused.output
    assert "articles[0].feature_image.media: No image has the slug 'nowhere'." in refused.output
    assert stored_files(target) == []

    # A file made by hand, with its photo's GPS position: accepted as an upload is, without it.
    handmade = json.loads(json.dumps(document))
    located = photo(orientation=0)
    handmade["media"][0]["original"] = {"key": content_key(located, "jpg"), "data": base64.b64encode(located).decode()}
    (tmp_path / "handmade.json").write_text(json.dumps(handmade), encoding="utf-8")
    imported = target.test_cli_runner().invoke(args=["import", str(tmp_path / "handmade.json")])
    assert imported.exit_code == 0, imported.output
    stored = ApiClient(target.test_client()).get_json("/api/v1/media/low-back").get_json()["data"]["original"]
    assert not stored["url"].endswith(content_key(located, "jpg"))
    assert not has_location(target.test_client().get(path_of(stored["url"])).get_data())

    # Into the site it came from, whose image of that slug is another file: refused, never replaced.
    with seeded_app.app_context(), pytest.raises(ImportRefused) as clash:
        import_document(handmade)
    assert clash.value.problems["media[0].original"][0].startswith("The image 'low-back' here is another file")
    assert client.get_json("/api/v1/media/low-back").get_json()["data"]["original"] == source_original
