"""The return instructions for goods on the acknowledgement PDF (Art. 14(1) CRD): where to send
them, by when, who bears the cost, and that the refund may wait for them (Art. 13(3)).

Pure: no Flask. Shown only when the statement recorded them (``content["returns"]``: goods
were chosen); statements recorded before issue 14 have none and render as before."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from babel import Locale
from babel.dates import format_date
from reportlab.platypus import Flowable

from .document import Gettext, field_table, heading, para, styles


def returns_section(
    statement: Mapping[str, Any], gettext: Gettext, locale: Locale,
) -> list[Flowable]:
    """The "Sending the goods back" section, or nothing."""
    returns = statement.get("returns")
    if not isinstance(returns, Mapping) or not returns.get("address"):
        return []
    st = styles()
    until = format_date(date.fromisoformat(str(returns["until"])), "full", locale=locale)
    rows = [
        (gettext("Send them to"), para(returns["address"], st.body, line_breaks=True)),
        (gettext("Send them by"), para(until, st.body)),
        (gettext("Cost of sending them back"), para(cost_sentence(gettext, returns), st.body)),
    ]
    wait = gettext(
        "We may withhold the refund for goods until we have received them back or you have "
        "supplied evidence of having sent them back, whichever is the earliest."
    )
    intro = gettext(
        "Please send back the goods, or hand them over to us, without undue delay and in any "
        "event not later than 14 days from the day on which you communicated your withdrawal "
        "to us. The deadline is met if you send back the goods before the period of 14 days "
        "has expired."
    )
    return [*heading(gettext("Sending the goods back")), para(intro, st.body),
            field_table(rows), para(wait, st.body)]


def cost_sentence(gettext: Gettext, returns: Mapping[str, Any]) -> str:
    """Who bears the direct cost of returning the goods (``WITHDRAWAL_RETURN_COSTS``)."""
    if returns.get("costs") == "trader":
        return gettext("We bear the cost of returning the goods.")
    return gettext("You will have to bear the direct cost of returning the goods.")
