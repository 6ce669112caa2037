"""HTML to plain text for titles and bodies: what a reader (and the classifier) should see.

Parsed with selectolax's lexbor engine, which decodes entities the way browsers do. Script,
style and other non-content elements are dropped; block elements become paragraph breaks and
<br> a line break; whitespace inside a line is collapsed. Lines that are page furniture rather
than the story ("La suite ci-dessous", "The post … appeared first on …", newsletter pitches,
image credits, share buttons) are dropped when they stand alone on their line, and an author's
bio is dropped from the last paragraphs. `is_furniture` lets the summarizer apply the same
rules to single sentences of text stored before these rules grew.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.text import one_line, shorten

__all__ = ["html_to_text", "is_furniture", "one_line", "plain_text", "shorten", "tidy"]

DROP_TAGS = frozenset(
    {"script", "style", "noscript", "iframe", "template", "svg", "object", "embed", "form",
     "button", "select", "textarea", "head", "title", "meta", "link"}
)  # fmt: skip
BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
     "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
     "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
     "tbody", "tfoot", "thead", "tr", "ul", "body", "html"}
)  # fmt: skip

# Picture agencies named in image credits, and the place a credit starts: a word boundary, or
# glued to "image"/"photo" as feeds flatten captions ("Logo Wechatimagevia Shutterstock").
_AGENCIES = r"""(?:shutterstock|getty(?:\s+images)?|unsplash|pixabay|istock(?:photo)?
    |adobe\s*stock|depositphotos|dreamstime|pexels)"""
_CREDIT_START = r"(?:\b|(?<=image)|(?<=images)|(?<=photo))"

# Whole lines that are page furniture, in the languages of the bundled feeds. Most rules start
# with their own words at the line's start; two may start anywhere in the first 40 or 100
# characters (a newsletter pitch, an image credit).
_AT_START = (
    r"""(?:la\s+)?suite\s+ci-?dessous\.?""",
    r"""continue\s+reading.*""",
    r"""read\s+more\.?.*""",
    r"""(?:lire|voir)\s+la\s+suite.*""",
    r"""the\s+post\s+.+\s+appeared\s+first\s+on\s+.+""",
    r"""l[’']article\s+.+\s+est\s+apparu\s+en\s+premier\s+sur\s+.+""",
    # WordPress's own footer in the other languages of the bundled feeds
    r"""der\s+beitrag\s+.+\s+erschien\s+zuerst\s+auf\s+.+""",
    r"""(?:la\s+entrada|el\s+post)\s+.+\s+(?:se\s+public[óo]|apareci[óo])\s+primero\s+en\s+.+""",
    r"""o\s+post\s+.+\s+apareceu\s+primeiro\s+(?:em|no|na)\s+.+""",
    r"""(?:newsletter|infolettre)\s*:.{0,120}""",
    r"""(?:image|photo|illustration|cr[ée]dits?(?:\s+photo)?|source\s+de\s+l[’']image)
        \s*(?:de\s+une\s*)?(?::|by|par|via|©)\s*.{0,100}""",
    r"""©\s*.{0,80}""",
    r"""(?:ne\s+manquez\s+(?:pas|aucune|plus)|don[’']t\s+miss|never\s+miss|no\s+te\s+pierdas
        |verpassen\s+sie\s+keine|n[ãa]o\s+perca)\b.{0,160}""",
    r"""(?:disclaimer|avertissement|aviso\s+legal|haftungsausschluss|aviso)\s*:.{0,400}""",
    r"""(?:cet\s+article|this\s+(?:article|content)|este\s+art[ií]culo|dieser\s+artikel
        |este\s+(?:artigo|conte[uú]do)|le\s+contenu\s+de\s+cet\s+article)\s+(?:ne\s+constitue
        |is\s+not|does\s+not\s+constitute|is\s+for\s+informational|no\s+constituye|no\s+es
        |stellt\s+keine|ist\s+keine|n[ãa]o\s+constitui|n[ãa]o\s+[ée])\b.{0,300}""",
    r"""(?:shutterstock|getty\s+images|unsplash|pixabay|istock(?:photo)?|adobe\s*stock)\b.{0,60}""",
    r"""(?:share|partager|partagez|compartir|comparte|teilen|compartilhe|compartilhar)
        (?:\s+(?:this|cet|cette|on|sur|en|no|the|l[’']|this\s+article|article|story|post
        |artículo|artigo|artikel))*\s*[:!]?(?:[\s,|·•/]*(?:facebook|twitter|x|linkedin|telegram
        |whatsapp|reddit|e-?mail|pinterest|flipboard|copy\s+link|copier\s+le\s+lien))*\.?""",
    r"""(?:(?:facebook|twitter|x|linkedin|telegram|whatsapp|reddit|e-?mail|pinterest|flipboard
        |tweet|copy\s+link|copier\s+le\s+lien)[\s,|·•/]*){2,}""",
)
_NEWSLETTER = r"""(?:newsletter|infolettre|bolet[ií]n)"""
_ANYWHERE = (
    r""".{0,40}\b(?:abonnez|inscrivez|subscribe|sign\s+up|suscr[ií]b|abonnier|assine|recevez)
        .{0,100}\b"""
    + _NEWSLETTER
    + r"""\b.{0,100}""",
    r""".{0,100}""" + _CREDIT_START + r"""(?:via|by|par|de|von|/)\s*""" + _AGENCIES + r"""\.?""",
)


