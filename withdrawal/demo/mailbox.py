"""The demo mailbox: under ``make run`` no SMTP server is needed. Flask-Mail is told not to
send, every dispatched message is kept as an ``.eml`` file in ``instance/demo-mailbox/``, and
``/demo/mailbox`` shows each message's text, HTML and attachments."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_mail import email_dispatched

from ..security import not_stored

blueprint = Blueprint("demo_mailbox", __name__, url_prefix="/demo/mailbox")
_NAME = re.compile(r"^[0-9]{20}-[0-9]{4}\.eml$")


@blueprint.after_request
def _not_stored(response: Response) -> Response:
    """The messages show names, addresses and receipt links: never kept by the browser."""
    return not_stored(response)


def init_mailbox(app: Flask) -> None:
    """Capture instead of sending; call before the first message goes out."""
    app.config["MAIL_SUPPRESS_SEND"] = True
    app.extensions["mail"].suppress = True
    _folder(app).mkdir(parents=True, exist_ok=True)
    email_dispatched.connect(_keep, sender=app, weak=False)
    app.register_blueprint(blueprint)


def _folder(app: Flask) -> Path:
    return Path(app.instance_path) / "demo-mailbox"


def _keep(app: Flask, message: Any, **_: Any) -> None:
    folder = _folder(app)
    stamp = f"{int(message.date * 1_000_000):020d}"
    number = len(list(folder.glob(f"{stamp}-*.eml")))
    (folder / f"{stamp}-{number:04d}.eml").write_bytes(message.as_bytes())


def _load(name: str) -> EmailMessage:
    if not _NAME.match(name):
        abort(404)
    path = _folder(current_app) / name
    if not path.is_file():
        abort(404)
    return message_from_bytes(path.read_bytes(), policy=policy.default)


@blueprint.route("/")
def index() -> ResponseReturnValue:
    """Every captured message, newest first."""
    names = sorted((p.name for p in _folder(current_app).glob("*.eml")), reverse=True)
    messages = [(name, _load(name)) for name in names]
    return render_template("demo/mailbox.html", messages=messages)


@blueprint.route("/<name>")
def show(name: str) -> ResponseReturnValue:
    message = _load(name)
    text = message.get_body(("plain",))
    attachments = [part.get_filename() for part in message.iter_attachments()]
    return render_template("demo/message.html", name=name, message=message,
                           text=text.get_content() if text else "", attachments=attachments)


@blueprint.route("/<name>/html")
def html_part(name: str) -> ResponseReturnValue:
    """The HTML part, sandboxed: no script of a message can run in the demo's origin."""
    body = _load(name).get_body(("html",))
    if body is None:
        abort(404)
    return Response(body.get_content(), mimetype="text/html", headers={
        "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'",
    })


@blueprint.route("/<name>/attachment/<filename>")
def attachment(name: str, filename: str) -> ResponseReturnValue:
    for part in _load(name).iter_attachments():
        if part.get_filename() == filename:
            return Response(part.get_content(), mimetype=part.get_content_type(), headers={
                "Content-Disposition": f'inline; filename="{filename}"'})
    abort(404)
