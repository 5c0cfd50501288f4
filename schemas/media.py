"""Schemas of the media library: what an editor sends with an upload, and what readers are served.

A file's URL is made by the app (`current_app.extensions["media"].file_url`),
which knows where files are served from; everything else comes from the
media item and its files as stored.
"""

import re
from html import escape
from typing import Any

from flask import current_app
from marshmallow import ValidationError, fields, validate, validates_schema

from models.images import ACCEPTED
from models.media import MEDIA_STATES, PROCESSING_STATES, Media, MediaFile, Placement
from models.richtext import IMAGE_MARKER
from schemas.common import (
    Out,
    PageQuery,
    SearchText,
    UtcDateTime,
    doc,
    fields_field,
    slugs_field,
    sort_field,
)
from schemas.input import _SLUG, StrictBoolean, StrictSchema, Text, optional_text

MEDIA_SLUG = "massage-for-low-back-pain"
_KEY = "3f9c0a7d1e2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5"
_FILE_URL = f"http://127.0.0.1:5000/api/v1/media/files/{_KEY}.webp"
ACCEPTED_MEDIA_TYPES = tuple(media_type for media_type, _ext, _name in ACCEPTED.values())


def file_url(file: MediaFile) -> str:
    url: str = current_app.extensions["media"].file_url(file.key)
    return url


def _srcsets(media: Media | Placement) -> dict[str, str]:
    """`url 320w, url 640w, …` per format: each `<source type=…>` of a `<picture>` takes one."""
    by_format: dict[str, list[str]] = {}
    for file in media.variants:
        by_format.setdefault(file.format, []).append(f"{file_url(file)} {file.width}w")
    if not by_format:  # until the variants are made, the original stands for them
        by_format[media.format] = [f"{file_url(media.original)} {media.width}w"]
    return {name: ", ".join(entries) for name, entries in by_format.items()}


def widest_own_file(media: Media | Placement) -> MediaFile:
    """The widest variant in the image's own format (any browser shows it), or the original until the
    variants are made."""
    own = [file for file in media.variants if file.format == media.format]
    widest: MediaFile = max(own, key=lambda file: file.width) if own else media.original
    return widest


def image_src(media: Media | Placement) -> str:
    """The `src` fallback: the URL of `widest_own_file`."""
    return file_url(widest_own_file(media))


class MediaFileOut(Out):
    """One file: the original, or a variant."""

    url = fields.Function(file_url, metadata=doc("The file; its URL never changes (cache it for good).", _FILE_URL))
    format = fields.String(
        validate=validate.OneOf(("jpeg", "png", "webp", "avif")), metadata=doc("Its format.", "webp")
    )
    media_type = fields.String(metadata=doc("Its Content-Type.", "image/webp"))
    width = fields.Integer(metadata=doc("Its width in pixels.", 640))
    height = fields.Integer(metadata=doc("Its height in pixels.", 427))
    bytes = fields.Integer(metadata=doc("Its size in bytes.", 48211))


class Placeholder(Out):
    color = fields.String(
        attribute="placeholder_color",
        metadata=doc("The image's average colour, for the space it will fill.", "#8a6f5c"),
    )
    data_uri = fields.String(
        attribute="placeholder_data_uri",
        metadata=doc("A 16-pixel-wide WebP of it as a data: URI, a few hundred bytes, to show blurred while it loads."),
    )


class MediaSummary(Out):
    """An image as lists and the content that places it show it: enough for a responsive `<img>`."""

    slug = fields.String(metadata=doc("The image's slug; Markdown places it with `![alt](media:slug)`.", MEDIA_SLUG))
    alt = fields.Function(
        lambda media: "" if media.decorative else media.alt,
        metadata=doc("The alt text; empty for a decorative image.", "A therapist working on a client's lower back."),
    )
    decorative = fields.Boolean(metadata=doc("True for an image that adds nothing a reader must be told.", False))
    caption = fields.String(allow_none=True, metadata=doc("The caption, if any.", "Massage For Low Back Pain"))
    credit = fields.String(allow_none=True, metadata=doc("Who made it, if it says.", None))
    width = fields.Integer(
        metadata=doc("Its width in pixels, upright (set it on the `<img>`: pages do not jump).", 2400)
    )
    height = fields.Integer(metadata=doc("Its height in pixels, upright.", 1600))
    src = fields.Function(
        image_src, metadata=doc("The `<img src>`: the widest variant in the original's format.", _FILE_URL)
    )
    srcset = fields.Function(
        _srcsets,
        metadata=doc(
            "A `srcset` per format (avif, webp and the original's), ready to paste into `<source>` or `<img>`.",
            {"webp": f"{_FILE_URL} 640w"},
        ),
    )
    placeholder = fields.Function(lambda media: Placeholder().dump(media), metadata=doc("What to show while it loads."))
    processing = fields.String(
        validate=validate.OneOf(PROCESSING_STATES),
        metadata=doc("processing until its variants are made (the original stands in meanwhile), then ready.", "ready"),
    )


