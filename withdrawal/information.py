"""The pre-contract information sentence on the withdrawal function (CRD Art. 6(1)(h); Annex I(A)
"Instructions for completion", point 3, as replaced by Directive (EU) 2023/2673): the sentence a
trader who must offer the function adds to its model instructions on withdrawal, telling the
consumer that the function exists, where, and that an acknowledgement follows.

Legal text like the labels (``labels.py``): never through gettext, each language with its source
and whether it was checked against the enacted text. Pure: nothing here imports Flask;
``templating.withdrawal_information()`` inserts the function's address for the current app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .labels import base_language

#: Where the address goes in :attr:`InformationSentence.text`.
ADDRESS = "{address}"


@dataclass(frozen=True)
class InformationSentence:
    """One language's sentence. ``text`` holds :data:`ADDRESS` where the model text has its
    bracketed instruction ``instruction``; ``verified``: checked against the enacted text."""

    locale: str
    text: str
    instruction: str
    verified: bool
    source: str

    @property
    def model_text(self) -> str:
        """The sentence as the model instructions print it, with the bracketed instruction."""
        return self.text.replace(ADDRESS, self.instruction)

    def with_address(self, address: str) -> str:
        """The sentence with ``address`` (the function's URL, or words saying where it is)."""
        return self.text.replace(ADDRESS, address)


_UNVERIFIED = (
    "Directive (EU) 2023/2673, Annex (Annex I(A) point 3 of Directive 2011/83/EU), {language} "
    "version, drafted after the Directive's wording and not yet checked against the Official "
    "Journal: unverified"
)

INFORMATION: Mapping[str, InformationSentence] = MappingProxyType({
    sentence.locale: sentence
    for sentence in (
        InformationSentence(
            "it",
            "È inoltre possibile esercitare il diritto di recesso online su {address}. Se si "
            "utilizza questa funzione online, trasmetteremo senza indebito ritardo un avviso di "
            "ricevimento del recesso su un supporto durevole (ad esempio tramite posta "
            "elettronica), compresi il suo contenuto e la data e l'ora della sua trasmissione.",
            "[inserire l'indirizzo Internet o un'altra spiegazione adeguata in merito a dove è "
            "disponibile la funzione di recesso]",
            True,
            "D.Lgs. 209/2025, art. 1, lett. g (Allegato I, parte A, Codice del Consumo, "
            "\"Istruzioni per la compilazione\", punto 3), as published in the Gazzetta "
            "Ufficiale",
        ),
        InformationSentence(
            "de",
            "Sie können Ihr Widerrufsrecht auch online unter {address} ausüben. Wenn Sie diese "
            "Online-Funktion nutzen, übermitteln wir Ihnen auf einem dauerhaften Datenträger "
            "(z. B. durch eine E-Mail) unverzüglich eine Eingangsbestätigung mit Informationen "
            "zum Inhalt der Widerrufserklärung sowie dem Datum und der Uhrzeit ihres Eingangs.",
            "[Internetadresse oder andere geeignete Angabe, wo die Widerrufsfunktion verfügbar "
            "ist]",
            False,
            "the German model instructions (Anlage 1 EGBGB, Gestaltungshinweis 3, as amended "
            "for § 356a BGB): the acknowledgement clause as quoted in commentary, the rest from "
            "a secondary source; the bracketed instruction is our placeholder; not checked "
            "against the Bundesgesetzblatt: unverified",
        ),
        InformationSentence(
            "en",
            "You can also exercise your right of withdrawal online at {address}. If you use "
            "this online feature, we will send you an acknowledgement of receipt of the "
            "withdrawal on a durable medium (e.g. by email), including its content and the date "
            "and time of its submission, without undue delay.",
            "[insert the internet address or another appropriate explanation of where the "
            "withdrawal function is available]",
            False,
            _UNVERIFIED.format(language="English"),
        ),
        InformationSentence(
            "es",
            "También puede ejercer su derecho de desistimiento en línea en {address}. Si "
            "utiliza esta función en línea, le enviaremos sin demora indebida un acuse de "
            "recibo del desistimiento en un soporte duradero (por ejemplo, por correo "
            "electrónico), que incluirá su contenido y la fecha y hora de su presentación.",
            "[indíquese la dirección de internet u otra explicación adecuada de dónde está "
            "disponible la función de desistimiento]",
            False,
            _UNVERIFIED.format(language="Spanish"),
        ),
        InformationSentence(
            "fr",
            "Vous pouvez également exercer votre droit de rétractation en ligne à l'adresse "
            "{address}. Si vous utilisez cette fonction en ligne, nous vous enverrons sans "
            "retard injustifié, sur un support durable (par exemple, par courriel), un accusé "
            "de réception de la rétractation comprenant son contenu ainsi que la date et "
            "l'heure de sa transmission.",
            "[insérer l'adresse internet ou une autre explication appropriée indiquant où la "
            "fonction de rétractation est disponible]",
            False,
            _UNVERIFIED.format(language="French"),
        ),
        InformationSentence(
            "nl",
            "U kunt uw herroepingsrecht ook online uitoefenen via {address}. Als u van deze "
            "onlinefunctie gebruikmaakt, zenden wij u zonder onnodige vertraging op een "
            "duurzame gegevensdrager (bv. per e-mail) een ontvangstbevestiging van de "
            "herroeping, met inbegrip van de inhoud ervan en de datum en het tijdstip van "
            "indiening.",
            "[internetadres of een andere passende aanwijzing invoegen van waar de "
            "herroepingsfunctie beschikbaar is]",
            False,
            _UNVERIFIED.format(language="Dutch")
            + "; Dutch law (art. 6:230oa BW) may word it with 'ontbinden'",
        ),
        InformationSentence(
            "pl",
            "Mogą Państwo również skorzystać z prawa odstąpienia od umowy online pod adresem "
            "{address}. Jeżeli skorzystają Państwo z tej funkcji online, niezwłocznie "
            "prześlemy Państwu na trwałym nośniku (na przykład pocztą elektroniczną) "
            "potwierdzenie otrzymania oświadczenia o odstąpieniu od umowy, obejmujące jego "
            "treść oraz datę i godzinę jego złożenia.",
            "[wpisać adres strony internetowej lub inne odpowiednie wyjaśnienie, gdzie dostępna "
            "jest funkcja odstąpienia od umowy]",
            False,
            _UNVERIFIED.format(language="Polish"),
        ),
        InformationSentence(
            "pt",
            "Pode também exercer o seu direito de retratação em linha em {address}. Se "
            "utilizar esta função em linha, enviar-lhe-emos sem demora injustificada, num "
            "suporte duradouro (por exemplo, por correio eletrónico), um aviso de receção da "
            "retratação, incluindo o seu conteúdo e a data e a hora da sua apresentação.",
            "[inserir o endereço Internet ou outra explicação adequada sobre o local onde a "
            "função de retratação está disponível]",
            False,
            _UNVERIFIED.format(language="Portuguese"),
        ),
    )
})


def information_for(locale: str, default: str = "en") -> InformationSentence:
    """The sentence in ``locale``'s language, else in ``default`` (the catalogue holds the eight
    complete languages; docs/labels.md)."""
    return INFORMATION.get(base_language(locale)) or INFORMATION[default]
