"""The model withdrawal form's text in each language (Annex I(B), R16), pinned sentence by
sentence with its provenance: the Directive as amended by Directive (EU) 2019/2161, or a national
form (German: Anlage 2 EGBGB, "und die E-Mail-Adresse" where the Directive says
"gegebenenfalls"). A change of any catalogue entry of the form fails here."""

from __future__ import annotations

import pytest
from babel.support import Translations

from withdrawal.i18n import COMPLETE_LANGUAGES, DOMAIN
from withdrawal.receipt.modelform import FORM_SOURCES
from withdrawal.resources import resource_dir

#: The form's sentences in order, as msgids: the English text of Annex I(B).
ENGLISH = (
    "Model withdrawal form",
    "(complete and return this form only if you wish to withdraw from the contract)",
    "— To [here the trader's name, geographical address and, where available, his e-mail "
    "address are to be inserted by the trader]:",
    "— I/We (*) hereby give notice that I/We (*) withdraw from my/our (*) contract of sale of "
    "the following goods (*)/for the provision of the following service (*),",
    "— Ordered on (*)/received on (*),",
    "— Name of consumer(s),",
    "— Address of consumer(s),",
    "— Signature of consumer(s) (only if this form is notified on paper),",
    "— Date",
    "(*) Delete as appropriate.",
)

PINNED: dict[str, tuple[str, ...]] = {
    "de": (
        "Muster-Widerrufsformular",
        "(Wenn Sie den Vertrag widerrufen wollen, dann füllen Sie bitte dieses Formular "
        "aus und senden Sie es zurück.)",
        "— An [hier ist der Name, die Anschrift und die E-Mail-Adresse des Unternehmers "
        "durch den Unternehmer einzufügen]:",
        "— Hiermit widerrufe(n) ich/wir (*) den von mir/uns (*) abgeschlossenen Vertrag "
        "über den Kauf der folgenden Waren (*)/die Erbringung der folgenden "
        "Dienstleistung (*)",
        "— Bestellt am (*)/erhalten am (*)",
        "— Name des/der Verbraucher(s)",
        "— Anschrift des/der Verbraucher(s)",
        "— Unterschrift des/der Verbraucher(s) (nur bei Mitteilung auf Papier)",
        "— Datum",
        "(*) Unzutreffendes streichen.",
    ),
    "es": (
        "Modelo de formulario de desistimiento",
        "(sólo debe cumplimentar y enviar el presente formulario si desea desistir del contrato)",
        "— A la atención de [aquí se debe insertar el nombre del comerciante, su "
        "dirección completa y, si procede, su dirección de correo electrónico]:",
        "— Por la presente le comunico/comunicamos (*) que desisto de mi/desistimos de "
        "nuestro (*) contrato de venta del siguiente bien/prestación del siguiente "
        "servicio (*)",
        "— Pedido el/recibido el (*)",
        "— Nombre del consumidor o de los consumidores",
        "— Domicilio del consumidor o de los consumidores",
        "— Firma del consumidor o de los consumidores (solo si el presente formulario se "
        "presenta en papel)",
        "— Fecha",
        "(*) Táchese lo que no proceda.",
    ),
    "fr": (
        "Modèle de formulaire de rétractation",
        "(veuillez compléter et renvoyer le présent formulaire uniquement si vous "
        "souhaitez vous rétracter du contrat)",
        "— À l'attention de [le professionnel insère ici son nom, son adresse "
        "géographique et, lorsqu'elle est disponible, son adresse électronique]\u202f:",
        "— Je/Nous (*) vous notifie/notifions (*) par la présente ma/notre (*) "
        "rétractation du contrat portant sur la vente du bien (*)/pour la prestation de "
        "services (*) ci-dessous\u202f:",
        "— Commandé le (*)/reçu le (*)\u202f:",
        "— Nom du (des) consommateur(s)\u202f:",
        "— Adresse du (des) consommateur(s)\u202f:",
        "— Signature du (des) consommateur(s) (uniquement en cas de notification du "
        "présent formulaire sur papier)\u202f:",
        "— Date\u202f:",
        "(*) Rayez la mention inutile.",
    ),
    "it": (
        "Modulo di recesso tipo",
        "(compilare e restituire il presente modulo solo se si desidera recedere dal contratto)",
        "— Destinatario [il nome, l'indirizzo geografico e, ove disponibile, l'indirizzo "
        "e-mail del professionista devono essere inseriti dal professionista]:",
        "— Con la presente io/noi (*) notifichiamo il recesso dal mio/nostro (*) "
        "contratto di vendita dei seguenti beni/servizi (*)",
        "— Ordinato il (*)/ricevuto il (*)",
        "— Nome del/dei consumatore(i)",
        "— Indirizzo del/dei consumatore(i)",
        "— Firma del/dei consumatore(i) (solo se il presente modulo è notificato in "
        "versione cartacea)",
        "— Data",
        "(*) Cancellare la dicitura inutile.",
    ),
    "nl": (
        "Modelformulier voor herroeping",
        "(dit formulier alleen invullen en terugzenden als u de overeenkomst wilt herroepen)",
        "— Aan [naam, geografisch adres en, indien beschikbaar, e-mailadres van de "
        "handelaar, in te vullen door de handelaar]:",
        "— Ik/Wij (*) deel/delen (*) u hierbij mede dat ik/wij (*) onze overeenkomst "
        "betreffende de verkoop van de volgende goederen/levering van de volgende dienst "
        "(*) herroep/herroepen (*)",
        "— Besteld op (*)/Ontvangen op (*)",
        "— Naam/Namen consument(en)",
        "— Adres consument(en)",
        "— Handtekening van consument(en) (alleen wanneer dit formulier op papier wordt ingediend)",
        "— Datum",
        "(*) Doorhalen wat niet van toepassing is.",
    ),
    "pl": (
        "Wzór formularza odstąpienia od umowy",
        "(formularz ten należy wypełnić i odesłać tylko w przypadku chęci odstąpienia od umowy)",
        "— Adresat [w tym miejscu przedsiębiorca powinien wpisać nazwę przedsiębiorcy, "
        "pełny adres pocztowy oraz, o ile jest dostępny, adres e-mail]:",
        "— Ja/My(*) niniejszym informuję/informujemy(*) o moim/naszym odstąpieniu od "
        "umowy sprzedaży następujących towarów(*)/umowy o świadczenie następującej "
        "usługi(*)",
        "— Data zamówienia(*)/odbioru(*)",
        "— Imię i nazwisko konsumenta(-ów)",
        "— Adres konsumenta(-ów)",
        "— Podpis konsumenta(-ów) (tylko jeżeli formularz jest przesyłany w wersji papierowej)",
        "— Data",
        "(*) Niepotrzebne skreślić.",
    ),
    "pt": (
        "Modelo de formulário de retratação",
        "(só deve preencher e devolver o presente formulário se quiser retratar-se do contrato)",
        "— Para [inserir aqui o nome, o endereço geográfico e, caso esteja disponível, o "
        "endereço de correio eletrónico do profissional]:",
        "— Pela presente comunico/comunicamos (*) que me/nos retrato/retratamos (*) do "
        "meu/nosso (*) contrato de venda dos seguintes bens (*)/para a prestação do "
        "seguinte serviço (*)",
        "— Solicitado em (*)/recebido em (*)",
        "— Nome do(s) consumidor(es)",
        "— Endereço do(s) consumidor(es)",
        "— Assinatura do(s) consumidor(es) (só no caso de o presente formulário ser "
        "notificado em papel)",
        "— Data",
        "(*) Riscar o que não interessa.",
    ),
}

