"""The demo mailbox: under make run every e-mail is captured without an SMTP server."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from support import Consumer, MakeApp, pdf_text, settle


@pytest.fixture
def demo(make_app: MakeApp) -> Flask:
    """The demo shop as under ``make run``: its mailbox catches every e-mail (no SMTP server
    on port 1), nobody is notified."""
    return make_app(DEMO_MAILBOX=True, MAIL_SUPPRESS_SEND=False, MAIL_PORT=1,
                    WITHDRAWAL_DELIVER_AFTER_COMMIT=True, WITHDRAWAL_NOTIFY=[])


@pytest.mark.sqlite_only
def test_mailbox_shows_text_html_and_pdf(demo: Flask) -> None:
    client = demo.test_client()
    assert "No e-mail yet" in client.get("/demo/mailbox/").get_data(as_text=True)
    Consumer(client).withdraw("Ann", "noconsent@demo.example", "1002", ["1"])
    settle(demo)
    index = client.get("/demo/mailbox/").get_data(as_text=True)
    assert "Acknowledgement of receipt of your withdrawal W-" in index
    name = re.search(r'/demo/mailbox/(\d{20}-\d{4}\.eml)"', index).group(1)  # type: ignore[union-attr]
    page = client.get(f"/demo/mailbox/{name}").get_data(as_text=True)
    assert "noconsent@demo.example" in page and "Windows 11 Pro" in page
    html = client.get(f"/demo/mailbox/{name}/html")
    assert html.status_code == 200 and "sandbox" in html.headers["Content-Security-Policy"]
    pdf_name = re.search(r"withdrawal-W-[0-9A-Z-]+\.pdf", page).group(0)  # type: ignore[union-attr]
    pdf = client.get(f"/demo/mailbox/{name}/attachment/{pdf_name}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


@pytest.mark.sqlite_only
def test_mailbox_refuses_paths_outside_it(demo: Flask) -> None:
    client = demo.test_client()
    for path in ("/demo/mailbox/..%2Fwithdrawal.sqlite3", "/demo/mailbox/x.eml",
                 "/demo/mailbox/00000000000000000000-0000.eml/html"):
        assert client.get(path).status_code == 404


def test_model_form_in_the_consumers_language(client: Any) -> None:
    response = client.get("/withdrawal/model-form.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Demo Keys S.r.l." in text
    assert "withdraw" in text
    step1 = client.get("/withdrawal/").get_data(as_text=True)
    assert 'href="/withdrawal/model-form.pdf"' in step1
