"""Remove personal data from a question before anything is stored.

E-mail addresses, phone numbers, IP addresses, IBANs and whatever follows a
word like "Passwort" become placeholders. Domain names stay: they matter for
SPF and server questions and name no person.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

EMAIL = "<E-MAIL>"
PHONE = "<TELEFON>"
IP = "<IP>"
IBAN = "<IBAN>"
PASSWORD = "<PASSWORT>"

# The lookbehinds start a match only where a word starts: same matches, but linear time on a long word.
_EMAIL = re.compile(r"(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*", re.UNICODE)
# Written so that robots miss it: "max (at) example.de", "max [at] example [dot] de", "max @ example.de".
_AT = r"(?:\s*(?:\(at\)|\[at\]|\{at\}|<at>|\(ät\)|\[ät\])\s*|\s+(?:at|@)\s+)"
_DOT = r"(?:\.|\s*(?:\(dot\)|\[dot\]|\(punkt\)|\[punkt\])\s*)"
_OBFUSCATED_EMAIL = re.compile(rf"(?<![\w.+-])[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)+", re.IGNORECASE)
# Country, check digits, then groups of four (spaces allowed between groups), the last one shorter.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
_IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9a-f]*:[0-9a-f:.]*:[0-9a-f:.]*(?:%[\w.]+)?(?![\w:])", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?!\d|\.\d)")
# A phone number: optional +/00, then digits with spaces, slashes, dashes or brackets; 6+ digits in all.
_PHONE = re.compile(r"(?<![\w.])(?:\+|00)?\(?\d[\d ()/\-]{4,}\d(?!\w|\.\d)")
# Dotted, as in "030.123.4567": starts with 0 or +, and is not a date like 01.12.2026.
_DOTTED_PHONE = re.compile(r"(?<![\w.])(?:\+\d{1,3}|0\d*)(?:\.\d+)+(?!\w|\.\d)")
_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.(?:\d{2}|\d{4})")
# A word that announces a password: "Passwort" and every compound ending in it or in -kennwort/-pw
# ("Postfachpasswort", "Mail-PW"), its inflections ("Passwörter", "Passworts"), "Paßwort", "Pass", "PIN".
_SECRET_WORD = re.compile(
    r"[\w-]*(?:pa(?:ss|ß)w[oö]r[td](?:e?s|er|ern)?|kennw[oö]rt(?:e?s|er|ern)?|pw|pwd|passwd|passwords?)|pass|pins?|zugangscode",
    re.IGNORECASE,
)
# Words after which the rest of the text is the secret: "Passwort: …", "Passwort ist …", "mein altes war …".
_INTRODUCERS = frozenset({":", "=", "ist", "war", "wäre", "lautet", "lautete", "heißt", "heisst", "hieß", "hiess", "is", "was"})
_POSSESSIVES = frozenset(
    {"mein", "meine", "dein", "ihr", "unser", "das", "the", "my", "neues", "altes", "richtiges", "aktuelles"}
)
# Words that follow "Passwort" in ordinary questions ("Passwort vergessen", "Passwort für Outlook").
# Any other word right after it is taken for the password: when unsure, redact.
_HARMLESS = frozenset(
    """ändern ändere geändert änderung vergessen zurücksetzen zurückgesetzt zurück reset geht ging gehen funktioniert
    klappt falsch richtig nicht kein keine wird wurde werden neu neues eingeben eingegeben speichern gespeichert abgelaufen
    akzeptiert abgelehnt sicher sicherheit anforderungen regeln länge lang kurz stark schwach vergeben festlegen setzen
    erstellen einrichten wiederherstellen herausfinden finden sehen anzeigen kennen weiß weiss bitte hilfe problem probleme
    fehler kaputt gesperrt sperre für fuer vom von des der die das den dem im in bei beim und oder mit ohne auf an zu zum
    zur wie wo was wer warum wieso weshalb wann ob per über ueber ein eine einen einer mein meine meines meinen meiner dein
    ihr ihre ihres unser hier da jetzt immer noch schon mehr nie mal auch aber denn doch so sehr ich er sie es wir man
    for forgot change changed wrong the my of to e-mail e-mails email mail mails imap smtp pop3 pop ssl tls starttls
    outlook thunderbird webmail webmailer iphone ipad android apple windows mac macos
    """.split()
)
_QUOTES = "\"'„“”‚‘’«»‹›"
_STRIP = ".,;!?()[]{}"
_TOKEN = re.compile(r"[:=]|[^\s:=]+")
_NOT_A_SECRET_BEFORE = _HARMLESS | {"dies", "dieses", "welches", "that", "this", "it", "what"}


def _core(token: str) -> str:
    """The word itself: no surrounding punctuation, no "'s" ("geht's"), case folded."""
    return re.sub(r"['’]s$", "", token.strip(_STRIP)).casefold()


def _looks_secret(token: str) -> bool:
    """A word that is probably a password, not an ordinary word: digits, symbols or mixed case."""
    if _core(token) in _HARMLESS:
        return False
    if re.search(r"\d|[^\w\s.,!?;:()'’-]", token):
        return True
    # Mixed case inside one part ("gEhEiM"); "E-Mail-Postfach" is capitalised part by part.
    return any(part not in (part.lower(), part.capitalize()) for part in re.findall(r"\w+", token))


def _quote_end(text: str, start: int) -> int:
    """End of the quoted string opening at ``start``: after the closing quote that ends a word, or the end of the text."""
    for position in range(start + 1, len(text)):
        if text[position] in _QUOTES and (position + 1 == len(text) or not text[position + 1].isalnum()):
            return position + 1
    return len(text)  # never closed: all of it may be the secret


def _quote_start(text: str, end: int) -> int | None:
    """Start of a quoted string that closes just before ``end`` (for "„Geheim 123“ ist mein Passwort")."""
    for position in range(end - 2, -1, -1):
        if text[position] in _QUOTES and (position == 0 or not text[position - 1].isalnum()):
            return position
    return None


def _secret_before(text: str, tokens: list[re.Match], index: int) -> tuple[int, int] | None:
    """The span of X in "X ist mein Passwort" / "X war das Kennwort", if the keyword at ``index`` ends such a phrase."""
    j = index - 1
    while j >= 0 and _core(tokens[j].group()) in _POSSESSIVES:
        j -= 1
    if j < 1 or _core(tokens[j].group()) not in _INTRODUCERS - {":", "="}:  # "Hilfe: Passwort …" names no secret
        return None
    secret = tokens[j - 1]
    if secret.group()[-1:] in _QUOTES:
        start = _quote_start(text, secret.end())
        if start is not None:
            return start, secret.end()
    if _core(secret.group()) in _NOT_A_SECRET_BEFORE:
        return None
    return secret.span()


def _secret_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    tokens = list(_TOKEN.finditer(text))
    after_keyword = first = False
    resume = 0  # tokens inside a quoted string already redacted are skipped
    for index, token in enumerate(tokens):
        word = token.group()
        if token.start() < resume:
            continue
        if _SECRET_WORD.fullmatch(word.strip(_STRIP)):
            before = _secret_before(text, tokens, index)
            if before:
                spans.append(before)
            after_keyword = first = True
            continue
        if not after_keyword:
            continue
        if word[0] in _QUOTES:
            resume = _quote_end(text, token.start())
            spans.append((token.start(), resume))
            first = False
        elif word in (":", "=") or _core(word) in _INTRODUCERS:
            rest = len(text) - len(text[token.end() :].lstrip())
            if rest < len(text):
                spans.append((rest, len(text)))
            break
        elif first:
            first = False
            if _core(word) not in _HARMLESS:
                spans.append(token.span())
        elif _looks_secret(word):
            spans.append(token.span())
    return spans


def _redact_secrets(text: str) -> str:
    spans = sorted(_secret_spans(text))
    out: list[str] = []
    position = 0
    for start, end in spans:
        if end <= position:
            continue
        start = max(start, position)
        out.append(text[position:start] + PASSWORD)
        position = end
    out.append(text[position:])
    return "".join(out)


def _replace_ipv6(match: re.Match) -> str:
    text = match.group(0)
    core = text.rstrip(".")  # a full stop after the address ends the sentence
    try:
        ipaddress.IPv6Address(core.split("%")[0])
    except ValueError:
        return text
    return IP + text[len(core) :]


def _replace_ipv4(match: re.Match) -> str:
    address = match.group(0).split("/")[0]
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        return match.group(0)
    return IP


def _replace_phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return PHONE if len(digits) >= 6 and not _DATE.fullmatch(match.group(0)) else match.group(0)


def redact(text: str) -> str:
    # NFKC first: full-width "Ｐａｓｓｗｏｒｔ" or "＠" must meet the same patterns as their plain forms.
    text = unicodedata.normalize("NFKC", text)
    text = _redact_secrets(text)
    text = _OBFUSCATED_EMAIL.sub(EMAIL, text)
    text = _EMAIL.sub(EMAIL, text)
    text = _IBAN.sub(IBAN, text)
    text = _IPV6_CANDIDATE.sub(_replace_ipv6, text)
    text = _IPV4.sub(_replace_ipv4, text)
    text = _DOTTED_PHONE.sub(_replace_phone, text)
    return _PHONE.sub(_replace_phone, text)
