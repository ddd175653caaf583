"""Browser tests: Playwright's sync API driving Debian's Chromium against the demo shop served
by a real HTTP server (a subprocess on a free port), whose acknowledgements go to a real SMTP
server (aiosmtpd) in this process.

One browser and one SMTP server per session; per test a fresh shop with its own database
(forked by tests/browser/serve.py, so it starts at once) and fresh browser contexts (cookies,
locale, viewport, JavaScript on or off). Where Playwright or Chromium is missing the tests
skip with the reason; with CI=true they fail instead, as the PostgreSQL tests do.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import select
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from browser.support import AUDITOR, PASSWORD, Mailbox, NewContext, Shop
from support import free_port, serving
from werkzeug.security import generate_password_hash

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

IN_CI = os.environ.get("CI", "").lower() == "true"
#: Debian's Chromium (Playwright's own browser download is not used).
CHROMIUM = os.environ.get("WITHDRAWAL_TEST_CHROMIUM", "/usr/bin/chromium")
#: Headless and quiet: no sandbox (containers), no GPU, no calls home, no first-run UI.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SERVE = Path(__file__).with_name("serve.py")


def _browser_problem() -> str | None:
    missing = [name for name in ("playwright", "axe_playwright_python")
               if importlib.util.find_spec(name) is None]
    if missing:
        return f"{' and '.join(missing)} not installed: pip install -e '.[test]'"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM}: apt-get install -y chromium"
    return None


def require_browser() -> None:
    """Skip with a reason where the browser is missing; fail in CI, where it must be there."""
    problem = _browser_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"CI=true requires the browser tests: {problem}")
        pytest.skip(problem)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    require_browser()
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    with serving(Mailbox("127.0.0.1", free_port())) as server:
        yield server


class Servers:
    """The zygote of tests/browser/serve.py: it forks a fresh demo shop server per test."""

    def __init__(self, log: Path) -> None:
        env = {key: value for key, value in os.environ.items() if key != "DEMO_SHOP"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                          env.get("PYTHONPATH")]))
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, str(SERVE)], cwd=REPO_ROOT, env=env, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=output, text=True)
        self._ask(None, timeout=60)  # {"ready": true} once the fonts are loaded

    def _ask(self, command: dict[str, Any] | None, timeout: float = 10) -> dict[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        if command is not None:
            stdin.write(json.dumps(command) + "\n")
            stdin.flush()
        ready, _, _ = select.select([stdout], [], [], timeout)
        line = stdout.readline() if ready else ""
        if not line:
            pytest.fail(f"the shop servers' zygote did not answer {command}:\n"
                        + self.log.read_text(errors="replace"))
        answer: dict[str, Any] = json.loads(line)
        return answer

    def start(self, settings: dict[str, Any]) -> int:
        return int(self._ask({"start": settings})["pid"])

    def stop(self, pid: int) -> None:
        self._ask({"stop": pid})

    def close(self) -> None:
        """End of input: the zygote stops what is left and exits."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[Servers]:
    """Started after ``browser``: without one there is nothing to serve."""
    zygote = Servers(tmp_path_factory.mktemp("servers") / "zygote.log")
    yield zygote
    zygote.close()


def _shop_settings(instance: Path, port: int, mail: Mailbox) -> dict[str, Any]:
    return {"port": port, "instance_path": str(instance), "log": str(instance / "server.log"),
            "config": {
                "SECRET_KEY": secrets.token_hex(16),
                "WITHDRAWAL_DATABASE_URL": f"sqlite:///{instance / 'withdrawal.sqlite3'}",
                "MAIL_SERVER": mail.host,
                "MAIL_PORT": mail.port,
                "MAIL_SUPPRESS_SEND": False,
                "DEMO_MAILBOX": False,
                # one process, no worker: the acknowledgement goes after commit
                "WITHDRAWAL_DELIVER_AFTER_COMMIT": True,
                "WITHDRAWAL_AUDITORS": {
                    AUDITOR: generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")},
            }}


def _wait_until_up(shop: Shop, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(shop.url + "/", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if "Traceback" in shop.output():
                break
            time.sleep(0.05)  # nothing to wait on but the socket: poll it
    pytest.fail(f"the demo shop did not answer within {timeout} s:\n{shop.output()}")


@pytest.fixture
def shop(tmp_path: Path, mailbox: Mailbox, servers: Servers) -> Iterator[Shop]:
    """A fresh shop (and database) per test, like the ``app`` fixture: tests cannot see each
    other's statements."""
    settings = _shop_settings(tmp_path, free_port(), mailbox)
    pid = servers.start(settings)
    running = Shop(f"http://127.0.0.1:{settings['port']}", Path(settings["log"]))
    try:
        _wait_until_up(running)
        yield running
    finally:
        servers.stop(pid)


@pytest.fixture
def new_context(browser: Browser, shop: Shop) -> Iterator[NewContext]:
    """Make a browser context on the shop (``locale=``, ``viewport=``,
    ``java_script_enabled=``...); all are closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("locale", "en-GB")
        context = browser.new_context(base_url=shop.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: NewContext) -> Page:
    """A desktop page in English."""
    return new_context().new_page()
