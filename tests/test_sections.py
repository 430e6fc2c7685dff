"""Sections: an article split at its ## headings, the section that answers, and what authors can add."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from rapidfuzz import fuzz, process

from conftest import DATA, VALID_FRONT
from faqbot.bot.cli.main import main
from faqbot.kb.evaluation import evaluate, read_cases
from faqbot.kb.loader import load_articles
from faqbot.kb.sections import anchor_for

SECTIONED = VALID_FRONT.replace(
    "# Überschrift\n\nText des Artikels.\n",
    "# Überschrift\n\nEinleitung.\n\n## Erster Teil\n<!-- Fragen: Wie geht das erste? | first part -->\n\nText eins.\n\n"
    "| Protokoll | Port |\n| --- | --- |\n| IMAPs | 993 |\n\n```text\n## kein Abschnitt\n```\n\n## Zweiter Teil: Ä & Ö\n\nText zwei.\n",
)


def test_article_is_split_at_its_level_two_headings(write_article):
    (article,) = load_articles(write_article("a.md", SECTIONED.format(id="a"))).articles
    intro, first, second = article.sections
    assert (intro.heading, intro.anchor, intro.text) == ("", "", "Einleitung.")
    assert first.heading == "Erster Teil" and first.anchor == "erster-teil"
    assert first.questions == ("Wie geht das erste?", "first part")
    assert "IMAPs | 993" in first.text and "## kein Abschnitt" in first.text  # table cells and code stay in their section
    assert second.anchor == "zweiter-teil-ae-oe" and second.markdown.startswith("## Zweiter Teil")
    assert first.line == 16  # the heading's line in the file, for kb check


def test_an_article_without_headings_is_one_section(write_article):
    (article,) = load_articles(write_article("a.md", VALID_FRONT.format(id="a"))).articles
    assert [(s.heading, s.text) for s in article.sections] == [("", "Text des Artikels.")]


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("<!-- Fragen: -->", "enthält keine Frage"),
        ("<!-- Fragen: eins || zwei -->", "ist leer"),
        ("<!-- Fargen: eins -->", "Unbekannte Markierung"),
    ],
)
def test_section_markers_are_validated(write_article, marker, message):
    text = SECTIONED.replace("<!-- Fragen: Wie geht das erste? | first part -->", marker).format(id="a")
    problems = [str(p) for p in load_articles(write_article("a.md", text)).problems]
    assert any(":17: " in p and message in p for p in problems), problems


def test_two_sections_with_the_same_heading_are_reported(write_article):
    text = SECTIONED.replace("## Zweiter Teil: Ä & Ö", "## Erster Teil").format(id="a")
    problems = [str(p) for p in load_articles(write_article("a.md", text)).problems]
    assert any("heißt wie der in Zeile 16" in p for p in problems), problems


def test_anchor_is_ascii():
    assert anchor_for("Zertifikatsfehler mit mail.IhreDomain.tld") == "zertifikatsfehler-mit-mail-ihredomain-tld"
    assert anchor_for("Was Outlook®-Anwender tun können") == "was-outlook-anwender-tun-koennen"


@pytest.mark.parametrize(
    ("question", "article", "anchor"),
    [
        (
            "mein outlook sagt das zertifikat ist ungültig wenn ich mails abrufe",
            "tls-ports",
            "zertifikatsfehler-mit-mail-ihredomain-tld",
        ),
        ("Wie komme ich mit dem Handy in den Webmailer?", "webmail-zugang", "auf-verschiedenen-endgeraeten"),
        ("Mein Postfach ist voll", "postfach-voll", None),  # a general question: the whole article
    ],
)
def test_the_answer_names_its_section(index, question, article, anchor):
    result = index.ask(question)
    assert result.answer is not None and result.answer.article.id == article
    assert (result.section.anchor if result.section else None) == anchor


def test_ask_prints_the_section_first_and_the_whole_article_on_request(capsys):
    question = "mein outlook sagt das zertifikat ist ungültig wenn ich mails abrufe"
    assert main(["ask", question]) == 0
    out = capsys.readouterr().out
    assert "Zertifikatsfehler mit mail.IhreDomain.tld" in out and "Weitere Abschnitte: Servername" in out
    assert "POP3s" not in out  # the port table belongs to another section
    assert main(["ask", "--full", question]) == 0
    assert "POP3s" in capsys.readouterr().out
    assert main(["ask", "--json", question]) == 0
    section = json.loads(capsys.readouterr().out)["section"]
    assert section == {
        "heading": "Zertifikatsfehler mit mail.IhreDomain.tld",
        "anchor": "zertifikatsfehler-mit-mail-ihredomain-tld",
    }


def test_the_labelled_file_covers_every_sectioned_article(shipped):
    cases = read_cases(DATA / "sections.tsv")
    assert len(cases) >= 150 and all(case.section is not None for case in cases)
    per_article = Counter(article_id for case in cases for article_id in case.expected)
    sectioned = [article for article in shipped.articles if len(article.sections) > 1]
    assert sectioned and all(per_article[article.id] >= 10 for article in sectioned), per_article
    anchors = {(article.id, section.anchor) for article in shipped.articles for section in article.sections}
    # an empty anchor (the whole article) is always valid; any other must name a section of that article
    assert all(not case.section or (article_id, case.section) in anchors for case in cases for article_id in case.expected)


def test_section_figures_on_the_labelled_file(index):
    report = evaluate(index, read_cases(DATA / "sections.tsv"))
    right, judged = report.section_accuracy
    assert judged >= 150
    # measured 90.7 % (175 of 193); the last 80 lines, held out while tuning, scored 80.5 % then (README: "Sections")
    assert right / judged >= 0.9


def test_the_section_of_an_article_picked_from_a_list(index):
    article = index.by_id("tls-ports")
    assert index.section_for(article, "zertifikat fehler outlook").anchor == "zertifikatsfehler-mit-mail-ihredomain-tld"
    assert index.section_for(article, "port smtp").anchor == "verschluesselung-und-ports"
    assert index.section_for(article, "") is None


def test_section_questions_are_not_copied_from_the_labelled_files(shipped):
    """The authors' section questions (and the introduction's) must not be near-copies of a labelled question."""
    questions = [question for article in shipped.articles for section in article.sections for question in section.questions]
    assert len(questions) >= 100
    copied = []
    for name in ("sections.tsv", "corpus.tsv", "unseen.tsv", "questions.tsv"):
        for case in read_cases(DATA / name):
            match = process.extractOne(case.question, questions, scorer=fuzz.ratio, score_cutoff=90)
            if match is not None:
                copied.append((name, case.line, case.question, match[0]))
    assert not copied, copied
