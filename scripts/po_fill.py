"""Fill msgstr entries of a .po file from a JSON dict {msgid: msgstr} (a maintainer's tool for
translating catalogues; plural entries take a list). Usage: po_fill.py file.po translations.json"""

import json
import re
import sys


def unquote(block: str) -> str:
    return "".join(json.loads(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', block))


def quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def fill(po_path: str, mapping: dict) -> list[str]:
    text = open(po_path, encoding="utf-8").read()
    entries = text.split("\n\n")
    missing = []
    out = []
    for entry in entries:
        m = re.search(r'^msgid ((?:".*"\n?)+)', entry, re.M)
        if not m or entry.startswith("#~"):
            out.append(entry)
            continue
        msgid = unquote(m.group(1))
        if msgid == "":
            out.append(entry)
            continue
        entry = "\n".join(
            line for line in entry.splitlines() if not line.startswith("#, fuzzy") and not line.startswith("#| ")
        )
        entry = entry.replace("#, fuzzy, ", "#, ")
        translation = mapping.get(msgid)
        if "msgid_plural" in entry:
            current = re.findall(r'msgstr\[\d\] ((?:".*"\n?)+)', entry + "\n")
            if translation is None and all(unquote(c) for c in current):
                out.append(entry)
                continue
            if translation is None:
                missing.append(msgid)
                out.append(entry)
                continue
            forms = translation if isinstance(translation, list) else [translation]
            head = entry.split("msgstr[0]")[0]
            entry = head + "\n".join(f"msgstr[{i}] {quote(f)}" for i, f in enumerate(forms))
            out.append(entry)
            continue
        current = re.search(r'^msgstr ((?:".*"\n?)+)', entry + "\n", re.M)
        if translation is None:
            if not current or not unquote(current.group(1)):
                missing.append(msgid)
            out.append(entry)
            continue
        head = entry[: entry.index("\nmsgstr ")] if "\nmsgstr " in entry else entry
        out.append(head + "\nmsgstr " + quote(translation))
    open(po_path, "w", encoding="utf-8").write("\n\n".join(out).rstrip("\n") + "\n")
    return missing


if __name__ == "__main__":
    missing = fill(sys.argv[1], json.load(open(sys.argv[2], encoding="utf-8")))
    for m in missing:
        print("untranslated:", m)
