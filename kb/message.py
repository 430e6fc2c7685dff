"""What a customer's message asks, before anything is searched.

Real messages are not FAQ questions: they open with „Grüezi,“ or „Sehr geehrte
Damen und Herren“, tell a story, end in a signature with names and phone
numbers, or carry a pasted bounce. Scoring all of that against an article
dilutes a right answer below any threshold. So a message is read first:

* greetings at the start and the sign-off with everything after it (the
  signature) are set aside, and so are politeness phrases anywhere;
* what is left is cut into passages — sentences, and windows of a few words in
  long sentences — so that the part that names the problem can be scored on
  its own beside the whole;
* the phrases are data (``kb/data/politeness.txt``), so the support team can add
  the greetings its customers really use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from faqbot.kb.text import fold

WINDOW_WORDS = 8  # words in a passage cut from a long sentence
WINDOW_STEP = 4
MIN_PASSAGE_WORDS = 2  # shorter passages say too little to be scored alone
MAX_PASSAGES = 10  # bounds the work for a pasted log of hundreds of lines (each passage is one more search)
MAX_GREETING_WORDS = 7  # "Hallo liebes Support-Team von Plusnet," is still a greeting

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+|(?<=:)\s*\n")
_WORD = re.compile(r"\S+")
# Identifiers say who writes, not what about: "info@gartenbau-huber.de" would search for "gartenbau" and "huber".
_EMAIL_ADDRESS = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_GREETING_END = re.compile(r"[,!:]|\s[-–]\s")


@dataclass(frozen=True, slots=True)
class Message:
    original: str
    core: str  # without greeting, sign-off, signature and politeness phrases
    passages: tuple[str, ...]  # parts of the core that may name the problem on their own


@dataclass(frozen=True, slots=True)
class _Phrases:
    greetings: tuple[str, ...]
    closings: tuple[str, ...]
    politeness: tuple[str, ...]


@cache
def _phrases() -> _Phrases:
    sections: dict[str, list[str]] = {"greetings": [], "closings": [], "politeness": []}
    current = None
    text = resources.files("faqbot.kb").joinpath("data", "politeness.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections[line[1:-1]]
            continue
        if current is not None:
            current.append(_plain(line))
    # Longest first, so "mit freundlichen gruessen" wins over "gruessen".
    return _Phrases(*(tuple(sorted(set(v), key=len, reverse=True)) for v in sections.values()))


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", fold(text)))


def _starts_with(plain_line: str, phrases: tuple[str, ...]) -> str | None:
    for phrase in phrases:
        if plain_line == phrase or plain_line.startswith(phrase + " "):
            return phrase
    return None


def _strip_greeting(lines: list[str]) -> list[str]:
    """Drop a greeting line ("Hallo Herr Maier,") or the greeting that opens the first line."""
    greetings = _phrases().greetings
    while lines:
        first = lines[0]
        plain = _plain(first)
        phrase = _starts_with(plain, greetings)
        if phrase is None:
            break
        end = _GREETING_END.search(first)
        if end is not None and len(_plain(first[: end.start()]).split()) <= MAX_GREETING_WORDS:
            rest = first[end.end() :].strip()  # "Guten Tag, seit gestern …"
        elif len(lines) > 1 and len(plain.split()) <= MAX_GREETING_WORDS:
            rest = ""  # a line of its own: "Hallo Herr Maier"
        else:
            rest = " ".join(first.split()[len(phrase.split()) :])  # "Hallo mein Postfach …": only the phrase
        if rest:
            lines[0] = rest
        else:
            lines.pop(0)
        if end is None:
            break
    return lines


def _cut_signature(lines: list[str]) -> list[str]:
    """Everything from the sign-off on is a signature: names, firms, phone numbers."""
    closings = _phrases().closings
    for number, line in enumerate(lines):
        plain = _plain(line)
        if number > 0 and _starts_with(plain, closings) is not None:
            return lines[:number]
        # A sign-off at the end of a line: "… geht nicht. Danke und LG, Peter"
        for phrase in closings:
            position = plain.rfind(" " + phrase)
            if position >= 0 and len(plain[position:].split()) <= len(phrase.split()) + 3:
                cut = _cut_at_phrase(line, phrase)
                if cut is not None:
                    return [*lines[:number], cut] if cut.strip() else lines[:number]
    return lines


def _cut_at_phrase(line: str, phrase: str) -> str | None:
    """``line`` up to where ``phrase`` (in folded words) starts after a sentence break."""
    pattern = r"\W+".join(re.escape(part) for part in phrase.split())
    folded = fold(line)
    if len(folded) != len(line):  # folding changed lengths (ß → ss): find the phrase by words instead
        return None
    matches = list(re.finditer(r"(?:^|[.!?,;]\s*|\s)(" + pattern + r")\b", folded))
    return line[: matches[-1].start(1)].rstrip(" ,;-–") if matches else None


@cache
def _politeness_pattern() -> re.Pattern[str]:
    phrases = (r"\W+".join(re.escape(part) for part in phrase.split()) for phrase in _phrases().politeness)
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.IGNORECASE)


def _drop_politeness(text: str) -> str:
    """Remove politeness phrases ("wäre nett, wenn Sie mir helfen könnten") wherever they stand."""
    return _politeness_pattern().sub(" ", text)


def _passages(core: str) -> tuple[str, ...]:
    passages: list[str] = []
    for sentence in _SENTENCE_END.split(core):
        tokens = _WORD.findall(sentence)
        if len(tokens) < MIN_PASSAGE_WORDS:
            continue
        if len(tokens) <= WINDOW_WORDS + WINDOW_STEP:
            passages.append(" ".join(tokens))
            continue
        for start in range(0, len(tokens) - WINDOW_STEP, WINDOW_STEP):
            passages.append(" ".join(tokens[start : start + WINDOW_WORDS]))
    unique = tuple(dict.fromkeys(passages))
    return unique[:MAX_PASSAGES]


def read_message(text: str) -> Message:
    """The message with what it asks separated from how it is said."""
    lines = [_EMAIL_ADDRESS.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    lines = _cut_signature(_strip_greeting(lines))
    core = "\n".join(_drop_politeness(line) for line in lines).strip()
    if not _plain(core):
        core = text  # only a greeting: let small talk or the search decide on the whole
    passages = _passages(core)
    return Message(text, core, passages if len(passages) > 1 else ())
