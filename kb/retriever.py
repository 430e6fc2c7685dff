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
turns the ranked hits into answer / suggest / none with the calibration
(kb/calibration.py: the ranking's features and the text classifier's verdict,
README: "How the decision is calibrated").
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, NamedTuple, cast

import numpy as np

from faqbot.kb.article import Article, Topic
from faqbot.kb.article_table import ArticleTable
from faqbot.kb.calibration import NO_FEATURES, Calibration, Features, load_calibration
from faqbot.kb.classifier import NO_VERDICT, Verdict
from faqbot.kb.csr import ranges
from faqbot.kb.evidence import ErrorPatterns
from faqbot.kb.flat_index import FlatIndex, idf
from faqbot.kb.flat_index import build as build_flat_index
from faqbot.kb.fuzzy import Vocabulary
from faqbot.kb.message import read_message
from faqbot.kb.section_index import SectionIndex
from faqbot.kb.sections import Section
from faqbot.kb.text import Normaliser, Word, fold

QUESTION_SIMILARITY_WEIGHT = 0.45  # the rest goes to BM25 coverage
UNKNOWN_TERM_WEIGHT = 0.3  # a word the KB never uses, relative to the rarest known term (cross-validated: README)
FUZZY_EDIT_PENALTY = 0.25  # share of a term's weight lost per edit
CANDIDATES = 30  # articles (best by coverage) that get the question-similarity pass
# A question that shares no noun with an article's title or keywords is probably
# about something else: "Cronjob einrichten" shares only the verb with the mail-client article.
OFF_TOPIC_FACTOR = 0.6

HINT_MIN_SCORE = 0.30  # a "none" reply still lists articles above this as hints
# An out-of-scope topic wins over every hit unless the decision is all but certain of its answer: in
# „Bewerber bekommen ihre Mails mit Anhang an uns zurück“ the jobs topic wins by a word of its own, yet the
# message is about bounces (left out one writer at a time, the twelve newest: 4 more answered right, no
# more confident wrong answers; cross-validated: 7 more answered right, 1 more near-miss answered; README "Quality").
TOPIC_OVERRULED_FROM = 0.9
# A topic's lead by words of its own must be a real share of the message's weight, not the rounding left
# where topic and article explain the same word equally („Mailbox“: the new-mailboxes topic led the
# full-mailbox article by 0.0002 once other topics had changed the documents' average length).
TOPIC_MIN_LEAD = 0.01
SUGGESTIONS = 3
# An article whose listed error text occurs in the message gets this much added to its score:
# a pasted "552 5.2.2 Mailbox full" is strong evidence, whatever the prose around it says.
ERROR_EVIDENCE_BONUS = 0.35
# The decision may prefer one of the first five hits when the text classifier is sure of it
# (README: "How the decision is calibrated"); each of them gets its own features. Since the classifier
# has read 3,000 labelled messages it leads the choice: cross-validated, 5 hits with 3 × its probability
# answer 90.9 % right / reject 95.1 % where 3 hits with 0.5 × gave 90.3 % / 94.6 %.
CHOICES = 5
CLASSIFIER_PREFERENCE = 3.0  # the classifier's probability, added to the retriever's score
FOREIGN_MIN_EXPLAINED = 0.5  # a word "belongs" to another document when it explains it at least this well
# Up to this many example questions in all, a question's overlaps are summed over all of them at once
# (fewer, larger steps); above it, only the candidates' questions are compared, through their own terms.
DENSE_QUESTIONS = 50_000
# There, each document's example questions are one padded block of their terms (documents × most questions × most
# terms), so a search gathers its candidates' blocks in one step, while that takes at most PADDED_ROOM slots per
# question term (synthetic bases: 1.8; a document with far more questions, or a question with far more terms, than the
# others would inflate every block); otherwise each candidate's question terms are read as one range. The same bound
# holds for each document's topic terms as one padded row (the topic check; synthetic bases 1.4, shipped 2.4).
PADDED_ROOM = 8
# A word of one term in at most 1/SPARSE_SHARE of the documents updates only theirs (gathers and scatters cost
# several times a pass over a whole array per element).
SPARSE_SHARE = 8
# A term in more than 1/DENSE_PART_SHARE of the documents (a compound part like "mail" or "post") keeps its weights
# as a document-sized array, made on its first use: a word's coverage adds such arrays (one pass over the documents)
# instead of scattering thousands of postings. They take at most DENSE_PART_ROOM times the memory of all postings
# (12 bytes each). The benchmark's 300 questions make 636 of them at 10,000 synthetic articles (48.5 MiB: the index
# and its caches then keep 110 MiB instead of 60) and 674 at 100,000 (514 MiB); the build's peak stays higher
# (205 MiB, 2.3 GiB).
DENSE_PART_SHARE = 8
DENSE_PART_ROOM = 2
_PLANS = 20_000  # words whose plans are remembered (about 0.6 KB each)
_NOT_LOOKED_UP = object()  # the typo memo's answer for a term not looked up yet
_NO_DOCS = np.zeros(0, dtype=np.int32)
_NO_VALUES = np.zeros(0)


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
class Ranking:
    """Articles ranked for a message, with what the calibrated decision needs to know about it."""

    hits: tuple[Hit, ...]  # best first, articles only
    topic: Topic | None  # the out-of-scope topic, when it explains the message better than every article
    candidates: tuple[Features, ...]  # what the decision knows about each of the first CHOICES hits
    sections: tuple[Section | None, ...] = ()  # per candidate: its passage that answers, when one stands out
    core: str = ""  # the message without greeting and signature: what the classifier reads

    @property
    def section(self) -> Section | None:
        return self.sections[0] if self.sections else None


@dataclass(frozen=True, slots=True)
class Result:
    question: str
    status: Status
    answer: Hit | None
    suggestions: tuple[Hit, ...]
    empty: bool = False  # the question had no words at all
    topic: Topic | None = None  # status none because the question is about this uncovered topic
    probability: float = 0.0  # calibrated probability that the top article is the right one
    section: Section | None = None  # the answer's section that answers; None: the whole article


