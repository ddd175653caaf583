"""Checks this evidence bundle with nothing but Python 3: ``python3 check.py``.

It recomputes every digest the bundle's claims rest on and prints OK or FAIL for each; the
exit status is 1 if anything failed. (Shipped inside each bundle as check.py.)

The anchor: every entry from the statement's to the anchored head links to the one before
and the last hashes to the anchored hash; the witness's copy names the same head; each RFC
3161 token's message imprint is that hash (read with a minimal DER parser below). The TSA's
signature on a token is not checked here: that needs the TSA's certificate and a CMS
library, e.g. ``openssl ts -verify`` (README.txt).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Checker:
    def __init__(self, here: Path) -> None:
        self.here, self.failures = here, 0

    def load(self, name: str) -> Any:
        return json.loads((self.here / name).read_bytes())

    def check(self, label: str, good: bool) -> None:
        print(("OK    " if good else "FAIL  ") + label)
        self.failures += not good

    def statement(self, entry: dict[str, Any], proof: dict[str, Any]) -> None:
        original = proof["erased_fields"].get("content")
        if original:
            print("NOTE  personal data was erased under the retention period: statement.json "
                  "keeps the rest, the entry keeps the original's digest")
            self.check("the entry commits the original's digest",
                       entry["fields"]["content"] == original)
            return
        digest = sha256((self.here / "statement.json").read_bytes())
        self.check("statement.json is the statement the entry commits",
                   digest == entry["fields"]["content"])

    def links(self, entry: dict[str, Any], proof: dict[str, Any]) -> None:
        self.check("chain-entry.json hashes to the entry's hash",
                   sha256(canonical(entry)) == proof["hash"])
        previous, following = proof["previous_entry"], proof["next_entry"]
        self.check("the entry links to the previous entry",
                   entry["prev"] == (previous["hash"] if previous else GENESIS))
        self.check("the next entry links to this one (or this one is the newest)",
                   following["prev_hash"] == proof["hash"] if following
                   else proof["chain_head"]["hash"] == proof["hash"])

    def events(self) -> None:
        for event in self.load("events.json"):
            header, name = event["entry"], f"event {event['seq']} ({event['type']})"
            digests = {key: sha256(canonical(event[key])) for key in ("type", "data")}
            digests.update(event["erased_fields"])
            self.check(name + " is what its entry commits", digests == header["fields"])
            self.check(name + " hashes to its hash", sha256(canonical(header)) == event["hash"])

    def documents(self) -> None:
        for kind, document in self.load("manifest.json")["documents"].items():
            path = self.here / str(document["file"])
            if document["file"] and path.exists():
                self.check(f"{document['file']} is the {kind} kept",
                           sha256(path.read_bytes()) == document["sha256"])
            else:
                print(f"NOTE  {kind} not included (its sha256 was {document['sha256']})")


    def anchor(self, proof: dict[str, Any]) -> None:
        anchor = self.load("manifest.json").get("anchor")
        if not anchor:
            print("NOTE  no anchor covers this entry yet (the chain was not anchored since)")
            return
        name, previous, linked = f"the anchor of entry {anchor['seq']}", proof["hash"], True
        for header in self.load(anchor["path"]):
            linked = linked and header["prev"] == previous
            previous = sha256(canonical(header))
        self.check(f"the entry is in {name} (each entry up to it links to the one before)",
                   linked)
        self.check(f"{name} is the hash {anchor['hash']}", previous == anchor["hash"])
        claim = self.load("anchor.json")
        self.check("anchor.json names that head", (claim["seq"], claim["hash"])
                   == (anchor["seq"], anchor["hash"]))
        if anchor.get("witness_file"):
            copy = self.load(anchor["witness_file"])
            self.check("the witness's copy names that head",
                       (copy["seq"], copy["hash"]) == (anchor["seq"], anchor["hash"]))
        for token_file, url in sorted(anchor["tokens"].items()):
            try:
                algorithm, digest, when = token_imprint((self.here / token_file).read_bytes())
            except (IndexError, ValueError) as exc:
                self.check(f"{token_file} is a timestamp token ({exc})", False)
                continue
            self.check(f"{token_file} ({url}, {when}) timestamps that hash",
                       algorithm == SHA256_OID and digest.hex() == anchor["hash"])


#: OID 2.16.840.1.101.3.4.2.1 (SHA-256), DER content octets.
SHA256_OID = bytes.fromhex("608648016503040201")


def der(data: bytes, at: int = 0) -> tuple[int, bytes, int]:
    """The DER element at ``at``: (tag, content, offset after it)."""
    tag, length, at = data[at], data[at + 1], at + 2
    if length & 0x80:
        count = length & 0x7F
        length, at = int.from_bytes(data[at:at + count], "big"), at + count
    if at + length > len(data):
        raise ValueError("truncated DER")
    return tag, data[at:at + length], at + length


def inside(content: bytes) -> list[bytes]:
    found, at = [], 0
    while at < len(content):
        _tag, value, at = der(content, at)
        found.append(value)
    return found


def token_imprint(token: bytes) -> tuple[bytes, bytes, str]:
    """(hash algorithm OID, hashed message, genTime) of an RFC 3161 TimeStampToken:
    ContentInfo > [0] SignedData > encapContentInfo > [0] OCTET STRING > TSTInfo."""
    signed = inside(inside(inside(der(token)[1])[1])[0])
    tst_info = inside(der(inside(inside(signed[2])[1])[0])[1])
    algorithm, hashed = inside(tst_info[2])
    return inside(algorithm)[0], hashed, tst_info[4].decode("ascii")


def main(here: Path) -> int:
    checker = Checker(here)
    entry, proof = checker.load("chain-entry.json"), checker.load("chain-proof.json")
    checker.statement(entry, proof)
    checker.links(entry, proof)
    checker.events()
    checker.documents()
    checker.anchor(proof)
    print("ALL CHECKS PASSED" if not checker.failures else f"{checker.failures} CHECK(S) FAILED")
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(__file__).resolve().parent))
