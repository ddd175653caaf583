"""The e-mail of an anchor to a ``mailto:`` witness: the chain's head (entry, hash, time) and
its RFC 3161 tokens, in the body and as ``anchor.json``, for a mailbox the shop's database
users cannot reach. Composed in the shop's language (``WITHDRAWAL_DEFAULT_LOCALE``)."""

from __future__ import annotations

import json
import time
from email.utils import make_msgid, parseaddr

from flask_babel import force_locale
from sqlalchemy import Engine

from ..config import config_value
from ..i18n import gettext
from ..storage.anchors import load_anchor
from .messages import FrozenMessage, sender
from .outbox import Entry


def compose_anchor(engine: Engine, entry: Entry) -> FrozenMessage:
    """The message for an outbox entry of purpose ``anchor``."""
    anchor = load_anchor(engine, entry.anchor_id) if entry.anchor_id is not None else None
    if anchor is None:
        raise LookupError(f"anchor {entry.anchor_id} not found")
    claim = json.dumps(anchor.as_json(), indent=2, sort_keys=True)
    with force_locale(str(config_value("DEFAULT_LOCALE"))):
        subject = gettext("Withdrawal record anchored at entry %(seq)s",
                          seq=anchor.head_seq)
        intro = gettext(
            "This e-mail records the head of the withdrawal statements' hash chain. Keep it "
            "where the shop's database administrators cannot change it: `flask withdrawal "
            "verify` fails if the chain ever stops containing this entry with this hash.")
        body = "\n".join([
            intro, "",
            gettext("Entry: %(seq)s", seq=anchor.head_seq),
            gettext("Hash: %(hash)s", hash=anchor.head_hash),
            gettext("Anchored at: %(when)s", when=anchor.anchored_at.isoformat()), "",
            claim, "",
        ])
    message = FrozenMessage(
        subject=subject, recipients=[entry.recipient], body=body, sender=sender(),
        date=time.time(), extra_headers={"Auto-Submitted": "auto-generated"},
    )
    domain = parseaddr(sender())[1].rpartition("@")[2] or "localhost"
    message.msgId = make_msgid(domain=domain)
    message.attach(f"anchor-{anchor.head_seq}.json", "application/json",
                   (claim + "\n").encode())
    return message
