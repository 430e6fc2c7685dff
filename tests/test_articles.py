"""The shipped knowledge base: complete, clean and faithful to the source FAQ."""

from __future__ import annotations

import re
from itertools import combinations

from rapidfuzz import fuzz

from faqbot.kb.text import fold

EXPECTED_IDS = {
    "webmail-html-editor",
    "newsletter-versand",
    "exchange-pop3-connector",
    "winmail-dat",
    "email-passwort-aendern",
    "passwort-sicherheit",
    "webmail-zugang",
    "postfach-voll",
    "tls-ports",
    "spf-eintrag",
}


def by_id(shipped):
    return {article.id: article for article in shipped.articles}


def test_shipped_articles_load_without_problems(shipped):
    assert [str(problem) for problem in shipped.problems] == []
    assert set(by_id(shipped)) == EXPECTED_IDS


def test_every_article_is_complete(shipped):
    ids = set(by_id(shipped))
    for article in shipped.articles:
        assert article.path.name == f"{article.id}.md"
        assert article.title and article.category and article.body and article.text
        assert len(article.questions) >= 8, article.id
        assert len(set(article.questions)) == len(article.questions), article.id
        assert article.keywords, article.id
        assert set(article.related) <= ids - {article.id}


def test_questions_are_genuinely_different(shipped):
    for article in shipped.articles:
        folded = [" ".join(sorted(fold(q).split())) for q in article.questions]
        for first, second in combinations(folded, 2):
            assert fuzz.ratio(first, second) < 85, (article.id, first, second)


def test_some_questions_are_english(shipped):
    for article in shipped.articles:
        english = r"\b(how|what|my|which|can|is|do|the|invalid|password|mailbox|requirements)\b"
        assert any(re.search(english, q, re.I) and q.isascii() for q in article.questions), article.id


def test_helpers(shipped):
    articles = by_id(shipped)
    assert articles["spf-eintrag"].helper == "spf"
    assert articles["tls-ports"].helper == "ports"
    assert {a.id for a in shipped.articles if a.helper} == {"spf-eintrag", "tls-ports"}


def test_no_scraping_debris(shipped):
    debris = re.compile(r"Spambots|JavaScript eingeschaltet|\bwebm_\d|\bmail[12]\b|\bwm_\w+|webmail_pf_voll|winmailopener")
    for article in shipped.articles:
        assert not debris.search(article.body), article.id
    for typo in ("sellt", "Notbook", "aktzeptiert"):
        assert all(typo not in article.body for article in shipped.articles)


def test_facts_survive_character_for_character(shipped):
    articles = by_id(shipped)
    must_contain = {
        "exchange-pop3-connector": [
            "Return-Path: <MAILER-DAEMON>",
            'Set-ReceiveConnector "SERVERNAME\\Windows SBS Fax Sharepoint Receive SERVERNAME" -defaultdomain:"externe-firmen-domain.de"',
            'set-receiveconnector -id "SERVERNAME\\Windows SBS Fax Sharepoint Receive SERVERNAME" -defaultdomain:"Externe Windows SBS-Domäne"',
            "Die akzeptierte Domäne ´eingegebene-domain.de´ wurde nicht gefunden.",
            "Inhaltsfilter",
        ],
        "spf-eintrag": ["v=spf1 a include:_spf.broadspeed.de -all", "https://www.spf-record.de/", "Copy&Paste"],
        "postfach-voll": [
            "„Einstellungen“",
            "„Server-Einstellungen“",
            "„Wenn verschieben in den Papierkorb fehlschlägt, Nachricht löschen“",
            "unwiederbringlich gelöscht",
        ],
        "tls-ports": [
            "mail.s0xx.wsp.plusnet.de",
            "0800 1003329",
            "TLS ab Version 1.2",
            "995",
            "993",
            "25, 587 oder 465",
            "mail.IhreDomain.tld",
            "alle 12 Monate",
        ],
        "webmail-zugang": ["webmail.s0xx.wsp.plusnet.de", "webmail.Ihre-Domain.tld", "vollständigen E-Mail-Adresse"],
        "winmail-dat": [
            "http://support.microsoft.com/kb/958012/de",
            "http://www.eolsoft.com/freeware/winmail_opener/",
            "http://www.winmaildat.com/",
        ],
        "passwort-sicherheit": ["8 oder mehr Zeichen", "https://www.bsi-fuer-buerger.de"],
        "webmail-html-editor": ["LiteCube", "Classic"],
        "newsletter-versand": ["Email-Security Outbound", "mehrere hundert Empfänger", "From, ReplyTo und Return-Path"],
        "email-passwort-aendern": ["Passwortgenerator", "OK"],
    }
    for article_id, snippets in must_contain.items():
        for snippet in snippets:
            assert snippet in articles[article_id].body, (article_id, snippet)


def test_body_structure(shipped):
    articles = by_id(shipped)
    assert "| POP3s | 995 |" in articles["tls-ports"].body  # the ports as a table
    assert "```powershell" in articles["exchange-pop3-connector"].body
    assert "```dns" in articles["spf-eintrag"].body
    assert re.search(r"^1\. ", articles["email-passwort-aendern"].body, re.M)  # numbered steps