class Index:
    """The searchable form of a set of articles. Build once, query many times."""

    def __init__(
        self,
        articles: Sequence[Article],
        topics: Sequence[Topic] = (),
        calibration: Calibration | None = None,
        *,
        flat: FlatIndex | None = None,
    ):
        """Build the index, or take ``flat`` (arrays built before for exactly these articles and topics: the cache).

        ``articles`` may be an ArticleTable (the cache): its articles are then decoded when first shown.
        """
        self.articles: Sequence[Article] = articles if isinstance(articles, ArticleTable) else tuple(articles)
        self.topics = tuple(topics)
        self._calibration = calibration
        self._errors: ErrorPatterns | None = None
        # Articles and out-of-scope topics are searched together (documents 0..n-1 are the articles),
        # so a question about FTP finds the FTP topic rather than the article that shares "Passwort".
        self._document_count = len(self.articles) + len(self.topics)
        if flat is None:
            flat, self.normaliser = build_flat_index(self._documents)
        else:
            self.normaliser = Normaliser(flat.words)
        self.flat = flat
        self._idf = flat.idf.tolist()
        self.unknown_idf = UNKNOWN_TERM_WEIGHT * idf(0, self._document_count)
        self._sections = SectionIndex(self.articles, self.normaliser)
        self._fuzzy_cache: dict[tuple[str, str], tuple[int, float] | None] = {}
        self._plans: dict[str, _Plan] = {}  # folded word → its plan, for words known as they are
        self._dense_parts: dict[int, np.ndarray] = {}  # a common term's postings start → its weight per document
        self._dense_room = DENSE_PART_ROOM * 12 * len(flat.doc) // (8 * max(1, self._document_count))  # arrays

    @cached_property
    def _documents(self) -> list[_Document]:
        """What the index reads of each article and topic (to build it; a cached index never needs it)."""
        return [_Document.of_article(a) for a in self.articles] + [_Document.of_topic(t) for t in self.topics]

    def _document_id(self, doc: int) -> str:
        n = len(self.articles)
        if doc >= n:
            return "~" + self.topics[doc - n].id
        return self.articles.id(doc) if isinstance(self.articles, ArticleTable) else self.articles[doc].id

    @property
    def errors(self) -> ErrorPatterns:
        """The articles' error texts, compiled on the first question."""
        if self._errors is None:
            if isinstance(self.articles, ArticleTable):
                self._errors = ErrorPatterns.of_errors(self.articles.errors())
            else:
                self._errors = ErrorPatterns(self.articles)
        return self._errors

    # The typo lookup's known stems and words (those that stand for one term), made on the first unknown word.
    @cached_property
    def _stem_vocabulary(self) -> Vocabulary:
        return Vocabulary(self.flat.terms)

    @cached_property
    def _word_vocabulary(self) -> Vocabulary:
        return Vocabulary([self.flat.words[word] for word in self.flat.word_stem_word.tolist()])

    @property
    def calibration(self) -> Calibration:
        """The shipped calibration unless one was given; read when first needed, so ``--fit`` can replace a stale one."""
        if self._calibration is None:
            self._calibration = load_calibration()
        return self._calibration

    @cached_property
    def _indptr(self) -> list[int]:
        """The postings' row starts as Python ints: a search reads a few per word, each cheaper from a list."""
        return cast(list[int], self.flat.indptr.tolist())

    def _resolve(self, term: str, word: str) -> tuple[int, float] | None:
        """The vocabulary term (its number) a question term stands for, with its weight factor.

        An unknown stem is matched against the known stems; failing that, the
        word it came from against the known words, because a typo can throw the
        stemmer off ("newsleter" → "newsl", far from "newslett").
        """
        entry = self._term_entries.get(term)
        if entry is not None:
            return entry[0], 1.0
        key = (term, word)
        cached = self._fuzzy_cache.get(key, _NOT_LOOKED_UP)
        if cached is not _NOT_LOOKED_UP:  # None is a lookup that found nothing
            return cast(tuple[int, float] | None, cached)
        best = None
        match = self._stem_vocabulary.closest(term, max_edits(term))
        if match is not None:
            best = (match[0], 1.0 - FUZZY_EDIT_PENALTY * match[1])
        elif word != term:
            match = self._word_vocabulary.closest(word, max_edits(word))
            if match is not None:
                best = (int(self.flat.word_stem_term[match[0]]), 1.0 - FUZZY_EDIT_PENALTY * match[1])
        if len(self._fuzzy_cache) < 100_000:
            self._fuzzy_cache[key] = best
        return best

    def _score(self, text: str) -> _Scores:
        """Scores in 0..1 of the best-covering documents (articles and topics) for one text."""
        question_words = list({word.text: word for word in self.normaliser.analyse(text)}.values())
        if not question_words or not self._document_count:
            return _Scores({}, {}, 0.0, [], 0.0, set(), {}, ())
        n = self._document_count
        coverage: np.ndarray | None = None  # the weighted sum over the words so far
        weighted: np.ndarray | None = None  # one buffer for each further word's weighted coverage
        query_terms: dict[int, float] = {}  # vocabulary term (number) → idf × fuzzy factor
        explained_words: list[_Explained] = []  # per question word: weight, how each document explains it
        unknown_words: set[str] = set()
        total_weight = known_weight = 0.0
        plans = self._plans
        for word in question_words:
            plan = plans.get(word.text) or self._plan(word)
            weight = plan.weight
            total_weight += weight
            if plan.known:
                known_weight += weight
            else:
                unknown_words.add(word.text)
            for number, value in plan.query_terms:  # the most of 0.0 and each value, as ``max`` without its call
                old = query_terms.get(number, 0.0)
                query_terms[number] = value if value > old else old
            if plan.sparse:  # few documents: only theirs are updated, each as the whole array's would be
                docs, values = self._scaled_postings(*plan.parts[0]) if plan.parts else (_NO_DOCS, _NO_VALUES)
                explained_words.append(_Explained(weight, None, 1.0, docs, values, n))
                if coverage is None:
                    coverage = np.zeros(n)
                np.add.at(coverage, docs, values * weight)  # in place, in order; any other adds 0.0 × weight
                continue
            explained, scale = self._word_coverage(plan)
            explained_words.append(_Explained(weight, explained, scale))
            # (explained × scale) × weight is explained × (scale × weight) to the bit: both products by a power
            # of two are exact, so both round the same real number.
            factor = scale * weight
            if coverage is None:  # the sum starts at 0.0, and 0.0 + x is x: the first word's is the sum so far
                coverage = explained * factor
            else:
                weighted = np.multiply(explained, factor, out=weighted)
                coverage += weighted
        assert coverage is not None  # there was a word
        best = _best(coverage, CANDIDATES)
        candidates: list[int] = best.tolist()
        places = self._query_places(list(query_terms))  # read by the similarity of a large base and the topic check
        all_similarities = self._question_similarities(query_terms, total_weight, best, places)
        # All candidates at once, each element with the operations, in the order, of the formula term by term.
        similarity = np.array(all_similarities)
        score = (1 - QUESTION_SIMILARITY_WEIGHT) * coverage.take(best) / total_weight
        score += QUESTION_SIMILARITY_WEIGHT * similarity
        score = np.where(self._has_topic_term(best, places, query_terms), score, score * OFF_TOPIC_FACTOR)
        scores = dict(zip(candidates, np.minimum(1.0, np.maximum(0.0, score)).tolist(), strict=True))
        similarities = dict(zip(candidates, all_similarities, strict=True))
        return _Scores(
            scores,
            similarities,
            known_weight / total_weight,
            explained_words,
            total_weight,
            unknown_words,
            query_terms,
            self.flat.terms,
        )

    def search(self, question: str, limit: int = 10) -> list[Hit]:
        """Articles ranked for the question, best first, scores in 0..1."""
        return list(self.rank(question).hits[:limit])

    def rank(self, question: str) -> Ranking:
        """Articles ranked for a whole message: its core, plus the error texts it carries.

        The ranking is by the message's core (greetings and signature set aside);
        its passages (sentences, windows of long sentences) are scored on their
        own only to tell the decision whether the part that names the problem
        agrees — ranking by the best passage was measured and ranks worse.
        """
        message = read_message(question)
        whole = self._score(message.core)
        scores = dict(whole.scores)
        evidence = self.errors.matches(question)
        for doc in evidence:
            scores[doc] = min(1.0, scores.get(doc, 0.0) + ERROR_EVIDENCE_BONUS)
        n = len(self.articles)
        ordered = sorted(scores, key=scores.__getitem__, reverse=True)
        if len(set(scores.values())) < len(scores):  # equal scores: ordered by document id (read only then)
            ordered = sorted(scores, key=lambda doc: (-scores[doc], self._document_id(doc)))
        hits = tuple(Hit(self.articles[doc], round(scores[doc], 4)) for doc in ordered if doc < n)
        article_docs = [doc for doc in ordered if doc < n][:CHOICES]
        best_topic = next((doc for doc in ordered if doc >= n), None)
        topic_score = scores[best_topic] if best_topic is not None else 0.0
        passage_scores = [self._score(passage).scores for passage in message.passages] if article_docs else []
        passage_tops = [max(part, key=lambda doc: (part[doc], -doc)) for part in passage_scores if part]
        unknown_nouns = _unknown_nouns(message.core, whole.unknown_words)
        word_count = len(message.core.split())

        def features_of(doc: int) -> Features:
            score = scores[doc]
            best_other = max((scores[other] for other in article_docs if other != doc), default=0.0)
            passage_best, agree = score, 1.0
            if passage_scores:
                passage_best = max((part.get(doc, 0.0) for part in passage_scores), default=0.0)
                agree = sum(top == doc for top in passage_tops) / len(passage_tops) if passage_tops else 0.0
            return Features(
                top=score,
                margin=score - best_other,
                passage_best=passage_best,
                similarity=whole.similarities.get(doc, 0.0),
                known_share=whole.known_share,
                foreign_share=whole.foreign_share(doc),
                topic_lead=topic_score - score,
                topic_score=topic_score,
                unknown_nouns=unknown_nouns,
                error_hit=float(doc in evidence),
                passages_agree=agree,
                words=word_count,
            )

        candidates = tuple(features_of(doc) for doc in article_docs)
        top = hits[0].score if hits else 0.0
        # A topic wins only by words of its own: "Postfach" alone is in the topic "new mailboxes" and in
        # the full-mailbox article alike, and says nothing about which of them is meant.
        topic = None
        if best_topic is not None and topic_score > top:
            if not article_docs or whole.lead(best_topic, over=article_docs[0]) > TOPIC_MIN_LEAD:
                topic = self.topics[best_topic - n]
        query_weights = whole.query_weights
        sections = tuple(self._sections.best(doc, query_weights) for doc in article_docs)
        return Ranking(hits, topic, candidates, sections, message.core)

    def _plan(self, word: Word) -> _Plan:
        """What ``word`` brings to a search: its weight, its query terms, its postings and how they combine.

        Remembered per word when every term of it is known as it is (the index does not change, and words
        recur from question to question); a word that needs a typo lookup is resolved again each time
        (the lookup has its own memo).

        A known word's plan is what ``_resolved_plan`` makes of it — every factor 1.0, so each share is 1 / parts
        and each query weight the idf (x * 1.0 is x) — without the typo lookup's steps: most words of most
        questions. Written out without comprehensions or the named tuple's constructor, one lookup per term
        (``_term_entries``): a word new to the process is made in the middle of a search, where each Python
        object it touches is likely a cache miss.
        """
        entries = self._term_entries
        parts = word.parts
        whole_term = word.whole
        if len(parts) == 1 and not whole_term:  # one term: the commonest word
            entry = entries.get(parts[0])
            if entry is None:
                return self._resolved_plan(word)
            number, start, stop, weight = entry
            sparse = (stop - start) * SPARSE_SHARE <= self._document_count
            plan = _new_plan(_Plan, (weight, True, ((number, weight),), sparse, ((start, stop, 1.0),), None))
        else:
            share = 1.0 / len(parts)
            part_ranges = []
            query_terms = []
            weight = -math.inf
            for term in parts:
                entry = entries.get(term)
                if entry is None:
                    return self._resolved_plan(word)
                number, start, stop, idf = entry
                part_ranges.append((start, stop, share))
                query_terms.append((number, idf))
                if idf > weight:  # the first of the largest, as ``max``
                    weight = idf
            whole_range = None
            if whole_term:
                entry = entries.get(whole_term)
                if entry is None:
                    return self._resolved_plan(word)
                number, start, stop, idf = entry
                whole_range = (start, stop, 1.0)
                query_terms.append((number, idf))
                if idf > weight:
                    weight = idf
            plan = _new_plan(_Plan, (weight, True, tuple(query_terms), False, tuple(part_ranges), whole_range))
        if len(self._plans) < _PLANS:
            self._plans[word.text] = plan
        return plan

    @cached_property
    def _term_entries(self) -> dict[str, tuple[int, int, int, float]]:
        """Term → its number, its postings' start and stop, and its idf: one lookup per term of a word's plan
        (and the index's only map from a term to its number).

        Made on the first search (the Python ints and floats are the lists' own).
        """
        indptr = self._indptr
        return dict(
            zip(self.flat.terms, zip(range(len(indptr) - 1), indptr[:-1], indptr[1:], self._idf, strict=True), strict=True)
        )

    def _resolved_plan(self, word: Word) -> _Plan:
        """The plan of any word: each term resolved, a typo through the vocabulary (not remembered: see ``_plan``).

        Its weight is the idf of its best known term (the unknown weight when none is known, at least that when a
        part of a compound is unknown); written out as a loop for the reason ``_plan`` gives.
        """
        text = word.text
        resolve, idf, indptr = self._resolve, self._idf, self._indptr
        count = len(word.parts)
        part_postings = []  # each known part's postings with its share of the word (its factor over the parts)
        query_terms = []
        weight = -math.inf
        known = 0
        for term in word.parts:
            match = resolve(term, text)
            if match is not None:
                number, factor = match
                part_postings.append((indptr[number], indptr[number + 1], factor / count))
                query_terms.append((number, idf[number] * factor))
                if idf[number] > weight:
                    weight = idf[number]
                known += 1
        whole_range = None
        if word.whole:
            whole = resolve(word.whole, text)
            if whole is not None:
                number, factor = whole
                whole_range = (indptr[number], indptr[number + 1], factor)
                query_terms.append((number, idf[number] * factor))
                if idf[number] > weight:
                    weight = idf[number]
                known += 1
        if not known:
            weight = self.unknown_idf
        elif known < count and self.unknown_idf > weight:  # an unknown part of a compound still weighs
            weight = self.unknown_idf
        # A word that is one term (or none) in at most 1/SPARSE_SHARE of the documents updates only theirs.
        sparse = (
            count == 1
            and whole_range is None
            and (not part_postings or (part_postings[0][1] - part_postings[0][0]) * SPARSE_SHARE <= self._document_count)
        )
        return _new_plan(_Plan, (weight, known > 0, tuple(query_terms), sparse, tuple(part_postings), whole_range))

    def _scaled_postings(self, start: int, stop: int, factor: float) -> tuple[np.ndarray, np.ndarray]:
        """A range of postings: the documents, and how well each explains the term times ``factor`` (x * 1.0 is x)."""
        values = self.flat.weight[start:stop]
        return self.flat.doc[start:stop], values if factor == 1.0 else values * factor

    def _word_coverage(self, plan: _Plan) -> tuple[np.ndarray, float]:
        """How well each document explains one question word, 0..1: an array and a scale, the values being their product.

        A compound counts once, not once per part: the better of its whole form and the mean of its parts.
        The parts are added part by part onto 0.0 — a common part's weights as a ready document-sized array,
        another's postings scattered — which per document is the same sequence of additions as one
        ``np.bincount`` over all the parts' postings in order, since a term has at most one posting per
        document; each step adds the next part to the sum so far, in whichever operand order (a + b is b + a).
        When the parts share one share that is a power of two (1/2 for two parts), the parts' own weights are
        summed and the share is the scale: each product by it is exact, so the sum of the products is the
        product of the sum, to the bit (the weights are far above the subnormal range), and the search folds
        the share into the word's weight, one pass over the documents fewer. The result may be a ready array
        of the index: it is never written to.
        """
        n = self._document_count
        parts = plan.parts
        share = parts[0][2] if parts else 1.0
        scale = share if math.frexp(share)[0] == 0.5 else 1.0
        for part in parts:  # a loop, not ``all`` over a generator: this runs for most words of a search
            if part[2] != share:
                scale = 1.0
                break
        total: np.ndarray | None = None
        owned = False  # total is this word's own array (else a ready part array of the index)
        dense_parts = self._dense_parts
        for start, stop, part_share in parts:
            factor = part_share / scale  # 1.0 when the share is the scale, else the share itself
            ready = dense_parts.get(start)
            if ready is None:
                ready = self._dense_part(start, stop)
            if ready is not None:
                values = ready if factor == 1.0 else ready * factor
                if total is None:
                    total, owned = values, values is not ready
                elif owned:
                    total += values
                else:
                    total, owned = total + values, True
            else:
                docs, weights = self._scaled_postings(start, stop, factor)
                if total is None or not owned:
                    summed = np.bincount(docs, weights, n)
                    if total is not None:
                        summed += total
                    total, owned = summed, True
                else:
                    np.add.at(total, docs, weights)  # in place, in order: one posting per document
        if total is None:
            total, owned = np.zeros(n), True
        if plan.whole is not None:  # a whole compound is rare: its few documents are updated in place
            if not owned:
                total = total.copy()
            docs, weights = self._scaled_postings(*plan.whole)
            # max(sum × scale, w) is max(sum, w / scale) × scale: both divisions and products by a power of two are exact
            np.maximum.at(total, docs, weights if scale == 1.0 else weights / scale)
        return total, scale

    def _dense_part(self, start: int, stop: int) -> np.ndarray | None:
        """A common term's weight in every document (0.0 where it has none), for its postings [start, stop); None for another.

        Made on the term's first use and kept (read-only, so that no search changes it for the next).
        """
        ready = self._dense_parts.get(start)
        if ready is None:
            if (stop - start) * DENSE_PART_SHARE <= self._document_count or len(self._dense_parts) >= self._dense_room:
                return None
            ready = np.zeros(self._document_count)
            ready[self.flat.doc[start:stop]] = self.flat.weight[start:stop]
            ready.flags.writeable = False
            self._dense_parts[start] = ready
        return ready

    def _query_places(self, numbers: list[int]) -> np.ndarray:
        """Per vocabulary term: 1 + its position in the query's terms (``numbers``), 0 for a term the query does not use.

        A table to look terms up in, all at once (cheaper than a search in the query's sorted terms).
        """
        # The smallest type that holds the places: the table is made per search and read at random. One entry more
        # than there are terms: the padding of ``_question_rows`` and ``_topic_rows`` (term len(terms)) is no query term.
        places = np.zeros(len(self.flat.terms) + 1, np.uint8 if len(numbers) < 256 else np.int32)
        places[numbers] = np.arange(1, len(numbers) + 1)
        return places

    @cached_property
    def _topic_rows(self) -> np.ndarray | None:
        """Per document, its topic terms (nouns of title and keywords) as one padded row, made on the first search;
        None where the rows would take more than ``PADDED_ROOM`` slots per topic term (a document with far more
        keywords than the others). Past a document's last term: ``len(terms)``, no query term.

        A search checks its 30 candidates in one gather through the query's place table, which the large bases'
        similarity reads too (0.3 MiB at 10,000 synthetic articles).
        """
        flat = self.flat
        per_document = np.diff(flat.topic_indptr)
        width = int(per_document.max()) if len(per_document) else 0
        if len(per_document) * width > PADDED_ROOM * len(flat.topic_terms):
            return None
        pad = len(flat.terms)
        rows = np.full((len(per_document), width), pad, np.uint16 if pad < 2**16 else np.int32)
        slot = np.arange(len(flat.topic_terms)) - flat.topic_indptr[:-1].repeat(per_document)
        rows[np.arange(len(per_document)).repeat(per_document), slot] = flat.topic_terms
        return rows

    @cached_property
    def _topic_terms(self) -> list[tuple[int, ...]]:
        """Per document, its topic terms as a tuple: where ``_topic_rows`` would take too much room."""
        terms, bounds = self.flat.topic_terms.tolist(), self.flat.topic_indptr.tolist()
        return [tuple(terms[start:stop]) for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]

    def _has_topic_term(self, docs: np.ndarray, places: np.ndarray, query_terms: dict[int, float]) -> np.ndarray | list[bool]:
        """Per document: whether a matched question term is a noun of its title or keywords.

        ``places``: the query's place table (``_query_places``), nonzero for its terms (``query_terms``).
        """
        rows = self._topic_rows
        if rows is not None:
            return cast(np.ndarray, places.take(rows.take(docs, axis=0)).any(axis=1))
        topics, terms = self._topic_terms, query_terms.keys()
        return [not terms.isdisjoint(topics[doc]) for doc in docs.tolist()]

    def _question_similarities(
        self, query_terms: dict[int, float], query_mass: float, docs: np.ndarray, places: np.ndarray
    ) -> list[float]:
        """Per document of ``docs``: the best idf-weighted Dice overlap of the question with one of its example questions.

        In a small knowledge base each term's questions get its weight, all at once (few numpy calls);
        in a large one only the candidates' questions are compared (the others' overlaps would never be
        read), through their own terms: a few per question, where a query term can be in thousands.
        ``query_terms``: vocabulary term (number) → its weight in the question; ``places``: their place table
        (``_query_places``).
        """
        flat = self.flat
        if not len(flat.question_mass) or not len(docs) or not query_terms:
            return [0.0] * len(docs)
        if len(flat.question_mass) > DENSE_QUESTIONS:
            return self._candidate_similarities(query_terms, query_mass, docs, places)
        offsets, questions, counts = ranges(flat.question_start, docs)  # questions ascending per document
        term_questions, term_start = self._term_questions
        shared = np.zeros(len(flat.question_mass))
        for number, weight in query_terms.items():  # summed from 0.0 in the order of query_terms
            shared[term_questions[term_start[number] : term_start[number + 1]]] += weight
        shared = shared[questions]
        dice = 2 * shared / (query_mass + flat.question_mass[questions])
        best = np.zeros(len(docs))
        has = counts > 0
        if len(dice):
            best[has] = np.maximum.reduceat(dice, offsets[has])
        return best.tolist()

    @cached_property
    def _term_questions(self) -> tuple[np.ndarray, np.ndarray]:
        """Term → the example questions that use it (CSR: questions, start per term), for a small knowledge base."""
        flat = self.flat
        owner = np.repeat(np.arange(len(flat.question_mass)), np.diff(flat.question_term_indptr))
        by_term = np.argsort(flat.question_terms, kind="stable")  # questions stay ascending per term
        start = np.zeros(len(flat.terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(flat.question_terms, minlength=len(flat.terms)), out=start[1:])
        return owner[by_term], start

    @cached_property
    def _question_entries(self) -> tuple[np.ndarray, np.ndarray, int]:
        """For a large knowledge base: each document's question terms as one range, and each entry's question in it.

        A document's example questions are consecutive, and so are their terms: per document its first
        entry (documents + 1), per entry the number of its question within the document (0, 1, …), and
        the most questions a document has. Derived from the index when first needed (a fraction of its size).
        """
        flat = self.flat
        entry_start = flat.question_term_indptr[flat.question_start]
        per_document = np.diff(flat.question_start)
        most = int(per_document.max()) if len(per_document) else 0
        first_question = np.repeat(flat.question_start[:-1], per_document)  # per question: its document's first
        local = np.arange(len(flat.question_mass), dtype=np.int64) - first_question
        kind = np.uint8 if most <= 256 else np.uint16 if most <= 65_536 else np.int64
        entry_question = np.repeat(local.astype(kind), np.diff(flat.question_term_indptr))
        return entry_start, entry_question, most

    @cached_property
    def _question_rows(self) -> tuple[np.ndarray, np.ndarray] | None:
        """For a large knowledge base: each document's example questions as one padded block, or None (``PADDED_ROOM``).

        ``rows[d, q, t]`` is the t-th term (number) of document d's q-th question, ``len(terms)`` past its last term
        and in places past the document's last question; ``mass[d, q]`` that question's mass, 0.0 past the last
        (a place that shares no term has an overlap of 0.0 with any positive mass). Derived from the index when
        first needed (4 MiB and 0.8 MiB at 10,000 synthetic articles; not in the cache file).
        """
        flat = self.flat
        per_document = np.diff(flat.question_start)
        per_question = np.diff(flat.question_term_indptr)
        most = int(per_document.max()) if len(per_document) else 0
        width = int(per_question.max()) if len(per_question) else 0
        if len(per_document) * most * width > PADDED_ROOM * len(flat.question_terms):
            return None
        pad = len(flat.terms)
        rows = np.full((len(per_document), most, width), pad, np.uint16 if pad < 2**16 else np.int32)
        document = np.arange(len(per_document)).repeat(per_document)  # per question
        local = np.arange(len(per_question)) - flat.question_start[:-1].repeat(per_document)  # its number in the document
        question = np.arange(len(per_question)).repeat(per_question)  # per question term
        slot = np.arange(len(flat.question_terms)) - flat.question_term_indptr[:-1].repeat(per_question)
        rows[document.take(question), local.take(question), slot] = flat.question_terms
        mass = np.zeros((len(per_document), most))
        mass[document, local] = flat.question_mass
        return rows, mass

    def _candidate_similarities(
        self, query_terms: dict[int, float], query_mass: float, docs: np.ndarray, places: np.ndarray
    ) -> list[float]:
        """The question similarity of a large knowledge base: only the candidates' questions, through their terms.

        The entries that are query terms (a few hundred of a few thousand) get a key (candidate, its question,
        the term's place in the query), so one sort puts each question's shared terms in query order and one
        ``bincount`` sums their weights from 0.0 in that order, as term by term. A question that shares no term
        has a Dice overlap of 0.0, as every other has more: a candidate's best is the most of 0.0 and its
        questions that share terms. The candidates' questions are read as padded blocks (``_question_rows``:
        one gather, and an entry's question is its slot's block row) or, where those would take too much room,
        as one range of question terms per candidate.
        """
        padded = self._question_rows
        if padded is None:
            return self._ranged_similarities(query_terms, query_mass, docs, places)
        rows, masses = padded
        most, width = rows.shape[1], rows.shape[2]
        # Per slot of the candidates' blocks: 1 + the term's place in query_terms, 0 when no query term (or padding).
        place = places.take(rows.take(docs, axis=0)).ravel()
        matched = place.astype(bool).nonzero()[0]  # a bool array's ``nonzero`` is numpy's fast path
        if not len(matched):
            return [0.0] * len(docs)
        # A slot's block row (matched // width) is candidate × most + its question within the candidate.
        shared = self._shared_weights(matched // width, place.take(matched), query_terms, len(docs) * most)
        mass = masses.take(docs, axis=0)
        return cast(list[float], (2 * shared.reshape(len(docs), most) / (query_mass + mass)).max(axis=1).tolist())

    @staticmethod
    def _shared_weights(question: np.ndarray, place: np.ndarray, query_terms: dict[int, float], count: int) -> np.ndarray:
        """Per question (0..count-1), the weights of its query terms summed from 0.0 in query order.

        ``question`` and ``place`` per matched entry: its question, and 1 + its term's place in ``query_terms``.
        """
        key = question * (len(query_terms) + 1) + place
        key.sort()  # by question, then by place in the query (a question holds each term once)
        question, place = np.divmod(key, len(query_terms) + 1)
        weights = np.array([0.0, *query_terms.values()])
        return np.bincount(question, weights.take(place), count)

    def _ranged_similarities(
        self, query_terms: dict[int, float], query_mass: float, docs: np.ndarray, places: np.ndarray
    ) -> list[float]:
        """``_candidate_similarities`` through one range of question terms per candidate (a document's questions
        and their terms are consecutive), with each entry's question numbered within its document."""
        flat = self.flat
        entry_start, entry_question, most = self._question_entries
        offsets, entries, _ = ranges(entry_start, docs)
        # ``take`` gathers as indexing does, without the general indexing's set-up (about half the time here);
        # a bool array's ``nonzero`` is numpy's fast path (a uint8 array's is three times slower).
        place = places.take(flat.question_terms.take(entries))  # 1 + position in query_terms; 0: not a query term
        matched = place.astype(bool).nonzero()[0]
        if not len(matched):
            return [0.0] * len(docs)
        candidate = offsets.searchsorted(matched, "right") - 1  # the document whose range holds the entry
        question = candidate * most + entry_question.take(entries.take(matched))
        shared = self._shared_weights(question, place.take(matched), query_terms, len(docs) * most).reshape(len(docs), most)
        # Every question place of the candidates at once (fewer steps than picking the sharing ones): one that
        # shares nothing, or lies past a candidate's last question (any mass: its shared weight is 0.0), is 0.0.
        places = flat.question_start.take(docs)[:, None] + np.arange(most)
        mass = flat.question_mass.take(np.minimum(places, len(flat.question_mass) - 1))
        return cast(list[float], (2 * shared / (query_mass + mass)).max(axis=1).tolist())

    def ask(self, question: str) -> Result:
        if not question.strip():
            return Result(question, "none", None, (), empty=True)
        return decide(question, self.rank(question), self.calibration)

    @cached_property
    def _positions(self) -> dict[str, int]:
        """Article id → position (the first, should two share an id), read without decoding a cached index's articles."""
        positions: dict[str, int] = {}
        for position in range(len(self.articles)):
            positions.setdefault(self._document_id(position), position)
        return positions

    def section_for(self, article: Article, question: str) -> Section | None:
        """The section of ``article`` that answers ``question`` (for an article picked from a result list)."""
        position = self._positions.get(article.id)
        if position is None or not question.strip():
            return None
        return self._sections.best(position, self._score(read_message(question).core).query_weights)

    def by_id(self, article_id: str) -> Article | None:
        position = self._positions.get(article_id)
        return None if position is None else self.articles[position]


def _best(values: np.ndarray, count: int) -> np.ndarray:
    """Positions (int64) of the ``count`` largest non-zero values, best first; ties keep position order.

    Only a short list is sorted (a question can touch every document). The values are not negative: when
    the count-th largest of all is positive, it is the count-th largest non-zero one. A bound below it
    comes from a sample, every ``_SAMPLE_STEP``-th value (a sample's count-th largest is at most the whole
    array's), so the values at or above that bound, about count × step of them, hold every value that
    counts; a stable sort of them puts those first in the same order as a sort of exactly those would.
    """
    n = len(values)
    # Array methods rather than numpy's functions: the same operations without the functions' dispatch
    # (a few microseconds per call, on arrays of a few hundred values).
    sample = values[::_SAMPLE_STEP].copy()
    if len(sample) > count:
        sample.partition(len(sample) - count)
        bound = sample[len(sample) - count]
        if bound > 0:
            positions = (values >= bound).nonzero()[0]
            chosen = values[positions]
            if len(chosen) > 4 * count:  # a partition first: cheaper than a sort of them all
                threshold = np.partition(chosen, len(chosen) - count)[len(chosen) - count]
                kept = chosen >= threshold
                positions, chosen = positions[kept], chosen[kept]
            return cast(np.ndarray, positions[(-chosen).argsort(kind="stable")[:count]])
    threshold = np.partition(values, n - count)[n - count] if n > count else 0.0
    positions = (values >= threshold).nonzero()[0] if threshold > 0 else (values > 0).nonzero()[0]
    chosen = values[positions]
    return cast(np.ndarray, positions[(-chosen).argsort(kind="stable")[:count]])


_SAMPLE_STEP = 8  # _best's sample: cheap to take, and its bound leaves about count × step values to sort


class Choice(NamedTuple):
    """Which of the first hits the decision weighs, and what the classifier says of it."""

    position: int  # in ranking.hits
    features: Features
    verdict: Verdict


def choose(ranking: Ranking, calibration: Calibration) -> Choice:
    """The retriever's first hit, unless the text classifier clearly prefers another of the first CHOICES.

    The retriever knows the articles' words; the classifier knows how people describe
    their problems ("rotes Schloss im Browser"). Each speaks with its own score in 0..1.
    """
    if not ranking.candidates:
        return Choice(0, NO_FEATURES, NO_VERDICT)
    articles = [hit.article.id for hit in ranking.hits[: len(ranking.candidates)]]
    verdicts = calibration.verdicts(ranking.core, articles)
    position = max(
        range(len(articles)),
        key=lambda i: (ranking.hits[i].score + CLASSIFIER_PREFERENCE * verdicts[i].preference, -i),
    )
    return Choice(position, ranking.candidates[position], verdicts[position])


def topic_stands(ranking: Ranking, probability: float) -> bool:
    """The out-of-scope topic is the reply: there is one, and the decision is not all but certain of its hit."""
    return ranking.topic is not None and probability < TOPIC_OVERRULED_FROM


def tied(choice: Choice) -> bool:
    """The retriever cannot tell the chosen hit from another one: both explain the message equally well
    ("Passwort" is a keyword of both password articles). Which of them is meant is then the classifier's
    guess alone, so the reply offers them side by side instead of answering with one."""
    return choice.features.margin == 0.0


def decide(question: str, ranking: Ranking, calibration: Calibration) -> Result:
    """answer (confident), suggest (the top three probably hold it) or none.

    The probabilities come from the calibration fitted on labelled questions
    (``faqbot eval --fit``): the chosen hit's features and the text classifier's
    verdict on it; its thresholds keep wrong confident answers rare.
    A "none" result may still carry weak hits as hints.
    """
    choice = choose(ranking, calibration)
    chosen = ranking.hits[choice.position] if ranking.hits else None
    others = [hit for hit in ranking.hits if hit is not chosen and hit.score >= HINT_MIN_SCORE]
    hints = tuple(([chosen] if chosen is not None and chosen.score >= HINT_MIN_SCORE else []) + others)[:SUGGESTIONS]
    probability = calibration.answer_probability(choice.features, choice.verdict)
    if chosen is None or topic_stands(ranking, probability):
        return Result(question, "none", None, hints, topic=ranking.topic, probability=probability)
    # The probability decides, not the raw score: a long message with a story scores low on every
    # article, yet the regression may be sure (cross-validated: long messages 90.0 % → 92.4 % right).
    if probability >= calibration.answer_threshold and not tied(choice):
        section = ranking.sections[choice.position] if choice.position < len(ranking.sections) else None
        return Result(question, "answer", chosen, tuple(others[:SUGGESTIONS]), probability=probability, section=section)
    if hints and calibration.top3_probability(choice.features, choice.verdict) >= calibration.suggest_threshold:
        return Result(question, "suggest", None, hints, probability=probability)
    return Result(question, "none", None, hints, probability=probability)


_CAPITALISED_INSIDE = re.compile(r"(?<=[\w,;)] )[A-ZÄÖÜ][a-zäöüß]{3,}")


def _unknown_nouns(text: str, unknown: set[str]) -> int:
    """Nouns inside a sentence (German capitalises them) that no document knows: "Kneipenseite", "Glasfaser".

    Such a noun usually names what the question is about, so an answer that ignores it is doubtful;
    lower-case unknown words are mostly filler, dialect or typos.
    """
    return sum(1 for token in _CAPITALISED_INSIDE.findall(text) if fold(token) in unknown)


class _Explained:
    """How well each document explains one question word, and the two best of it (computed when first asked).

    Either for every document (``dense`` times ``scale``, a power of two: exact), or, for a word whose documents
    are few, only for those (``docs`` ascending, ``values``): every other document explains it 0.0.
    ``dense`` may be an array of the index: never written to.
    """

    __slots__ = ("weight", "_dense", "_scale", "_docs", "_values", "_size", "_tops")

    # Positional and without branches: one is made per word of every search.
    def __init__(
        self,
        weight: float,
        dense: np.ndarray | None,
        scale: float = 1.0,
        docs: np.ndarray | None = None,
        values: np.ndarray | None = None,
        size: int = 0,
    ):
        """``dense`` (a dense word's array) and ``scale``, or ``docs``, ``values`` and ``size`` (a sparse word's)."""
        self.weight = weight
        self._dense = dense
        self._scale = scale
        self._docs = docs
        self._values = values
        self._size = size
        self._tops: tuple[int, float, float] | None = None

    @property
    def explained(self) -> np.ndarray:
        """Every document's value (a sparse word's made when asked, for a look at all of them; a search never asks)."""
        if self._dense is not None:
            return self._dense if self._scale == 1.0 else self._dense * self._scale
        assert self._docs is not None and self._values is not None
        dense = np.zeros(self._size)
        dense[self._docs] = self._values
        return dense

    def at(self, doc: int) -> float:
        if self._docs is None:
            assert self._dense is not None
            return float(self._dense[doc] * self._scale)
        assert self._values is not None
        place = int(self._docs.searchsorted(doc))
        return float(self._values[place]) if place < len(self._docs) and self._docs[place] == doc else 0.0

    def best_other(self, doc: int) -> float:
        """The best any document but ``doc`` explains the word: the best one's value, unless that is ``doc``."""
        if self._tops is None:
            if self._docs is None:
                assert self._dense is not None
                # On the unscaled values: a product by a power of two keeps every order and tie.
                dense, scale = self._dense, self._scale
                top = int(dense.argmax())
                second = max(0.0, dense[:top].max(initial=0.0), dense[top + 1 :].max(initial=0.0))
                self._tops = (top, float(dense[top] * scale), float(second * scale))
            else:
                self._tops = self._sparse_tops()
        top, value, second = self._tops
        return second if doc == top else value

    def _sparse_tops(self) -> tuple[int, float, float]:
        """The two best as over every document: the first with the most, then the most of all others (0.0 at least)."""
        assert self._docs is not None and self._values is not None
        values = self._values
        if not len(values):
            return 0, 0.0, 0.0  # like argmax of all zeros: document 0, and nothing better elsewhere
        first = int(values.argmax())  # documents ascending: the first position of the most, as argmax over all
        others = np.delete(values, first)
        return int(self._docs[first]), float(values[first]), float(others.max()) if len(others) else 0.0


class _Plan(NamedTuple):
    """A question word resolved against the index: what it weighs and which postings explain it."""

    weight: float  # its idf (of the best known term), the unknown weight for a word no document knows
    known: bool  # some term of it is known (exactly or as a typo)
    query_terms: tuple[tuple[int, float], ...]  # known terms (number) with idf × fuzzy factor
    sparse: bool  # one term (or none) in few documents: only theirs are updated
    parts: tuple[tuple[int, int, float], ...]  # known parts: postings [start, stop) and share (factor / parts)
    whole: tuple[int, int, float] | None  # the whole compound, when known: postings [start, stop) and factor


# A plan from a tuple of its fields without the named tuple's Python-level ``__new__`` (a frame fewer per word).
_new_plan = tuple.__new__


class _Scores(NamedTuple):
    scores: dict[int, float]  # document → score 0..1 (only the candidates)
    similarities: dict[int, float]  # document → question similarity
    known_share: float  # share of the text's weight carried by words the knowledge base knows
    explained_words: list[_Explained]  # per question word: its weight, how each document explains it
    total_weight: float
    unknown_words: set[str]  # folded words no document knows
    query_terms: dict[int, float]  # vocabulary term (number) → its weight in the text
    terms: Sequence[str]  # the vocabulary: term number → term

    @property
    def query_weights(self) -> dict[str, float]:
        """Vocabulary term → its weight in the text, by name (the sections read it; a search alone never asks)."""
        terms = self.terms
        return {terms[number]: weight for number, weight in self.query_terms.items()}

    def lead(self, doc: int, over: int) -> float:
        """Share of the text's weight in words that ``doc`` explains, and explains better than ``over`` does."""
        if not self.total_weight:
            return 0.0
        lead = 0.0
        for word in self.explained_words:
            own = word.at(doc)
            if own >= FOREIGN_MIN_EXPLAINED:
                lead += word.weight * max(0.0, own - word.at(over))
        return lead / self.total_weight

    def foreign_share(self, doc: int) -> float:
        """Share of the text's weight in words that ``doc`` does not explain but another document does.

        Such words name another topic ("FTP-Passwort vergessen" for the mailbox-password
        article), unlike filler that no document knows.
        """
        if not self.total_weight:
            return 0.0
        foreign = 0.0
        for word in self.explained_words:
            own = word.at(doc)
            best_other = word.best_other(doc)
            if best_other >= FOREIGN_MIN_EXPLAINED:
                foreign += word.weight * max(0.0, best_other - own)
        return foreign / self.total_weight


class _Document(NamedTuple):
    """What the index reads of an article or a topic."""

    id: str
    title: str
    keywords: tuple[str, ...]
    questions: tuple[str, ...]
    text: str

    @classmethod
    def of_article(cls, article: Article) -> _Document:
        return cls(article.id, article.title, article.keywords, article.questions, article.text)

    @classmethod
    def of_topic(cls, topic: Topic) -> _Document:
        # Each of a topic's words ("FTP-Passwort") also serves as a tiny example question, so a topic
        # is scored like an article: "FTP Passwort ändern" is close to it, "Passwort" alone is not.
        return cls("~" + topic.id, topic.title, topic.words, topic.questions + topic.words, "")
