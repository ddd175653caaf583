"""Pages that need no database: the receipt of a statement that waits in the spool, and the
answer when something failed, which always tells the consumer how else to withdraw (by e-mail,
by post, with the Annex I(B) model form: the function supplements the other ways, Art.
11a(1))."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from werkzeug.exceptions import Gone, InternalServerError, NotFound

from ..i18n import gettext
from ..state import trader
from ..statement import StatementContent
from .pages import render_page


def spooled_receipt(content: StatementContent) -> ResponseReturnValue:
    """The receipt of a statement kept in the spool: its reference and submission time, and
    that the acknowledgement follows by e-mail (R9, R10)."""
    local_zone = content.get("timezone") or trader().timezone
    return render_page("SPOOLED_RECEIPT", content=content, local_zone=local_zone)


def not_recorded() -> ResponseReturnValue:
    """Neither the database nor the spool took the statement (503): nothing was recorded."""
    return render_page(
        "UNAVAILABLE", 503, title=gettext("We could not record your statement"),
        message=gettext("A technical fault stops us from recording your withdrawal statement "
                        "just now. Nothing has been recorded."),
        retry=True,
    )


def not_shown() -> ResponseReturnValue:
    """A receipt that cannot be read just now (503): the statement itself is safe."""
    return render_page(
        "UNAVAILABLE", 503, title=gettext("This page is not available just now"),
        message=gettext("Your statement is kept safely, but it cannot be shown just now. "
                        "Please try again in a few minutes."),
    )


def server_error(_error: InternalServerError | None = None) -> ResponseReturnValue:
    """Any other failure: never a bare "Internal Server Error" without the other ways."""
    return render_page(
        "UNAVAILABLE", 500, title=gettext("Something went wrong on our side"),
        message=gettext("Your request could not be completed."),
    )


def not_found(_error: NotFound | None = None) -> ResponseReturnValue:
    """A link that leads nowhere (a receipt link cut short or altered), in the consumer's
    language and with the other ways to withdraw."""
    return render_page(
        "UNAVAILABLE", 404, title=gettext("This page was not found"),
        message=gettext("The link may be incomplete or no longer valid. If it came from our "
                        "e-mail, please copy the whole link into your browser."),
    )


def gone(_error: Gone | None = None) -> ResponseReturnValue:
    """A receipt whose personal data were erased under the retention period."""
    return render_page(
        "UNAVAILABLE", 410, title=gettext("This receipt is no longer available"),
        message=gettext("The personal data of this statement were erased at the end of the "
                        "retention period."),
    )
