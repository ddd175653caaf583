"""Issue 14, points 3 and 5: the receipt link is the status page. The statement as recorded,
then each line's state, the refund and its last day with a countdown, the return
instructions and the history of decisions; dates in <time datetime> elements; never cached;
and the select step shows an excluded line's deadline, with "out of time" where both hold."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from support import Consumer

import withdrawal
from withdrawal.backoffice import record_decision
from withdrawal.storage.tables import statements

MIXED = ("mixed@demo.example", "1008")  # 1: excluded key 29.90, 2: key 35.00, 3: goods 9.90
REFERENCE = re.compile(r"W-[0-9A-Z]{4}-[0-9A-Z]{4}")


def withdraw(consumer: Consumer, client: FlaskClient, lines: list[str]) -> tuple[str, str]:
    location = consumer.withdraw("Maria Rossi", *MIXED, lines=lines).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    return REFERENCE.search(page).group(0), location  # type: ignore[union-attr]


def test_the_status_page_before_and_after_the_decisions(
    app: Flask, consumer: Consumer, client: FlaskClient,
) -> None:
    reference, url = withdraw(consumer, client, ["1", "2", "3"])
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "We have not decided on your withdrawal yet." in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">', html)  # submitted at
    assert "Sending the goods back" in html and "Via Roma 1" in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\d">', html)  # send the goods by
    with app.app_context():
        record_decision(reference, "rejected", ["1"], by="clara",
                        reason="The key was activated (Art. 16(m))")
        record_decision(reference, "accepted", ["2", "3"], by="clara")
    html = client.get(url).get_data(as_text=True)
    assert "We must refund you €44.90 by <time datetime=" in html
    assert "We may withhold the refund for goods until" in html  # art13-3: goods
    status = html[html.index('id="status-heading"'):]
    for line, state in (("Office 2024 Home", "Withdrawal rejected"),
                        ("Cloud Backup 1 TB", "Withdrawal accepted"),
                        ("USB installation stick", "Withdrawal accepted")):
        assert state in status[status.index(line):][:400], line
    history = html[html.index('id="history-heading"'):]
    assert "The key was activated (Art. 16(m))" in history
    assert history.index("Withdrawal accepted") < history.index("Withdrawal rejected")  # newest
    assert "clara" not in html  # who decided is the shop's business
    assert "<script" not in html


def test_the_countdown_and_a_passed_last_day(
    app: Flask, consumer: Consumer, client: FlaskClient,
) -> None:
    reference, url = withdraw(consumer, client, ["2"])
    with app.app_context():
        record_decision(reference, "accepted", ["2"], by="clara")
    html = client.get(url).get_data(as_text=True)
    days = re.search(r"(\d+) days left\.", html)
    assert days and 14 <= int(days.group(1)) <= 20  # 14 days, or more after a weekend
    late, late_url = withdraw(consumer, client, ["1"])
    with app.extensions["withdrawal"].engine.begin() as conn:  # received 30 days ago
        conn.execute(update(statements).where(statements.c.reference == late).values(
            submitted_at=datetime.now(UTC) - timedelta(days=30)))
    with app.app_context():
        record_decision(late, "accepted", ["1"], by="clara")
    assert "This day has passed." in client.get(late_url).get_data(as_text=True)


def test_the_status_page_prints() -> None:
    css = (Path(withdrawal.__file__).parent / "static" / "withdrawal.css").read_text()
    printing = css[css.index("@media print"):]
    for hidden in (".languages", "footer.site", "p.download"):
        assert hidden in printing


def test_the_select_step_shows_an_excluded_lines_deadline(
    consumer: Consumer, client: FlaskClient,
) -> None:
    consumer.identify("Maria Rossi", "consented@demo.example", "1001")
    html = client.get("/withdrawal/select").get_data(as_text=True)
    assert "The withdrawal period ends on" in html  # excluded, and still in time
    assert "also ended" not in html
    consumer.identify("Maria Rossi", "late@demo.example", "1005")  # excluded, 40 days ago
    html = client.get("/withdrawal/select").get_data(as_text=True)
    assert "The right of withdrawal seems not to apply" in html
    assert "The withdrawal period also ended on" in html  # both, together


def test_the_receipt_shows_excluded_and_out_of_time_together(
    consumer: Consumer, client: FlaskClient,
) -> None:
    response = consumer.withdraw("Maria Rossi", "late@demo.example", "1005", ["1"])
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The withdrawal period had also ended when you sent the statement." in html
