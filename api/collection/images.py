"""The images content places from the media library, named in input by slug: `{"media": slug, "alt": ...}`."""

from typing import Any

from api.web.errors import ProblemError
from models.media import Media, find_media


def image_of(
    use: dict[str, Any] | None, field: str, current: Media | None = None, current_alt: str | None = None
) -> tuple[Media | None, str | None]:
    """The image an input names, and the alt text it gives it here; 422 when the library has none such.
    A PATCH may name only one of the two: `{"alt": ...}` keeps the image, `{"media": ...}` the alt text."""
    if use is None:
        return None, None
    alt = use.get("alt", current_alt)
    if "media" not in use:
        if current is None:
            raise ProblemError(422, "Name the image to place.", errors={f"{field}.media": ["Give the image's slug."]})
        return current, alt
    found = find_media([use["media"]]).get(use["media"])
    if found is None:
        raise ProblemError(
            422,
            "The body names an image the library does not have.",
            errors={f"{field}.media": [f"No image has the slug '{use['media']}'."]},
        )
    return found, alt


def unknown_images_problem(slugs: list[str]) -> ProblemError:
    """The 422 for a Markdown body placing images (`![alt](media:slug)`) that the library does not have."""
    return ProblemError(
        422,
        "The body places images the library does not have.",
        errors={"body_markdown": [f"No image has the slug '{slug}' (media:{slug})." for slug in slugs]},
    )
