"""Several instances, one log: two `faqbot serve` behind Debian's nginx (sticky by client address,
websocket upgrade), both writing to one PostgreSQL, two real browser sessions, one report."""

from __future__ import annotations

import json
from contextlib import ExitStack

import pytest
from nginx_proxy import NGINX, Nginx
from pg_cluster import postgres_cluster_fixture, postgres_url_fixture  # noqa: F401  (fixtures)
from test_serve import (
    app_processes,
    ask_when_drawn,
    free_port,
    needs_browser,
    running_server,
    start_browser,
    wait_for_port,
    wait_for_turns,
    wait_until,
    websocket_handshake,
)

from faqbot.bot.cli.main import main

# Both browsers run on this machine, so both come from 127.0.0.1: the test lets nginx take the
# visitor's address from X-Forwarded-For (as behind a load balancer) and sends two addresses.
AS_IF_BEHIND_A_BALANCER = "    set_real_ip_from 127.0.0.1;\n    real_ip_header X-Forwarded-For;"


def instance_for(address: str, port: int, servers: list) -> int:
    """Which instance nginx sends this visitor to: open a websocket through nginx and see who starts an app.

    Told apart by the new process, so the earlier probes' processes may still be ending meanwhile
    (each takes up to END_GRACE_SECONDS: a probe closes before the app has started)."""
    before = [set(app_processes(server.pid)) for server in servers]

    def started() -> list[int]:
        return [number for number, server in enumerate(servers) if set(app_processes(server.pid)) - before[number]]

    sock, status = websocket_handshake(port, headers=f"X-Forwarded-For: {address}\r\n")
    assert status == 101
    try:
        assert wait_until(started)
        (number,) = started()  # one visitor, one instance
        return number
    finally:
        sock.close()


@pytest.mark.long
@pytest.mark.skipif(NGINX is None, reason="Debian's nginx is not installed (.ci/run installs it)")
@needs_browser
def test_two_instances_behind_nginx_write_one_log(tmp_path, postgres_url, capsys):
    front = free_port()
    with ExitStack() as stack:
        servers = []
        for _ in range(2):
            server, port = stack.enter_context(
                running_server("--db", postgres_url, "--public-url", f"http://127.0.0.1:{front}", "--trusted-proxy", "127.0.0.1")
            )
            servers.append((server, port))
        nginx = Nginx(front, [port for _, port in servers], extra=AS_IF_BEHIND_A_BALANCER)
        nginx.start()
        stack.callback(nginx.stop)
        wait_for_port(front)
        processes = [server for server, _ in servers]

        # two visitors that nginx sends to different instances, each one sticky
        routes: dict[int, str] = {}
        for last in range(1, 60):
            address = f"192.0.2.{last}"
            routes.setdefault(instance_for(address, front, processes), address)
            if len(routes) == 2:
                break
        assert len(routes) == 2
        assert instance_for(routes[0], front, processes) == 0 and instance_for(routes[1], front, processes) == 1

        # both browsers start while the probes' processes end, and both chats start side by side
        drivers = {}
        for number, address in routes.items():
            drivers[number] = start_browser(tmp_path / f"profile{number}", headers={"X-Forwarded-For": address})
            stack.callback(drivers[number].quit)
        assert wait_until(lambda: not any(app_processes(server.pid) for server in processes))  # the probes are gone
        for driver in drivers.values():
            driver.get(f"http://127.0.0.1:{front}/")
        questions = {0: "Mein Postfach ist voll", 1: "Wie ändere ich mein E-Mail-Passwort"}
        for number, driver in drivers.items():
            ask_when_drawn(driver, questions[number], processes[number].pid)
        turns = wait_for_turns(postgres_url, 2)
        assert sorted(turn.question for turn in turns) == sorted(questions.values())
        assert all(app_processes(server.pid) for server in processes)  # each instance holds one of the two chats

    capsys.readouterr()
    assert main(["report", "--db", postgres_url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == 2  # the report sees what was asked on both instances
