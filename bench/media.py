"""The media benchmark: `make bench-media` (or `python -m bench.media`).

How long an upload takes on the request path (the bytes read, checked, decoded whole, turned upright,
stripped and the original stored: what the editor waits for), how long the worker then takes to make
the variants (`api.media.make_variants`, in this process), and how many bytes each format serves at each
width, for photo-like images of 24 and 6 megapixels. The images are made here (smooth gradients, noise
and detail, so encoders do real work, with EXIF orientation and GPS as a phone writes them): the
repository holds no photographs. Each figure is the median of the runs. Results go to BENCHMARKS-media.md.
"""

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

import PIL
from PIL import Image, ImageFilter
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from api import create_app
from api.media import make_variants
from bench import ROOT
from bench.__main__ import machine
from models import Media, db
from models.auth import create_key
from seed_data import seed_database

SIZES = {"24 MP (6000 × 4000)": (6000, 4000), "6 MP (3000 × 2000)": (3000, 2000)}


def photo_like(width: int, height: int) -> bytes:
    """A JPEG at quality 92 that compresses like a photo: gradients, grain and edges, with EXIF."""
    base = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize((width, height)),
            Image.radial_gradient("L").resize((width, height)),
            Image.linear_gradient("L").rotate(90).resize((width, height)),
        ],
    )
    grain = Image.effect_noise((width, height), 40).filter(ImageFilter.GaussianBlur(1.2)).convert("RGB")
    image = Image.blend(base, grain, 0.35).filter(ImageFilter.DETAIL)
    exif = Image.Exif()
    exif[0x0112] = 1
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (38.0, 2.0, 51.0)
    output = io.BytesIO()
    image.save(output, "JPEG", quality=92, exif=exif.tobytes())
    return output.getvalue()


def run(runs: int) -> str:
    folder = Path(tempfile.mkdtemp(prefix="bench-media-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}", "RATELIMIT_ENABLED": False,
                      "JOBS_URL": f"sqlite:///{folder / 'jobs.sqlite3'}", "MEDIA_FOLDER": str(folder / "media")})  # fmt: skip
    with app.app_context():
        db.create_all()
        seed_database()
        key = create_key("bench", "editor")
    client = app.test_client()
    where = machine()
    lines = [
        "# Media benchmark",
        "",
        f"Measured {where['date']} at commit `{where.get('commit', '?')}` by `python -m bench.media` (`make bench-media`).",
        "",
        f"Machine: {where['cpu']}, {where['memory']} memory, {where['os']}; Python {where['python']}, Pillow {PIL.__version__}.",
        "",
        (__doc__ or "").split("\n\n", 1)[1].strip(),
        "",
        f"Medians of {runs} runs each.",
        "",
        "| image | uploaded | upload answered (request path) | variants made (worker) | variants |",
        "|---|---:|---:|---:|---:|",
    ]
    sizes_tables: list[str] = []
    for label, (width, height) in SIZES.items():
        data = photo_like(width, height)
        answered, processed, made = [], [], 0
        last_slug = ""
        for number in range(runs):
            form = MultiDict([("alt", f"Bench {label} {number}"), ("file", FileStorage(io.BytesIO(data), "photo.jpg"))])
            boundary, body = encode_multipart(form)
            started = time.perf_counter()
            answer = client.post("/api/v1/media", data=body, content_type=f"multipart/form-data; boundary={boundary}",
                                 headers={"Authorization": f"Bearer {key}"})  # fmt: skip
            answered.append(time.perf_counter() - started)
            assert answer.status_code == 201, answer.get_data(as_text=True)
            last_slug = answer.get_json()["data"]["slug"]
            with app.test_request_context():
                media_id = db.session.scalar(db.select(Media.media_id).where(Media.slug == last_slug))
                started = time.perf_counter()
                outcome = make_variants(media_id)
                processed.append(time.perf_counter() - started)
                made = int(outcome.split()[1])
        lines.append(
            f"| {label} | {len(data) / 1e6:.1f} MB | {statistics.median(answered):.2f} s | "
            f"{statistics.median(processed):.2f} s | {made} |"
        )
        read = client.get(f"/api/v1/media/{last_slug}").get_json()["data"]
        by_width: dict[int, dict[str, int]] = {}
        for variant in read["variants"]:
            by_width.setdefault(variant["width"], {})[variant["format"]] = variant["bytes"]
        sizes_tables += [
            "",
            f"Bytes served for the {label} photo (original, upright and stripped: {read['original']['bytes']:,} B JPEG):",
            "",
            "| width | JPEG | WebP | AVIF | AVIF / JPEG |",
            "|---:|---:|---:|---:|---:|",
            *(
                f"| {w} | {f['jpeg']:,} B | {f['webp']:,} B | {f['avif']:,} B | {f['avif'] / f['jpeg']:.2f} |"
                for w, f in sorted(by_width.items())
            ),
        ]
    return "\n".join([*lines, *sizes_tables, ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS-media.md"))
    arguments = parser.parse_args()
    report = run(arguments.runs)
    Path(arguments.output).write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
