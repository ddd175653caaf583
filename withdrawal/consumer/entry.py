"""The way in from the shop's order e-mail or account page: a signed link
(``withdrawal.withdrawal_url``) that opens step 2 with the order's lines and the name prefilled.

The order is looked up as at step 1 (number and e-mail must match, the look-up counts against
the rate limit), so the link shows nothing the shop would not show now. A changed or expired
link opens an empty step 1 with a sentence saying why; nothing of the order is shown.
"""

from __future__ import annotations

from flask import redirect, url_for
from flask.typing import ResponseReturnValue

from ..i18n import gettext
from ..order_links import LinkedOrder, LinkProblem, read_link
from ..orders import assessed_now, look_up, preselected
from .draft import Draft, DraftTooLarge, forget_draft
from .forms import IdentifyForm
from .pages import render_page
from .steps import save_preselected

#: The longest name step 1 accepts.
_NAME_LENGTH = 200


def order_link(token: str) -> ResponseReturnValue:
    """Open the withdrawal function for the order a signed link names."""
    linked = read_link(token)
    if isinstance(linked, LinkProblem):
        return _unusable(linked)
    draft = _draft_for(linked)
    try:
        save_preselected(draft)
    except DraftTooLarge:  # number or e-mail far longer than step 1 accepts: not a real link
        return _unusable(LinkProblem.INVALID)
    # Without a name (no order found and none in the link) step 1 asks for it, prefilled
    # with number and e-mail; otherwise step 2, where the name stays editable through "Back".
    return redirect(url_for(".select" if draft.name else ".identify"))


def _draft_for(linked: LinkedOrder) -> Draft:
    order, flags = look_up(linked.order_number, linked.email)
    name = linked.name if linked.name else (order.customer_name if order else "")
    draft = Draft(name=_single_line(name), email=linked.email,
                  order_number=linked.order_number, matched=order is not None, flags=flags)
    if order is not None:
        draft.choose(preselected(assessed_now(order)))
    return draft


def _single_line(name: str) -> str:
    """The shop's name for the consumer as step 1 would accept it: one line, not too long."""
    return " ".join("".join(ch if ord(ch) >= 32 and ord(ch) != 127 else " "
                            for ch in name).split())[:_NAME_LENGTH]


def _unusable(problem: LinkProblem) -> ResponseReturnValue:
    """An empty step 1 with the reason: no draft of an earlier visit, nothing of the order."""
    forget_draft()
    if problem is LinkProblem.EXPIRED:
        message = gettext("This withdrawal link has expired. Please enter your details below: "
                          "you can still withdraw.")
    else:
        message = gettext("This withdrawal link is not valid: it may have been cut off or "
                          "changed. Please enter your details below.")
    return render_page("IDENTIFY", form=IdentifyForm(formdata=None), step=1,
                       link_problem=message)
