"""What the host's own templates get: the ``withdrawal_link()`` global for the footer."""

from __future__ import annotations

from flask import Flask, url_for
from markupsafe import Markup, escape

from .config import config_value
from .i18n import current_language
from .labels import labels_for


def withdrawal_link(css_class: str = "withdrawal-link") -> Markup:
    """The entry link with the statutory label in the current language (R1, R2)."""
    labels = labels_for(current_language(), config_value("LABELS"))
    return Markup('<a class="{cls}" href="{href}" lang="{lang}">{label}</a>').format(
        cls=css_class, href=url_for("withdrawal.identify"), lang=labels.locale,
        label=escape(labels.entry),
    )


def init_jinja(app: Flask) -> None:
    app.jinja_env.globals["withdrawal_link"] = withdrawal_link
