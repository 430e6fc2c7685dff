"""Find the article for a free-text question, and say honestly when there is none.

Scoring, for each article d and the question's terms q:

* **Field-weighted BM25 coverage.** Each article is one bag of terms with
  fields weighted (title, questions, keywords above body). For every question
  term the article's saturated term weight ``tf/(tf+k1)`` is multiplied by the
  term's idf; the sum is divided by the sum of the question terms' idf. The
  result is in 0..1: the share of the question's information that the article
  explains. Terms the knowledge base has never seen count with the highest idf,
  so "Wie wird das Wetter morgen?" explains almost nothing anywhere.
* **Typo tolerance.** A term that is not in the vocabulary is matched against
  it with rapidfuzz (OSA distance, cutoff scaled to the term's length) and
  counts with a discount for each edit.
* **Question similarity.** The best idf-weighted Dice overlap between the
  question and one of the article's own ``questions``.

The final score is a weighted mean of the two, in 0..1, and ``decide`` turns
the ranked hits into answer / suggest / none with thresholds chosen on the
development set (see the README, "Wie die Schwellen gewählt wurden").
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from kb.article import Article
from kb.text import Normaliser, words

# Field weights: how much one occurrence of a term in this field counts.
FIELD_WEIGHTS = {"title": 3.0, "questions": 2.0, "keywords": 2.5, "body": 1.0}
K1 = 1.2  # BM25 term-frequency saturation
B = 0.5  # BM25 length normalisation (per field)

QUESTION_SIMILARITY_WEIGHT = 0.45  # the rest goes to BM25 coverage
FUZZY_EDIT_PENALTY = 0.25  # share of a term's weight lost per edit
CANDIDATES = 30  # articles (best by coverage) that get the question-similarity pass

# Decision thresholds, chosen on the development set (README explains how).
ANSWER_MIN_SCORE = 0.50  # below this, never a confident answer
SUGGEST_MIN_SCORE = 0.30  # below this, no article at all
ANSWER_MIN_MARGIN = 0.08  # top score must lead the runner-up by this much
SUGGESTIONS = 3


def max_edits(term: str) -> int:
    """Edits allowed between a question term and a vocabulary term."""
    if len(term) <= 3:
        return 0
    if len(term) <= 8:
        return 1
    return 2


@dataclass(frozen=True, slots=True)
class Hit:
    article: Article
    score: float  # 0..1, comparable across questions


@dataclass(frozen=True, slots=True)
class Result:
    question: str
    status: str  # "answer" | "suggest" | "none"
    answer: Hit | None
    suggestions: tuple[Hit, ...]
    empty: bool = False  # the question had no words at all


class Index:
    """The searchable form of a set of articles. Build once, query many times."""

    def __init__(self, articles: Sequence[Article]):
        self.articles = tuple(articles)
        vocabulary: set[str] = set()
        for article in self.articles:
            for text in (article.title, article.text, *article.questions, *article.keywords):
                vocabulary.update(words(text))
        self.normaliser = Normaliser(vocabulary)

        # weighted term frequency per article, and postings term → [(doc, wtf)]
        field_terms = [self._fields(article) for article in self.articles]
        average_length = {
            field: max(1.0, sum(len(fields[field]) for fields in field_terms) / max(1, len(field_terms)))
            for field in FIELD_WEIGHTS
        }
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc, fields in enumerate(field_terms):
            weighted: Counter[str] = Counter()
            for field, terms in fields.items():
                norm = 1 - B + B * len(terms) / average_length[field]
                for term, count in Counter(terms).items():
                    weighted[term] += FIELD_WEIGHTS[field] * count / norm
            for term, wtf in weighted.items():
                postings[term].append((doc, wtf / (wtf + K1)))
        self.postings = dict(postings)
        n = len(self.articles)
        self.idf = {term: self._idf(len(docs), n) for term, docs in self.postings.items()}
        self.unknown_idf = self._idf(0, n)
        self.question_terms = [
            [frozenset(self.normaliser.terms(question)) for question in article.questions] for article in self.articles
        ]
        # vocabulary grouped by length: a fuzzy lookup only scans lengths within reach
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for term in self.postings:
            self._by_length[len(term)].append(term)
        self._fuzzy_cache: dict[str, tuple[str, float] | None] = {}

    @staticmethod
    def _idf(df: int, n: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _fields(self, article: Article) -> dict[str, list[str]]:
        terms = self.normaliser.terms
        return {
            "title": terms(article.title, document=True),
            "questions": [t for q in article.questions for t in terms(q, document=True)],
            "keywords": [t for k in article.keywords for t in terms(k, document=True)],
            "body": terms(article.text, document=True),
        }

    def _resolve(self, term: str) -> tuple[str, float] | None:
        """The vocabulary term a question term stands for, with its weight factor."""
        if term in self.postings:
            return term, 1.0
        if term in self._fuzzy_cache:
            return self._fuzzy_cache[term]
        allowed = max_edits(term)
        best = None
        if allowed:
            candidates = [
                t for length in range(len(term) - allowed, len(term) + allowed + 1) for t in self._by_length.get(length, ())
            ]
            match = process.extractOne(term, candidates, scorer=OSA.distance, score_cutoff=allowed)
            if match is not None:
                best = (match[0], 1.0 - FUZZY_EDIT_PENALTY * match[1])
        if len(self._fuzzy_cache) < 100_000:
            self._fuzzy_cache[term] = best
        return best

    def search(self, question: str, limit: int = 10) -> list[Hit]:
        """Articles ranked for the question, best first, scores in 0..1."""
        terms = list(dict.fromkeys(self.normaliser.terms(question)))
        if not terms or not self.articles:
            return []
        coverage: dict[int, float] = defaultdict(float)
        resolved: list[tuple[str, float]] = []  # (vocabulary term, factor) per matched question term
        total_idf = 0.0
        for term in terms:
            match = self._resolve(term)
            if match is None:
                total_idf += self.unknown_idf
                continue
            vocab_term, factor = match
            idf = self.idf[vocab_term]
            total_idf += idf
            resolved.append(match)
            for doc, saturation in self.postings[vocab_term]:
                coverage[doc] += idf * factor * saturation
        if not coverage:
            return []
        candidates = sorted(coverage, key=coverage.__getitem__, reverse=True)[:CANDIDATES]
        query_weights: dict[str, float] = {}
        for vocab_term, factor in resolved:
            query_weights[vocab_term] = max(query_weights.get(vocab_term, 0.0), self.idf[vocab_term] * factor)
        query_mass = total_idf - sum(self.idf[t] for t, _ in resolved) + sum(query_weights.values())

        hits = []
        for doc in candidates:
            similarity = self._question_similarity(doc, query_weights, query_mass)
            score = (1 - QUESTION_SIMILARITY_WEIGHT) * coverage[doc] / total_idf + QUESTION_SIMILARITY_WEIGHT * similarity
            hits.append(Hit(self.articles[doc], round(min(1.0, max(0.0, score)), 4)))
        hits.sort(key=lambda hit: (-hit.score, hit.article.id))
        return hits[:limit]

    def _question_similarity(self, doc: int, query_weights: dict[str, float], query_mass: float) -> float:
        """Best idf-weighted Dice overlap of the question with one of the article's questions."""
        best = 0.0
        for question in self.question_terms[doc]:
            if not question:
                continue
            shared = sum(weight for term, weight in query_weights.items() if term in question)
            if not shared:
                continue
            question_mass = sum(self.idf.get(term, self.unknown_idf) for term in question)
            best = max(best, 2 * shared / (query_mass + question_mass))
        return best

    def ask(self, question: str) -> Result:
        if not question.strip():
            return Result(question, "none", None, (), empty=True)
        return decide(question, self.search(question, limit=SUGGESTIONS + 1))

    def by_id(self, article_id: str) -> Article | None:
        return next((a for a in self.articles if a.id == article_id), None)


def decide(question: str, hits: Iterable[Hit]) -> Result:
    """answer (confident), suggest (unsure or close runner-up) or none."""
    ranked = [hit for hit in hits if hit.score >= SUGGEST_MIN_SCORE]
    if not ranked:
        return Result(question, "none", None, ())
    top = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    if top.score >= ANSWER_MIN_SCORE and top.score - runner_up >= ANSWER_MIN_MARGIN:
        return Result(question, "answer", top, tuple(ranked[1 : 1 + SUGGESTIONS]))
    return Result(question, "suggest", None, tuple(ranked[:SUGGESTIONS]))
