"""Question understanding: greetings and signatures set aside, error texts as evidence, topics the FAQ does not cover."""

from __future__ import annotations

import pytest

from faqbot.kb.article import Article
from faqbot.kb.evidence import ErrorPatterns
from faqbot.kb.message import read_message


@pytest.mark.parametrize(
    ("message", "core"),
    [
        ("Grüezi, wie lautet die Webmail-Adresse?", "wie lautet die Webmail-Adresse?"),
        ("Hallo mein Postfach ist voll", "mein Postfach ist voll"),
        (
            "Sehr geehrte Damen und Herren,\nmein Postfach ist voll.\nMit freundlichen Grüßen\nErika Huber\nTel. 0171 1234567",
            "mein Postfach ist voll.",
        ),
        ("Servus!\nWie setze ich SPF?\nLG Sepp", "Wie setze ich SPF?"),
        ("Dear support team,\nmy mailbox is full.\nBest regards,\nJohn", "my mailbox is full."),
    ],
)
def test_greeting_and_signature_are_set_aside(message, core):
    assert read_message(message).core == core


def test_greeting_alone_stays_for_small_talk():
    assert read_message("Hallo").core == "Hallo"


def test_a_long_message_is_cut_into_passages():
    message = read_message(
        "Guten Tag,\nseit gestern kann ich keine Mails mehr empfangen. Mein Neffe hat das eingerichtet. "
        "Outlook sagt, das Postfach sei voll.\nViele Grüße"
    )
    assert message.passages == (
        "seit gestern kann ich keine Mails mehr empfangen.",
        "Mein Neffe hat das eingerichtet.",
        "Outlook sagt, das Postfach sei voll.",
    )
    assert read_message("Postfach voll").passages == ()


def _article(article_id: str, errors: tuple[str, ...]) -> Article:
    return Article(article_id, "T", "C", ("q",), (), (), None, "# T", "T", errors)


def test_error_texts_match_as_whole_tokens_in_any_case():
    patterns = ErrorPatterns([_article("voll", ("552 5.2.2", "OVERQUOTA")), _article("spf", ("5.7.23",))])
    assert patterns.matches("Remote server returned '552  5.2.2 mailbox full'") == {0}
    assert patterns.matches("* NO [overquota] Quota exceeded") == {0}
    assert patterns.matches("550 5.7.23 SPF validation failed") == {1}
    assert patterns.matches("status 5.7.230") == set()  # a longer code is another code
    assert patterns.matches("Postfach voll") == set()


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Remote Server returned '550 5.7.23 The message was rejected because of Sender Policy Framework violation'",
            "spf-eintrag",
        ),
        ("Delivery has failed: 552 5.2.2 <info@example.de>: user is over quota", "postfach-voll"),
        ("Anhang heißt nur winmail.dat, Content-Type: application/ms-tnef", "winmail-dat"),
    ],
)
def test_pasted_errors_answer_with_their_article(index, message, expected):
    result = index.ask(message)
    assert result.status == "answer"
    assert result.answer.article.id == expected


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Wie ändere ich das Passwort für meinen FTP-Zugang?", "ftp"),
        ("MySQL Datenbank Passwort vergessen", "datenbank"),
        ("Ich brauche mehr Webspace für meine Homepage", "webspace"),
        ("Wo finde ich meine letzte Rechnung?", "rechnung"),
        ("DKIM und DMARC einrichten", "dkim-dmarc"),
    ],
)
def test_topics_the_faq_does_not_cover_are_named_not_answered(index, question, topic):
    result = index.ask(question)
    assert result.status == "none"
    assert result.topic is not None and result.topic.id == topic


@pytest.mark.parametrize("question", ["Postfach", "postfahc vol was tun", "Mailbox"])
def test_a_topic_wins_only_by_words_of_its_own(index, question):
    """„Postfach“ is in the topic about new mailboxes as much as in the full-mailbox article: no topic reply
    (which would tell the customer how to create mailboxes); the articles' hints or answer instead."""
    result = index.ask(question)
    assert result.topic is None
    assert "postfach-voll" in [hit.article.id for hit in (result.answer, *result.suggestions) if hit is not None]
    assert index.ask(f"{question} neu anlegen").topic.id == "postfach-anlegen"  # its own word: "anlegen"


def test_the_chat_words_a_topic_reply_with_the_hotline(index):
    from faqbot.bot.dialog import Dialog

    reply = Dialog(index).reply("Wie lade ich Dateien per FTP auf meinen Webspace?")
    assert reply.kind == "none" and reply.topic == "ftp"
    assert "FTP" in reply.text and "0800 1003329" in reply.text


def test_two_articles_the_retriever_cannot_tell_apart_are_offered_not_picked(index):
    """„Passwort“ is a keyword of both password articles (equal scores): the classifier alone would pick one,
    so the reply offers both instead of answering with a guess."""
    result = index.ask("Passwort")
    assert result.status == "suggest"
    assert {"email-passwort-aendern", "passwort-sicherheit"} <= {hit.article.id for hit in result.suggestions}


def test_a_decision_all_but_certain_of_its_article_overrules_a_topic(index):
    """„Kundenmenü“ is the customer-menu topic's own word, yet the question is where the mailbox password is
    changed, which the password article answers: the decision is all but certain, so it answers."""
    question = "Wo im Kundenmenü ändere ich das Kennwort für info@meinefirma.de?"
    assert index.rank(question).topic.id == "kundenmenue"
    result = index.ask(question)
    assert result.status == "answer" and result.answer.article.id == "email-passwort-aendern"
    assert result.topic is None
    assert index.ask("Wie ändere ich das Passwort für meinen FTP-Zugang?").topic.id == "ftp"  # unsure: the topic


@pytest.mark.parametrize(
    ("message", "verdict"),
    [
        ("Ja", True),
        ("ja!", True),
        ("Ja, hat geholfen", True),
        ("Nein.", False),
        ("nö", False),
        ("hat leider nicht geholfen", False),
        ("Jain", None),  # neither: a message like any other
        ("Danke", None),  # thanks is small talk, not a verdict on the answer
        ("Nein, mein Postfach ist immer noch voll und Outlook meldet weiter Fehler", None),  # a question
    ],
)
def test_a_typed_ja_or_nein_is_read_as_feedback_only_when_it_is_one(message, verdict):
    from faqbot.bot.dialog import feedback_verdict

    assert feedback_verdict(message) is verdict
