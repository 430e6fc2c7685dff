"""The text classifier: what it learns, how it is stored, and how the decision uses its verdict."""

from __future__ import annotations

from collections import Counter
from importlib.util import find_spec

import numpy as np
import pytest

from faqbot.kb.calibration import NO_FEATURES, UNFITTED, Calibration, load_calibration
from faqbot.kb.classifier import OUTSIDE, WORD_PREFIX, Classifier, grams
from faqbot.kb.fitting import fit_classifier  # imports scikit-learn only when it fits
from faqbot.kb.retriever import Hit, Ranking, choose

# Looked up, not imported: importing scikit-learn at collection costs every xdist worker ~1.7 s of CPU,
# also those that run none of these tests.
pytestmark = pytest.mark.skipif(find_spec("sklearn") is None, reason="fitting needs the fit extra")

EXAMPLES = [
    ("Mein Postfach ist voll", "postfach-voll"),
    ("Speicherplatz der Mailbox erschöpft", "postfach-voll"),
    ("Quota überschritten, keine Mails mehr", "postfach-voll"),
    ("Mailbox full 552 5.2.2", "postfach-voll"),
    ("Welcher Port für SMTP mit TLS", "tls-ports"),
    ("Zertifikat ungültig beim Abrufen", "tls-ports"),
    ("Servername und Verschlüsselung im Mailprogramm", "tls-ports"),
    ("IMAP Port 993 SSL", "tls-ports"),
    ("Wie lade ich Dateien per FTP hoch", OUTSIDE),
    ("MySQL-Datenbank anlegen", OUTSIDE),
    ("Rechnung für den Vertrag", OUTSIDE),
    ("Domain umziehen zu einem anderen Anbieter", OUTSIDE),
]


def fitted_on(examples: list[tuple[str, str]]) -> Classifier:
    fitted = fit_classifier(examples)
    assert fitted is not None
    return fitted


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return fitted_on(EXAMPLES)


def best(classifier: Classifier, text: str) -> str:
    return classifier.classes[int(classifier.probabilities(text).argmax())]


def test_learns_words_it_saw_in_other_forms(classifier):
    # Unseen wordings that share n-grams with the examples: typos, inflection, another compound.
    assert best(classifier, "postfah voll!!") == "postfach-voll"
    assert best(classifier, "smtp-ports für thunderbird") == "tls-ports"
    assert best(classifier, "dateien per ftp hochladen?") == OUTSIDE
    assert classifier.probabilities("irgendwas").sum() == pytest.approx(1.0)


def test_verdicts_for_known_and_unknown_articles(classifier):
    known, unknown = classifier.verdicts("Postfach voll", ["postfach-voll", "neu-hinzugekommen"])
    assert known.known and known.agrees == 1.0 and known.top > 0.5 and known.preference == known.top
    # An article added after fitting: the classifier still says "in scope", but never speaks for it in a choice.
    assert not unknown.known and unknown.preference == 0.0
    assert unknown.top == pytest.approx(1.0 - unknown.outside)


def reference_probabilities(classifier: Classifier, text: str) -> np.ndarray:
    """The model as written down: sublinear tf × idf over the text's known entries (first occurrence order), unit length."""
    counts = Counter(grams(text))
    known = [(classifier.terms.index(term), count) for term, count in counts.items() if term in classifier.terms]
    rows = np.array([row for row, _ in known], dtype=np.int64)
    values = (1.0 + np.log(np.array([count for _, count in known], dtype=np.float64))) * classifier.idf[rows]
    z = classifier.bias.astype(np.float64) + (values / np.linalg.norm(values)) @ classifier.weights[rows]
    exp = np.exp(z - z.max())
    return exp / exp.sum()


def test_probabilities_are_the_model_to_the_last_bit_also_from_remembered_words(classifier):
    # Repeated words and n-grams (counts above 1), umlauts, words the model has never seen; the second
    # round reads each word's entries from what the first remembered.
    texts = ["Postfach voll, POSTFACH übervoll: Postfach!", "Quota Quota Mailbox erschöpft", "smtp-ports für thunderbird"]
    for _ in range(2):
        for text in texts:
            assert np.array_equal(classifier.probabilities(text), reference_probabilities(classifier, text))


