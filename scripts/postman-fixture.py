#!/usr/bin/env python3
"""Extracts the voice API's requests from the vendor's Postman collection into
crates/server/tests/fixtures/postman-voice.json, which the replay test
(crates/server/tests/api/postman.rs) sends to a demo server.

Usage: scripts/postman-fixture.py [COLLECTION]
(default: ../shared/spec/wolkvox-postman-collection.es.json)

Kept per request: its folder and name, method, URL and body as the collection
has them (with {{variables}}), the field names of the documentation's
Response table (without the envelope's code, error, msg and data), and the
keys of the example answer's first row. In scope (issue 12): real_time.php
but chats, reports_manager.php but the chat, quality, speech and copilot
folders, campaign.php, information.php, agentbox.php."""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/spec/wolkvox-postman-collection.es.json"
OUT = ROOT / "crates/server/tests/fixtures/postman-voice.json"
FILES = {"real_time.php", "reports_manager.php", "campaign.php", "information.php", "agentbox.php"}
OUT_OF_SCOPE = ("Interacciones y Chats", "Quality", "Speech Analytics", "wvx Copilot")
ENVELOPE = {"code", "error", "msg", "data"}


def response_fields(description: str) -> list:
    """Names of the last '## Response' table of a description."""
    tables = re.split(r"##\s*Response", description)
    if len(tables) < 2:
        return []
    names = []
    for line in tables[-1].splitlines():
        cells = [c.strip().strip("*").strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or set(cells[0]) <= set("-: ") or cells[0].lower() in ("name", "nombre"):
            continue
        name = cells[0]
        if re.fullmatch(r"[A-Za-z0-9_/ .-]+", name) and name not in ENVELOPE:
            names.append(name)
    return names


def example_fields(item: dict) -> list:
    for resp in item.get("response", []):
        try:
            body = json.loads(resp.get("body") or "")
        except ValueError:
            continue
        # Rows are in `data`, or in `records` (campaign_15's export), or the body is them.
        data = (body.get("data", body.get("records")) if isinstance(body, dict) else body)
        if isinstance(data, list) and data and isinstance(data[0], dict):
            return list(data[0].keys())
        if isinstance(data, dict):
            return list(data.keys())
    return []


def walk(items, folder, out):
    for it in items:
        if "item" in it:
            walk(it["item"], f"{folder}/{it['name']}", out)
            continue
        req = it.get("request", {})
        url = req.get("url", {})
        raw = url.get("raw") if isinstance(url, dict) else url
        m = re.search(r"/api/v2/(\w+\.php)(\?.*)?$", str(raw))
        if not m or m.group(1) not in FILES or any(x in folder for x in OUT_OF_SCOPE):
            continue
        query = m.group(2) or ""
        if m.group(1) == "real_time.php" and "api=chats" in query:
            continue
        desc = req.get("description") or ""
        if isinstance(desc, dict):
            desc = desc.get("content", "")
        body = (req.get("body") or {}).get("raw", "")
        out.append({
            "folder": folder.strip("/"),
            "name": it["name"],
            "method": req.get("method", "GET"),
            "path": "/api/v2/" + m.group(1),
            "query": query.lstrip("?"),
            "body": body,
            "fields": response_fields(desc),
            "example_fields": example_fields(it),
        })


def main():
    collection = json.loads(SRC.read_text(encoding="utf-8"))
    out = []
    walk(collection["item"], "", out)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(out)} requests -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
