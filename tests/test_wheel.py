"""The installed wheel carries the templates and the compiled translations inside the package:
a shop that runs ``pip install withdrawal`` gets a working blueprint."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SMOKE = """
from flask import Flask
from withdrawal import Withdrawal
import withdrawal, withdrawal.resources as r
assert "site-packages" in withdrawal.__file__, withdrawal.__file__
assert "site-packages" in r.resource_dir("templates")
app = Flask("shop", instance_path=INSTANCE)
app.config.update(SECRET_KEY="s")
class Orders:
    def find_order(self, number, email): return None
Withdrawal(app, order_source=Orders())
client = app.test_client()
page = client.get("/withdrawal/", headers={"Accept-Language": "it"}).get_data(as_text=True)
assert "Recedere dal contratto qui" in page, page
assert client.get("/withdrawal/static/withdrawal.css").status_code == 200
from withdrawal.storage.schema import current_revision, head_revision
with app.app_context():
    from withdrawal.state import engine
    assert current_revision(engine()) == head_revision()  # the shipped migrations ran
print("wheel OK")
"""


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_virtualenv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(dist), str(ROOT)], check=True)
    wheel = next(dist.glob("withdrawal-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "withdrawal/templates/withdrawal/base.html" in names
    assert "withdrawal/templates/withdrawal/email/receipt.txt" in names
    assert "withdrawal/translations/it/LC_MESSAGES/withdrawal.mo" in names
    assert "withdrawal/static/withdrawal.css" in names
    assert "withdrawal/py.typed" in names
    assert "withdrawal/migrations/script.py.mako" in names
    assert "withdrawal/migrations/versions/0001_round_one.py" in names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True)
    script = f"INSTANCE = {str(tmp_path / 'instance')!r}\n" + SMOKE
    result = subprocess.run([str(python), "-c", script], cwd=tmp_path, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert "wheel OK" in result.stdout
