"""Reply text ready to send: a template (data files the team edits) filled with the customer and the answer.

Templates are plain-text files with ``$placeholders`` (Python's string.Template):
``$anrede`` (greeting with the customer's name), ``$antwort`` (the chosen section
or article as plain text, placeholders of the FAQ filled in), ``$titel``,
``$link`` (the article's public address, when configured), ``$hotline`` and
``$signatur``. The shipped ones are in ``bot/data/templates``; ``faqbot agent
--templates DIR`` adds (or replaces, by file name) the team's own.

The agent's signature and the articles' public address come from
``agent.toml`` in the user config folder (``faqbot agent`` says where).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from faqbot.bot import wording
from faqbot.bot.support.context import CustomerContext
from faqbot.kb.article import Article
from faqbot.kb.markdown import parser, plain_text
from faqbot.kb.sections import Section

CONFIG_FILE = "agent.toml"
DEFAULT_SIGNATURE = "Ihr Plusnet-Support"
DEFAULT_TEMPLATE = "antwort"


@dataclass(frozen=True, slots=True)
class AgentConfig:
    signature: str = DEFAULT_SIGNATURE
    article_url: str = ""  # e.g. "https://hilfe.example.de/email/{id}#{anchor}"
    problem: str = ""  # why the config file could not be read, for a notice


@dataclass(frozen=True, slots=True)
class ReplyTemplate:
    name: str  # the file name without .md
    text: str


def config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("faqbot", appauthor=False)) / CONFIG_FILE


def load_config(path: Path | None = None) -> AgentConfig:
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AgentConfig()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return AgentConfig(problem=f"{path} kann nicht gelesen werden ({error}); es gilt die Standard-Signatur.")
    signature = data.get("signature", DEFAULT_SIGNATURE)
    url = data.get("article_url", "")
    if not isinstance(signature, str) or not isinstance(url, str):
        return AgentConfig(problem=f"{path}: „signature“ und „article_url“ müssen Texte sein; es gilt die Standard-Signatur.")
    return AgentConfig(signature=signature.strip(), article_url=url.strip())


def load_templates(folder: Path | None = None) -> tuple[list[ReplyTemplate], list[str]]:
    """The shipped templates, then the team's (same name replaces); and German problems with the folder."""
    templates: dict[str, ReplyTemplate] = {}
    for entry in sorted(resources.files("faqbot.bot").joinpath("data", "templates").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".md"):
            templates[entry.name[:-3]] = ReplyTemplate(entry.name[:-3], entry.read_text(encoding="utf-8"))
    problems: list[str] = []
    if folder is not None:
        if not folder.is_dir():
            problems.append(f"Der Vorlagen-Ordner {folder} existiert nicht.")
        else:
            for path in sorted(folder.glob("*.md")):
                try:
                    templates[path.stem] = ReplyTemplate(path.stem, path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError) as error:
                    problems.append(f"Die Vorlage {path} kann nicht gelesen werden ({error}).")
    ordered = sorted(templates.values(), key=lambda t: (t.name != DEFAULT_TEMPLATE, t.name))
    return ordered, problems


def answer_text(article: Article, section: Section | None, context: CustomerContext, *, markdown: bool = False) -> str:
    """The section (or the whole article), the customer's details filled in: plain text with blank lines kept, or Markdown."""
    source = section.markdown if section is not None else article.titled_markdown
    return context.fill(source if markdown else plain_text(parser().parse(source), blank_lines=True))


def article_link(article: Article, section: Section | None, config: AgentConfig) -> str:
    if not config.article_url:
        return ""
    return config.article_url.replace("{id}", article.id).replace("{anchor}", section.anchor if section else "")


def render(
    template: ReplyTemplate,
    article: Article,
    section: Section | None,
    context: CustomerContext,
    config: AgentConfig,
    *,
    markdown: bool = False,
) -> str:
    """The reply as plain text (or with the answer as Markdown). Unknown ``$words`` stay as written (safe_substitute)."""
    values = {
        "anrede": context.greeting,
        "antwort": answer_text(article, section, context, markdown=markdown),
        "titel": article.title,
        "link": article_link(article, section, config),
        "hotline": wording.HOTLINE,
        "signatur": config.signature,
    }
    return Template(template.text).safe_substitute(values).strip() + "\n"
