"""One turn of the conversation: small talk, retrieval, fallback → Reply.

No Textual here: the chat app, the browser, `faqbot ask` and tests all use the
same turn, so a greeting is a greeting everywhere and every reply is worded
here once (with the texts of ``bot/wording.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, TypeVar

import yaml
from rapidfuzz import fuzz, process

from faqbot.bot import wording
from faqbot.kb.article import Article
from faqbot.kb.retriever import Index
from faqbot.kb.sections import Section
from faqbot.kb.text import fold

SMALLTALK_MIN_SIMILARITY = 88  # rapidfuzz ratio (0..100) for a small-talk phrase with a typo
SMALLTALK_MAX_WORDS = 8  # longer messages are questions, even when they start with "Hallo"
MAX_MESSAGE_CHARS = 500  # what a chat message may hold; longer text is cut


ReplyKind = Literal["answer", "suggest", "none", "empty", "smalltalk"]


@dataclass(frozen=True, slots=True)
class Reply:
    kind: ReplyKind
    text: str  # what the bot says, Markdown (bot wording only, never user text)
    article: Article | None = None
    score: float | None = None
    suggestions: tuple[Article, ...] = ()
    intent: str | None = None  # the small-talk intent
    topic: str | None = None  # the out-of-scope topic the question is about
    section: Section | None = None  # the answer's section that answers the question; None: the whole article

    @property
    def other_sections(self) -> tuple[Section, ...]:
        """The answer's other sections with a heading, in article order (to open from a compact list)."""
        if self.article is None or self.section is None:
            return ()
        return tuple(s for s in self.article.sections if s.heading and s is not self.section)

    @property
    def logged_article_id(self) -> str | None:
        """The article this turn is logged under: the answer, or the first suggestion of "Meinten Sie …?"."""
        if self.article is not None:
            return self.article.id
        if self.kind == "suggest" and self.suggestions:
            return self.suggestions[0].id
        return None


@dataclass(frozen=True, slots=True)
class _Intent:
    name: str
    phrases: tuple[str, ...]
    reply: str


@cache
def _intents() -> tuple[_Intent, ...]:
    text = resources.files("faqbot.bot").joinpath("data", "smalltalk.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return tuple(
        _Intent(name, tuple(_plain(phrase) for phrase in entry["phrases"]), entry["reply"]) for name, entry in data.items()
    )


_Key = TypeVar("_Key")


@cache
def _feedback_phrases() -> dict[bool, tuple[str, ...]]:
    text = resources.files("faqbot.bot").joinpath("data", "feedback.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {True: tuple(map(_plain, data["helpful"])), False: tuple(map(_plain, data["not_helpful"]))}


def feedback_verdict(message: str) -> bool | None:
    """True or False when the message is a typed „Ja“ or „Nein“ (as to „War das hilfreich?“), else None."""
    return _closest_phrase(message, _feedback_phrases().items())


def _closest_phrase(message: str, groups: Iterable[tuple[_Key, tuple[str, ...]]]) -> _Key | None:
    """The group whose phrase the whole message matches best (small typos allowed), if any does."""
    plain = _plain(message)
    if not plain or len(plain.split()) > SMALLTALK_MAX_WORDS:
        return None
    best: tuple[_Key, float] | None = None
    for key, phrases in groups:
        match = process.extractOne(plain, phrases, scorer=fuzz.ratio, score_cutoff=SMALLTALK_MIN_SIMILARITY)
        if match is not None and (best is None or match[1] > best[1]):
            best = (key, match[1])
    return best[0] if best else None


def _plain(text: str) -> str:
    """Folded words separated by single spaces: how messages and phrases are compared."""
    return " ".join(re.findall(r"[^\W_]+", fold(text)))


def categories(index: Index) -> list[str]:
    return sorted({article.category for article in index.articles})


def smalltalk_intent(message: str) -> _Intent | None:
    return _closest_phrase(message, ((intent, intent.phrases) for intent in _intents()))


class Dialog:
    """Turns a customer's message into the bot's reply."""

    def __init__(self, index: Index):
        self.index = index

    def _fill(self, template: str) -> str:
        return template.format(hotline=wording.HOTLINE, categories=", ".join(categories(self.index)))

    def greeting(self) -> Reply:
        return Reply("smalltalk", self._fill(wording.GREETING), intent="greeting")

    def reply(self, message: str) -> Reply:
        message = message[:MAX_MESSAGE_CHARS]
        if not message.strip():
            return Reply("empty", wording.EMPTY_QUESTION)
        intent = smalltalk_intent(message)
        if intent is not None:
            return Reply("smalltalk", self._fill(intent.reply), intent=intent.name)
        result = self.index.ask(message)
        others = tuple(hit.article for hit in result.suggestions)
        if result.status == "answer" and result.answer is not None:
            return Reply("answer", "", result.answer.article, result.answer.score, others, section=result.section)
        if result.status == "suggest":
            return Reply("suggest", wording.DID_YOU_MEAN, suggestions=others)
        if result.topic is not None:
            return Reply("none", f"{result.topic.reply}\n\n{wording.TOPIC_HOTLINE}", topic=result.topic.id)
        return Reply("none", self.fallback_text(), suggestions=others)

    def fallback_text(self) -> str:
        return wording.NO_ARTICLE + "\n\n" + self._fill(wording.KNOWN_TOPICS)

    def feedback(self, reply: Reply, helpful: bool) -> Reply:
        """The reply to "Ja" / "Nein" after an answer: thanks, or the next-best articles and the hotline."""
        if helpful:
            return Reply("smalltalk", wording.THANKS_FOR_FEEDBACK, intent="thanks")
        next_best = reply.suggestions
        text = " ".join([wording.NOT_HELPFUL, *([wording.NOT_HELPFUL_OTHERS] if next_best else []), wording.CALL_SUPPORT])
        return Reply("suggest" if next_best else "none", text, suggestions=next_best)

    def article_reply(self, article: Article) -> Reply:
        """An article the customer picked (from suggestions, a category or the palette)."""
        return Reply("answer", "", article, None, tuple(self._related(article)))

    def _related(self, article: Article) -> list[Article]:
        return [a for rid in article.related if (a := self.index.by_id(rid)) is not None]

    def category_reply(self, category: str) -> Reply:
        articles = tuple(a for a in self.index.articles if a.category == category)
        return Reply("suggest", f"Artikel im Thema **{category}**:", suggestions=articles)
