"""What ``init_app`` checks before it wires anything: settings that would otherwise fail late,
quietly, or in front of a consumer. Each failure is a ``ConfigurationError`` naming the key
(or the template) to fix."""

from __future__ import annotations

from flask import Flask
from jinja2 import TemplateNotFound, TemplateSyntaxError, nodes

from . import api, order_links
from .config import PREFIX, ConfigurationError, config_value
from .delivery import webhooks

#: The trader's details the acknowledgement (Art. 11a(4)) and the model form (Annex I(B))
#: must name.
TRADER_KEYS = ("TRADER_NAME", "TRADER_ADDRESS", "TRADER_EMAIL")

#: The blocks of ``withdrawal/base.html`` a shop's own version must keep: the pages' content,
#: and the language switcher (keep the block, and empty it deliberately if the shop's own
#: header switches the language for the withdrawal pages).
REQUIRED_BLOCKS = ("content", "language_switcher")


def check_settings(app: Flask) -> None:
    check_trader(app)
    order_links.check_config(app)
    api.check_config(app)
    webhooks.check_config(app)


def check_trader(app: Flask) -> None:
    """Name, address and e-mail of the trader must be set: without them the acknowledgement
    and the model form would name nobody ("— To :")."""
    missing = [PREFIX + key for key in TRADER_KEYS
               if not str(config_value(key, app) or "").strip()]
    if missing:
        raise ConfigurationError(
            ", ".join(missing) + " not set: the acknowledgement and the model withdrawal form "
            "name the trader (docs/configuration.md)."
        )


def check_base_template(app: Flask) -> None:
    """A shop's ``withdrawal/base.html`` must keep :data:`REQUIRED_BLOCKS`: a page whose
    content block is gone shows nothing, and a dropped switcher leaves consumers in the wrong
    language without anyone noticing."""
    env = app.jinja_env
    try:
        source, filename, _uptodate = env.loader.get_source(  # type: ignore[union-attr]
            env, "withdrawal/base.html")
        parsed = env.parse(source)
    except (TemplateNotFound, TemplateSyntaxError):
        return  # rendering will say what is wrong (e.g. a tag of an extension added later)
    blocks = {block.name for block in parsed.find_all(nodes.Block)}
    missing = [name for name in REQUIRED_BLOCKS if name not in blocks]
    if missing:
        raise ConfigurationError(
            f"{filename} (withdrawal/base.html) has no "
            + ", ".join(f"{{% block {name} %}}" for name in missing)
            + ": keep them (docs/embedding.md); an empty language_switcher block is a "
            "deliberate choice, a missing one is not."
        )
