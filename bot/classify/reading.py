"""Read an item like an editor: the headline and lead say what the news is.

A feed's text can be a two-line description or a whole article of 2–10 KB with its
furniture. Before classifying, the text is cleaned and cut in two:

- **cleaned**: HTML becomes text; newsletter pitches, disclaimers, image credits (glued
  ones too: "Logo Wechatimagevia Shutterstock"), share buttons and the author's bio are
  dropped (the rules of `bot.feeds.text`, applied per sentence as well as per line);
- **lead**: the opening paragraphs, at least `LEAD_MIN` and at most about `LEAD_MAX`
  characters, cut at a sentence end. A feed description is usually all lead;
- **body**: the rest. Background, quoted history and captions live there: the body can
  confirm the lead's category, never create one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.feeds.text import (
    drop_closing_bio,
    html_to_text,
    is_furniture,
    plain_text,
    strip_trailing_credit,
)
from bot.summarize import split_sentences
from bot.text import one_line, shorten

LEAD_MIN = 200  # a lead shorter than this takes in the next paragraph
LEAD_MAX = 700  # a lead stops at the first sentence end past this
_TAG = re.compile(r"<(?:[a-zA-Z][\w-]*|/[a-zA-Z][\w-]*)[^<>]*>")


@dataclass(frozen=True, slots=True)
class Reading:
    lead: str
    body: str
    dropped: str = ""  # the furniture left out, quoted briefly, for the rule trace

    @property
    def text(self) -> str:
        return f"{self.lead}\n{self.body}" if self.body else self.lead


def _text(text: str, *, drop_furniture: bool) -> str:
    if _TAG.search(text) or "&" in text:
        return html_to_text(text, drop_furniture=drop_furniture)
    return plain_text(text, drop_furniture=drop_furniture)


def clean(text: str, *, drop_furniture: bool = True) -> tuple[str, list[str]]:
    """The story's text, and the furniture dropped from it: whole lines (the rules of
    `bot.feeds.text.tidy`), image credits glued to a line's end, a closing bio, then
    furniture sentences inside the lines that are left."""
    raw = _text(text, drop_furniture=False)
    if not drop_furniture:
        return raw, []
    dropped: list[str] = []
    lines: list[str] = []
    story_lines: set[str] = set()  # lines found not to be furniture
    for line in raw.split("\n"):
        if line and is_furniture(line):
            dropped.append(line)
            continue
        kept = strip_trailing_credit(line)
        if kept != line:
            dropped.append(line[len(kept) :].strip())
        else:
            story_lines.add(line)
        if kept or (lines and lines[-1]):
            lines.append(kept)
    story = drop_closing_bio(lines)
    dropped += [line for line in lines[len(story) :] if line]
    paragraphs: list[str] = []
    for line in story:
        kept_sentences: list[str] = []
        for sentence in split_sentences(line):  # each sentence tested once
            # (a line of one sentence is that sentence: tested already)
            furniture = sentence not in story_lines and is_furniture(sentence)
            (dropped if furniture else kept_sentences).append(sentence)
        if kept_sentences:
            paragraphs.append(" ".join(kept_sentences))
    return "\n".join(paragraphs), dropped


def read(title: str, text: str, *, drop_furniture: bool = True) -> Reading:
    """The cleaned text of an item as lead and body."""
    cleaned, furniture = clean(text, drop_furniture=drop_furniture) if text.strip() else ("", [])
    dropped = "; ".join(f'"{shorten(one_line(s), 40)}"' for s in furniture[:2])
    paragraphs = cleaned.split("\n") if cleaned else []
    flat_title = " ".join(title.split()).casefold()
    if paragraphs and flat_title and paragraphs[0].casefold() == flat_title:
        paragraphs = paragraphs[1:]  # the title repeated as the first line
    lead: list[str] = []
    size = 0
    for index, paragraph in enumerate(paragraphs):
        if size >= LEAD_MIN:
            return Reading("\n".join(lead), "\n".join(paragraphs[index:]), dropped)
        if size + len(paragraph) > LEAD_MAX:
            head, tail = _cut(paragraph, LEAD_MAX - size)
            lead.append(head)
            rest = [tail, *paragraphs[index + 1 :]] if tail else paragraphs[index + 1 :]
            return Reading("\n".join(lead), "\n".join(rest), dropped)
        lead.append(paragraph)
        size += len(paragraph) + 1
    return Reading("\n".join(lead), "", dropped)


def _cut(paragraph: str, room: int) -> tuple[str, str]:
    """The paragraph's first sentences filling `room` characters (at least one sentence),
    and the rest."""
    sentences = split_sentences(paragraph)
    taken: list[str] = []
    size = 0
    for sentence in sentences:
        if taken and size + len(sentence) > room:
            break
        taken.append(sentence)
        size += len(sentence) + 1
    return " ".join(taken), " ".join(sentences[len(taken) :])
