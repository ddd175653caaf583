"""The demo shop as real HTTP servers for the browser tests, one fresh server per test.

``python tests/browser/serve.py`` (the repository root on ``PYTHONPATH``) starts a *zygote*: it
imports the demo shop and loads the PDF fonts once (about 2 s, see withdrawal/receipt/fonts.py),
then forks one server per test on demand, so each test gets its own shop and database at once
and its first receipt PDF without the wait. It reads one JSON command a line on stdin and
answers one JSON line on stdout:

- ``{"start": {"port": P, "instance_path": DIR, "log": FILE, "config": {...}}}`` forks a server:
  ``wsgi.create_app(config, instance_path=DIR)`` served by werkzeug on 127.0.0.1:P, its output
  in FILE. Answer: ``{"pid": N}``.
- ``{"stop": N}`` terminates that server and reaps it. Answer: ``{"stopped": N}``.

At the end of its input it stops every server it started and exits.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any, NoReturn

from werkzeug.serving import run_simple

from withdrawal.receipt.fonts import register_fonts
from wsgi import create_app


def main() -> None:
    register_fonts()
    _answer({"ready": True})
    servers: set[int] = set()
    for line in sys.stdin:
        command: dict[str, Any] = json.loads(line)
        if "start" in command:
            pid = os.fork()
            if pid == 0:
                _serve(command["start"])
            servers.add(pid)
            _answer({"pid": pid})
        elif "stop" in command:
            _stop(int(command["stop"]))
            servers.discard(int(command["stop"]))
            _answer({"stopped": command["stop"]})
    for pid in servers:
        _stop(pid)


def _answer(reply: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def _serve(settings: dict[str, Any]) -> NoReturn:
    """In the forked child: detach from the zygote's pipes, then serve until terminated."""
    status = 1
    try:
        log = os.open(settings["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        app = create_app(settings["config"], instance_path=settings["instance_path"])
        run_simple("127.0.0.1", int(settings["port"]), app, threaded=True)
        status = 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(status)


if __name__ == "__main__":
    main()
