"""Checks this evidence bundle with nothing but Python 3: ``python3 check.py``.

It recomputes every digest the bundle's claims rest on and prints OK or FAIL for each; the
exit status is 1 if anything failed. (Shipped inside each bundle as check.py.)
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


def main(here: Path) -> int:
    checker = Checker(here)
    entry, proof = checker.load("chain-entry.json"), checker.load("chain-proof.json")
    checker.statement(entry, proof)
    checker.links(entry, proof)
    checker.events()
    checker.documents()
    print("ALL CHECKS PASSED" if not checker.failures else f"{checker.failures} CHECK(S) FAILED")
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(__file__).resolve().parent))