#: language, what its text follows.
PROVENANCE = [
    pytest.param("en", "2019/2161", id="annexIB-en-directive-2019-2161"),
    pytest.param("de", "Anlage 2", id="annexIB-de-national-anlage-2-egbgb"),
    pytest.param("es", "2019/2161", id="annexIB-es-directive-2019-2161"),
    pytest.param("fr", "2019/2161", id="annexIB-fr-directive-2019-2161"),
    pytest.param("it", "2019/2161", id="annexIB-it-directive-2019-2161"),
    pytest.param("nl", "2019/2161", id="annexIB-nl-directive-2019-2161"),
    pytest.param("pl", "2019/2161", id="annexIB-pl-directive-2019-2161"),
    pytest.param("pt", "2019/2161", id="annexIB-pt-directive-2019-2161"),
]


def catalogue(lang: str) -> Translations:
    found = Translations.load(resource_dir("translations"), [lang], DOMAIN)
    assert isinstance(found, Translations), f"no compiled {lang} catalogue"
    return found


def test_every_complete_language_says_where_its_form_comes_from() -> None:
    assert set(FORM_SOURCES) == set(COMPLETE_LANGUAGES) == set(PINNED) | {"en"}


@pytest.mark.parametrize(("lang", "follows"), PROVENANCE)
def test_each_language_has_its_provenance(lang: str, follows: str) -> None:
    form = FORM_SOURCES[lang]
    assert form.locale == lang and follows in form.source
    assert not form.verified and "not yet checked" in form.source


@pytest.mark.parametrize("lang", [
    pytest.param(lang, id=f"annexIB-{lang}-pinned") for lang in sorted(PINNED)
])
def test_each_languages_text_is_pinned(lang: str) -> None:
    translations = catalogue(lang)
    for msgid, pinned in zip(ENGLISH, PINNED[lang], strict=True):
        assert translations.gettext(msgid) == pinned, msgid


def test_german_follows_the_national_form() -> None:
    to_line = catalogue("de").gettext(ENGLISH[2])
    assert "die Anschrift und die E-Mail-Adresse des Unternehmers" in to_line
    assert "gegebenenfalls" not in to_line
    assert "gegebenenfalls" in FORM_SOURCES["de"].source  # and says where it departs
