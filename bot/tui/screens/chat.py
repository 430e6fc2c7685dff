"""The customer chat: questions at the bottom, the conversation above it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime

from textual import messages, on, work
from textual._compositor import Compositor, ReflowResult
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Input, Label, Static

from faqbot.bot import wording
from faqbot.bot.dialog import MAX_MESSAGE_CHARS, Dialog, Reply, categories, feedback_verdict
from faqbot.bot.log.store import ConversationLog
from faqbot.bot.tui import collector
from faqbot.bot.tui.helper_screens import HelperScreens, find
from faqbot.bot.tui.widgets.archive import Archive, ArchivedMessage, ArchivedQuestion, ArchivedReply
from faqbot.bot.tui.widgets.chat_messages import BotMessage, ReplyButton, ReplyOptions, UserMessage
from faqbot.bot.tui.widgets.footer import SteadyFooter
from faqbot.bot.tui.widgets.history_input import HistoryInput
from faqbot.bot.tui.widgets.markdown_text import MarkdownText
from faqbot.kb.article import Article

# Replies kept as live widgets (buttons, lists, sections); older ones are frozen to one static renderable
# each, so mounting an answer stays as quick at the 50th turn as at the first: every live Markdown
# widget is dozens of widgets that each re-layout walks (benchmarks/bench_chat.py; README: "Performance").
LIVE_REPLIES = 4
# Frozen replies (with the questions before them) are kept in groups of ARCHIVE_GROUP: a group that no longer
# changes keeps its arrangement cached, so each turn lays out a few groups rather than every old message.
ARCHIVE_GROUP = 8
# How long the question waits to be drawn together with its answer (one layout and paint, not two); an
# answer that takes longer comes after the question and a "…".
ANSWER_GRACE = 0.05
# Longest wait for the conversation's queue before an answer is laid out (_place_reply); it takes well under 1 ms.
SETTLE_TIMEOUT = 1.0


class ChatScreen(Screen[None]):
    CSS_PATH = "chat.tcss"
    BINDINGS = [
        Binding("ctrl+l", "clear", "Leeren"),
        Binding("ctrl+s", "save_transcript", "Gespräch speichern"),
    ]

    class ReplyReady(Message):
        def __init__(self, question: Widget, placeholder: Static, reply: Reply) -> None:
            super().__init__()
            self.question = question
            self.placeholder = placeholder  # shown only while a late answer is looked up
            self.reply = reply

    class TurnLogged(Message):
        """A reply's turn is in the conversation log (for its feedback and picks); sent after ReplyReady."""

        def __init__(self, reply: Reply, turn_id: int) -> None:
            super().__init__()
            self.reply = reply
            self.turn_id = turn_id

    def __init__(
        self,
        dialog: Dialog,
        conversation_log: ConversationLog | None,
        helper_screens: HelperScreens,
        save_text: Callable[[str, str], None],
        *,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self._compositor = _Compositor()
        self.dialog = dialog
        self.conversation_log = conversation_log  # None: --no-log
        self.helper_screens = helper_screens
        self.save_text = save_text  # (file name, text): into a folder or, served, as a download
        self.cursor_blink = cursor_blink
        self.transcript: list[tuple[str, str]] = []  # (speaker, Markdown), the whole conversation
        self._reveal: Callable[[], object] | None = None  # scrolls to the reply being mounted, at its layout
        self._laid_out_at = 0.0  # when the last full layout began (Message.time's clock)
        self._conversation = VerticalScroll(id="conversation")
        self._warming_up = threading.Lock()  # held while the index answers its first question (_warm_up)

    def compose(self) -> ComposeResult:
        yield Header()
        yield self._conversation
        yield HistoryInput(
            placeholder="Ihre Frage zum E-Mail-Dienst …",
            id="question",
            max_length=MAX_MESSAGE_CHARS,
            cursor_blink=self.cursor_blink,
        )
        yield SteadyFooter()

    @property
    def conversation(self) -> VerticalScroll:
        return self._conversation

    def on_mount(self) -> None:
        self.conversation.anchor()
        self._greet()
        self._back_to_question()
        self.call_after_refresh(self._prepare_first_answer)

    def _prepare_first_answer(self) -> None:
        """What the first answer would wait for, done while the greeting is read (README: "Performance")."""
        self._learn_reply_styles()
        self._warm_up()

    @work(thread=True, group="warm-up", exit_on_error=False)
    def _warm_up(self) -> None:
        """One question to the index, answered to no one: the first loads the calibration, the error
        patterns and a section index (~120 ms), which the customer's first answer would otherwise wait for.
        Should it fail, the customer's first question meets the same error, as it did without this."""
        with self._warming_up:
            articles = self.dialog.index.articles
            if articles:
                self.dialog.reply(articles[0].title)

    def _learn_reply_styles(self) -> None:
        """Read the default CSS of the widgets an answer brings, once the greeting is on screen.

        Textual adds a widget class's default CSS when its first instance is mounted and then parses the
        whole stylesheet again (~40 ms): the first answer (buttons, section list) would wait for that."""
        stylesheet = self.app.stylesheet
        for widget in (ReplyButton(), Label(), ReplyOptions()):  # what a reply composes beyond the greeting
            for read_from, css, tie_breaker, scope in widget._get_default_css():
                stylesheet.add_source(css, read_from=read_from, is_default_css=True, tie_breaker=tie_breaker, scope=scope)
        stylesheet.rules  # noqa: B018 -- parsed now, not at the first answer

    def _back_to_question(self) -> None:
        """Whatever the customer clicked in the conversation, the next keys they type are a question."""
        self.query_one("#question").focus()

    def _greet(self) -> None:
        self._show(self.dialog.greeting())

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        """Textual's layout, made and painted once per answer rather than three times (README: "Performance").

        A full layout arranges every widget as it is now. Yet each widget whose size it changed then asks for
        another layout and paint, as does each widget that asked before the layout and was not yet heard, and
        Textual would arrange and draw everything the same way again (the new reply, the conversation's grown
        height); then it would scroll to the new reply and paint once more. Here the layout is arranged, the
        new reply scrolled to, and all of it painted once, with whatever the layout asked to repaint (the
        scroll bar). Another layout changes something only where a scroll bar appears or goes, so only those
        requests are kept."""
        if (scroll and not self._layout_widgets) or not self.conversation.is_mounted:  # nothing to save
            super()._refresh_layout(size, scroll)
            return
        # Requests not yet heard, from the conversation's mounted widgets, are answered by this layout once
        # their arrangements are cleared (what Textual does when it hears them); others (a footer being
        # composed) are left to Textual.
        self._laid_out_at = Message().time  # the conversation's Layout messages sent before this are answered
        conversation = self.conversation
        waiting = set()
        for widget in conversation.walk_children(Widget, with_self=True):
            if widget._layout_required or widget._repaint_required:
                if widget._is_mounted:
                    _forget_arrangements(widget)
                else:
                    waiting.add(widget)
        with self.app.batch_update():  # arranged, not painted
            super()._refresh_layout(size, scroll)
        reveal, self._reveal = self._reveal, None
        if reveal is not None:
            reveal()
            conversation._scroll_required = False  # scrolled in the paint below
        answered = [
            part
            for widget in conversation.walk_children(Widget, with_self=True)
            if widget not in waiting
            for part in (widget, *widget._get_virtual_dom())  # with its scroll bars
        ]
        self._dirty_widgets.update(part for part in answered if part._repaint_required)
        super()._refresh_layout(size, scroll=True)  # the visible part arranged as scrolled, and painted
        for part in answered:  # asked for by the layout or by painting (an option list's new size)
            part._repaint_required = False
            if part._layout_required and not _scroll_bars_change(part):
                part._layout_required = False

    async def _on_layout(self, message: messages.Layout) -> None:
        if message.time < self._laid_out_at and self.conversation in message.widget.ancestors_with_self:
            message.prevent_default()  # asked for before the last full layout, which made it

    # --- the conversation -------------------------------------------------

    def _bot_message(self, reply: Reply, turn_id: int | None = None) -> BotMessage:
        helper = find(self.helper_screens, reply.article.helper) if reply.article else None
        return BotMessage(reply, categories(self.dialog.index), turn_id=turn_id, helper_title=helper.title if helper else None)

    def _reveal_when_laid_out(self, message: BotMessage) -> None:
        """Scroll to a new reply in the layout that places it (_refresh_layout), not in a frame of its own."""
        conversation = self.conversation
        if message.reply.article is not None:
            # An answer is read from its top: show its beginning rather than its feedback buttons.
            self._reveal = lambda: conversation.scroll_to_widget(message, top=True, animate=False, immediate=True)
        else:
            # Short replies end the conversation; after a long answer was shown from its top, the view
            # no longer follows the end by itself, and the reply would appear out of sight.
            self._reveal = lambda: conversation.scroll_end(animate=False, immediate=True)

    def _answer_awaiting_feedback(self) -> BotMessage | None:
        """The conversation's last reply, when it is an answer whose „Ja“ / „Nein“ is still open."""
        replies = self.conversation.query_children(BotMessage)
        last = replies.last() if replies else None
        return last if last is not None and last.awaits_feedback else None

    def _show(self, reply: Reply) -> BotMessage:
        message = self._bot_message(reply)
        self._reveal_when_laid_out(message)
        self.conversation.mount(message)
        self._record_reply(reply)
        return message

    def _record_reply(self, reply: Reply) -> list[Awaitable[object]]:
        """The reply in the transcript, older ones frozen; what to await for the widgets to be in place."""
        self.transcript.append(("Bot", _reply_markdown(reply)))
        return self._freeze_old_replies()

    def _freeze_old_replies(self) -> list[Awaitable[object]]:
        """All but the last LIVE_REPLIES replies become static text: what they said stays, their buttons go.
        They move, with the questions before them, into the newest archive group (one widget)."""
        old = list(self.conversation.query_children(BotMessage))[:-LIVE_REPLIES]
        if not old:
            return []
        children = list(self.conversation.children)
        moving = [child for child in children[: children.index(old[-1]) + 1] if not isinstance(child, Archive)]
        archives = list(self.conversation.query_children(Archive))
        archived = _archived(moving)
        pending: list[Awaitable[object]] = []
        if archives and _replies_in(archives[-1].messages) + len(old) <= ARCHIVE_GROUP:
            archives[-1].add(archived)
        else:
            pending.append(self.conversation.mount(Archive(archived), before=moving[0]))
        pending.append(self.conversation.remove_children(moving))
        return pending

    @on(Input.Submitted, "#question")
    async def _ask(self, event: Input.Submitted) -> None:
        text = event.value
        field = self.query_one("#question", HistoryInput)
        field.remember(text)
        if not text.strip():
            field.value = ""
            return
        question = Horizontal(UserMessage(text), classes="user-row")
        waiting = self._answer_awaiting_feedback()
        helpful = feedback_verdict(text) if waiting is not None else None
        if waiting is not None and helpful is not None:  # „ja“ typed under „War das hilfreich?“: feedback, not a question
            field.value = ""
            await self.conversation.mount(question)
            waiting.give_feedback(helpful, typed=text)
            return
        self.transcript.append(("Sie", text))
        # A plain Static while a late answer is looked up: one widget to lay out, not a whole reply's.
        placeholder = Static("…", classes="static-reply waiting", markup=False)
        answered = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._answer(text, question, placeholder, lambda: loop.call_soon_threadsafe(answered.set))
        # Nothing is drawn until the question is mounted and, if it comes within ANSWER_GRACE, its answer
        # is queued: _reply_ready then mounts it before the screen is idle, so it is all one layout and paint.
        with self.app.batch_update():
            field.value = ""
            await self.conversation.mount(question)
            try:
                await asyncio.wait_for(answered.wait(), ANSWER_GRACE)
            except TimeoutError:
                await self.conversation.mount(placeholder, after=question)

    @work(thread=True, group="answers")
    def _answer(self, text: str, question: Widget, placeholder: Static, answered: Callable[[], object]) -> None:
        # Runs off the event loop (retrieval and the log's disk write); the handlers below own the conversation.
        with self._warming_up:  # a question typed at once waits for what it would have loaded itself
            pass
        reply = self.dialog.reply(text)
        self.post_message(self.ReplyReady(question, placeholder, reply))
        answered()
        # The log's disk write after the answer is on its way: the customer does not wait for it.
        log = self.conversation_log
        if log is not None and reply.kind != "empty":
            turn_id = log.record(text, reply.kind, article_id=reply.logged_article_id, score=reply.score)
            if turn_id is not None:  # None: the log is off (it failed)
                self.post_message(self.TurnLogged(reply, turn_id))

    @work(thread=True, group="log")
    def _log_feedback(self, turn_id: int, helpful: bool) -> None:
        if self.conversation_log is not None:
            self.conversation_log.record_feedback(turn_id, helpful)

    @work(thread=True, group="log")
    def _log_pick(self, turn_id: int, article_id: str) -> None:
        if self.conversation_log is not None:
            self.conversation_log.record_pick(turn_id, article_id)

    @on(ReplyReady)
    async def _reply_ready(self, event: ReplyReady) -> None:
        with collector.deferred():
            await self._place_reply(event)

    async def _place_reply(self, event: ReplyReady) -> None:
        after = event.placeholder if event.placeholder.is_attached else event.question
        if not after.is_attached:  # the conversation was cleared meanwhile
            return
        message = self._bot_message(event.reply)
        conversation = self.conversation
        self._reveal_when_laid_out(message)
        # Mounted with its parts, placeholder removed and old replies frozen before the screen is drawn again:
        # one layout and one paint for all of it.
        with self.app.batch_update():
            pending: list[Awaitable[object]] = [conversation.mount(message, after=after)]
            if after is event.placeholder:
                pending.append(event.placeholder.remove())
            pending += self._record_reply(event.reply)
            for done in pending:  # all in place before the layout below
                await done
            # Textual awaits each mount once more from the conversation's own queue and then asks for the
            # conversation to be laid out and painted again: heard before the layout below (which answers it),
            # not as a second layout and paint after it (on the first turns, ~30 ms each).
            settled = asyncio.Event()
            conversation.call_next(settled.set)  # after the mounts' callbacks, which that queue holds
            with suppress(TimeoutError):  # a queue that no longer runs must not hold the reply back
                await asyncio.wait_for(settled.wait(), SETTLE_TIMEOUT)
        if self.is_current and not self.app._batch_count:
            # Laid out and painted now rather than at the screen's next update tick (up to 1/60 s later); the
            # layout requests waiting for that tick are answered by this layout (_refresh_layout, _on_layout).
            self._refresh_layout()
            self._layout_required = False

    @on(TurnLogged)
    def _turn_logged(self, event: TurnLogged) -> None:
        for message in self.conversation.query_children(BotMessage):
            if message.reply is event.reply:
                message.turn_id = event.turn_id

    def show_article(self, article: Article) -> None:
        """Show an article as the bot's answer (picked from a list or the command palette)."""
        self._show(self.dialog.article_reply(article))

    @on(BotMessage.ArticlePicked)
    def _article_picked(self, event: BotMessage.ArticlePicked) -> None:
        self.transcript.append(("Sie", f"(gewählt: {event.article.title})"))
        if event.turn_id is not None:
            self._log_pick(event.turn_id, event.article.id)
        self.show_article(event.article)
        self._back_to_question()

    @on(BotMessage.CategoryPicked)
    def _category_picked(self, event: BotMessage.CategoryPicked) -> None:
        self._show(self.dialog.category_reply(event.category))
        self._back_to_question()

    @on(BotMessage.FeedbackGiven)
    def _feedback(self, event: BotMessage.FeedbackGiven) -> None:
        if event.turn_id is not None:
            self._log_feedback(event.turn_id, event.helpful)
        self.transcript.append(("Sie", event.typed or (wording.FEEDBACK_YES if event.helpful else wording.FEEDBACK_NO)))
        self._show(self.dialog.feedback(event.reply, event.helpful))
        self._back_to_question()

    @on(BotMessage.SectionShown)
    def _section_shown(self, event: BotMessage.SectionShown) -> None:
        self._back_to_question()

    @on(BotMessage.HelperRequested)
    def _open_helper(self, event: BotMessage.HelperRequested) -> None:
        helper = find(self.helper_screens, event.name)
        if helper is not None:
            self.app.push_screen(helper.make_screen())

    # --- keys -----------------------------------------------------------------

    async def action_clear(self) -> None:
        await self.conversation.remove_children()
        self.transcript.clear()
        self._greet()

    def action_save_transcript(self) -> None:
        self.save_text(f"faqbot-gespraech-{datetime.now():%Y%m%d-%H%M%S}.md", self.transcript_markdown())

    def transcript_markdown(self) -> str:
        lines = [f"# Gespräch mit dem E-Mail-Hilfe-Bot ({datetime.now():%d.%m.%Y %H:%M})", ""]
        for speaker, text in self.transcript:
            if speaker == "Sie":
                quoted = "\n".join(f"> {line}" for line in text.splitlines() or [""])
                lines += [f"**{speaker}:**", "", quoted, ""]
            else:
                lines += [f"**{speaker}:**", "", text, ""]
        return "\n".join(lines)


class _Compositor(Compositor):
    """Textual's compositor, keeping the map of all widgets that a full layout has just made.

    After a scroll-only layout (each answer's second, _refresh_layout) Textual marks that map stale, and the
    next full layout makes a new one but leaves the mark: the first widget it resizes then looks up its place
    and arranges the whole conversation once more (~2–3 ms a turn)."""

    def reflow(self, parent: Widget, size: Size) -> ReflowResult:
        result = super().reflow(parent, size)
        self._full_map_invalidated = False  # the map it made covers every widget
        return result


def _forget_arrangements(widget: Widget) -> None:
    """Clear the arrangements a widget's change makes stale, as Textual does when it hears of the change."""
    for ancestor in widget.ancestors:
        if not isinstance(ancestor, Widget):
            break
        ancestor._clear_arrangement_cache()
        ancestor._layout_updates += 1
        if not ancestor.styles.auto_dimensions:
            break


def _scroll_bars_change(widget: Widget) -> bool:
    """Whether a widget's new virtual size shows or hides one of its scroll bars (which needs a layout)."""
    if not widget.is_scrollable:
        return False
    width, height = widget.container_size
    virtual = widget.virtual_size
    styles = widget.styles
    shown = (
        styles.overflow_x == "scroll" or (styles.overflow_x == "auto" and virtual.width > width),
        styles.overflow_y == "scroll" or (styles.overflow_y == "auto" and virtual.height > height),
    )
    return shown != (widget.show_horizontal_scrollbar, widget.show_vertical_scrollbar)


def _archived(messages: list[Widget]) -> list[ArchivedMessage]:
    """The same messages for an archive group: replies frozen to their text, questions as they were."""
    archived: list[ArchivedMessage] = []
    for message in messages:
        if isinstance(message, BotMessage):
            archived.append(_frozen(message))
        else:  # a question's row, or a late answer's "…" being removed
            archived.extend(ArchivedQuestion(question.text) for question in message.query(UserMessage))
    return archived


def _replies_in(messages: list[ArchivedMessage]) -> int:
    return sum(isinstance(message, ArchivedReply) for message in messages)


def _frozen(message: BotMessage) -> ArchivedReply:
    """A reply as static text: an article as it was last shown (its text as laid out already, so freezing
    lays nothing out again), other replies with their suggestions as a list."""
    if message.reply.article is not None:
        shown = message.query_one(".article-body", MarkdownText)
        return ArchivedReply(shown.source, message.reply.kind, shown.laid_out)
    return ArchivedReply(_reply_markdown(message.reply), message.reply.kind)


def _reply_markdown(reply: Reply) -> str:
    """A reply as Markdown: for the saved transcript, and as a frozen older reply shows it."""
    parts = []
    if reply.article is not None:
        parts.append(reply.article.titled_markdown)
    elif reply.text:
        parts.append(reply.text)
    if reply.suggestions and reply.article is None:
        parts.append("\n".join(f"- {article.title}" for article in reply.suggestions))
    return "\n\n".join(parts)