class MediaDetail(MediaSummary):
    """An image with all of its files."""

    filename = fields.String(metadata=doc("The name it was uploaded under, made safe.", "low-back.jpg"))
    format = fields.String(metadata=doc("The original's format, read from its bytes.", "jpeg"))
    original = fields.Nested(MediaFileOut, metadata=doc("The original, upright and without its metadata (EXIF, GPS)."))
    variants = fields.List(
        fields.Nested(MediaFileOut),
        metadata=doc("Every variant: each width in AVIF, WebP and the original's format, narrowest first."),
    )
    created_at = UtcDateTime(metadata=doc("When it was uploaded (UTC).", "2026-11-23T18:00:00Z"))
    updated_at = UtcDateTime(metadata=doc("When its text last changed (UTC).", "2026-11-23T18:00:00Z"))


class MediaAdmin(MediaDetail):
    """An image as a key holder sees it: with its state."""

    status = fields.String(metadata=doc("available, or deleted (its files are no longer served).", "available"))
    deleted_at = UtcDateTime(allow_none=True, metadata=doc("When it was deleted (UTC), or null."))


class MediaAdminSummary(MediaSummary):
    """An image as a key holder's lists show it: with its state."""

    status = MediaAdmin._declared_fields["status"]
    deleted_at = MediaAdmin._declared_fields["deleted_at"]
    created_at = MediaDetail._declared_fields["created_at"]


class MediaSnapshot(MediaAdmin):
    """What a revision keeps of an image: its text (its files never change)."""


MEDIA_SNAPSHOT = MediaSnapshot(
    only=("slug", "alt", "decorative", "caption", "credit", "filename", "status", "deleted_at")
)


class MediaIn(StrictSchema):
    """The text of an image, as an editor writes it (its file is sent once, with the upload)."""

    SERVER_OWNED = (
        *StrictSchema.SERVER_OWNED,
        "filename",
        "format",
        "width",
        "height",
        "src",
        "srcset",
        "original",
        "variants",
        "placeholder",
        "processing",
    )

    slug = Text(
        validate=_SLUG, metadata=doc("URL name; made from the alt text (or the file's name) when absent.", MEDIA_SLUG)
    )
    alt = Text(
        allow_none=True,
        load_default=None,
        validate=validate.Length(min=1, max=1000),
        metadata=doc(
            "What the image shows, for readers who cannot see it. Required unless `decorative` is true.",
            "A therapist working on a client's lower back.",
        ),
    )
    decorative = StrictBoolean(
        load_default=False,
        metadata=doc("True for an image that adds nothing a reader must be told: its alt is then empty.", False),
    )
    caption = optional_text(2000, "A caption to show with it.", "Massage For Low Back Pain", multiline=True)
    credit = optional_text(300, "Who made it.", None)

    @validates_schema
    def _described(self, data: dict[str, Any], partial: Any = None, **_kwargs: Any) -> None:
        if partial:
            return  # a PATCH is checked against the item it changes (see api.resources.media)
        if data.get("decorative") and data.get("alt"):
            raise ValidationError("A decorative image has no alt text: leave alt out, or decorative false.", "alt")
        if not data.get("decorative") and not data.get("alt"):
            raise ValidationError("Describe the image for readers who cannot see it, or say it is decorative.", "alt")


class ImageFile(fields.Raw):
    """The uploaded file (a multipart part): documented as binary; read and checked by models.images."""


