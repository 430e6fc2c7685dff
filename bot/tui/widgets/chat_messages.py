"""The messages of the customer chat: what the customer wrote and what the bot replied."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from faqbot.bot.dialog import Reply
from faqbot.bot.tui.widgets.markdown_text import MarkdownText
from faqbot.kb.article import Article
from faqbot.kb.sections import Section


class ReplyOptions(OptionList):
    """A reply's option list (sections, suggestions, topics) that lays out its lines once, when first drawn.

    OptionList does so when mounted, and looking up its place between mounts arranges the whole conversation
    (some 25 ms a turn; README: "Performance"); the base classes' mount handlers have nothing to do before
    the first layout (scroll bars shown only for overflow "scroll")."""

    _sized = False

    def _on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # the handlers of the classes below are not called

    def on_resize(self, event: events.Resize) -> None:
        # OptionList drops its laid-out lines at every resize; the first comes from the layout that first
        # places the list, whose paint has just laid them out at this size.
        if not self._sized:
            self._sized = True
            event.prevent_default()


class ReplyButton(Button):
    """A reply's button, styled once, when mounted.

    Button's constructor sets its variant and look as classes, and each class change restyles a widget (a walk
    of the whole stylesheet), before it is even in the app: three walks per button that the mount repeats
    anyway (~1 ms each button; README: "Performance")."""

    def update_node_styles(self, animate: bool = True) -> None:
        if self.is_attached:  # once mounted, a class change (disabled, pressed) restyles it as before
            super().update_node_styles(animate)


class UserMessage(Static):
    """The customer's text, shown exactly as typed (never read as markup)."""

    def __init__(self, text: str) -> None:
        super().__init__(Content(text), classes="user-message", markup=False)
        self.text = text


class BotMessage(Vertical):
    """One reply of the bot: plain wording, an article, suggestions or the fallback."""

    class ArticlePicked(Message):
        def __init__(self, article: Article, turn_id: int | None) -> None:
            super().__init__()
            self.article = article
            self.turn_id = turn_id

    class CategoryPicked(Message):
        def __init__(self, category: str) -> None:
            super().__init__()
            self.category = category

    class FeedbackGiven(Message):
        def __init__(self, reply: Reply, helpful: bool, turn_id: int | None, typed: str | None = None) -> None:
            super().__init__()
            self.reply = reply
            self.helpful = helpful
            self.turn_id = turn_id
            self.typed = typed  # what the customer typed instead of clicking („ja“, „hat nicht geholfen“), if so

    class SectionShown(Message):
        """Another section (None: the whole article) of an answer is now shown."""

        def __init__(self, article: Article, section: Section | None) -> None:
            super().__init__()
            self.article = article
            self.section = section

    class HelperRequested(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(
        self,
        reply: Reply,
        categories: list[str] | None = None,
        *,
        turn_id: int | None = None,
        helper_title: str | None = None,
    ) -> None:
        super().__init__(classes=f"bot-message {reply.kind}")
        self.reply = reply
        self.categories = categories or []
        self.turn_id = turn_id  # this reply's turn in the conversation log
        self.helper_title = helper_title  # the article's helper as the app offers it; None: no button

    def compose(self) -> ComposeResult:
        reply = self.reply
        if reply.article is not None:
            yield MarkdownText(self._article_markdown(reply.section), classes="article-body")
            if reply.section is not None:
                # The passage that answers comes first; the rest of the article is one key away.
                yield ReplyOptions(*self._section_options(reply.section), classes="sections")
            if self.helper_title is not None:
                yield ReplyButton(f"{self.helper_title} öffnen", id="open-helper", classes="helper-button")
            with Horizontal(classes="feedback"):
                yield Label("War das hilfreich?")
                yield ReplyButton("Ja", id="helpful-yes", variant="success")
                yield ReplyButton("Nein", id="helpful-no", variant="error")
        elif reply.text:
            yield MarkdownText(reply.text, classes="bot-text")
        options = [Option(Content(article.title), id=f"article:{article.id}") for article in reply.suggestions]
        if reply.kind == "none":
            options += [Option(Content(f"Thema: {category}"), id=f"category:{category}") for category in self.categories]
        if options and reply.article is None:
            yield ReplyOptions(*options, classes="choices")

    def _article_markdown(self, section: Section | None) -> str:
        article = self.reply.article
        assert article is not None
        if section is None:
            return article.titled_markdown
        return f"# {article.title}\n\n{section.markdown}"

    def _section_options(self, shown: Section | None) -> list[Option]:
        article = self.reply.article
        assert article is not None
        options = [Option(Content("▸ Ganzen Artikel zeigen"), id="section:")] if shown is not None else []
        options += [
            Option(Content(f"▸ {section.heading}"), id=f"section:{section.anchor}")
            for section in article.sections
            if section.heading and section is not shown
        ]
        return options

    @on(OptionList.OptionSelected, ".sections")
    def _section_picked(self, event: OptionList.OptionSelected) -> None:
        """Show another section of the answer, or the whole article, in place."""
        event.stop()
        article = self.reply.article
        assert article is not None
        anchor = (event.option.id or "").partition(":")[2]
        section = next((s for s in article.sections if s.heading and s.anchor == anchor), None)
        self.query_one(".article-body", MarkdownText).update(self._article_markdown(section))
        options = event.option_list
        options.clear_options()
        options.add_options(self._section_options(section))
        options.display = options.option_count > 0
        self.post_message(self.SectionShown(article, section))

    @on(OptionList.OptionSelected, ".choices")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        kind, _, value = (event.option.id or "").partition(":")
        if kind == "article":
            article = next(a for a in self.reply.suggestions if a.id == value)
            self.post_message(self.ArticlePicked(article, self.turn_id))
        elif kind == "category":
            self.post_message(self.CategoryPicked(value))

    @on(Button.Pressed, "#helpful-yes, #helpful-no")
    def _feedback(self, event: Button.Pressed) -> None:
        event.stop()
        self.give_feedback(event.button.id == "helpful-yes")

    def _feedback_buttons(self) -> list[Button]:
        return list(self.query(".feedback Button").results(Button))

    @property
    def awaits_feedback(self) -> bool:
        """An answer whose „Ja“ / „Nein“ has not been given yet."""
        return any(not button.disabled for button in self._feedback_buttons())

    def give_feedback(self, helpful: bool, typed: str | None = None) -> None:
        """„Ja“ or „Nein“, clicked or typed: the buttons are locked, the screen replies and logs it."""
        for button in self._feedback_buttons():
            button.disabled = True
        self.post_message(self.FeedbackGiven(self.reply, helpful, self.turn_id, typed))

    @on(Button.Pressed, "#open-helper")
    def _open_helper(self, event: Button.Pressed) -> None:
        event.stop()
        if self.reply.article and self.reply.article.helper:
            self.post_message(self.HelperRequested(self.reply.article.helper))