def _whole_line(alternatives: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"^(?:" + "\n|".join(alternatives) + r")$", re.IGNORECASE | re.VERBOSE)


_FURNITURE_AT_START = _whole_line(_AT_START)
_FURNITURE_ANYWHERE = _whole_line(_ANYWHERE)
# Each rule that may start anywhere names a newsletter or an agency: a line that names
# neither (most lines) is spared trying it at each of its first 100 characters. Told by
# substrings of the lowered line (a regular expression ignoring case is as slow as the rule):
# each character that re.IGNORECASE matches to an ASCII letter lowers to that letter, but
# for the three in _ODD_CASE (tests/feeds/test_text.py checks every code point).
_ANYWHERE_WORDS = ("newsletter", "infolettre", "bolet", "shutterstock", "getty", "unsplash",
                   "pixabay", "istock", "adobe", "depositphotos", "dreamstime",
                   "pexels")  # fmt: skip
_ODD_CASE = frozenset("\u0130\u0131\u017f")  # İ ı ſ


def _names_newsletter_or_agency(flat: str) -> bool:
    """Whether `flat` may match a rule of _ANYWHERE (never False when it does)."""
    if not flat.isascii() and not _ODD_CASE.isdisjoint(flat):
        return True
    lowered = flat.lower()
    for word in _ANYWHERE_WORDS:  # noqa: SIM110 - a loop is quicker than any() over a generator
        if word in lowered:
            return True
    return False


# "Claire Dubois est journaliste", "Jane Roe is a senior writer": a named person who writes.
_PERSON_IS = r"""(?:[A-Z][\w’'.-]+\s+){1,3}(?:is|est|es|ist|é)\s+(?:\w+\s+){0,4}?"""
_WRITERS = r"""journalist|journaliste|periodista|jornalista|journalistin|writer|reporter|editor
    |r[ée]dact\w*|contributor|correspondent|correspondant\w*|author|auteur|autor|columnist
    |chroniqueu\w*|redakteur\w*|escritor\w*"""

# An author's bio closing an article: "About the author …", "Claire Dubois est journaliste …".
_BIO = re.compile(
    r"""^(?:
        (?i:about\s+the\s+author|[àa]\s+propos\s+de\s+l[’']auteur|sobre\s+(?:el|o)\s+autor
        |[üu]ber\s+(?:den|die)\s+autor(?:in)?)\b.*
      | """
    + _PERSON_IS
    + "(?:"
    + _WRITERS
    + r"""|contribut\w*|analyst|analyste)\b.*
    )$""",
    re.VERBOSE,
)
BIO_PARAGRAPHS = 2  # only this many closing paragraphs can be a bio

# A bio line wherever it stands: a person who is a journalist/writer and is based somewhere
# ("… est journaliste …, basé à Brooklyn, New York"): it tells nothing of the news.
_BIO_LINE = re.compile(
    "^"
    + _PERSON_IS
    + "(?:"
    + _WRITERS
    + r""")\b.{0,200}\b(?:based\s+in|bas[ée]e?\s+[àa]
        |radicad[oa]\s+en|lebt\s+in|mit\s+sitz\s+in|baseado\s+em|baseada\s+em|vit\s+[àa]
        |lives\s+in|vive\s+en|mora\s+em)\b.*$""",
    re.VERBOSE,
)


# An image credit glued to the end of a line of story text, sometimes without a space
# ("… messagerie instantanée. Logo Wechatimagevia Shutterstock").
_TRAILING_CREDIT = re.compile(
    r"""(?:(?<=[.!?。…"»”])\s*|^)[^.!?。\n]{0,60}?"""
    + _CREDIT_START
    + r"""(?:via|by|par|de|von|/|©)\s*"""
    + _AGENCIES
    + r"""\.?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


# Every credit names an agency: a line that names none is left alone without running the
# regular expression (casefold, as re.IGNORECASE folds: "ſ" is an "s").
_AGENCY_WORDS = ("shutterstock", "getty", "unsplash", "pixabay", "istock", "adobe", "depositphotos",
                 "dreamstime", "pexels")  # fmt: skip


def strip_trailing_credit(line: str) -> str:
    """`line` without an image credit glued to its end."""
    if not line:
        return line
    folded = line.casefold()
    for word in _AGENCY_WORDS:  # (a loop: quicker than any() over a generator)
        if word in folded:
            return _TRAILING_CREDIT.sub("", line).rstrip()
    return line.rstrip()


def _is_furniture(flat: str) -> bool:
    return (
        _FURNITURE_AT_START.match(flat) is not None
        or (_names_newsletter_or_agency(flat) and _FURNITURE_ANYWHERE.match(flat) is not None)
        or _BIO_LINE.match(flat) is not None  # is_bio
    )


_remembered: dict[str, bool] | None = None  # see `remembering`


@contextmanager
def remembering() -> Iterator[None]:
    """Inside this block, each distinct line is tested for furniture once: the normaliser
    and then the classifier's reading test the same lines of an item (`prepare` opens one
    block per item, so nothing is kept from one item to the next)."""
    global _remembered  # a memo of a pure function, scoped by the block
    outer = _remembered
    if outer is None:
        _remembered = {}
    try:
        yield
    finally:
        _remembered = outer


def is_furniture(line: str) -> bool:
    """Is this line (or sentence) page furniture rather than the story?"""
    flat = " ".join(line.split())
    memo = _remembered
    if memo is None:
        return _is_furniture(flat)
    verdict = memo.get(flat)
    if verdict is None:
        verdict = memo[flat] = _is_furniture(flat)
    return verdict


def is_bio(line: str) -> bool:
    """Is this line (or sentence) an author's bio ("X est journaliste …, basé à Brooklyn")?"""
    return _BIO_LINE.match(" ".join(line.split())) is not None


