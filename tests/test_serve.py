"""The customer chat served to browsers: capacity, safety, and a real browser end to end."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.command import CommandList

from faqbot.bot.cli.main import main
from faqbot.bot.log.store import ConversationLog
from faqbot.bot.serve import BUSY_PAGE, ChatServer, app_command, port_problem

ARTIFACTS = Path(__file__).parent / "artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def test_taken_port_is_a_clear_message(capsys):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert "ist schon belegt" in port_problem("127.0.0.1", port)
        assert main(["serve", "--port", str(port)]) == 1
    assert "Port" in capsys.readouterr().err


def test_only_the_chat_is_served_in_served_mode():
    command = app_command(None, "/tmp/x.sqlite3", no_log=False)
    assert " chat --served" in command and "agent" not in command
    from faqbot.bot.tui import create_app

    with pytest.raises(ValueError):
        create_app("agent", served=True, log=False)


async def test_served_chat_restricts_the_ports_helper(make_app):
    app = make_app(served=True, log=False)
    async with app.run_test(size=(110, 40)) as pilot:
        app.open_helper("ports")
        await pilot.pause()
        assert app.screen.restricted
        assert not app.screen.query("#test-host")  # no free host to probe
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.press(*"Bericht")
        await app.workers.wait_for_complete()  # the palette searches in a worker
        await pilot.pause()
        results = app.screen.query_one(CommandList)
        prompts = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert not any("Bericht" in prompt for prompt in prompts)  # agent features are not offered


async def test_capacity_page_beyond_max_sessions():
    from aiohttp.test_utils import TestClient, TestServer

    server = ChatServer("true", host="127.0.0.1", port=0, public_url="http://127.0.0.1", max_sessions=1)
    web_app = await server._make_app()
    async with TestClient(TestServer(web_app)) as client:
        response = await client.get("/")
        assert response.status == 200
        server.active_sessions = 1  # one chat is running
        response = await client.get("/")
        assert response.status == 503
        assert await response.text() == BUSY_PAGE
        assert "bitte" in BUSY_PAGE.lower() and "0800 1003329" in BUSY_PAGE
        assert (await client.get("/ws")).status == 503


CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
)
def test_real_browser_asks_and_gets_the_answer(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains

    port, db = free_port(), tmp_path / "browser.sqlite3"
    server = subprocess.Popen(
        [sys.executable, "-m", "faqbot.bot.cli", "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,900",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    driver = None
    try:
        wait_for_port(port)
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        driver.get(f"http://127.0.0.1:{port}/")
        time.sleep(4)  # the app process starts and draws its first screen
        # click into the question field (just above the footer): the browser then sends keys to the app
        height = driver.execute_script("return window.innerHeight")
        ActionChains(driver).move_by_offset(600, height - 48).click().perform()
        ActionChains(driver).send_keys("Mein Postfach ist voll\n").perform()
        deadline = time.monotonic() + 30
        turns = []
        while time.monotonic() < deadline:
            turns = ConversationLog(db).turns() if db.exists() else []
            if turns:
                break
            time.sleep(0.5)
        time.sleep(2)
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "browser-chat.png"))
        assert [(t.question, t.status, t.article_id) for t in turns] == [("Mein Postfach ist voll", "answer", "postfach-voll")]
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=30)
