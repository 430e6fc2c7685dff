"""Every validation problem, each from its own small article file."""

from __future__ import annotations

from conftest import VALID_FRONT
from faqbot.kb.loader import load_articles


def problems_of(folder):
    return [str(problem) for problem in load_articles(folder).problems]


def test_valid_article_loads(write_article):
    folder = write_article("a.md", VALID_FRONT.format(id="a"))
    result = load_articles(folder)
    assert result.ok
    (article,) = result.articles
    assert article.questions == ("Erste Frage?",)
    assert article.body.startswith("# Überschrift")
    assert article.text == "Überschrift\nText des Artikels."


def test_unreadable_file(tmp_path):
    (tmp_path / "kaputt.md").mkdir()  # a folder named like an article cannot be read as a file
    (problem,) = problems_of(tmp_path)
    assert problem.startswith(f"{tmp_path / 'kaputt.md'}:1: Datei kann nicht gelesen werden")


def test_not_utf8_names_the_line(write_article):
    text = VALID_FRONT.format(id="a").replace("Text des Artikels.", "Text mit Umlaut \xe4.").encode("latin-1")
    folder = write_article("a.md", text)
    (problem,) = problems_of(folder)
    # the heading "Überschrift" in line 12 is the first byte that is not UTF-8
    assert problem.endswith(
        "a.md:12: Die Datei ist nicht in UTF-8 gespeichert (ungültiges Byte 0xdc). Bitte speichern Sie sie als UTF-8."
    )


def test_missing_front_matter(write_article):
    folder = write_article("a.md", "# Nur Text\n")
    (problem,) = problems_of(folder)
    assert problem.endswith(
        "a.md:1: Front Matter fehlt: Die Datei muss mit einer Zeile „---“ beginnen, gefolgt von den Feldern und einer weiteren Zeile „---“."
    )


def test_unterminated_front_matter(write_article):
    folder = write_article("a.md", "---\nid: a\ntitle: x\n\nText\n")
    (problem,) = problems_of(folder)
    assert "a.md:1: Front Matter ist nicht abgeschlossen" in problem


def test_yaml_error_names_its_line(write_article):
    text = VALID_FRONT.format(id="a").replace("category: Test", "category: [Test")
    folder = write_article("a.md", text)
    (problem,) = problems_of(folder)
    assert "a.md:5: YAML-Fehler im Front Matter" in problem


def test_missing_fields(write_article):
    text = "---\nkeywords: [x]\n---\n\n"
    folder = write_article("a.md", text)
    found = problems_of(folder)
    for field in ("id", "title", "category", "questions"):
        assert any(f"Pflichtfeld „{field}“ fehlt" in p for p in found), field
    assert any("Der Artikeltext fehlt" in p for p in found)


def test_empty_fields(write_article):
    text = VALID_FRONT.format(id="a").replace("title: Ein Titel", 'title: "  "').replace("  - Erste Frage?", "")
    text = text.replace("questions:\n", "questions: []\n")
    folder = write_article("a.md", text)
    found = problems_of(folder)
    assert any(":3: Das Feld „title“ ist leer." in p for p in found)
    assert any(":5: Das Feld „questions“ ist leer" in p for p in found)


def test_wrong_types(write_article):
    text = (
        VALID_FRONT.format(id="a")
        .replace("title: Ein Titel", "title: 42")
        .replace("questions:\n  - Erste Frage?", "questions: Nur eine Frage")
    )
    text = text.replace("  - eins", "  - [verschachtelt]")
    folder = write_article("a.md", text)
    found = problems_of(folder)
    assert any(":3: Das Feld „title“ muss ein Text sein, nicht eine Zahl." in p for p in found)
    assert any("Das Feld „questions“ muss eine Liste sein" in p for p in found)
    assert any("Ein Eintrag in „keywords“ muss ein Text sein, nicht eine Liste." in p for p in found)


def test_id_must_match_file_name(write_article):
    folder = write_article("anders.md", VALID_FRONT.format(id="a"))
    (problem,) = problems_of(folder)
    assert "anders.md:2:" in problem
    assert "anders.md:2: Die id „a“ passt nicht zum Dateinamen: Die Datei muss „a.md“ heißen" in problem


def test_duplicate_id_is_reported_and_first_kept(tmp_path):
    (tmp_path / "a.md").write_text(VALID_FRONT.format(id="a"), encoding="utf-8")
    (tmp_path / "b.md").write_text(VALID_FRONT.format(id="a"), encoding="utf-8")
    result = load_articles(tmp_path)
    assert [article.path.name for article in result.articles] == ["a.md"]
    found = [str(p) for p in result.problems]
    assert any("b.md:2: Die id „a“ passt nicht zum Dateinamen" in p for p in found)
    assert any(f"b.md:2: Die id „a“ ist doppelt: Sie wird schon in {tmp_path / 'a.md'} verwendet." in p for p in found)


def test_unknown_related_is_reported_but_article_kept(write_article):
    text = VALID_FRONT.format(id="a").replace("related: []", "related:\n  - gibt-es-nicht")
    folder = write_article("a.md", text)
    result = load_articles(folder)
    assert [a.id for a in result.articles] == ["a"]
    assert result.articles[0].related == ()
    (problem,) = [str(p) for p in result.problems]
    assert "a.md:10: Unbekannter verwandter Artikel „gibt-es-nicht“ in related." in problem


def test_unknown_helper_suggests_the_right_one(write_article):
    text = VALID_FRONT.format(id="a").replace("related: []", "related: []\nhelper: sfp")
    folder = write_article("a.md", text)
    (problem,) = problems_of(folder)
    assert "a.md:10: Unbekannter Helfer „sfp“. Möglich sind: ports, spf. Meinten Sie „spf“?" in problem


