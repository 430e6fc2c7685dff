"""Read a folder of Markdown articles, validate them, and say exactly what is wrong.

Every problem is reported as ``path:line: message`` (German, for the support
team that keeps the articles). A file with a problem that makes it unusable is
left out; the others are still loaded, so the running bot never dies on one bad
file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import yaml
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from faqbot.kb.article import KNOWN_HELPERS, Article, Topic
from faqbot.kb.files import FileReadError, read_regular_file
from faqbot.kb.markdown import parser, plain_text
from faqbot.kb.sections import split_sections
from faqbot.kb.visible import visible

FIELDS = ("id", "title", "category", "questions", "keywords", "related", "helper", "errors")
TOPICS_FILE = "out-of-scope.yaml"  # beside the articles: what the FAQ does not cover
MIN_ERROR_TEXT = 4  # a shorter error text ("550") would match far too many messages
MAX_DEPTH = 20  # nesting of lists and mappings in the front matter; articles need two
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int
    message: str
    fatal: bool = True  # the file cannot be used as an article
    warning: bool = False  # worth a look, but nothing is wrong (kb check still exits 0)

    def __str__(self) -> str:
        # File names and quoted values come from the disk: control and bidi characters are shown escaped.
        if self.line <= 0:  # a problem of the folder, not of a line
            return visible(f"{self.path}: {self.message}")
        return visible(f"{self.path}:{self.line}: {self.message}")


@dataclass(frozen=True, slots=True)
class LoadResult:
    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]
    topics: tuple[Topic, ...] = ()  # what the FAQ does not cover (out-of-scope.yaml beside the articles)

    @property
    def ok(self) -> bool:
        return not any(not problem.warning for problem in self.problems)


class _FileProblems(list[Problem]):
    """Problems of one file, collected rather than raised so all are reported."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path

    def add(self, line: int, message: str, *, fatal: bool = True, warning: bool = False) -> None:
        self.append(Problem(self.path, line, message, fatal and not warning, warning))

    @property
    def fatal(self) -> bool:
        return any(problem.fatal for problem in self)


def _read_text(path: Path, problems: _FileProblems) -> str | None:
    try:
        data = read_regular_file(path)
    except FileReadError as error:
        problems.add(1, str(error))
        return None
    try:
        return data.decode("utf-8").removeprefix(_BOM)  # editors on Windows write a byte-order mark
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.add(
            line,
            f"Die Datei ist nicht in UTF-8 gespeichert (ungültiges Byte 0x{data[error.start]:02x}). "
            "Bitte speichern Sie sie als UTF-8.",
        )
        return None


def _did_you_mean(word: str, choices: tuple[str, ...] | frozenset[str]) -> str:
    match = process.extractOne(word, sorted(choices), scorer=Levenshtein.distance, score_cutoff=3)
    return f" Meinten Sie „{match[0]}“?" if match else ""


class _DepthLimited(Composer):
    """Composes nodes no deeper than MAX_DEPTH, so "[[[[…" is a problem of the file, not a RecursionError."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"mehr als {MAX_DEPTH} Ebenen verschachtelt",
                    self.peek_event().start_mark,  # type: ignore[attr-defined]  # the parser's, a base beside this one
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _PythonLoader(_DepthLimited, yaml.SafeLoader):
    """PyYAML's own parser: for an installation of PyYAML without libyaml."""