class MediaUpload(MediaIn):
    """An upload: the image file and its text, as multipart/form-data parts. (A part left out is null: a
    form has no null to send, so the parts have no defaults here, and Swagger UI offers none as "null".)"""

    # Swagger UI fills every part with its example (or a made-up value): each example is one to keep.
    slug = Text(
        validate=_SLUG, metadata=doc("URL name; made from the alt text (or the file's name) when absent.", MEDIA_SLUG)
    )
    alt = Text(
        validate=validate.Length(min=1, max=1000),
        metadata=doc(
            "What the image shows, for readers who cannot see it. Required unless `decorative` is true.",
            "A therapist working on a client's lower back.",
        ),
    )
    caption = Text(
        multiline=True,
        validate=validate.Length(min=1, max=2000),
        metadata=doc("A caption to show with it.", "Massage For Low Back Pain"),
    )
    credit = Text(
        validate=validate.Length(min=1, max=300), metadata=doc("Who made it.", "Corey Proffitt Studios Massage")
    )

    file = ImageFile(
        required=True,
        metadata=doc(f"The image: {', '.join(ACCEPTED_MEDIA_TYPES)}. Its format is read from its bytes."),
    )
    # A form part is text: "true" or "false".
    decorative = fields.String(  # type: ignore[assignment]
        validate=validate.OneOf(("true", "false")),
        load_default="false",
        metadata=doc("true for an image that adds nothing a reader must be told: its alt is then empty.", "false"),
    )


MEDIA_SORTS = ("-created_at", "created_at", "slug", "-slug", "-updated_at", "updated_at", "relevance")


class MediaListQuery(PageQuery):
    """Query parameters of the media list."""

    slug = slugs_field(MEDIA_SLUG)
    status = fields.String(
        validate=validate.OneOf(MEDIA_STATES),
        metadata=doc(f"Key holders only: which images to list ({', '.join(MEDIA_STATES)}).", "available"),
    )
    q = SearchText(metadata=doc("Images whose alt text, caption or credit hold every word.", "back"))
    sort = sort_field(MEDIA_SORTS, "Default: -created_at (newest first), or relevance with q.")
    only_fields = fields_field(
        "Only these fields of each image, comma-separated, e.g. slug,src. Unknown ones are a 400.",
        data_key="fields",
        choices=tuple(MediaAdminSummary._declared_fields),
    )


class PlacedImage(MediaSummary):
    """An image where an article or topic places it: the image, with the alt text this use gives."""

    alt_override = fields.String(
        allow_none=True, metadata=doc("The alt text this use gives the image; null when it keeps the image's own.")
    )


class PlacedImageAdmin(PlacedImage):
    """An image as a key holder sees it placed: also once deleted (readers then see none), with its state."""

    status = MediaAdmin._declared_fields["status"]


class ImageUse(Out):
    """Which image a use names, and the alt text it gives: what a revision keeps, and what input takes."""

    media = fields.String(attribute="slug", metadata=doc("The image's slug.", MEDIA_SLUG))
    alt = fields.String(attribute="alt_override", allow_none=True, metadata=doc("Alt text for this use, or null."))


# How wide an inline image is shown: the article column's width, the whole screen below it.
INLINE_SIZES = "(max-width: 720px) 100vw, 720px"


def picture(image: Any, sizes: str = INLINE_SIZES) -> str:
    """A library image as HTML to paste into a page: a <picture> with AVIF and WebP sources, and an <img>
    with its srcset, sizes, intrinsic width and height, lazy loading and async decoding. Every value is
    escaped; nothing of it comes from an author but the alt text."""
    sets = _srcsets(image)
    own = image.format
    sources = "".join(
        f'<source type="image/{name}" srcset="{escape(sets[name])}" sizes="{sizes}">'
        for name in ("avif", "webp")
        if name in sets and name != own
    )
    alt = "" if image.decorative else (image.alt or "")
    own_set = f' srcset="{escape(sets[own])}" sizes="{sizes}"' if own in sets else ""
    return (
        f'<picture>{sources}<img src="{escape(image_src(image))}"{own_set} width="{image.width}" height="{image.height}" '
        f'alt="{escape(alt)}" loading="lazy" decoding="async"></picture>'
    )


def body_html_with_images(article: Any) -> str:
    """An article's stored body HTML with each library image it places shown as it now is: a deleted one
    leaves nothing behind (the text stays readable), a renamed one still shows."""
    media_by_id = {media.media_id: media for media in article.body_media}

    def image_at(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if index >= len(article.body_images):
            return ""
        use = article.body_images[index]
        media = media_by_id.get(use["media_id"])
        if media is None or media.deleted_at is not None:
            return ""
        return picture(Placement(media, use.get("alt") or None))

    html: str = article.body_html
    return IMAGE_MARKER.sub(image_at, html) if "\ue000" in html else html
