"""The example shop (``examples/shop``; issue 15, point 5), as a shop developer would run it:
the package installed from a wheel built from a clean clone into a fresh virtualenv, configured
through ``FLASK_``-prefixed environment variables, and driven through the three steps, the
order e-mail's link, the JSON API and a webhook to a receiver that checks its signature."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from webhook_support import SECRET, Receiver
from wheel_support import clean_build

TOKEN = "example-erp-token-0123456789"

DRIVE = r'''
import json, os, re, sys
sys.path.insert(0, os.environ["EXAMPLE_DIR"])
import withdrawal
assert "site-packages" in withdrawal.__file__, withdrawal.__file__
from shop import create_app
from withdrawal.delivery.worker import deliver_due

app = create_app()
client = app.test_client()
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def token(html):
    return CSRF.search(html).group(1)


# The footer link, then the three steps in the shop's own layout, in German.
assert 'class="withdrawal-link"' in client.get("/").get_data(as_text=True)
step1 = client.get("/withdrawal/?lang=de").get_data(as_text=True)
assert "Example Shop" in step1 and 'class="languages"' in step1, step1
assert ">Weiter</button>" in step1 and "Vertrag widerrufen" in step1
response = client.post("/withdrawal/", data={"csrf_token": token(step1), "name": "Kim Example",
                                             "email": "kim@shop.example", "order_number": "A-100"})
assert response.status_code == 302, response.status_code
step2 = client.get("/withdrawal/select").get_data(as_text=True)
assert "Espresso cups" in step2
response = client.post("/withdrawal/select", data={"csrf_token": token(step2), "lines": ["1"]})
assert response.status_code == 302, response.status_code
step3 = client.get("/withdrawal/confirm").get_data(as_text=True)
assert "Widerruf bestätigen" in step3
key = re.search(r'name="key" type="hidden" value="([^"]+)"', step3).group(1)
response = client.post("/withdrawal/confirm", data={"csrf_token": token(step3), "key": key})
receipt = client.get(response.headers["Location"]).get_data(as_text=True)
by_pages = re.search(r"W-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt).group(0)

# The order e-mail's link opens step 2 with the order's lines.
other = app.test_client()
mail = other.get("/orders/A-101/confirmation.txt").get_data(as_text=True)
link = re.search(r"http://localhost(/withdrawal/order/\S+)", mail).group(1)
assert other.get(link).headers["Location"].endswith("/withdrawal/select")
assert "Recipe app" in other.get("/withdrawal/select").get_data(as_text=True)

# The JSON API: look-up, an idempotent statement, the back office's list.
api = "/withdrawal/api/v1"
found = other.post(api + "/lookup", json={"email": "lee@shop.example",
                                          "order_number": "A-101"}).get_json()
assert found["found"] and found["order"]["lines"][0]["line_id"] == "1", found
body = {"name": "Lee Example", "email": "lee@shop.example", "order_number": "A-101",
        "lines": ["1"]}
first = other.post(api + "/statements", json=body, headers={"Idempotency-Key": "A-101-w1"})
again = other.post(api + "/statements", json=body, headers={"Idempotency-Key": "A-101-w1"})
assert (first.status_code, again.status_code) == (201, 200)
by_api = first.get_json()["reference"]
listed = other.get(api + "/statements",
                   headers={"Authorization": "Bearer " + os.environ["TOKEN"]}).get_json()
assert {row["reference"] for row in listed["statements"]} == {by_pages, by_api}, listed

# The worker sends the acknowledgements and the webhooks.
with app.app_context():
    report = deliver_due()
print(json.dumps({"pages": by_pages, "api": by_api, "report": str(report)}))
'''


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.mark.slow
def test_the_example_shop_from_a_built_wheel(tmp_path: Path, receiver: Receiver) -> None:
    build = clean_build()
    hooks = [{"url": receiver.url, "secret": SECRET,
              "events": ["statement.submitted", "acknowledgement.sent"]}]
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLASK_")}
    env.update({
        "EXAMPLE_DIR": str(build.clone / "examples" / "shop"), "TOKEN": TOKEN,
        "FLASK_SECRET_KEY": "example-secret",
        "FLASK_WITHDRAWAL_TRADER_NAME": "Example Shop Ltd",
        "FLASK_WITHDRAWAL_TRADER_ADDRESS": "1 Example Street, 1000 Brussels, Belgium",
        "FLASK_WITHDRAWAL_TRADER_EMAIL": "service@shop.example",
        "FLASK_WITHDRAWAL_DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite3'}",
        "FLASK_WITHDRAWAL_DELIVER_AFTER_COMMIT": "false",
        "FLASK_WITHDRAWAL_API_TOKENS": json.dumps({"erp": TOKEN}),
        "FLASK_WITHDRAWAL_WEBHOOKS": json.dumps(hooks),
        "FLASK_MAIL_SUPPRESS_SEND": "true",
    })
    result = subprocess.run([str(build.python), "-c", DRIVE], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    submitted = receiver.of_type("statement.submitted")
    assert {d.payload["data"]["reference"] for d in submitted} == {
        outcome["pages"], outcome["api"]}
    assert len(receiver.of_type("acknowledgement.sent")) == 2
    assert all(isinstance(d.verified, dict) for d in receiver.received), [
        d.verified for d in receiver.received]
