"""The durable-medium documents: the acknowledgement of receipt (Art. 11a(4) CRD) and the
Annex I(B) model withdrawal form as PDFs, and their optional PAdES seal.

Import the submodules directly (``withdrawal.receipt.pdf``, ``.modelform``, ``.signing``): this
package stays light so that importing it loads neither ReportLab nor pyHanko.
"""
