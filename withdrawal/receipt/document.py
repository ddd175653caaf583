"""Document plumbing shared by the receipt and the model form: styles, escaping of consumer
input, reproducible output and embedded files.

Reproducible: the same input always gives the same bytes, so a stored document can be checked
by rendering it again. ReportLab's invariant mode alone is not enough (it honours
``SOURCE_DATE_EPOCH`` and would date every document 2000-01-01), so a document's dates are
pinned by the caller and its /ID derived from its content.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from babel import Locale, UnknownLocaleError
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDate,
    PDFDictionary,
    PDFName,
    PDFStream,
    PDFString,
    PDFText,
    PDFZCompress,
)
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from . import reportlab_fixes  # noqa: F401  # no-break narrow spaces, ToUnicode beyond U+FFFF
from .fallback import font_runs
from .fonts import BOLD, base_coverage, register_fonts
from .paragraphs import Memo, SteadyParagraph

Gettext = Callable[[str], str]
Pgettext = Callable[[str, str], str]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
#: ReportLab's frames pad their content by 6 pt on each side: the width text and tables get.
FRAME_PADDING = 6
TEXT_WIDTH = FRAME_WIDTH - 2 * FRAME_PADDING
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#5a5a5a")
RULE = colors.HexColor("#c8c8c8")
SHADE = colors.HexColor("#f2f2f2")

# C0 controls other than tab and newline, and DEL: ReportLab's markup parser rejects them and
# no font draws them, so consumer input loses them rather than breaking the receipt.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF (an /EmbeddedFiles entry, listed in the viewer's panel)."""

    name: str
    data: bytes
    mime_type: str
    description: str


@dataclass(frozen=True)
class DocumentInfo:
    """Metadata of one PDF. ``created`` (aware) becomes its CreationDate and ModDate and
    ``seed`` its /ID, both chosen by the caller so that re-rendering gives the same bytes."""

    title: str
    author: str
    subject: str
    lang: str
    created: datetime
    seed: bytes


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of both documents, in the embedded Noto Sans."""

    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    strong: ParagraphStyle
    small: ParagraphStyle
    fingerprint: ParagraphStyle
    numeric: ParagraphStyle


@functools.lru_cache(maxsize=1)
def styles() -> Styles:
    """The shared styles (registers the fonts on first use)."""
    regular, bold = register_fonts()
    body = ParagraphStyle(
        "body", fontName=regular, bulletFontName=regular, fontSize=9.5, leading=13, textColor=INK
    )
    return Styles(
        title=ParagraphStyle("title", body, fontName=bold, fontSize=16, leading=20, spaceAfter=4),
        heading=ParagraphStyle(
            "heading", body, fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3
        ),
        body=body,
        strong=ParagraphStyle("strong", body, fontName=bold),
        small=ParagraphStyle("small", body, fontSize=8, leading=10.5, textColor=MUTED),
        fingerprint=ParagraphStyle("fingerprint", body, fontSize=8, leading=10.5),
        numeric=ParagraphStyle("numeric", body, alignment=TA_RIGHT),
    )


def markup(text: object, *, line_breaks: bool = False, bold: bool = False) -> str:
    """``text`` made safe for ReportLab's Paragraph mini-markup: ``<b>`` or ``<script>`` typed
    by a consumer is printed, never interpreted. ``line_breaks`` keeps newlines as line breaks.
    Characters Noto Sans lacks (Chinese, Japanese, Korean, symbols, emoji) are set in a
    fallback font (``fallback.py``), in its bold cut where ``bold``."""
    return _marked(str(text), line_breaks, bold)[0]


def _marked(text: str, line_breaks: bool, bold: bool, memo: bool = False) -> tuple[str, bool]:
    """``markup`` and whether it is steady: set in the base fonts only, so that it and its
    paragraph's layout may be memoised (``paragraphs.py``); kept when ``memo``."""
    key = (text, line_breaks, bold)
    known: tuple[str, bool] | None = _MARKED.get(key) if memo else None
    if known is not None:
        return known
    parts, steady = [], True
    for font, run in font_runs(_CONTROL.sub("", text), base_coverage(), bold=bold):
        safe = escape(run)
        parts.append(f'<font name="{font}">{safe}</font>' if font else safe)
        steady = steady and font is None
    safe = "".join(parts)
    marked = (safe.replace("\n", "<br/>") if line_breaks else safe, steady)
    if memo and steady:  # a fallback font may be unregistered later (fallback.py)
        _MARKED.put(key, marked)
    return marked


_MARKED = Memo()


def para(text: object, style: ParagraphStyle, *, line_breaks: bool = False,
         memo: bool = True) -> Paragraph:
    """A paragraph of plain text (escaped). A text that recurs (a heading, a label, a
    sentence of the law) is memoised with its layout (``paragraphs.py``) under ``style``, which
    must live as long as the process (one of ``styles()`` or another cached style).
    ``memo=False`` for a statement's own data (a name, an address, a reference, a hash): it
    would not recur, and no memo should hold a consumer's personal data."""
    safe, steady = _marked(str(text), line_breaks, is_bold(style), memo)
    return SteadyParagraph(safe, style, steady=memo and steady)


def is_bold(style: ParagraphStyle) -> bool:
    return bool(style.fontName == BOLD)


def heading(text: str, *, room: float = 25 * mm) -> list[Flowable]:
    """A section heading with a hairline under it, never alone at the foot of a page: it
    starts a new page unless ``room`` is left for it and the start of what follows. ``room=0``
    for a heading kept with its section by ``keep_with_next``."""
    # Not keepWithNext: that keeps the whole next table with the heading, and a table taller
    # than the rest of the page would then leave that rest empty.
    return [
        *([CondPageBreak(room)] if room else []),
        para(text, styles().heading),
        HRFlowable(width="100%", thickness=0.5, color=RULE, spaceBefore=0, spaceAfter=4),
    ]