# libyaml's parser when PyYAML has it (its wheels do): the shipped articles and topics parse in 0.01 s
# instead of 0.15 s of CPU, paid by every process that loads them. The nodes are composed in Python
# on top of either parser (the composer comes first in the bases), so both give the same nodes with
# their line numbers, and the depth limit holds for both (tests/test_loader.py compares them).
try:
    from yaml._yaml import CParser

    class _LibyamlLoader(_DepthLimited, CParser, SafeConstructor, Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _Loader: type = _LibyamlLoader
except ImportError:  # PyYAML built without libyaml
    _Loader = _PythonLoader


def _compose(front: str, first_line: int, problems: _FileProblems, loader: type = _Loader) -> yaml.MappingNode | None:
    """Parse the front matter as YAML nodes, which keep line numbers for every value."""
    try:
        node = yaml.compose(front, Loader=loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + (mark.line if mark else 0)
        detail = error.problem or error.context or "unbekannter Fehler"
        problems.add(line, f"YAML-Fehler im Front Matter: {detail}.")
        return None
    except yaml.YAMLError as error:
        problems.add(first_line, f"YAML-Fehler im Front Matter: {error}.")
        return None
    if not isinstance(node, yaml.MappingNode):
        problems.add(first_line, "Das Front Matter muss aus Feldern der Form „name: wert“ bestehen.")
        return None
    return node


class _BadTag(Exception):
    """A value whose YAML tag is unknown or does not fit it; the message says so in German."""


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _construct(node: yaml.Node) -> object:
    """The value of a scalar node. Lists and mappings are only described (as an empty list or
    mapping), never built: every field we read is text, and building an alias bomb
    (&a [*b, *b, …] nine levels deep) into a string would take minutes and all memory."""
    if isinstance(node, yaml.SequenceNode):
        return []
    if isinstance(node, yaml.MappingNode):
        return {}
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except Exception:  # noqa: BLE001 - PyYAML's constructors fail on bad values in many ways (ValueError, IndexError, …)
        tag = _short_tag(node.tag)
        if node.tag not in loader.yaml_constructors:
            raise _BadTag(f"Unbekannte YAML-Markierung „{tag}“: Bitte lassen Sie sie weg.") from None
        raise _BadTag(f"Der Wert „{node.value}“ passt nicht zur YAML-Markierung „{tag}“: Bitte lassen Sie sie weg.") from None
    finally:
        loader.dispose()


def _fields(
    node: yaml.MappingNode, first_line: int, problems: _FileProblems, allowed: tuple[str, ...] = FIELDS
) -> dict[str, yaml.Node]:
    """The known fields' value nodes; unknown and repeated fields are reported."""
    fields: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        line = first_line + key_node.start_mark.line
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
        if key not in allowed:
            hint = _did_you_mean(key, allowed)
            problems.add(line, f"Unbekanntes Feld „{key}“.{hint} Erlaubt sind: {', '.join(allowed)}.")
        elif key in fields:
            first = first_line + fields[key].start_mark.line
            problems.add(line, f"Das Feld „{key}“ steht mehrfach im Front Matter (zuerst in Zeile {first}).")
        else:
            fields[key] = value_node
    return fields


def _text_field(fields: dict[str, yaml.Node], key: str, first_line: int, problems: _FileProblems) -> str | None:
    node = fields.get(key)
    if node is None:
        problems.add(first_line, f"Pflichtfeld „{key}“ fehlt.")
        return None
    line = first_line + node.start_mark.line
    try:
        value = _construct(node)
    except _BadTag as error:
        problems.add(line, f"Das Feld „{key}“: {error}")
        return None
    if not isinstance(value, str):
        problems.add(line, f"Das Feld „{key}“ muss ein Text sein, nicht {_type_de(value)}.")
        return None
    if not value.strip():
        problems.add(line, f"Das Feld „{key}“ ist leer.")
        return None
    return value.strip()


def _list_field(
    fields: dict[str, yaml.Node], key: str, first_line: int, problems: _FileProblems, *, required: bool
) -> list[tuple[int, str]]:
    """(line, text) for each entry of a list-of-texts field."""
    node = fields.get(key)
    if node is None:
        if required:
            problems.add(first_line, f"Pflichtfeld „{key}“ fehlt.")
        return []
    line = first_line + node.start_mark.line
    if not isinstance(node, yaml.SequenceNode):
        problems.add(line, f"Das Feld „{key}“ muss eine Liste sein (jeder Eintrag in einer Zeile mit „- “ davor).")
        return []
    entries: list[tuple[int, str]] = []
    for item in node.value:
        item_line = first_line + item.start_mark.line
        try:
            value = _construct(item)
        except _BadTag as error:
            problems.add(item_line, f"Ein Eintrag in „{key}“: {error}")
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key in ("keywords", "words"):
            value = str(item.value)  # a keyword like 993 is meant as text
        if not isinstance(value, str):
            problems.add(item_line, f"Ein Eintrag in „{key}“ muss ein Text sein, nicht {_type_de(value)}.")
        elif not value.strip():
            problems.add(item_line, f"Ein Eintrag in „{key}“ ist leer.")
        else:
            entries.append((item_line, value.strip()))
    if required and not entries and not node.value:
        problems.add(line, f"Das Feld „{key}“ ist leer: mindestens ein Eintrag ist nötig.")
    return entries


def _type_de(value: object) -> str:
    if value is None:
        return "leer"
    if isinstance(value, bool):
        return "ein Wahrheitswert"
    if isinstance(value, (int, float)):
        return "eine Zahl"
    if isinstance(value, list):
        return "eine Liste"
    if isinstance(value, dict):
        return "eine Zuordnung"
    if isinstance(value, (date, datetime)):
        return "ein Datum"
    if isinstance(value, bytes):
        return "Binärdaten"
    return "ein anderer Wert"


@dataclass(slots=True)
class _Parsed:
    """One file's article before the cross-file checks (duplicate ids, related)."""

    article: Article
    related_lines: dict[str, int]
    id_line: int


def _parse_file(path: Path, problems: _FileProblems) -> _Parsed | None:
    source = _read_text(path, problems)
    if source is None:
        return None
    lines = source.splitlines()
    if not lines or lines[0].strip() != "---":
        problems.add(
            1,
            "Front Matter fehlt: Die Datei muss mit einer Zeile „---“ beginnen, gefolgt von den Feldern und einer weiteren Zeile „---“.",
        )
        return None
    tokens = parser().parse(source)
    if not tokens or tokens[0].type != "front_matter":
        problems.add(1, "Front Matter ist nicht abgeschlossen: Die schließende Zeile „---“ fehlt.")
        return None
    front, body_tokens = tokens[0], tokens[1:]
    first_line = 2  # the line after the opening ---
    node = _compose(front.content, first_line, problems)
    if node is None:
        return None
    fields = _fields(node, first_line, problems)

    article_id = _text_field(fields, "id", first_line, problems)
    title = _text_field(fields, "title", first_line, problems)
    category = _text_field(fields, "category", first_line, problems)
    questions = _list_field(fields, "questions", first_line, problems, required=True)
    keywords = _list_field(fields, "keywords", first_line, problems, required=False)
    related = _list_field(fields, "related", first_line, problems, required=False)
    errors = _list_field(fields, "errors", first_line, problems, required=False)
    for line, text in errors:
        if len(text) < MIN_ERROR_TEXT:
            problems.add(
                line,
                f"Der Fehlertext „{text}“ ist zu kurz (mindestens {MIN_ERROR_TEXT} Zeichen, z. B. „5.2.2“): er passte auf zu viele Nachrichten.",
            )

    helper = None
    if "helper" in fields:
        helper_node = fields["helper"]
        helper_line = first_line + helper_node.start_mark.line
        try:
            value = _construct(helper_node)
        except _BadTag as error:
            problems.add(helper_line, f"Das Feld „helper“: {error}")
        else:
            if not isinstance(value, str):
                problems.add(helper_line, f"Das Feld „helper“ muss ein Text sein, nicht {_type_de(value)}.")
            elif value not in KNOWN_HELPERS:
                known = ", ".join(sorted(KNOWN_HELPERS))
                problems.add(
                    helper_line, f"Unbekannter Helfer „{value}“. Möglich sind: {known}.{_did_you_mean(value, KNOWN_HELPERS)}"
                )
            else:
                helper = value

    id_line = first_line + fields["id"].start_mark.line if "id" in fields else first_line
    if article_id is not None and article_id != path.stem:
        problems.add(
            id_line,
            f"Die id „{article_id}“ passt nicht zum Dateinamen: Die Datei muss „{article_id}.md“ heißen (oder die id „{path.stem}“ lauten).",
            fatal=False,  # still usable under its id; a second file with that id is then a duplicate
        )

    body_line = front.map[1] + 1 if front.map else first_line
    raw_body = "\n".join(lines[front.map[1] :]) if front.map else ""
    body = raw_body.strip()
    sections, section_problems = split_sections(raw_body, tokens, body_line)
    for section_problem in section_problems:
        problems.add(section_problem.line, section_problem.message)
    if not body:
        problems.add(body_line, "Der Artikeltext fehlt: Nach dem Front Matter muss der Inhalt des Artikels folgen.")

    if problems.fatal or article_id is None or title is None or category is None:
        return None
    article = Article(
        id=article_id,
        title=title,
        category=category,
        questions=tuple(text for _, text in questions),
        keywords=tuple(text for _, text in keywords),
        related=tuple(text for _, text in related),
        helper=helper,
        body=body,
        text=plain_text(body_tokens),
        sections=sections,
        errors=tuple(text for line, text in errors if len(text) >= MIN_ERROR_TEXT),
        path=path,
    )
    return _Parsed(article, {text: line for line, text in related}, id_line)


def load_articles(folder: Path | str) -> LoadResult:
    """Load and validate every ``*.md`` file in ``folder`` (not recursive)."""
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        problems.append(Problem(folder, 0, "Der Artikelordner existiert nicht oder ist kein Ordner."))
        return LoadResult((), tuple(problems))
    parsed: list[_Parsed] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.md")):
        file_problems = _FileProblems(path)
        result = _parse_file(path, file_problems)
        if result is not None:
            first = seen.get(result.article.id)
            if first is not None:
                file_problems.add(
                    result.id_line, f"Die id „{result.article.id}“ ist doppelt: Sie wird schon in {first} verwendet."
                )
                result = None
            else:
                seen[result.article.id] = path
                parsed.append(result)
        problems.extend(file_problems)

    articles: list[Article] = []
    for item in parsed:
        article = item.article
        assert article.path is not None  # _parse_file always sets it
        known_related = []
        for related_id, line in item.related_lines.items():
            if related_id in seen:
                known_related.append(related_id)
            else:
                hint = _did_you_mean(related_id, frozenset(seen))
                problems.append(
                    Problem(article.path, line, f"Unbekannter verwandter Artikel „{related_id}“ in related.{hint}", fatal=False)
                )
        if len(known_related) != len(article.related):
            article = replace(article, related=tuple(known_related))
        articles.append(article)
    if not parsed and not problems:
        problems.append(Problem(folder, 0, "Der Artikelordner enthält keine Artikel (*.md).", fatal=False))
    from faqbot.kb.topics import load_topics

    topics = load_topics(folder / TOPICS_FILE, problems)
    return LoadResult(tuple(articles), tuple(problems), topics)
