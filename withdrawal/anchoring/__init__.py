"""Anchors of the chain outside the database: the witnesses of ``WITHDRAWAL_WITNESSES``
(``witnesses``: files, e-mails, RFC 3161 timestamps in ``rfc3161`` with the library-free
``der`` reader) and anchoring for the app (``service``). Recording anchors in the chain is
``storage.anchors``'s."""
