"""Markdown in, sanitized HTML, plain text and a table of contents out.

Articles are written in Markdown (CommonMark) and stored together with what
readers are served, so a read never renders: the rendering happens once, when
the Markdown changes. The HTML passes through nh3's allowlist, so no script,
event handler or `javascript:` URL can reach a reader whatever an author wrote.
"""

import html
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from slugify import slugify as make_slug

WORDS_PER_MINUTE = 200
# An anchor is made from the start of its heading: a 100,000-character heading makes no longer an id.
MAX_ANCHOR_SOURCE = 200

_markdown = MarkdownIt("commonmark").enable("table")

# nh3's defaults minus nothing, plus heading anchors so the table of contents can link to them.
_ALLOWED_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    **{f"h{level}": {"id"} for level in range(1, 7)},
}


# Apostrophes join a word ("QL’s" -> "qls") rather than split it.
_APOSTROPHES = [["’", ""], ["'", ""], ["`", ""]]


def slugify(text: str, max_length: int = 0) -> str:
    """A lowercase, hyphenated ASCII slug (python-slugify, transliterating any script):
    "QL’s Balance" -> "qls-balance", "Массаж спины" -> "massazh-spiny"; at most `max_length` (0: any)."""
    slug: str = make_slug(text, max_length=max_length, replacements=_APOSTROPHES)
    return slug


# What one body may make. Markdown nests at most 20 deep (markdown-it's limit), but raw HTML could nest
# without end, and the sanitizer's HTML parser takes time that grows with the square of the depth
# (40,000 nested <div>s took 7 s). Past these limits a write is refused, saying which.
MAX_HTML_DEPTH = 200
MAX_HTML_LENGTH = 2_000_000
MAX_HEADINGS = 1_000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
# Elements that never hold others, or whose end a parser supplies at the next sibling (<p>, <li>, ...).
_NOT_NESTING = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "option",
        "optgroup",
        "colgroup",
        "rt",
        "rp",
        "caption",
    ]
)


# Where a library image stands in stored HTML: private-use characters around its index in `images`.
# (An author who types one places an image of the article's own, which is all it can do.)
IMAGE_MARKER = re.compile("\ue000(\\d{1,4})\ue001")
MEDIA_SCHEME = "media:"


def _mark_library_images(tokens: list[Token]) -> list[dict]:
    """Replace each `![alt](media:slug)` with a marker; the images, in order."""
    images: list[dict] = []
    for token in tokens:
        for index, child in enumerate(token.children or []):
            source = str(child.attrGet("src") or "") if child.type == "image" else ""
            if source.startswith(MEDIA_SCHEME):
                marker = Token("text", "", 0, content=f"\ue000{len(images)}\ue001")
                images.append({"slug": source.removeprefix(MEDIA_SCHEME), "alt": child.content})
                token.children[index] = marker  # type: ignore[index]
    return images


class UnrenderableMarkdown(ValueError):
    """Markdown that would make more, or deeper, HTML than a page should hold."""


def _html_depth(markup: str) -> int:
    """How deep the HTML's elements nest at most, counted in one pass over its tags."""
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(markup):
        if name.lower() in _NOT_NESTING or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


class _RemovalFinder(HTMLParser):
    """Finds what nh3's allowlist will take out of some HTML: elements, attributes and URL schemes it does
    not allow. (nh3 itself reports nothing; this reads the same HTML with the same lists.)"""

    _URL_ATTRIBUTES = frozenset(["href", "src", "cite", "action", "formaction", "poster", "srcset", "xlink:href"])

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.removed: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in nh3.ALLOWED_TAGS:
            self.removed[f"the element <{tag}>"] += 1
            return
        allowed = _ALLOWED_ATTRIBUTES.get(tag, set()) | _ALLOWED_ATTRIBUTES.get("*", set())
        for name, value in attrs:
            if name not in allowed:
                self.removed[f"the attribute {name} on <{tag}>"] += 1
            elif name in self._URL_ATTRIBUTES and value and ":" in value.split("/")[0]:
                scheme = value.split(":", 1)[0].strip().lower()
                if scheme not in nh3.ALLOWED_URL_SCHEMES:
                    self.removed[f"a {scheme}: URL in {name} on <{tag}>"] += 1

    def handle_comment(self, data: str) -> None:
        self.removed["an HTML comment"] += 1