def test_saved_and_loaded_it_gives_the_same_probabilities(classifier, tmp_path):
    path = tmp_path / "c.npz"
    classifier.save(path)
    loaded = Classifier.load(path)
    assert loaded.classes == classifier.classes
    for text in ("Postfach voll", "ftp", "Port 587", ""):
        assert np.allclose(loaded.probabilities(text), classifier.probabilities(text), atol=1e-5)


def test_calibration_save_writes_the_classifier_beside_the_json(classifier, tmp_path):
    path = tmp_path / "calibration.json"
    Calibration(UNFITTED.answer_weights, UNFITTED.top3_weights, 0.5, 0.5, classifier=classifier).save(path)
    assert path.is_file() and path.with_suffix(".npz").is_file()
    assert '"classifier":' not in path.read_text(encoding="utf-8")  # the arrays are not in the JSON


def test_the_shipped_classifier_knows_every_shipped_article(index):
    classifier = load_calibration().classifier
    assert classifier is not None
    assert set(classifier.classes) == {article.id for article in index.articles} | {OUTSIDE}
    # … and remembers the labelled messages for the decision's neighbour features, every class among them.
    assert classifier.neighbours is not None
    assert all(count > 0 for count in np.diff(classifier.neighbours.label_starts))


def ranking(index, first: str, second: str, text: str) -> Ranking:
    hits = (Hit(index.by_id(first), 0.50), Hit(index.by_id(second), 0.45))
    return Ranking(hits, None, (NO_FEATURES, NO_FEATURES), (None, None), text)


def test_the_classifier_can_move_a_close_second_hit_to_the_front(index, classifier):
    with_classifier = Calibration(UNFITTED.answer_weights, UNFITTED.top3_weights, 1.0, 1.0, classifier=classifier)
    # The retriever puts tls-ports a little ahead; the classifier is sure the message is about a full mailbox.
    close = ranking(index, "tls-ports", "postfach-voll", "Quota voll, Mailbox erschöpft")
    assert choose(close, with_classifier).position == 1
    assert choose(close, UNFITTED).position == 0  # without a classifier the retriever's order stands
    # When the classifier agrees with the retriever, nothing moves.
    agreeing = ranking(index, "tls-ports", "postfach-voll", "SMTP Port TLS")
    assert choose(agreeing, with_classifier).position == 0


# Whole words count for the neighbours only when two texts share them (MIN_DOCUMENT_FREQUENCY): a vocabulary that repeats.
NEIGHBOUR_EXAMPLES = [
    ("Postfach voll, Quota erreicht", "postfach-voll"),
    ("Postfach voll und kein Speicher", "postfach-voll"),
    ("Quota Speicher erschöpft", "postfach-voll"),
    ("SMTP Port mit TLS", "tls-ports"),
    ("IMAP Port TLS Zertifikat", "tls-ports"),
    ("Zertifikat für SMTP", "tls-ports"),
    ("Rechnung zum Vertrag und Kündigung", OUTSIDE),
    ("Rechnung Vertrag Preis", OUTSIDE),
    ("FTP Passwort Preis", OUTSIDE),
    ("FTP Kündigung", OUTSIDE),
]


@pytest.fixture(scope="module")
def remembering() -> Classifier:
    return fitted_on(NEIGHBOUR_EXAMPLES)


def cosine_by_hand(classifier: Classifier, first: str, second: str) -> float:
    """Cosine of two texts' word parts, from the classifier's own tf-idf vectors."""

    terms = classifier.terms

    def words(text: str) -> dict[int, float]:
        rows, values = classifier.vector(text)
        return {int(row): float(value) for row, value in zip(rows, values, strict=True) if terms[row].startswith(WORD_PREFIX)}

    a, b = words(first), words(second)
    dot = sum(value * b.get(row, 0.0) for row, value in a.items())
    norm = np.sqrt(sum(v * v for v in a.values())) * np.sqrt(sum(v * v for v in b.values()))
    return float(dot / norm) if norm else 0.0


