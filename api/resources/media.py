"""The media library: upload an image (editor), list, read, change its text, delete, restore, purge.

Reads need no key. An upload is `multipart/form-data`, the image in the part
named `file` beside its text (alt, decorative, caption, credit, slug), with
its own body limit (MEDIA_MAX_BYTES). The image is checked and cleaned before
anything is stored (`models.images`), its original stored at once, and its
variants made by the worker afterwards (`api.media.make_variants`). Every other
operation is a collection's (`api.collection`), with JSON bodies.
"""

from typing import Any

from flask import request
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.collection.declaration import Collection, CollectionDocs, copy_fields
from api.collection.routes import collection_namespace
from api.media import library, new_media
from api.web.errors import ProblemError
from api.web.requests import flatten_errors
from models import Media, db
from models.images import RefusedImage, read_upload
from models.placements import describe_place, places_of
from models.richtext import slugify
from schemas.media import (
    MEDIA_SLUG,
    MEDIA_SNAPSHOT,
    MediaAdmin,
    MediaAdminSummary,
    MediaDetail,
    MediaIn,
    MediaListQuery,
    MediaSummary,
    MediaUpload,
)

_MULTIPART = "multipart/form-data"


def apply_media_input(media: Media, data: dict[str, Any]) -> None:
    """Copy validated text onto an image; after it, the image is described or says it is decorative."""
    copy_fields(media, data)
    if media.decorative and media.alt:
        if "alt" in data:
            raise ProblemError(
                422, "A decorative image has no alt text.", errors={"alt": ["Leave alt null, or decorative false."]}
            )
        media.alt = None  # marked decorative now: its old description no longer applies
    if not media.decorative and not media.alt:
        raise ProblemError(
            422,
            "An image needs alt text, or to be marked decorative.",
            errors={"alt": ["Describe the image for readers who cannot see it, or set decorative true."]},
        )


def _free_slug(wanted: str) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`…: two photos described alike are two images, not a conflict."""
    base = wanted[:110].rstrip("-") or "image"
    taken = set(db.session.scalars(select(Media.slug).where(Media.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _form_fields() -> dict[str, Any]:
    """The upload's text parts as input: each given once, `decorative` as the true or false it names."""
    repeated = {name: ["Give this part once."] for name, values in request.form.lists() if len(values) > 1}
    extra_files = {name: ["Only the part named file may hold a file."] for name in request.files if name != "file"}
    if repeated or extra_files or len(request.files.getlist("file")) > 1:
        errors = {**repeated, **extra_files}
        if len(request.files.getlist("file")) > 1:
            errors["file"] = ["Upload one image at a time."]
        raise ProblemError(422, "The upload's parts are not valid; `errors` names each.", errors=errors)
    form: dict[str, Any] = request.form.to_dict()
    if form.get("decorative") in ("true", "false"):
        form["decorative"] = form["decorative"] == "true"
    for name in ("caption", "credit", "slug"):
        if form.get(name) == "":
            form[name] = None  # an empty form field is a field left empty
    return form


def read_upload_request() -> tuple[Media, dict[str, Any]]:
    """The upload: its text validated (422), then its file checked, cleaned and its original stored."""
    media_library = library()
    request.max_content_length = media_library.max_bytes  # an upload's own limit, not the JSON one
    if request.mimetype != _MULTIPART:
        raise ProblemError(
            415,
            "Send the image as multipart/form-data: the file in a part named file, its alt text in a part named alt.",
        )
    form = _form_fields()
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    try:
        data = MediaIn().load(form)
    except ValidationError as error:
        errors = flatten_errors(error.normalized_messages())
        for field in (name for name in errors if name in MediaIn.SERVER_OWNED):
            errors[field] = ["This field is set by the server and cannot be written."]
    if "file" not in request.files:
        errors["file"] = ["Attach the image in a part named file."]
    if errors:
        raise ProblemError(422, "The upload is not valid; `errors` names each bad part.", errors=errors)
    upload = request.files["file"]
    try:
        image = read_upload(upload.stream.read(), media_library.max_pixels)
    except RefusedImage as refusal:
        raise ProblemError(refusal.status, str(refusal), errors={"file": [str(refusal)]}) from None
    media = new_media(image, upload.filename)
    if data.get("slug") is None:
        data["slug"] = _free_slug(slugify(data.get("alt") or media.filename.rsplit(".", 1)[0], max_length=110))
    return media, data


def _uses(media: Media) -> list[str]:
    return [describe_place(place) for place in places_of(media.media_id)]


MEDIA = Collection(
    name="media",
    item_type="media",
    model=Media,
    input_schema=MediaIn,
    public_schema=MediaDetail,
    admin_schema=MediaAdmin,
    list_public=MediaSummary,
    list_admin=MediaAdminSummary,
    snapshot_schema=MEDIA_SNAPSHOT,
    list_query=MediaListQuery,
    apply=apply_media_input,
    slug_from="alt",
    read_new=read_upload_request,
    upload_schema=MediaUpload,
    sorts={"created_at": Media.created_at, "slug": Media.slug, "updated_at": Media.updated_at},
    default_sort="-created_at",
    load_options=(selectinload(Media.files),),
    in_use_by=_uses,
    docs=CollectionDocs(
        namespace="The media library: images with alt text, responsive variants and URLs that never change",
        slug_example=MEDIA_SLUG,
        list_summary="List the library's images, newest first (with a key, deleted ones too).",
        list_response="A page of images, newest first.",
        read_summary="Show one image by its slug: its alt text, size, files, srcset and placeholder.",
        read_response="The image, with every file made of it.",
        patch_example={"caption": "Massage For Low Back Pain"},
    ),
)

ns = collection_namespace(MEDIA)
