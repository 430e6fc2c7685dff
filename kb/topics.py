"""Read the out-of-scope topics (``out-of-scope.yaml`` beside the articles), validated like the articles.

The file maps a topic id to its title, the words customers use for it, and the
German reply that points on::

    ftp:
      title: FTP-Zugang und Webspace-Dateien
      words: [FTP, SFTP, FileZilla, FTP-Passwort]
      reply: "Fragen zum FTP-Zugang beantwortet unser Support …"

A missing file means no topics; a broken entry costs that entry only.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from faqbot.kb.article import Topic
from faqbot.kb.loader import Problem, _compose, _fields, _FileProblems, _list_field, _read_text, _text_field

TOPIC_FIELDS = ("title", "words", "reply", "questions")
_TOPIC_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


def load_topics(path: Path, problems: list[Problem]) -> tuple[Topic, ...]:
    if not path.exists():
        return ()
    file_problems = _FileProblems(path)
    topics = _parse(path, file_problems)
    problems.extend(file_problems)
    return topics


def _parse(path: Path, problems: _FileProblems) -> tuple[Topic, ...]:
    source = _read_text(path, problems)
    if source is None:
        return ()
    node = _compose(source, 1, problems)
    if node is None:
        return ()
    topics = []
    for key_node, value_node in node.value:
        line = 1 + key_node.start_mark.line
        topic_id = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
        if not _TOPIC_ID.fullmatch(topic_id):
            problems.add(line, f"Die Themen-id „{topic_id}“ ist ungültig: nur Kleinbuchstaben, Ziffern und „-“.")
            continue
        if not isinstance(value_node, yaml.MappingNode):
            problems.add(line, f"Das Thema „{topic_id}“ braucht die Felder {', '.join(TOPIC_FIELDS[:3])}.")
            continue
        entry_problems = _FileProblems(path)
        fields = _fields(value_node, 1, entry_problems, TOPIC_FIELDS)
        title = _text_field(fields, "title", 1, entry_problems)
        reply = _text_field(fields, "reply", 1, entry_problems)
        words = _list_field(fields, "words", 1, entry_problems, required=True)
        questions = _list_field(fields, "questions", 1, entry_problems, required=False)
        problems.extend(entry_problems)
        if entry_problems.fatal or title is None or reply is None:
            continue
        topics.append(Topic(topic_id, title, tuple(t for _, t in words), reply, tuple(t for _, t in questions)))
    return tuple(topics)