def test_unknown_field_suggests_the_right_one(write_article):
    text = VALID_FRONT.format(id="a").replace("keywords:", "keywrods:")
    folder = write_article("a.md", text)
    (problem,) = problems_of(folder)
    assert "a.md:7: Unbekanntes Feld „keywrods“. Meinten Sie „keywords“?" in problem


def test_repeated_field(write_article):
    text = VALID_FRONT.format(id="a").replace("category: Test", "category: Test\ncategory: Noch einmal")
    folder = write_article("a.md", text)
    (problem,) = problems_of(folder)
    assert "a.md:5: Das Feld „category“ steht mehrfach im Front Matter (zuerst in Zeile 4)." in problem


def test_every_problem_of_every_file_is_reported_and_good_files_load(tmp_path):
    (tmp_path / "gut.md").write_text(VALID_FRONT.format(id="gut"), encoding="utf-8")
    (tmp_path / "schlecht.md").write_text("---\ntitle: 1\n---\n", encoding="utf-8")
    (tmp_path / "kaputt.md").write_text("kein front matter", encoding="utf-8")
    result = load_articles(tmp_path)
    assert [a.id for a in result.articles] == ["gut"]
    files = {problem.path.name for problem in result.problems}
    assert files == {"schlecht.md", "kaputt.md"}
    assert len([p for p in result.problems if p.path.name == "schlecht.md"]) >= 4


def test_missing_folder(tmp_path):
    (problem,) = problems_of(tmp_path / "nicht-da")
    assert problem.endswith("Der Artikelordner existiert nicht oder ist kein Ordner.")


def test_error_texts_are_read_and_checked(write_article):
    folder = write_article(
        "a.md", VALID_FRONT.format(id="a").replace("related: []", 'related: []\nerrors:\n  - "552 5.2.2"\n  - "550"\n  - 42')
    )
    result = load_articles(folder)
    messages = [str(problem) for problem in result.problems]
    assert any(":12: Der Fehlertext „550“ ist zu kurz" in m for m in messages), messages
    assert any(":13: Ein Eintrag in „errors“ muss ein Text sein" in m for m in messages), messages


def test_good_error_texts_reach_the_article(write_article):
    folder = write_article("a.md", VALID_FRONT.format(id="a").replace("related: []", "related: []\nerrors: [OVERQUOTA]"))
    (article,) = load_articles(folder).articles
    assert article.errors == ("OVERQUOTA",)


def test_out_of_scope_topics_are_validated_like_articles(write_article):
    folder = write_article("a.md", VALID_FRONT.format(id="a"))
    (folder / "out-of-scope.yaml").write_text(
        "ftp:\n  title: FTP\n  words: [FTP, 21]\n  reply: Fragen Sie den Support.\n"
        "Böse Id:\n  title: X\n  words: [x]\n  reply: y\n"
        "ohne-antwort:\n  title: X\n  words: [x]\n  antwort: y\n",
        encoding="utf-8",
    )
    result = load_articles(folder)
    assert [topic.id for topic in result.topics] == ["ftp"]
    assert result.topics[0].words == ("FTP", "21")
    messages = [str(problem) for problem in result.problems]
    assert any("out-of-scope.yaml:5: Die Themen-id „Böse Id“ ist ungültig" in m for m in messages), messages
    assert any("out-of-scope.yaml:12: Unbekanntes Feld „antwort“" in m for m in messages), messages
    assert any("Pflichtfeld „reply“ fehlt" in m for m in messages), messages


def test_a_broken_topics_file_costs_the_topics_only(write_article):
    folder = write_article("a.md", VALID_FRONT.format(id="a"))
    (folder / "out-of-scope.yaml").write_text("ftp: [unclosed\n", encoding="utf-8")
    result = load_articles(folder)
    assert [a.id for a in result.articles] == ["a"] and result.topics == ()
    assert any("out-of-scope.yaml" in str(problem) for problem in result.problems)


def _node_tree(node):
    """What the loader reads of a YAML node: tag, value and the line each value starts on."""
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return node.tag, node.value, node.start_mark.line
    pairs = node.value if isinstance(node, yaml.MappingNode) else [(item, None) for item in node.value]
    return node.tag, node.start_mark.line, [(_node_tree(k), v and _node_tree(v)) for k, v in pairs]


def test_libyaml_and_pythons_parser_give_the_same_nodes_and_depth_limit():
    """The loader parses with libyaml when PyYAML has it, else with PyYAML's own parser: both must read alike."""
    from faqbot.kb import loader
    from faqbot.kb.location import shipped_articles_dir

    assert loader._Loader is not loader._PythonLoader  # PyYAML's wheels carry libyaml: the fast path is what runs
    sources = [path.read_text(encoding="utf-8") for path in sorted(shipped_articles_dir().iterdir())]
    fronts = [text.split("\n---\n")[0].removeprefix("---\n") for text in sources]
    for front in fronts:
        fast = loader._compose(front, 1, loader._FileProblems("a.md"))
        plain = loader._compose(front, 1, loader._FileProblems("a.md"), loader._PythonLoader)
        assert fast is not None and _node_tree(fast) == _node_tree(plain)
    for broken, line in [("a: [" * 30, 1), ("id: a\ntitle: b: c\n", 2), ("id: a\nx: *nirgends\n", 2)]:
        said = []
        for parser in (loader._Loader, loader._PythonLoader):
            problems = loader._FileProblems("a.md")
            assert loader._compose(broken, 1, problems, parser) is None
            (problem,) = problems
            assert problem.line == line and "YAML-Fehler im Front Matter" in problem.message
            said.append(problem.message)
        assert ("Ebenen" in said[0]) == ("Ebenen" in said[1])
