"""What an audit page or the API answers when the database refused or failed a request (a
lock held past ``WITHDRAWAL_DATABASE_TIMEOUT``, the server gone): 503 with ``Retry-After``,
saying whether anything can have been recorded, instead of a bare 500.

A refusal rolled the transaction back (``storage/transient.py``): nothing was recorded. Any
other failure of a request that writes may have come after its COMMIT took effect: the answer
says to look before trying again. The consumer's own steps never get here: their database work
runs within a deadline and falls back to the spool (``guard.py``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from .i18n import gettext
from .storage.transient import refused

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER = "5"

_READS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class DatabaseAnswer:
    title: str
    message: str
    recorded: bool | None  # False: nothing was; None: it may have been (or a read)

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": RETRY_AFTER}


def answer_for(error: DBAPIError, method: str) -> DatabaseAnswer:
    """The answer to a request (``method``) the database refused or failed; logged."""
    log.error("%s request failed in the database: %s", method, error.orig, exc_info=error)
    if method in _READS:
        return DatabaseAnswer(
            gettext("Not available right now"),
            gettext("The database did not answer. Please try again in a moment."), None)
    if refused(error):
        return DatabaseAnswer(
            gettext("Nothing was done"),
            gettext("The database was busy and did not take this in time: nothing was "
                    "recorded. Please try again in a moment."), False)
    return DatabaseAnswer(
        gettext("This may have been done"),
        gettext("The database failed while this was being done. Look at the statement "
                "before you try again: it may have been recorded."), None)
