#!/usr/bin/env python3
"""card_to_json.py - turn the few-shot table of the xGen-MM model card into results/reference JSON.

Usage (developers only; the build and the tests never run this):
    python3 tools/reference/card_to_json.py MODEL_CARD.md > results/reference/xgen-mm-phi3-mini-base-r-v1.5.json

MODEL_CARD.md is the Hugging Face README of Salesforce/xgen-mm-phi3-mini-base-r-v1.5 (the team keeps
a copy at shared/docs/model-card.md). The table under "Few-shot Evaluation on Base model" is parsed
cell by cell: bold markers (best per column) are dropped, "-" becomes null, rows without a model
name continue the model above. Standard library only.
"""
import json
import re
import sys

COLUMNS = [("VQAv2", "vqav2"), ("TextVQA", "textvqa"), ("OKVQA", "okvqa"),
           ("COCO", "coco"), ("NoCaps", "nocaps"), ("TextCaps", "textcaps")]


def parse(text):
    lines = text.splitlines()
    start = next(i for i, l in enumerate(lines) if "Few-shot Evaluation on Base model" in l)
    rows = []
    for line in lines[start + 1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append(cells)
    header, body = rows[0], [r for r in rows[1:] if not set("".join(r)) <= set(":- ")]
    assert header[:2] == ["Model", "Shot"], header
    assert [h for h in header[2:]] == [c[0] for c in COLUMNS], header
    models, current = [], None
    for r in body:
        if r[0]:
            current = {"name": r[0], "results": {key: {} for _, key in COLUMNS}}
            models.append(current)
        shot = str(int(r[1]))
        for (_, key), cell in zip(COLUMNS, r[2:]):
            cell = re.sub(r"\*", "", cell).strip()
            current["results"][key][shot] = None if cell == "-" else float(cell)
    return models


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    out = {
        "format": "fewshot-reference/1",
        "title": "xgen-mm-phi3-mini-base-r-v1.5 model card: Few-shot Evaluation on Base model (without instruction tuning)",
        "source": {
            "url": "https://huggingface.co/Salesforce/xgen-mm-phi3-mini-base-r-v1.5",
            "file": "README.md, section 'Results / Few-shot Evaluation on Base model (without instruction tuning)'",
            "converted_by": "tools/reference/card_to_json.py from the team's copy of the card (shared/docs/model-card.md)",
        },
        "default_model": "xGen-MM-base",
        "units": {"vqav2": "VQA accuracy, %", "textvqa": "VQA accuracy, %", "okvqa": "VQA accuracy, %",
                  "coco": "CIDEr x 100", "nocaps": "CIDEr x 100", "textcaps": "CIDEr x 100"},
        "columns": [{"task": key, "title": title} for title, key in COLUMNS],
        "models": parse(text),
        "notes": [
            "Values as printed on the card (one decimal); the card's bold markers are dropped; '-' cells are null.",
            "Flamingo-3B and MM1-3B rows are quoted by the card from their own papers; their splits may differ "
            "(Flamingo VQAv2 is test-dev). Which split and how many seeds xGen-MM-base used is not stated (protocol.md §6, §8).",
            "MM1-3B OKVQA 4-shot is 44.6 on this (v1.5) card; the v1 card printed 48.6 for the same cell.",
        ],
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
