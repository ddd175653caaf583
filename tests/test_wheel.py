"""The installed wheel carries the templates and the compiled translations inside the package:
a shop that runs ``pip install withdrawal`` gets a working blueprint. The wheel and the sdist
are built from a clean clone (issue 15, point 4): the build compiles the catalogues itself."""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from wheel_support import clean_build

LANGUAGES = ("de", "es", "fr", "it", "nl", "pl", "pt")

SMOKE = """
from flask import Flask
from withdrawal import Withdrawal
import withdrawal, withdrawal.resources as r
assert "site-packages" in withdrawal.__file__, withdrawal.__file__
assert "site-packages" in r.resource_dir("templates")
app = Flask("shop", instance_path=INSTANCE)
app.config.update(SECRET_KEY="s", WITHDRAWAL_TRADER_NAME="Shop",
                  WITHDRAWAL_TRADER_ADDRESS="Street 1", WITHDRAWAL_TRADER_EMAIL="s@shop.example")
class Orders:
    def find_order(self, number, email): return None
Withdrawal(app, order_source=Orders())
client = app.test_client()
page = client.get("/withdrawal/", headers={"Accept-Language": "it"}).get_data(as_text=True)
assert "Recedere dal contratto qui" in page, page
assert ">Continua</button>" in page, page  # Italian text: the compiled catalogue is there
assert client.get("/withdrawal/static/withdrawal.css").status_code == 200
from withdrawal.storage.schema import current_revision, head_revision
with app.app_context():
    from withdrawal.state import engine
    assert current_revision(engine()) == head_revision()  # the shipped migrations ran
print("wheel OK")
"""


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_virtualenv(tmp_path: Path) -> None:
    build = clean_build()
    names = zipfile.ZipFile(build.wheel).namelist()
    assert "withdrawal/templates/withdrawal/base.html" in names
    assert "withdrawal/templates/withdrawal/email/receipt.txt" in names
    for lang in LANGUAGES:  # compiled by the build hook: a clone has no .mo
        assert f"withdrawal/translations/{lang}/LC_MESSAGES/withdrawal.mo" in names
    assert "withdrawal/static/withdrawal.css" in names
    assert "withdrawal/py.typed" in names
    assert "withdrawal/migrations/script.py.mako" in names
    assert "withdrawal/migrations/versions/0001_round_one.py" in names
    script = f"INSTANCE = {str(tmp_path / 'instance')!r}\n" + SMOKE
    result = subprocess.run([str(build.python), "-c", script], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "wheel OK" in result.stdout


@pytest.mark.slow
def test_sdist_from_a_clean_clone_carries_every_catalogue() -> None:
    build = clean_build()
    with tarfile.open(build.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames()}
    for lang in LANGUAGES:
        assert f"translations/{lang}/LC_MESSAGES/withdrawal.mo" in names
        assert f"translations/{lang}/LC_MESSAGES/withdrawal.po" in names
    assert "hatch_build.py" in names and "examples/shop/shop.py" in names
