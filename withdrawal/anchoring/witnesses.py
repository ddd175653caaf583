"""The witnesses of ``WITHDRAWAL_WITNESSES``, and the anchor files a ``file:`` witness keeps.

- ``file:/path/dir``: one new file per anchor, created exclusively (never overwritten) and
  synced to disk, in a directory the database's users cannot rewrite (another disk, a WORM
  mount). One directory serves one chain.
- ``mailto:address``: an e-mail of the anchor to an independent mailbox, through the outbox.
- ``rfc3161:https://tsa.example/``: a timestamp token over the head hash from that TSA.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..statement import canonical_json
from ..storage.anchors import AnchoredHead, TokenCheck, WitnessEvidence
from .rfc3161 import token_problems

SCHEMES = ("file", "mailto", "rfc3161")
_FILE_PREFIX = "anchor-"


@dataclass(frozen=True)
class Witness:
    url: str  # as configured
    scheme: str  # file, mailto, rfc3161
    target: str  # the directory, the address, the TSA's URL


def parse_witnesses(urls: Iterable[str]) -> list[Witness]:
    """The configured witnesses; ``ValueError`` names one that is not understood."""
    witnesses = []
    for url in urls:
        scheme, _colon, target = str(url).partition(":")
        if scheme == "file" and target.startswith("//"):
            target = target[2:]  # file:///path as well as file:/path
        if scheme not in SCHEMES or not target or (
                scheme == "file" and not target.startswith("/")) or (
                scheme == "rfc3161" and not target.startswith(("http://", "https://"))):
            raise ValueError(f"{url!r} is not a witness: use file:/dir, mailto:address or "
                             "rfc3161:https://tsa.example/")
        witnesses.append(Witness(str(url), scheme, target))
    return witnesses


def write_anchor_file(directory: str, anchor: dict[str, Any]) -> Path:
    """A new file holding ``anchor`` (canonical JSON); never replaces an existing one."""
    stamp = datetime.fromisoformat(str(anchor["anchored_at"])).strftime("%Y%m%dT%H%M%S%fZ")
    path = Path(directory) / f"{_FILE_PREFIX}{int(anchor['seq']):012d}-{stamp}.json"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        os.write(descriptor, canonical_json(anchor) + b"\n")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    _sync_directory(directory)
    return path


def _sync_directory(directory: str) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # some platforms cannot open a directory; the file itself is synced
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def read_anchor_files(directory: str, evidence: WitnessEvidence) -> None:
    """Add the head of every anchor file of ``directory`` to ``evidence`` (a file that is no
    anchor is a problem; a directory that cannot be read is a note: that witness is out of
    reach). The tokens a file holds are its evidence of time; ``verify`` checks the tokens
    stored with the anchors."""
    try:
        paths = sorted(p for p in Path(directory).iterdir() if p.name.startswith(_FILE_PREFIX))
    except OSError as exc:
        evidence.notes.append(f"witness file:{directory} cannot be read: {exc.strerror or exc}")
        return
    for path in paths:
        try:
            anchor = json.loads(path.read_bytes())
            evidence.heads.append(AnchoredHead(int(anchor["seq"]), str(anchor["hash"]),
                                               f"file {path}"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            evidence.problems.append(f"file {path} is not an anchor: {exc}")


def witness_evidence(
    urls: Sequence[str], token_check: TokenCheck | None = token_problems,
) -> WitnessEvidence:
    """What ``verify`` reads from the configured witnesses: every file witness's anchors,
    and the check of RFC 3161 tokens (``rfc3161.token_problems``). Anchors e-mailed away are
    out of reach; the tokens stored with the anchors are read from the database."""
    evidence = WitnessEvidence(token_check=token_check)
    try:
        witnesses = parse_witnesses(urls)
    except ValueError as exc:
        evidence.problems.append(str(exc))
        return evidence
    for witness in witnesses:
        if witness.scheme == "file":
            read_anchor_files(witness.target, evidence)
    return evidence
