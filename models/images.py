"""What an uploaded image is and what is made of it, with Pillow: checked, cleaned, resized, re-encoded.

`read_upload(data)` reads the bytes as nothing but an image of an accepted
format, whatever the file is called or claims to be: the format comes from the
bytes, the pixel count is checked from the header before anything is decoded
(a decompression bomb is refused unread), and the whole image is decoded, so a
truncated or corrupt file is refused before anything is stored. The image it
gives is turned the way its EXIF orientation says and holds no metadata any
more: what is encoded from it (`encode`) carries no EXIF, XMP or IPTC (so no
GPS position), only its colour profile.

`variant_sizes` and `encode` make the responsive variants, `placeholder` the
colour and tiny preview a page shows while the image loads.
"""

import base64
import io
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

# The formats accepted, as Pillow names them: (media type, file extension, our name).
ACCEPTED = {
    "JPEG": ("image/jpeg", "jpg", "jpeg"),
    "PNG": ("image/png", "png", "png"),
    "WEBP": ("image/webp", "webp", "webp"),
    "AVIF": ("image/avif", "avif", "avif"),
}
FORMAT_BY_NAME = {name: pillow for pillow, (_type, _ext, name) in ACCEPTED.items()}
# The widths of the responsive variants (each below the original's; the original's own width is added).
VARIANT_WIDTHS = (320, 640, 960, 1280, 1920, 2400)
# The formats every variant is made in, beside the original's own.
VARIANT_FORMATS = ("AVIF", "WEBP")
# Encoder settings: what a photo needs to look right on a page, at a size that pays for making variants.
_ENCODING: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 80, "method": 4},
    "AVIF": {"quality": 60, "speed": 8},
}
# The original keeps more of its quality: it is what the largest screens and downloads get.
_ORIGINAL_QUALITY = {"JPEG": 92, "WEBP": 90, "AVIF": 80}
PLACEHOLDER_WIDTH = 16


class RefusedImage(ValueError):
    """The bytes are not an image this library accepts; `status` is the HTTP status that says so."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Upload:
    """An accepted image, turned upright and stripped of its metadata, with the format it came in."""

    image: Image.Image
    format: str  # Pillow's name: JPEG, PNG, WEBP or AVIF

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


def _looks_like_svg(data: bytes) -> bool:
    start = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in data[:4096].lower()


def read_upload(data: bytes, max_pixels: int) -> Upload:
    """The image in `data`, checked and cleaned (see the module's docstring); RefusedImage otherwise."""
    accepted = ", ".join(name for _type, _ext, name in ACCEPTED.values())
    if _looks_like_svg(data):
        raise RefusedImage(415, "SVG is not accepted: it can carry script. Upload a JPEG, PNG, WebP or AVIF.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ACCEPTED))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RefusedImage(
            422, f"The image has more than {max_pixels:,} pixels: refused before it is decoded."
        ) from None
    except UnidentifiedImageError:
        raise RefusedImage(415, f"The file is not an image of an accepted format ({accepted}).") from None
    except (OSError, SyntaxError, ValueError):
        raise RefusedImage(422, "The image is corrupt: its header cannot be read.") from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise RefusedImage(
            422,
            f"The image is {width:,} × {height:,} pixels; at most {max_pixels:,} pixels are accepted "
            "(larger ones are refused before they are decoded).",
        )
    if getattr(image, "n_frames", 1) > 1:
        raise RefusedImage(422, "Animated images are not accepted: upload a still image.")
    pillow_format = image.format or ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            image.load()
            upright = ImageOps.exif_transpose(image)
    except Exception:
        # Pillow raises OSError for a truncated file and various errors for corrupt data: all are refusals.
        raise RefusedImage(422, "The image is truncated or corrupt: it cannot be decoded whole.") from None
    return Upload(image=_without_metadata(upright), format=pillow_format)


def _without_metadata(image: Image.Image) -> Image.Image:
    """The pixels in a mode every encoder takes (RGB, RGBA or L), with the colour profile and nothing else
    of the file's."""
    icc_profile = image.info.get("icc_profile")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode in ("LA", "PA", "La", "RGBa"):
        image = image.convert("RGBA")
    elif image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGB")  # CMYK, 16-bit and the like: what browsers show
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 255:
        image = image.convert("RGB")  # an alpha channel that hides nothing
    clean = image.copy()
    clean.info = {"icc_profile": icc_profile} if icc_profile else {}
    return clean


# What Pillow reads from a file that says nothing about who took it, where or with what: the encoders'
# own settings and the colour profile. Anything else (EXIF, XMP, comments, PNG text) is metadata.
_HARMLESS_INFO = frozenset(
    ("icc_profile", "jfif", "jfif_density", "jfif_unit", "jfif_version", "progression", "progressive",
     "background", "loop", "dpi", "gamma", "transparency", "adobe", "adobe_transform")
)  # fmt: skip


def carries_metadata(data: bytes) -> bool:
    """Whether an accepted image's file holds metadata beyond its colour profile (one made by `encode`
    holds none): an imported original that does is cleaned like an upload."""
    image = Image.open(io.BytesIO(data))
    return bool(image.getexif()) or bool(set(image.info) - _HARMLESS_INFO)


def variant_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The (width, height) of each responsive variant: the standard widths below the original's, and the
    original's own width when it is within the largest standard one."""
    widths = [candidate for candidate in VARIANT_WIDTHS if candidate < width]
    if width <= VARIANT_WIDTHS[-1]:
        widths.append(width)
    return [(each, max(1, round(height * each / width))) for each in widths]


def resized(image: Image.Image, width: int, height: int) -> Image.Image:
    if (width, height) == image.size:
        return image
    smaller = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    smaller.info = dict(image.info)
    return smaller


def encode(image: Image.Image, pillow_format: str, original: bool = False) -> bytes:
    """The image in a format, with no metadata but its colour profile."""
    settings = dict(_ENCODING[pillow_format])
    if original and pillow_format in _ORIGINAL_QUALITY:
        settings["quality"] = _ORIGINAL_QUALITY[pillow_format]
    if image.mode == "RGBA" and pillow_format == "JPEG":
        image = image.convert("RGB")
    if image.mode == "L" and pillow_format in VARIANT_FORMATS:
        image = image.convert("RGB")
    icc_profile = image.info.get("icc_profile")
    if icc_profile:
        settings["icc_profile"] = icc_profile
    output = io.BytesIO()
    image.save(output, pillow_format, exif=b"", **settings)
    return output.getvalue()


def placeholder(image: Image.Image) -> tuple[str, str]:
    """(the image's average colour as #rrggbb, a few-hundred-byte WebP preview as a data: URI) for a page
    to show while the image loads."""
    rgb = image.convert("RGB")
    red, green, blue = rgb.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))  # type: ignore[misc]
    height = max(1, round(image.height * PLACEHOLDER_WIDTH / image.width))
    tiny = io.BytesIO()
    rgb.resize((PLACEHOLDER_WIDTH, height), Image.Resampling.BOX).save(tiny, "WEBP", quality=30, exif=b"")
    return f"#{red:02x}{green:02x}{blue:02x}", "data:image/webp;base64," + base64.b64encode(tiny.getvalue()).decode()
