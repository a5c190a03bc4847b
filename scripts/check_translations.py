"""Fail when a Chinese catalogue has an untranslated or fuzzy message, or its .mo file is missing: Simplified Chinese is the default interface and must be complete."""

import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
problems = []
for po in sorted(root.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
    if ".venv" in po.parts or "var" in po.parts or "node_modules" in po.parts:
        continue
    text = po.read_text(encoding="utf-8")
    entries = text.split("\n\n")
    for entry in entries[1:]:
        lines = entry.strip().splitlines()
        if any(line.startswith("#, fuzzy") or (line.startswith("#,") and "fuzzy" in line) for line in lines):
            problems.append(f"{po.relative_to(root)}: fuzzy entry: {lines[-1][:80]}")
            continue
        body = [line for line in lines if not line.startswith("#")]
        if not body or body[0].startswith("#~"):
            continue
        joined = "\n".join(body)
        if 'msgstr ""' in joined and joined.rstrip().endswith('msgstr ""'):
            problems.append(f"{po.relative_to(root)}: untranslated: {body[0][:80]}")
        if 'msgstr[0] ""' in joined:
            problems.append(f"{po.relative_to(root)}: untranslated plural: {body[0][:80]}")
    mo = po.with_suffix(".mo")
    if not mo.exists():
        problems.append(f"{po.relative_to(root)}: compiled .mo is missing (make messages)")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print("translations complete")
