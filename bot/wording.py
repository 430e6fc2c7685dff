"""German wording shared by the command line and the app."""

HOTLINE = "0800 1003329"
EMPTY_QUESTION = "Bitte stellen Sie eine Frage – zum Beispiel „Mein Postfach ist voll“."
NO_ARTICLE = f"Dazu habe ich leider keinen passenden Artikel. Unser Support hilft Ihnen gern weiter: kostenlos unter {HOTLINE}."
DID_YOU_MEAN = "Meinten Sie …?"
