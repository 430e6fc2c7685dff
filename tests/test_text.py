"""The normaliser: the same steps for articles and questions."""

from __future__ import annotations

from faqbot.kb.text import CompoundSplitter, Normaliser, fold, words


def test_fold_is_one_way():
    assert fold("Größe ÄÖÜ straße") == "groesse aeoeue strasse"
    assert fold("oeffnen") == fold("öffnen") == "oeffnen"
    assert fold("Café") == "cafe"


def test_words_split_on_punctuation_but_keep_e_mail():
    assert words("E-Mail-Passwort: ändern!") == ["email", "passwort", "aendern"]
    assert words("winmail.dat") == ["winmail", "dat"]


def test_stop_words_are_dropped():
    assert words("Wie kann ich mein Passwort ändern?") == ["passwort", "aendern"]
    assert words("how do I set up SPF") == ["spf"]


def test_compounds_split_against_the_vocabulary():
    splitter = CompoundSplitter(["postfach", "passwort", "newsletter", "versand", "zertifikat", "fehlermeldung"])
    assert splitter.split("postfachpasswort") == ("postfach", "passwort")
    assert splitter.split("newsletterversand") == ("newsletter", "versand")
    # the linking -s is stripped
    assert splitter.split("zertifikatsfehlermeldung") == ("zertifikat", "fehlermeldung")
    # no split where the vocabulary does not know the parts
    assert splitter.split("weiterleitung") == ("weiterleitung",)


def test_question_terms_for_compound_match_the_articles_parts():
    normaliser = Normaliser(["postfach", "passwort", "zuruecksetzen"])
    terms = normaliser.terms("Postfachpasswort zurücksetzen")
    assert terms[:2] == normaliser.terms("Postfach Passwort")


def test_synonyms_map_to_one_term():
    normaliser = Normaliser()
    assert normaliser.terms("Kennwort") == normaliser.terms("Passwort") == normaliser.terms("password")
    assert normaliser.terms("E-Mails") == normaliser.terms("Mail")


def test_documents_keep_whole_compounds_and_parts():
    normaliser = Normaliser(["newsletter", "versand", "newsletterversand"])
    assert set(normaliser.terms("Newsletterversand", document=True)) == set(
        normaliser.terms("Newsletter Versand") + normaliser.terms("Newsletterversand")
    )
