"""The floor of ``flow.py``: a bare Flask app doing the consumer's three steps the cheapest way
(a form per step, the values in the session, a CSRF token and a submission key checked by
hand) and one INSERT on the confirm POST. Its pages carry the same hidden fields as the real
ones, so the same client walks both. Served by gunicorn as ``_bare_app:create()``."""

from __future__ import annotations

import os
import secrets
import sqlite3

from flask import Flask, abort, redirect, request, session
from flask.typing import ResponseReturnValue

_FORM = ('<form method="post"><input id="csrf_token" name="csrf_token" type="hidden" '
         'value="{token}">{fields}<button>Next</button></form>')


def create() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "bench")
    path = os.environ["BARE_DATABASE"]
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS statement (id INTEGER PRIMARY KEY, key TEXT "
                   "UNIQUE, name TEXT, email TEXT, order_number TEXT, description TEXT, "
                   "at TEXT DEFAULT CURRENT_TIMESTAMP)")

    def page(fields: str = "") -> str:
        session.setdefault("csrf", secrets.token_urlsafe(16))
        return "<html><body>" + _FORM.format(token=session["csrf"], fields=fields) + "</body>"

    def checked() -> None:
        if request.form.get("csrf_token") != session.get("csrf"):
            abort(400)

    @app.route("/withdrawal/", methods=["GET", "POST"])
    def identify() -> ResponseReturnValue:
        if request.method == "GET":
            return page('<input name="name"><input name="email"><input name="order_number">')
        checked()
        session.update({k: request.form[k] for k in ("name", "email", "order_number")})
        return redirect("/withdrawal/select")

    @app.route("/withdrawal/select", methods=["GET", "POST"])
    def select() -> ResponseReturnValue:
        if request.method == "GET":
            return page('<textarea name="description"></textarea>')
        checked()
        session["description"] = request.form["description"]
        return redirect("/withdrawal/confirm")

    @app.route("/withdrawal/confirm", methods=["GET", "POST"])
    def confirm() -> ResponseReturnValue:
        if request.method == "GET":
            session["key"] = secrets.token_urlsafe(16)
            return page(f'<input id="key" name="key" type="hidden" value="{session["key"]}">')
        checked()
        if request.form.get("key") != session.get("key"):
            abort(400)
        with sqlite3.connect(path, timeout=30) as db:
            db.execute("PRAGMA synchronous=FULL")
            db.execute("INSERT INTO statement (key, name, email, order_number, description) "
                       "VALUES (?, ?, ?, ?, ?)", (session["key"], session["name"],
                                                  session["email"], session["order_number"],
                                                  session["description"]))
        return redirect("/withdrawal/receipt/" + session["key"])

    return app