def keep_with_next(flowable: Flowable) -> Flowable:
    """``flowable`` goes to the next page with whatever follows it rather than leave that
    alone on a page of its own."""
    flowable.keepWithNext = True
    return flowable


def table_style(*commands: tuple[Any, ...]) -> TableStyle:
    """A table style in the embedded font: a table's own default, Helvetica, would be named
    in the PDF without being embedded."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), styles().body.fontName), *commands])


def field_table(rows: Sequence[tuple[str, Flowable | str]]) -> Table:
    """Label / value rows; string values are escaped plain text, a statement's own (not
    memoised)."""
    st = styles()
    data = [
        [para(label, st.small),
         para(value, st.body, memo=False) if isinstance(value, str) else value]
        for label, value in rows
    ]
    # splitInRow: a long value (a contract description) may continue on the next page.
    table = Table(data, colWidths=[48 * mm, TEXT_WIDTH - 48 * mm], hAlign="LEFT", splitInRow=1)
    table.setStyle(
        table_style(
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        )
    )
    return table


def babel_locale(locale: str) -> Locale:
    """The Babel locale for ``it``, ``pt_BR`` or ``pt-BR``; English if Babel does not know it,
    because a receipt must still go out (it can be re-sent; a lost one cannot)."""
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale("en")


def pdf_lang(locale: Locale) -> str:
    """The BCP 47 tag for the catalog's /Lang, e.g. ``it`` or ``pt-BR``."""
    return "-".join(part for part in (locale.language, locale.script, locale.territory) if part)


def build_pdf(
    story: list[Flowable],
    info: DocumentInfo,
    *,
    footer: Callable[[int], str],
    attachments: Sequence[Attachment] = (),
) -> bytes:
    """Lay ``story`` out on A4 and return the PDF's bytes. ``footer(page)`` is drawn on every
    page as plain text."""
    regular, _ = register_fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=info.title,
        author=info.author,
        subject=info.subject,
        creator="withdrawal",
        lang=info.lang,
        displayDocTitle=True,
        invariant=True,
        # Otherwise the canvas starts in Helvetica, a font the PDF would name but not embed.
        initialFontName=regular,
    )
    on_page = functools.partial(_draw_footer, font=regular, footer=footer)
    maker = functools.partial(_ReproducibleCanvas, info=info, attachments=attachments)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=maker)
    return out.getvalue()


def _draw_footer(canvas: Canvas, _doc: object, *, font: str, footer: Callable[[int], str]) -> None:
    canvas.saveState()
    canvas.setFillColor(MUTED)
    x = MARGIN
    text = _CONTROL.sub("", footer(canvas.getPageNumber()))
    for fallback, run in font_runs(text, base_coverage(), bold=False):
        canvas.setFont(fallback or font, 7.5)
        canvas.drawString(x, MARGIN - 2 * mm, run)
        x += canvas.stringWidth(run, fallback or font, 7.5)
    canvas.restoreState()


class _ReproducibleCanvas(Canvas):  # type: ignore[misc]  # ReportLab ships no types
    """A canvas whose dates and /ID come from :class:`DocumentInfo` instead of the clock or
    ``SOURCE_DATE_EPOCH``, and which embeds the given files."""

    def __init__(
        self,
        *args: Any,
        info: DocumentInfo,
        attachments: Sequence[Attachment],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        document = self._doc
        document._timeStamp = _PinnedTimeStamp(info.created)
        # ReportLab derives /ID from this digest plus title, author, subject and keywords.
        document.signature = hashlib.md5(info.seed, usedforsecurity=False)
        if attachments:
            document.Catalog.Names = PDFDictionary(
                {"EmbeddedFiles": _embedded_files(document, attachments, info.created)}
            )


class _PinnedTimeStamp:
    """The attributes of ReportLab's TimeStamp, for a given instant (in UTC)."""

    def __init__(self, instant: datetime) -> None:
        utc = instant.astimezone(UTC)
        self.t = utc.timestamp()
        self.lt = utc.timetuple()
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh = self.dmm = 0
        self.tzname = "UTC"


def _embedded_files(document: Any, files: Sequence[Attachment], modified: datetime) -> Any:
    stamp = _PinnedTimeStamp(modified)
    entries: list[Any] = []
    for item in sorted(files, key=lambda f: f.name):  # a name tree's keys must be sorted
        entries += [PDFString(item.name), document.Reference(_filespec(document, item, stamp))]
    return PDFDictionary({"Names": PDFArray(entries)})


def _filespec(document: Any, item: Attachment, stamp: _PinnedTimeStamp) -> Any:
    params = {
        "Size": len(item.data),
        "CheckSum": PDFText(hashlib.md5(item.data, usedforsecurity=False).digest(), enc="raw"),
        "ModDate": PDFDate(ts=stamp),
    }
    stream = PDFStream(
        PDFDictionary(
            {
                "Type": PDFName("EmbeddedFile"),
                # PDFName would escape the "#", so the MIME type's "/" is written as #2F here.
                "Subtype": "/" + item.mime_type.replace("/", "#2F"),
                "Params": PDFDictionary(params),
            }
        ),
        content=item.data,
        filters=[PDFZCompress],
    )
    return PDFDictionary(
        {
            "Type": PDFName("Filespec"),
            "F": PDFString(item.name),
            "UF": PDFString(item.name),
            "Desc": PDFString(item.description),
            "AFRelationship": PDFName("Data"),
            "EF": PDFDictionary({"F": document.Reference(stream)}),
        }
    )
