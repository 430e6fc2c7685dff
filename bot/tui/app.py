"""The Textual app, in two modes: the customer chat and the support console."""

from __future__ import annotations

import io
import itertools
import os
import sys
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeGuard

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import SimpleProvider
from textual.events import DeliveryComplete, DeliveryFailed
from textual.screen import Screen
from textual.theme import ThemeProvider
from textual.worker import WorkerFailed

from faqbot.bot import wording
from faqbot.bot.dialog import Dialog
from faqbot.bot.log.store import ConversationLog
from faqbot.bot.tui.clipboard import COPY_FILE_VARIABLE, copy_to_file_too
from faqbot.bot.tui.commands import AgentCommands, ArticleCommands, HelperCommands
from faqbot.bot.tui.helper_screens import HelperScreen, find
from faqbot.bot.tui.palette import SEARCH_THEMES, GermanCommandPalette
from faqbot.bot.tui.screens.chat import ChatScreen
from faqbot.kb.article import Article
from faqbot.kb.retriever import Index

# The helper screens, the agent console and the report are imported when first opened: together they
# pull in dnspython, cryptography and the reply templates, which every chat start (and every served
# browser session, one process each) would otherwise pay for (README: "Performance").
if TYPE_CHECKING:
    from faqbot.bot.tui.screens.agent import AgentScreen
    from faqbot.bot.tui.screens.ports import PortsScreen
    from faqbot.bot.tui.screens.report import ReportScreen
    from faqbot.bot.tui.screens.spf import SpfScreen

Mode = Literal["chat", "agent"]
COPY_PREFIX = "kopie:"  # the delivery name of a copy's file


