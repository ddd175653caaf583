"""Every command the documentation shows runs as written (issue 17): the ``flask ...`` lines of
the fenced ``sh``/``console`` examples in README.md and docs/*.md are executed, in doc order,
against a throw-away demo shop (a copy of wsgi.py in a temporary folder, so its instance
folder and database are new); and every link between the documents, with its #section, leads
somewhere."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^( *)```(sh|console|bash|shell)\n(.*?)^\1```", re.S | re.M)
FLASK = re.compile(r"^(?:[A-Z_]+=\S+\s+)*flask\s")


def shell_lines(text: str) -> list[str]:
    """The command lines of the shell examples of ``text`` (prompts taken off)."""
    lines = []
    for block in FENCE.finditer(text):
        for line in block.group(3).splitlines():
            line = line.strip()
            lines.append(line[2:] if line.startswith("$ ") else line)
    return lines


def documented_commands() -> list[tuple[str, str]]:
    found = []
    for document in DOCUMENTS:
        for line in shell_lines(document.read_text(encoding="utf-8")):
            if FLASK.match(line):
                found.append((document.relative_to(ROOT).as_posix(), line))
    return found


COMMANDS = documented_commands()


def test_the_documents_show_commands_to_run() -> None:
    # Guards the extraction itself: these examples are in docs/operations.md and docs/audit.md.
    shown = " ".join(line for _doc, line in COMMANDS)
    for command in ("init-db", "export --format csv", "export --format jsonl", "purge --yes",
                    "requeue --failed"):
        assert f"withdrawal {command}" in shown


def test_every_documented_command_runs_against_the_demo(tmp_path: Path) -> None:
    shutil.copy(ROOT / "wsgi.py", tmp_path / "wsgi.py")
    env = {key: value for key, value in os.environ.items()
           if key not in ("SECRET_KEY", "DEMO_SHOP", "FLASK_APP", "FLASK_DEBUG")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    failures = []
    for document, line in COMMANDS:
        assert "--app wsgi" in line, f"{document}: {line!r} does not run against the demo"
        # "purge" without --yes asks first: the reader answers yes.
        result = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=tmp_path, env=env,
                                input="y\n", capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            failures.append(f"{document}: {line}\n{result.stdout}{result.stderr[-1500:]}")
    assert not failures, "\n\n".join(failures)
    assert (tmp_path / "q1.csv").read_text().startswith("reference,")
    assert (tmp_path / "instance" / "withdrawal.sqlite3").exists()


LINK = re.compile(r"\]\(([^)\s]+?\.md)(?:#([\w-]+))?\)")


def anchors(document: Path) -> set[str]:
    """GitHub's anchors of the document's headings."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", document.read_text(encoding="utf-8"), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        found.add(slug)
    return found


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.name)
def test_every_link_between_documents_leads_to_a_section_that_exists(document: Path) -> None:
    broken = []
    for target, anchor in LINK.findall(document.read_text(encoding="utf-8")):
        path = (document.parent / target).resolve()
        if not path.exists():
            broken.append(target)
        elif anchor and anchor not in anchors(path):
            broken.append(f"{target}#{anchor}")
    assert not broken


def test_the_legal_engine_cites_only_rules_of_the_glossary() -> None:
    glossary = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    defined = {rule for rule, text in re.findall(r"^\*\*(R\d+)\.\*?\*? ?(.*)$", glossary, re.M)
               if "Not defined" not in text}
    cited = set(re.findall(r"\bR\d+\b", (ROOT / "docs" / "legal-engine.md").read_text()))
    assert cited and cited <= defined