def drop_closing_bio(lines: list[str]) -> list[str]:
    """`lines` without an author's bio in their last paragraphs."""
    paragraphs = [i for i, line in enumerate(lines) if line]
    for index in reversed(paragraphs[-BIO_PARAGRAPHS:]):
        if index == paragraphs[0] or not _BIO.match(lines[index]):
            break
        lines = lines[:index]
    return lines


def _walk(node: LexborNode, out: list[str], keep_captions: bool) -> None:
    """Depth-first text collection without recursion (feeds can nest deeply)."""
    stack: list[LexborNode | str] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        if item.is_text_node:
            out.append(item.text_content or "")
            continue
        tag = item.tag or ""
        if tag in DROP_TAGS or (tag == "figcaption" and not keep_captions):
            continue
        if tag == "br":
            out.append("\n")
            continue
        if tag == "img":
            continue
        children: list[LexborNode | str] = []
        child = item.first_child
        while child is not None:
            children.append(child)
            child = child.next
        if tag in BLOCK_TAGS:
            children = ["\n\n", *children, "\n\n"]
        elif tag in ("td", "th"):
            children.append(" ")
        stack.extend(reversed(children))


def tidy(text: str, *, drop_furniture: bool = True) -> str:
    """Collapse whitespace inside lines, keep at most one blank line, drop furniture lines."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if drop_furniture and line and is_furniture(line):
            continue
        if drop_furniture:
            line = strip_trailing_credit(line)
        if line or (lines and lines[-1]):
            lines.append(line)
    if drop_furniture:
        lines = drop_closing_bio(lines)
    return "\n".join(lines).strip()


# HTML nested deeper than this is not parsed into a tree: an HTML parser's work grows with
# the depth at every block element (200,000 nested <div> took lexbor 155 s); real articles
# nest fewer than 30 levels.
MAX_HTML_DEPTH = 256
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*>?")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip
# Elements whose end tag may be left out: the next sibling closes them, they add no depth.
_OPTIONAL_END = frozenset(
    {"p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt", "rp",
     "thead", "tbody", "tfoot", "colgroup", "caption"}
)  # fmt: skip


def html_depth(html: str, stop: int = MAX_HTML_DEPTH + 1) -> int:
    """How deep the tags of `html` nest, counting no further than `stop` (void elements and
    those whose end tag is optional add nothing). Linear, with no tree built."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        name = match.group(2).lower()
        if name in _VOID or name in _OPTIONAL_END:
            continue
        if match.group(1):
            depth = max(0, depth - 1)
        elif not match.group(0).endswith("/>"):
            depth += 1
            deepest = max(deepest, depth)
            if deepest >= stop:
                break
    return deepest


def flat_text(html: str) -> str:
    """Text from HTML without building a tree: tags dropped (a line break for <br> and
    block elements), entities decoded. For HTML too deep to parse."""
    out: list[str] = []
    last = 0
    for match in _TAG.finditer(html):
        out.append(unescape(html[last : match.start()]))
        name = match.group(2).lower()
        out.append("\n" if name == "br" else "\n\n" if name in BLOCK_TAGS else " ")
        last = match.end()
    out.append(unescape(html[last:]))
    return "".join(out)


def html_to_text(html: str, *, keep_captions: bool = False, drop_furniture: bool = True) -> str:
    """Readable plain text from an HTML fragment or page (flattened without a tree when it
    nests deeper than MAX_HTML_DEPTH)."""
    if "<" not in html and "&" not in html:
        return tidy(html, drop_furniture=drop_furniture)
    # (no deeper than it has tags: most fragments need no scan)
    if html.count("<") > MAX_HTML_DEPTH and html_depth(html) > MAX_HTML_DEPTH:
        return tidy(flat_text(html).replace("\xa0", " "), drop_furniture=drop_furniture)
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return ""
    parts: list[str] = []
    _walk(root, parts, keep_captions)
    return tidy("".join(parts).replace("\xa0", " "), drop_furniture=drop_furniture)


def plain_text(value: str, *, drop_furniture: bool = True) -> str:
    """Text that is already plain: only whitespace is tidied."""
    return tidy(value.replace("\xa0", " "), drop_furniture=drop_furniture)