class FaqApp(App[object]):  # App[object]: what Textual's helpers (CommandPalette.is_open) take; App is invariant
    CSS_PATH = ["widgets/chat_messages.tcss", "widgets/markdown_text.tcss", "widgets/archive.tcss"]
    COMMANDS = App.COMMANDS | {ArticleCommands, HelperCommands, AgentCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Beenden", priority=True),
        Binding("ctrl+p", "command_palette", "Befehle", show=False, priority=True),
    ]

    def __init__(
        self,
        mode: Mode,
        index: Index,
        *,
        problem_count: int = 0,
        save_dir: Path | None = None,
        cursor_blink: bool = True,
        conversation_log: ConversationLog | None = None,
        served: bool = False,
        templates_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.templates_dir = templates_dir  # the team's reply templates (agent console)
        # Served to the public: the customer chat only; network helpers restricted (see PortsScreen).
        self.served = served
        if served and mode != "chat":
            raise ValueError("only the customer chat may be served")
        self.conversation_log = conversation_log
        if conversation_log is not None:
            conversation_log.on_disabled = self._log_disabled
        self.mode = mode
        self.index = index
        self.dialog = Dialog(index)
        self.problem_count = problem_count
        self.save_dir = save_dir or Path.cwd()
        self.cursor_blink = cursor_blink  # of every input; off in tests and snapshots
        # Where OSC 52 may not reach the clipboard (tmux, screen), every copy is saved as a file too.
        self.copy_to_file = copy_to_file_too(os.environ, served=served)
        self._copy_numbers = itertools.count(1)
        # The helpers this app offers, by the name articles use; tests may swap one.
        self.helper_screens: dict[str, HelperScreen] = {
            "spf": HelperScreen("SPF-Helfer", self._spf_screen),
            "ports": HelperScreen("Mail-Einstellungen und Verbindungstest", self._ports_screen),
        }
        self.title = wording.APP_TITLE
        self.sub_title = "Support-Konsole" if mode == "agent" else "Chat"

    def _spf_screen(self) -> SpfScreen:
        from faqbot.bot.tui.screens.spf import SpfScreen

        return SpfScreen(self.copy_for_ticket, cursor_blink=self.cursor_blink)

    def _ports_screen(self) -> PortsScreen:
        from faqbot.bot.tui.screens.ports import PortsScreen

        return PortsScreen(self.save_text, self.copy_for_ticket, restricted=self.served, cursor_blink=self.cursor_blink)

    def _agent_screen(self) -> AgentScreen:
        from faqbot.bot.support.reply import load_config, load_templates
        from faqbot.bot.tui.screens.agent import AgentScreen

        templates, problems = load_templates(self.templates_dir)
        config = load_config()
        for problem in [*problems, *([config.problem] if config.problem else [])]:
            self.notify(problem, title="Antwortvorlagen", severity="warning", markup=False)
        return AgentScreen(
            self.index,
            self.helper_screens,
            self.save_text,
            self.copy_for_ticket,
            cursor_blink=self.cursor_blink,
            templates=templates,
            config=config,
        )

    def on_mount(self) -> None:
        if self.mode == "agent":
            self.push_screen(self._agent_screen())
        else:
            self.push_screen(
                ChatScreen(
                    self.dialog, self.conversation_log, self.helper_screens, self.save_text, cursor_blink=self.cursor_blink
                )
            )
        if self.problem_count:
            self.notify(
                f"{self.problem_count} Problem(e) in den Artikeln: fehlerhafte Artikel wurden übersprungen. "
                "Details zeigt „faqbot kb check“.",
                title="Artikel",
                severity="warning",
                markup=False,
            )
        if self.conversation_log is not None and not self.conversation_log.enabled:
            self._log_disabled(self.conversation_log.disabled_reason or "")
        if not self.index.articles:
            self.notify("Es wurden keine Artikel geladen.", title="Artikel", severity="error", markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Textual's own entries, in German.
        yield SystemCommand("Farbschema wechseln", "Helles oder dunkles Farbschema und weitere wählen", self.action_change_theme)
        if screen.query("HelpPanel"):
            yield SystemCommand("Tastenkürzel ausblenden", "Die Hilfe zu den Tasten schließen", self.action_hide_help_panel)
        else:
            yield SystemCommand("Tastenkürzel anzeigen", "Alle Tasten dieses Bildschirms anzeigen", self.action_show_help_panel)
        # The key in the help: at 80 columns the footer cannot show every key, the palette can.
        yield SystemCommand("Beenden", "Das Programm beenden (Strg+Q)", self.action_quit)

    # --- Textual's own English texts, in German -------------------------------------------

    def action_command_palette(self) -> None:
        if self.use_command_palette and not GermanCommandPalette.is_open(self):
            self.push_screen(GermanCommandPalette(id="--command-palette"))

    def search_commands(self, commands, placeholder: str = "Befehl suchen …"):
        return self.push_screen(GermanCommandPalette(providers=[SimpleProvider(self.screen, commands)], placeholder=placeholder))

    def search_themes(self) -> None:
        self.push_screen(GermanCommandPalette(providers=[ThemeProvider], placeholder=SEARCH_THEMES))

    def action_help_quit(self) -> None:
        """Ctrl+C copies in an input; whoever pressed it to quit is told how (Textual says it in English)."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                shown = "+".join(part.capitalize() for part in key.split("+")).replace("Ctrl", "Strg")
                self.notify(f"Zum Beenden drücken Sie {shown}.", title="Beenden?", markup=False)
                return

    # --- errors ----------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        """A failed worker (a search, a lookup, a log write) costs that one action, not the app.

        Textual would end the app on any error in a worker; here the user is told in German and
        can go on. Any other unhandled error still ends the app, with exit status 1.
        """
        if isinstance(error, WorkerFailed):
            if self._exception is None:
                self._exception = error  # run_test raises it when the test ends: programming errors still fail tests
            self.log.error("worker failed", repr(error.error))
            self.notify(
                "Bei dieser Aktion ist ein unerwarteter Fehler aufgetreten; sie wurde abgebrochen. "
                "Sie können weiterarbeiten. Wenn es wieder passiert, melden Sie es bitte dem Support.",
                title="Fehler",
                severity="error",
                markup=False,
            )
            return
        super()._handle_exception(error)

    def _log_disabled(self, reason: str) -> None:
        """Said once; the log switches itself off and the chat goes on."""
        message = reason + " Der Chat funktioniert weiter, die Fragen werden nur nicht gespeichert."
        if self._thread_id == threading.get_ident():
            self.notify(message, title="Protokoll aus", severity="warning", markup=False)
        else:
            self.call_from_thread(self.notify, message, title="Protokoll aus", severity="warning", markup=False)

    def save_text(self, filename: str, text: str) -> None:
        """Save a file for the user: into ``save_dir`` at the terminal, as a download in the browser.

        Textual writes it in a thread and reports back with DeliveryComplete/DeliveryFailed.
        """
        self.deliver_text(io.StringIO(text), save_directory=self.save_dir, save_filename=filename, name=filename)

    def copy_for_ticket(self, text: str, what: str) -> None:
        """Copy ``text`` for a ticket and say in German where it went.

        ``what`` names the text in the notice (e.g. "Die Mail-Einstellungen"). The clipboard is
        reached by OSC 52, which the app cannot confirm; where the terminal may drop it
        (see ``copy_to_file_too``) the text is saved in ``save_dir`` as well.
        """
        self.copy_to_clipboard(text)
        if not self.copy_to_file:
            self.notify(
                f"{what}: in die Zwischenablage kopiert. Kommt beim Einfügen nichts an, gibt Ihr Terminal "
                f"die Zwischenablage nicht weiter; mit {COPY_FILE_VARIABLE}=1 wird jede Kopie auch als Datei gespeichert.",
                title="Kopiert",
                markup=False,
            )
            return
        filename = f"faqbot-kopie-{datetime.now():%Y%m%d-%H%M%S}-{next(self._copy_numbers)}.txt"
        # The name marks it as a copy: on_delivery_complete then stays quiet, this notice says it all.
        self.deliver_text(io.StringIO(text), save_directory=self.save_dir, save_filename=filename, name=COPY_PREFIX + filename)
        self.notify(
            f"{what}: in die Zwischenablage kopiert und, weil Ihr Terminal sie womöglich nicht weitergibt, "
            f"auch gespeichert in {self.save_dir / filename}",
            title="Kopiert",
            markup=False,
        )

    def on_delivery_complete(self, event: DeliveryComplete) -> None:
        if event.name and event.name.startswith(COPY_PREFIX):
            return  # copy_for_ticket has said where it went
        where = str(event.path) if event.path else event.name
        self.notify(f"Gespeichert: {where}", title="Gespeichert", markup=False)

    def on_delivery_failed(self, event: DeliveryFailed) -> None:
        reason = getattr(event.exception, "strerror", None) or str(event.exception)
        name = (event.name or "").removeprefix(COPY_PREFIX)
        self.notify(
            f"„{name}“ konnte nicht gespeichert werden: {reason}",
            title="Speichern fehlgeschlagen",
            severity="error",
            markup=False,
        )

    def open_article(self, article: Article) -> None:
        screen = self.screen
        if _shows_articles(screen):  # a helper on top shows no articles
            screen.show_article(article)

    def action_open_report(self) -> None:
        if self.mode == "agent":
            from faqbot.bot.tui.screens.report import ReportScreen

            self.push_screen(ReportScreen(self.conversation_log, self.index, self.save_text))

    def on_report_screen_search_requested(self, event: ReportScreen.SearchRequested) -> None:
        """From the report to the work: back to the console, searching for the chosen question."""
        from faqbot.bot.tui.screens.agent import AgentScreen  # both loaded: the report was opened from the console
        from faqbot.bot.tui.screens.report import ReportScreen

        if isinstance(self.screen, ReportScreen):
            self.pop_screen()
        screen = self.screen
        if isinstance(screen, AgentScreen):
            # After the pop has settled: the console's resume would otherwise put focus back where it was.
            self.call_after_refresh(screen.search_for, event.question)

    def open_helper(self, name: str) -> None:
        entry = find(self.helper_screens, name)
        if entry is not None:
            self.push_screen(entry.make_screen())


def _shows_articles(screen: Screen[Any]) -> TypeGuard[ChatScreen | AgentScreen]:
    """The chat and the console show articles; the console's class is only looked up once its module is loaded."""
    agent = sys.modules.get("faqbot.bot.tui.screens.agent")
    return isinstance(screen, ChatScreen) or (agent is not None and isinstance(screen, agent.AgentScreen))