def test_neighbours_are_the_closest_labelled_messages_by_their_words(remembering):
    neighbours = remembering.neighbours
    assert neighbours is not None and neighbours.size == len(NEIGHBOUR_EXAMPLES)
    text = "Mein Postfach ist voll, Quota überschritten"
    similarities = neighbours.similarities(*remembering.vector(text))
    # Stored grouped by label, in the examples' order within a label (kb/neighbours.py).
    order = sorted(range(len(NEIGHBOUR_EXAMPLES)), key=lambda i: remembering.classes.index(NEIGHBOUR_EXAMPLES[i][1]))
    expected = [cosine_by_hand(remembering, text, NEIGHBOUR_EXAMPLES[i][0]) for i in order]
    assert max(expected) > 0.5
    assert np.allclose(similarities, expected, atol=1e-5)
    label = remembering.classes.index("postfach-voll")
    by_label = [value for value, i in zip(expected, order, strict=True) if NEIGHBOUR_EXAMPLES[i][1] == "postfach-voll"]
    assert neighbours.nearest(similarities, label) == pytest.approx(np.mean(sorted(by_label)[-2:]), abs=1e-5)
    # A message without any word the examples share has no neighbours at all.
    assert not neighbours.similarities(*remembering.vector("xyzzy")).any()


def test_verdicts_say_how_close_the_article_and_the_out_of_scope_messages_come(remembering):
    (inside,) = remembering.verdicts("Postfach voll, Quota", ["postfach-voll"])
    assert inside.neighbour_article > 0.5 and inside.neighbour_outside == 0.0
    # Words of the out-of-scope examples only: close to them, far from the article's.
    (outside,) = remembering.verdicts("Wo ist die Rechnung zum Vertrag?", ["postfach-voll"])
    assert outside.neighbour_outside > 0.5 and outside.neighbour_article == 0.0


def test_saved_and_loaded_it_keeps_its_neighbours(remembering, tmp_path):
    path = tmp_path / "c.npz"
    remembering.save(path)
    loaded = Classifier.load(path)
    for text in ("Postfach voll", "Rechnung Vertrag", "Port TLS"):
        before = [v.vector() for v in remembering.verdicts(text, ["postfach-voll", "tls-ports"])]
        after = [v.vector() for v in loaded.verdicts(text, ["postfach-voll", "tls-ports"])]
        assert np.allclose(after, before, atol=1e-5)
        assert any(vector[4] or vector[5] for vector in after)  # the neighbours came along


def test_the_calibration_is_read_once_until_its_files_change(tmp_path):
    """Every index of a process shares the shipped calibration; ``eval --fit`` rewriting it is read again."""
    import json
    import shutil
    from importlib import resources

    from faqbot.kb.calibration import CALIBRATION_FILE, CLASSIFIER_FILE, _read_calibration, _stamp

    assert load_calibration() is load_calibration()
    shipped = resources.files("faqbot.kb").joinpath("data")
    weights, arrays = tmp_path / CALIBRATION_FILE, tmp_path / CLASSIFIER_FILE
    with resources.as_file(shipped) as folder:
        shutil.copy(folder / CALIBRATION_FILE, weights)
        shutil.copy(folder / CLASSIFIER_FILE, arrays)
    first = _read_calibration(weights, arrays, _stamp(weights), _stamp(arrays))
    assert _read_calibration(weights, arrays, _stamp(weights), _stamp(arrays)) is first
    data = json.loads(weights.read_text(encoding="utf-8"))
    weights.write_text(json.dumps(data | {"answer_threshold": 0.123456}), encoding="utf-8")
    again = _read_calibration(weights, arrays, _stamp(weights), _stamp(arrays))
    assert again.answer_threshold == 0.123456 and first.answer_threshold != 0.123456
