"""The package's own ``withdrawal`` domain next to a host's Flask-Babel: the host's ``messages``
catalogue and ours translate the same msgid differently, and each page uses its own; a
``withdrawal`` catalogue in the host's translation directories rewords ours, for that app only."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask, render_template_string
from flask_babel import Babel
from flask_babel import gettext as host_gettext
from i18n.support import html, translator

from withdrawal import Withdrawal
from withdrawal.demo.orders import DemoOrders
from withdrawal.i18n import gettext, translation_directories
from wsgi import DEMO_CONFIG

OURS = translator("it")("Continue")  # "Continua"
HOSTS = "Avanti, prego"


def compile_catalogue(directory: Path, domain: str, messages: dict[str, str]) -> None:
    catalog = Catalog(locale="it")
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    target = directory / "it" / "LC_MESSAGES" / f"{domain}.mo"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_mo(handle, catalog)


def host_app(tmp_path: Path, name: str = "shop") -> Flask:
    """A shop in Italian with its own Babel and its own catalogue in ``translations/``."""
    root = tmp_path / name
    compile_catalogue(root / "translations", "messages", {"Continue": HOSTS})
    app = Flask(name, root_path=str(root), instance_path=str(root / "instance"))
    app.config.update(DEMO_CONFIG)  # the trader's details, required
    app.config.update(TESTING=True, SECRET_KEY="s",
                      WITHDRAWAL_DATABASE_URL=f"sqlite:///{root / 'w.sqlite3'}")
    Babel(app, locale_selector=lambda: "it")
    Withdrawal(app, order_source=DemoOrders())

    @app.route("/shop")
    def shop() -> str:
        return render_template_string("<button>{{ _('Continue') }}</button><p>{{ said }}</p>",
                                      said=host_gettext("Continue"))

    return app


def test_the_same_msgid_in_both_catalogues_each_page_uses_its_own(tmp_path: Path) -> None:
    assert OURS == "Continua" and OURS != HOSTS
    client = host_app(tmp_path).test_client()
    ours = client.get("/withdrawal/").get_data(as_text=True)
    theirs = client.get("/shop").get_data(as_text=True)
    assert f"<button type=\"submit\">{OURS}</button>" in ours and HOSTS not in ours
    assert f"<button>{HOSTS}</button><p>{HOSTS}</p>" in theirs and OURS not in theirs


def test_a_withdrawal_catalogue_in_the_hosts_directories_rewords_ours(tmp_path: Path) -> None:
    reworded = host_app(tmp_path, "reworded")
    compile_catalogue(Path(reworded.root_path) / "translations", "withdrawal",
                      {"Continue": "Prosegui"})
    plain = host_app(tmp_path, "plain")
    page = reworded.test_client().get("/withdrawal/").get_data(as_text=True)
    assert '<button type="submit">Prosegui</button>' in page
    # Messages the host did not reword still come from the package's catalogue.
    assert html(translator("it")("Skip to content")) in page
    # Catalogues are cached per app's directories: another app keeps our wording.
    other = plain.test_client().get("/withdrawal/").get_data(as_text=True)
    assert f'<button type="submit">{OURS}</button>' in other
    # The host's own pages are untouched.
    assert HOSTS in reworded.test_client().get("/shop").get_data(as_text=True)


def test_babel_translation_directories_of_the_host_are_searched(tmp_path: Path) -> None:
    overrides = tmp_path / "overrides"
    compile_catalogue(overrides, "withdrawal", {"Back": "Torna indietro"})
    app = Flask("configured", root_path=str(tmp_path), instance_path=str(tmp_path / "i"))
    app.config.update(DEMO_CONFIG)  # the trader's details, required
    app.config.update(TESTING=True, SECRET_KEY="s",
                      BABEL_TRANSLATION_DIRECTORIES=f"translations;{overrides}",
                      WITHDRAWAL_DATABASE_URL=f"sqlite:///{tmp_path / 'w.sqlite3'}")
    Babel(app)
    Withdrawal(app, order_source=DemoOrders())
    with app.test_request_context("/withdrawal/", headers={"Accept-Language": "it"}):
        assert translation_directories()[-1] == str(overrides)
        assert gettext("Back") == "Torna indietro"
        assert gettext("Continue") == OURS
