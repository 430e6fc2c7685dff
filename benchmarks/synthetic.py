"""A synthetic knowledge base of many articles, for measuring speed at scale.

The words are the shipped articles' own words mixed with generated German-like
words, so term statistics (shared and rare terms, compounds) resemble a real KB.
"""

from __future__ import annotations

import random

from faqbot.kb.article import Article
from faqbot.kb.loader import load_articles
from faqbot.kb.location import shipped_articles_dir
from faqbot.kb.text import words

SYLLABLES = "ab an be da de ein er ge hal kon la le mail post fach netz wort ser ver zer ti fi kat sen dung lei tung".split()


def _made_up_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def generate(count: int, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    real = sorted({w for a in load_articles(shipped_articles_dir()).articles for w in words(a.text)})
    made_up = sorted({_made_up_word(rng) for _ in range(count * 3)})
    vocabulary = real + made_up

    def sentence(length: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(length)).capitalize()

    articles = []
    for number in range(count):
        topic = rng.sample(made_up, 3)
        questions = tuple(f"{sentence(rng.randint(2, 6))} {rng.choice(topic)}?" for _ in range(10))
        body = "\n\n".join(f"{sentence(rng.randint(8, 20))} {' '.join(topic)}." for _ in range(rng.randint(3, 10)))
        articles.append(
            Article(
                id=f"artikel-{number}",
                title=f"{' '.join(topic).title()} {sentence(3)}",
                category=f"Kategorie {number % 12}",
                questions=questions,
                keywords=tuple(topic),
                related=(),
                helper=None,
                body=body,
                text=body,
            )
        )
    return articles


def sample_questions(articles: list[Article], count: int, seed: int = 11) -> list[str]:
    """Questions as a customer would type them: an article's question, sometimes with a typo."""
    rng = random.Random(seed)
    questions = []
    for _ in range(count):
        question = rng.choice(rng.choice(articles).questions)
        if rng.random() < 0.3 and len(question) > 6:
            cut = rng.randrange(1, len(question) - 1)
            question = question[:cut] + question[cut + 1 :]
        questions.append(question)
    return questions
