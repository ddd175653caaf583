"""Issue 13, point 2: anchors outside the database. `flask withdrawal anchor` records the head
with every witness (an exclusive file per anchor, an RFC 3161 token from a TSA served here
on loopback), the anchor is a chain event, `deliver --loop` anchors every interval, and
`verify` checks every anchor it can reach, tokens included."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from evidence_support import TSA, record, rewrite_chain, serve_tsa
from flask import Flask
from sqlalchemy import select, update
from support import engine_of, free_port

from withdrawal.anchoring.der import token_imprint
from withdrawal.anchoring.rfc3161 import token_problems
from withdrawal.anchoring.witnesses import parse_witnesses, write_anchor_file
from withdrawal.statement import CHAIN_REFERENCE
from withdrawal.storage.anchors import latest_anchor
from withdrawal.storage.statements import events_of
from withdrawal.storage.tables import anchors, ledger


@pytest.fixture
def tsa() -> Iterator[TSA]:
    with serve_tsa() as served:
        yield served


def anchor(runner: Any) -> Any:
    return runner.invoke(args=["withdrawal", "anchor"])


def verify(runner: Any) -> Any:
    return runner.invoke(args=["withdrawal", "verify"])


def test_a_file_witness_gets_one_new_read_only_file_per_anchor(
    app: Flask, runner: Any, witness_dir: Path,
) -> None:
    app.config["WITHDRAWAL_WITNESSES"] = [f"file:{witness_dir}"]
    record(app)
    result = anchor(runner)
    assert result.exit_code == 0, result.output
    assert "Anchored entry 1 " in result.output
    [first] = list(witness_dir.iterdir())
    claim = json.loads(first.read_bytes())
    with engine_of(app).connect() as conn:
        head = conn.execute(select(ledger.c.hash).where(ledger.c.seq == 1)).scalar_one()
    assert (claim["seq"], claim["hash"], claim["tokens"]) == (1, head, {})
    assert not os.stat(first).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    [event] = events_of(engine_of(app), CHAIN_REFERENCE)
    assert event["type"] == "chain-anchored" and event["seq"] == 2
    assert event["data"]["head_seq"] == 1 and event["data"]["head_hash"] == head
    assert event["data"]["witnesses"] == {f"file:{witness_dir}": str(first)}

    again = anchor(runner)  # only the anchor's own event since: nothing to anchor
    assert again.exit_code == 0 and "nothing new since the anchor of entry 1" in again.output
    record(app, "Bea")
    assert anchor(runner).exit_code == 0
    assert len(list(witness_dir.iterdir())) == 2
    assert first.read_bytes() == json.dumps(claim, sort_keys=True, separators=(",", ":"),
                                            ensure_ascii=False).encode() + b"\n"
    assert verify(runner).output.splitlines() == ["OK 2 statements", "OK 4 anchored heads"]


def test_an_anchor_file_is_never_overwritten(witness_dir: Path) -> None:
    claim = {"seq": 7, "hash": "a" * 64, "anchored_at": "2026-12-08T10:11:12.123456+00:00",
             "tokens": {}}
    path = write_anchor_file(str(witness_dir), claim)
    with pytest.raises(FileExistsError):
        write_anchor_file(str(witness_dir), {**claim, "hash": "b" * 64})
    assert json.loads(path.read_bytes())["hash"] == "a" * 64


def test_a_tsa_token_over_the_head_hash_is_kept_with_the_anchor_and_in_the_file(
    app: Flask, runner: Any, tsa: TSA, witness_dir: Path,
) -> None:
    url = f"rfc3161:{tsa.url}"
    app.config["WITHDRAWAL_WITNESSES"] = [url, f"file:{witness_dir}"]
    record(app)
    result = anchor(runner)
    assert result.exit_code == 0, result.output
    assert len(tsa.requests) == 1
    stored = latest_anchor(engine_of(app))
    assert stored is not None and set(stored.tokens) == {url}
    token = stored.tokens[url]
    imprint = token_imprint(token)
    assert imprint.is_sha256 and imprint.hashed_message.hex() == stored.head_hash
    assert token_problems(token, stored.head_hash) == []
    claim = json.loads(next(witness_dir.iterdir()).read_bytes())
    assert base64.b64decode(claim["tokens"][url]) == token
    [event] = events_of(engine_of(app), CHAIN_REFERENCE)
    assert event["data"]["witnesses"][url] == "token"
    assert len(event["data"]["tokens"][url]) == 64  # the token's SHA-256 is in the chain
    assert verify(runner).exit_code == 0


def test_a_token_for_another_hash_or_with_a_broken_signature_is_named(
    app: Flask, tsa: TSA,
) -> None:
    app.config["WITHDRAWAL_WITNESSES"] = [f"rfc3161:{tsa.url}"]
    record(app)
    with app.app_context():
        from withdrawal.anchoring.service import anchor_chain

        token = next(iter(anchor_chain().anchor.tokens.values()))  # type: ignore[union-attr]
    head = latest_anchor(engine_of(app)).head_hash  # type: ignore[union-attr]
    assert token_problems(token, "0" * 64) == [
        f"its message imprint is not the anchored hash {'0' * 64}"]
    signature = token.rindex(bytes.fromhex("04820100"))  # the 256-byte RSA signature
    broken = token[:signature + 10] + bytes([token[signature + 10] ^ 1]) + token[signature + 11:]
    assert token_problems(broken, head) == ["the TSA's signature does not hold"]
    assert token_problems(b"not a token", head)[0].startswith("not a timestamp token")


def test_a_rewritten_chain_with_a_rewritten_anchor_row_is_caught_by_the_token(
    app: Flask, runner: Any, tsa: TSA,
) -> None:
    app.config["WITHDRAWAL_WITNESSES"] = [f"rfc3161:{tsa.url}"]
    record(app)
    record(app, "Bea")
    assert anchor(runner).exit_code == 0

    def rename(seq: int, body: dict[str, Any]) -> dict[str, Any] | None:
        if seq == 1:
            body["content"]["name"] = "Mallory"
            return body
        return None

    rewrite_chain(app, rename)
    with engine_of(app).begin() as conn:
        from withdrawal.storage.tables import statements

        conn.execute(update(statements).where(statements.c.seq == 1).values(name="Mallory"))
        conn.execute(update(anchors).values(head_hash=conn.execute(
            select(ledger.c.hash).where(ledger.c.seq == 2)).scalar_one()))
    result = verify(runner)
    assert result.exit_code == 1
    assert "BROKEN anchor 1 of " in result.output
    assert ": timestamp token: its message imprint is not the anchored hash" in result.output


def test_a_failing_witness_is_reported_and_the_others_still_anchor(
    app: Flask, runner: Any, witness_dir: Path,
) -> None:
    down = f"rfc3161:http://127.0.0.1:{free_port()}/"
    app.config["WITHDRAWAL_WITNESSES"] = [down, f"file:{witness_dir}"]
    record(app)
    result = anchor(runner)
    assert result.exit_code == 1
    assert f"FAILED {down}:" in result.output and "Anchored entry 1" in result.output
    [event] = events_of(engine_of(app), CHAIN_REFERENCE)
    assert set(event["data"]["failed"]) == {down} and len(list(witness_dir.iterdir())) == 1


def test_without_witnesses_nothing_is_anchored(app: Flask, runner: Any) -> None:
    record(app)
    result = anchor(runner)
    assert result.exit_code == 1
    assert "no witnesses configured (WITHDRAWAL_WITNESSES)" in result.output
    assert events_of(engine_of(app), CHAIN_REFERENCE) == []


def test_a_witness_url_is_checked() -> None:
    assert [w.scheme for w in parse_witnesses(
        ["file:/var/anchors", "file:///mnt/worm", "mailto:ledger@example.org",
         "rfc3161:https://tsa.example/"])] == ["file", "file", "mailto", "rfc3161"]
    for wrong in ("ftp://x", "file:relative/dir", "rfc3161:tsa.example", "mailto:"):
        with pytest.raises(ValueError, match="is not a witness"):
            parse_witnesses([wrong])


def test_deliver_loop_anchors_every_interval(
    app: Flask, runner: Any, witness_dir: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config["WITHDRAWAL_WITNESSES"] = [f"file:{witness_dir}"]
    record(app, acknowledge=False)

    def stop(_waiter: object, _seconds: float) -> bool:  # one round, then the worker stops
        raise SystemExit(0)

    monkeypatch.setattr("withdrawal.storage.wakeup.Poller.wait", stop)
    monkeypatch.setattr("withdrawal.storage.wakeup.Listener.wait", stop)
    result = runner.invoke(args=["withdrawal", "deliver", "--loop"])
    assert "Anchored entry 1" in result.output and len(list(witness_dir.iterdir())) == 1
    record(app, "Bea", acknowledge=False)  # news, but the interval (an hour) has not passed
    runner.invoke(args=["withdrawal", "deliver", "--loop"])
    assert len(list(witness_dir.iterdir())) == 1
    app.config["WITHDRAWAL_ANCHOR_INTERVAL"] = 0
    result = runner.invoke(args=["withdrawal", "deliver", "--loop"])
    assert "Anchored entry 3" in result.output and len(list(witness_dir.iterdir())) == 2


def test_verify_notes_a_witness_out_of_reach_and_names_a_file_that_is_no_anchor(
    app: Flask, runner: Any, witness_dir: Path, tmp_path: Path,
) -> None:
    app.config["WITHDRAWAL_WITNESSES"] = [f"file:{tmp_path / 'unmounted'}"]
    record(app)
    result = verify(runner)
    assert result.exit_code == 0
    assert f"NOTE witness file:{tmp_path / 'unmounted'} cannot be read" in result.output
    app.config["WITHDRAWAL_WITNESSES"] = [f"file:{witness_dir}"]
    (witness_dir / "anchor-junk.json").write_text("{not json")
    result = verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN file {witness_dir / 'anchor-junk.json'} is not an anchor" in result.output

