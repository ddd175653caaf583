"""Real processes for the robustness tests: the demo shop served by gunicorn, ``flask
withdrawal`` workers, and a consumer that walks the three steps over HTTP like a browser
(cookies, CSRF tokens, no JavaScript)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from itsdangerous import URLSafeSerializer
from support import csrf_token, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET_KEY = "process-test-secret"
_KEY = re.compile(r'id="key" name="key" type="hidden" value="([^"]+)"')
_REFERENCE = re.compile(r"<strong>(W-[0-9A-Z]{4}-[0-9A-Z]{4})</strong>")


def app_string(config: dict[str, Any]) -> str:
    """``wsgi:create_app({...})``: gunicorn and ``flask --app`` both call it with the dict."""
    return f"wsgi:create_app({ {'SECRET_KEY': SECRET_KEY, **config}!r})"


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "SECRET_KEY": SECRET_KEY}


@dataclass
class Server:
    """``gunicorn`` serving the demo shop with ``config`` on a free port, in a process group
    of its own (so that ``kill()`` is a kill -9 of the master and every worker at once)."""

    config: dict[str, Any]
    log: Path
    workers: int = 2
    threads: int = 4
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 60) -> Server:
        command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(self.workers), "--worker-class", "gthread",
                   "--threads", str(self.threads), "--timeout", "120",
                   "--graceful-timeout", "2", app_string(self.config)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_answering(wait)
        return self

    def _wait_until_answering(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            assert self.process and self.process.poll() is None, self.log.read_text()
            try:
                with urllib.request.urlopen(self.url + "/withdrawal/", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer: {self.log.read_text()}")

    def kill(self) -> None:
        """kill -9 the master and its workers, as a power cut or the OOM killer would."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)

    def _signal(self, sig: int) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)


def worker(config: dict[str, Any], log: Path, *args: str) -> subprocess.Popen[bytes]:
    """``flask withdrawal deliver --loop`` (or another command) as a process of its own."""
    command = [str(BIN / "flask"), "--app", app_string(config), "withdrawal", *args]
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=output,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int
    body: str
    location: str = ""

    def reference(self) -> str | None:
        """The statement's reference: from the receipt link (302) or the spooled receipt."""
        if self.status == 302 and "/receipt/" in self.location:
            token = self.location.rsplit("/receipt/", 1)[1]
            return str(URLSafeSerializer(SECRET_KEY, salt="withdrawal-receipt").loads(token))
        match = _REFERENCE.search(self.body) if self.status == 200 else None
        return match.group(1) if match else None


@dataclass
class HttpConsumer:
    """A consumer with a browser of their own: a cookie jar, no JavaScript."""

    base: str
    opener: urllib.request.OpenerDirector = field(init=False)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def request(self, path: str, data: dict[str, Any] | None = None,
                timeout: float = 60) -> Answer:
        body = urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=timeout) as answer:
                return Answer(answer.status, answer.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode(errors="replace"),
                          error.headers.get("Location", ""))

    def prepare(self, name: str, email: str, number: str, description: str) -> str:
        """Steps 1 and 2 (an order the shop does not know: no database is needed); returns
        the confirm page, ready to post."""
        page = self.request("/withdrawal/").body
        answer = self.request("/withdrawal/", {"csrf_token": csrf_token(page), "name": name,
                                               "email": email, "order_number": number})
        assert answer.status == 302, answer.body
        page = self.request("/withdrawal/select").body
        answer = self.request("/withdrawal/select", {"csrf_token": csrf_token(page),
                                                     "description": description})
        assert answer.status == 302, answer.body
        return self.request("/withdrawal/confirm").body

    def confirm(self, page: str, timeout: float = 60) -> Answer:
        key = _KEY.search(page)
        assert key, page
        return self.request("/withdrawal/confirm", {"csrf_token": csrf_token(page),
                                                    "key": key.group(1)}, timeout=timeout)