def sanitizer_removals(raw_html: str) -> list[str]:
    """What sanitizing this HTML takes out, in words ("Removed the element <script> (2 times)."), in the
    order first met: the warnings a write answers with, so an author learns what readers will not get."""
    finder = _RemovalFinder()
    finder.feed(raw_html)
    finder.close()
    return [f"Removed {what}" + (f" ({count} times)." if count > 1 else ".") for what, count in finder.removed.items()]


# A derived excerpt: whole sentences from the body's first paragraph (its lede), up to this many characters.
EXCERPT_LENGTH = 300
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def derive_excerpt(body_text: str, toc: list[dict]) -> str | None:
    """An excerpt made from a body's plain text: the first sentences of its first paragraph (headings left
    out) up to EXCERPT_LENGTH characters, or its first sentence cut at a word boundary with "…"; None
    for a body without text."""
    headings = {entry["text"] for entry in toc}
    paragraphs = [block for block in body_text.split("\n\n") if block.strip() and block not in headings]
    if not paragraphs:
        return None
    text = " ".join(paragraphs[0].split())
    excerpt = ""
    for sentence in _SENTENCE_END.split(text):
        candidate = f"{excerpt} {sentence}".strip()
        if len(candidate) > EXCERPT_LENGTH:
            break
        excerpt = candidate
    if excerpt:
        return excerpt
    cut = text[: EXCERPT_LENGTH - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


@dataclass(frozen=True)
class RenderedText:
    """What a reader is served for one Markdown document, and what sanitizing took out of it."""

    html: str
    text: str
    toc: list[dict]
    word_count: int
    removed: list[str] = field(default_factory=list)
    # The library images it places (`![alt](media:slug)`), in order: {"slug", "alt"}. The HTML holds a
    # marker for each (see IMAGE_MARKER), which a read replaces with the image as it then is.
    images: list[dict] = field(default_factory=list)

    @property
    def reading_time_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))


def _inline_text(inline_token: Token) -> str:
    """Plain text of one inline run, with any raw HTML in it (and a script's content) removed."""
    # RendererHTML has renderInline; the renderer protocol markdown-it-py types does not name it.
    inline_html = _markdown.renderer.renderInline(  # type: ignore[attr-defined]
        inline_token.children or [], _markdown.options, {}
    )
    inline_html = re.sub(r"<br\s*/?>\n?", "\n", inline_html)
    return html.unescape(nh3.clean(inline_html, tags=set())).replace("\u00a0", " ")


def render_markdown(source: str) -> RenderedText:
    """Render Markdown to sanitized HTML, plain text and its headings, in time linear in its length;
    UnrenderableMarkdown when it would make more, or deeper, HTML than the limits above."""
    tokens = _markdown.parse(source)
    blocks: list[str] = []
    toc: list[dict] = []
    used_anchors: set[str] = set()
    next_suffix: dict[str, int] = {}  # per base anchor, so that 20,000 equal headings cost 20,000 steps
    for index, token in enumerate(tokens):
        if token.type != "inline":
            continue
        text = _inline_text(token)
        blocks.append(text)
        opener = tokens[index - 1] if index else None
        if opener is not None and opener.type == "heading_open":
            anchor = base = slugify(text[:MAX_ANCHOR_SOURCE]) or "section"
            suffix = next_suffix.get(base, 2)
            while anchor in used_anchors:
                anchor, suffix = f"{base}-{suffix}", suffix + 1
            next_suffix[base] = suffix
            used_anchors.add(anchor)
            opener.attrSet("id", anchor)
            toc.append({"level": int(opener.tag[1]), "id": anchor, "text": text})
    if len(toc) > MAX_HEADINGS:
        raise UnrenderableMarkdown(f"Has {len(toc)} headings; at most {MAX_HEADINGS}.")
    images = _mark_library_images(tokens)
    raw_html = _markdown.renderer.render(tokens, _markdown.options, {})
    if len(raw_html) > MAX_HTML_LENGTH:
        raise UnrenderableMarkdown(f"Renders to {len(raw_html):,} characters of HTML; at most {MAX_HTML_LENGTH:,}.")
    if _html_depth(raw_html) > MAX_HTML_DEPTH:
        raise UnrenderableMarkdown(f"Nests HTML elements deeper than {MAX_HTML_DEPTH}.")
    safe_html = nh3.clean(raw_html, attributes=_ALLOWED_ATTRIBUTES)
    plain_text = "\n\n".join(block for block in blocks if block)
    return RenderedText(
        html=safe_html,
        text=plain_text,
        toc=toc,
        word_count=len(plain_text.split()),
        removed=sanitizer_removals(raw_html) if safe_html != raw_html else [],
        images=images,
    )
