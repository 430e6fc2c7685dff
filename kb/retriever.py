"""Find the article for a free-text question, and say honestly when there is none.

Scoring, for each article and each word of the question:

* **Field-weighted BM25 coverage.** Each article is one bag of terms with
  fields weighted (title, keywords, questions above body). A term's saturated
  weight ``tf/(tf+k1)`` is taken relative to the article that has most of it,
  multiplied by the word's idf and divided by the question's total idf: the
  result, in 0..1, is the share of the question the article explains. A
  compound counts once (the better of its whole form and the mean of its
  parts). Words the knowledge base never uses weigh like rare words, so
  "Wie wird das Wetter morgen?" is explained by no article.
* **Typo tolerance.** An unknown term is matched against the vocabulary with
  rapidfuzz (OSA distance, cutoff scaled to its length), first as a stem, then
  as the word it came from, and loses a share of its weight per edit.
* **Question similarity.** The best idf-weighted Dice overlap between the
  question and one of the article's own ``questions``.
* **Topic.** An article that shares no noun of its title or keywords with the
  question is scaled down.

The score is a weighted mean of coverage and similarity, in 0..1; ``decide``
turns the ranked hits into answer / suggest / none with thresholds chosen by
``benchmarks/tune_thresholds.py`` (README: "How the thresholds were chosen").
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from faqbot.kb.article import Article
from faqbot.kb.text import Normaliser, words

# Field weights: how much one occurrence of a term in this field counts.
FIELD_WEIGHTS = {"title": 3.0, "questions": 2.0, "keywords": 2.5, "body": 1.0}
K1 = 1.2  # BM25 term-frequency saturation
B = 0.5  # BM25 length normalisation (per field)

QUESTION_SIMILARITY_WEIGHT = 0.45  # the rest goes to BM25 coverage
UNKNOWN_TERM_WEIGHT = 0.6  # a word the KB never uses, relative to the rarest known term
FUZZY_EDIT_PENALTY = 0.25  # share of a term's weight lost per edit
CANDIDATES = 30  # articles (best by coverage) that get the question-similarity pass
# A question that shares no noun with an article's title or keywords is probably
# about something else: "Cronjob einrichten" shares only the verb with the mail-client article.
OFF_TOPIC_FACTOR = 0.6

# Decision thresholds, chosen on the development set (README explains how).
ANSWER_MIN_SCORE = 0.50  # below this, never a confident answer
SUGGEST_MIN_SCORE = 0.50  # below this, "no article" (status none)
ANSWER_MIN_MARGIN = 0.04  # the top score must lead the runner-up by this much
HINT_MIN_SCORE = 0.30  # a "none" reply still lists articles above this as hints
SUGGESTIONS = 3


_TOKEN = re.compile(r"[^\W_][\w.-]*")


def max_edits(term: str) -> int:
    """Edits allowed between a question term and a vocabulary term.

    Short stems get none: one edit turns "spat" (spät) into "spam".
    """
    if len(term) <= 4:
        return 0
    if len(term) <= 9:
        return 1
    return 2


@dataclass(frozen=True, slots=True)
class Hit:
    article: Article
    score: float  # 0..1, comparable across questions


Status = Literal["answer", "suggest", "none"]


@dataclass(frozen=True, slots=True)
class Result:
    question: str
    status: Status
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
            weighted: defaultdict[str, float] = defaultdict(float)
            for field, terms in fields.items():
                norm = 1 - B + B * len(terms) / average_length[field]
                for term, count in Counter(terms).items():
                    weighted[term] += FIELD_WEIGHTS[field] * count / norm
            for term, wtf in weighted.items():
                postings[term].append((doc, wtf / (wtf + K1)))
        # Each term's saturation relative to the article that has most of it, so
        # the article that explains a term best gets full credit for it. Stored
        # as arrays: a question then touches thousands of articles in one step.
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, docs in postings.items():
            top = max(saturation for _, saturation in docs)
            self.postings[term] = (
                np.fromiter((doc for doc, _ in docs), dtype=np.int32, count=len(docs)),
                np.fromiter((saturation / top for _, saturation in docs), dtype=np.float64, count=len(docs)),
            )
        # The terms that say what an article is about: the nouns of its title and keywords.
        self.topic_terms = [self._topic(article) for article in self.articles]
        n = len(self.articles)
        self.idf = {term: self._idf(len(docs), n) for term, (docs, _) in self.postings.items()}
        self.unknown_idf = UNKNOWN_TERM_WEIGHT * self._idf(0, n)
        # Each example question as (terms, idf mass), so a search only sums the shared part.
        self.question_terms: list[list[tuple[frozenset[str], float]]] = []
        for article in self.articles:
            entries = []
            for question in article.questions:
                asked = frozenset(self.normaliser.terms(question))
                if asked:
                    entries.append((asked, sum(self.idf.get(term, self.unknown_idf) for term in asked)))
            self.question_terms.append(entries)
        # Known stems and words, grouped by length: a fuzzy lookup only scans
        # the lengths within reach.
        self._stems_by_length = _group_by_length(self.postings)
        self._word_stems = {}
        for word in vocabulary:
            terms = self.normaliser.terms(word)
            if len(terms) == 1 and terms[0] in self.postings:
                self._word_stems[word] = terms[0]
        self._words_by_length = _group_by_length(self._word_stems)
        self._fuzzy_cache: dict[tuple[str, str], tuple[str, float] | None] = {}

    @staticmethod
    def _idf(df: int, n: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _topic(self, article: Article) -> frozenset[str]:
        """The nouns (and names like SMTP, 993) of the title and keywords: what the article is about.

        German writes nouns with a capital letter, so a lower-case word there is a
        verb or adjective ("ändern", "voll") that says what to do, not what about.
        """
        topic: set[str] = set()
        for text in (article.title, *article.keywords):
            for token in _TOKEN.findall(text):
                if token[0].isupper() or any(char.isdigit() for char in token):
                    topic.update(self.normaliser.terms(token, document=True))
        return frozenset(topic)

    def _fields(self, article: Article) -> dict[str, list[str]]:
        terms = self.normaliser.terms
        return {
            "title": terms(article.title, document=True),
            "questions": [t for q in article.questions for t in terms(q, document=True)],
            "keywords": [t for k in article.keywords for t in terms(k, document=True)],
            "body": terms(article.text, document=True),
        }

    def _fuzzy(self, word: str, by_length: dict[int, list[str]]) -> tuple[str, int] | None:
        """Closest entry of ``by_length`` within the edits allowed for ``word``."""
        allowed = max_edits(word)
        if not allowed:
            return None
        candidates = [t for n in range(len(word) - allowed, len(word) + allowed + 1) for t in by_length.get(n, ())]
        match = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=allowed)
        return (match[0], match[1]) if match else None

    def _resolve(self, term: str, word: str) -> tuple[str, float] | None:
        """The vocabulary term a question term stands for, with its weight factor.

        An unknown stem is matched against the known stems; failing that, the
        word it came from against the known words, because a typo can throw the
        stemmer off ("newsleter" → "newsl", far from "newslett").
        """
        if term in self.postings:
            return term, 1.0
        key = (term, word)
        if key in self._fuzzy_cache:
            return self._fuzzy_cache[key]
        best = None
        match = self._fuzzy(term, self._stems_by_length)
        if match is not None:
            best = (match[0], 1.0 - FUZZY_EDIT_PENALTY * match[1])
        elif word != term:
            match = self._fuzzy(word, self._words_by_length)
            if match is not None:
                best = (self._word_stems[match[0]], 1.0 - FUZZY_EDIT_PENALTY * match[1])
        if len(self._fuzzy_cache) < 100_000:
            self._fuzzy_cache[key] = best
        return best

    def search(self, question: str, limit: int = 10) -> list[Hit]:
        """Articles ranked for the question, best first, scores in 0..1."""
        question_words = list({word.text: word for word in self.normaliser.analyse(question)}.values())
        if not question_words or not self.articles:
            return []
        coverage = np.zeros(len(self.articles))
        query_weights: dict[str, float] = {}  # vocabulary term → idf × fuzzy factor
        total_weight = 0.0
        for word in question_words:
            parts = [self._resolve(term, word.text) for term in word.parts]
            whole = self._resolve(word.whole, word.text) if word.whole else None
            known = [match for match in (*parts, whole) if match is not None]
            weight = max((self.idf[term] for term, _ in known), default=self.unknown_idf)
            if len(known) < len(parts):  # an unknown part of a compound still weighs
                weight = max(weight, self.unknown_idf)
            total_weight += weight
            for term, factor in known:
                query_weights[term] = max(query_weights.get(term, 0.0), self.idf[term] * factor)
            coverage += weight * self._word_coverage(parts, whole)
        covered = np.flatnonzero(coverage)
        if not len(covered):
            return []
        # best first; ties keep article order, so results are deterministic
        candidates = covered[np.argsort(-coverage[covered], kind="stable")[:CANDIDATES]].tolist()
        hits = []
        for doc in candidates:
            similarity = self._question_similarity(doc, query_weights, total_weight)
            score = (1 - QUESTION_SIMILARITY_WEIGHT) * float(
                coverage[doc]
            ) / total_weight + QUESTION_SIMILARITY_WEIGHT * similarity
            if not self._has_topic_term(doc, query_weights):
                score *= OFF_TOPIC_FACTOR
            hits.append(Hit(self.articles[doc], round(min(1.0, max(0.0, score)), 4)))
        hits.sort(key=lambda hit: (-hit.score, hit.article.id))
        return hits[:limit]

    def _word_coverage(self, parts: list[tuple[str, float] | None], whole: tuple[str, float] | None) -> np.ndarray:
        """How well each article explains one question word, 0..1.

        A compound counts once, not once per part: the better of its whole form
        and the mean of its parts.
        """
        explained = np.zeros(len(self.articles))
        for match in parts:
            if match is not None:
                term, factor = match
                docs, saturation = self.postings[term]
                explained[docs] += saturation * (factor / len(parts))
        if whole is not None:
            term, factor = whole
            docs, saturation = self.postings[term]
            explained[docs] = np.maximum(explained[docs], saturation * factor)
        return explained

    def _has_topic_term(self, doc: int, query_weights: dict[str, float]) -> bool:
        """Whether a matched question term is a noun of this article's title or keywords."""
        topic = self.topic_terms[doc]
        return any(term in topic for term in query_weights)

    def _question_similarity(self, doc: int, query_weights: dict[str, float], query_mass: float) -> float:
        """Best idf-weighted Dice overlap of the question with one of the article's questions."""
        best = 0.0
        for question, question_mass in self.question_terms[doc]:
            shared = sum(weight for term, weight in query_weights.items() if term in question)
            if shared:
                best = max(best, 2 * shared / (query_mass + question_mass))
        return best

    def ask(self, question: str) -> Result:
        if not question.strip():
            return Result(question, "none", None, (), empty=True)
        return decide(question, self.search(question, limit=SUGGESTIONS + 1))

    def by_id(self, article_id: str) -> Article | None:
        return next((a for a in self.articles if a.id == article_id), None)


def _group_by_length(strings: Iterable[str]) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = defaultdict(list)
    for string in strings:
        groups[len(string)].append(string)
    return dict(groups)


def decide(question: str, hits: Iterable[Hit]) -> Result:
    """answer (confident), suggest (unsure or a close runner-up) or none.

    A "none" result may still carry weak hits as hints, for a reply like
    "Dazu habe ich leider keinen passenden Artikel – vielleicht hilft …".
    """
    ranked = [hit for hit in hits if hit.score >= HINT_MIN_SCORE]
    if not ranked or ranked[0].score < SUGGEST_MIN_SCORE:
        return Result(question, "none", None, tuple(ranked[:SUGGESTIONS]))
    top = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    if top.score >= ANSWER_MIN_SCORE and top.score - runner_up >= ANSWER_MIN_MARGIN:
        return Result(question, "answer", top, tuple(ranked[1 : 1 + SUGGESTIONS]))
    return Result(question, "suggest", None, tuple(ranked[:SUGGESTIONS]))
