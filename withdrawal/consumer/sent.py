"""The statement this browser sent last. After the receipt, Back or a reload of a step lands
on step 1 (the draft is gone), which then says that the statement was sent, with its
reference and the link to its receipt, instead of an empty form. Only the reference is kept
in the session; starting a new statement forgets it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import session

from ..links import receipt_url

SENT_KEY = "withdrawal_sent"


@dataclass(frozen=True)
class SentStatement:
    reference: str
    receipt_url: str


def remember_sent(reference: str) -> None:
    session[SENT_KEY] = reference


def last_sent() -> SentStatement | None:
    reference = session.get(SENT_KEY)
    if not isinstance(reference, str) or not reference:
        return None
    return SentStatement(reference, receipt_url(reference))


def forget_sent() -> None:
    session.pop(SENT_KEY, None)
