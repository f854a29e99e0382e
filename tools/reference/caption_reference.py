#!/usr/bin/env python3
"""caption_reference.py - turns a caption case file ("caption-cases/1", the shared fixtures' format)
into the official COCO files and runs pycocoevalcap on them exactly as COCOEvalCap.evaluate() does
(with OpenFlamingo's params["image_id"] = the result image ids), minus METEOR and SPICE.

  /opt/ref/venv/bin/python tools/reference/caption_reference.py CASES.json OUTDIR [--no-run]

Writes OUTDIR/annotations.json ({"images", "annotations"}), OUTDIR/results.json and, unless
--no-run, OUTDIR/expected.json: corpus Bleu_1..4 / ROUGE_L / CIDEr as COCOEvalCap.eval holds them,
per_image as imgToEval, plus both tokenized forms. Developers only.
"""
import argparse
import contextlib
import io
import json
import os
import subprocess
import sys

import numpy
from pycocotools.coco import COCO
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.eval import COCOEvalCap
from pycocoevalcap.rouge.rouge import Rouge
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer


def write_official(cases, outdir):
    os.makedirs(outdir, exist_ok=True)
    images, anns = [], []
    for c in cases:
        images.append({"id": c["image_id"], "file_name": "COCO_val2014_%012d.jpg" % c["image_id"]})
        for r in c["references"]:
            anns.append({"image_id": c["image_id"], "id": len(anns) + 1, "caption": r})
    ann = {"info": {"description": "fewshot test cases"}, "licenses": [], "type": "captions",
           "images": images, "annotations": anns}
    res = [{"image_id": c["image_id"], "caption": c["candidate"]} for c in cases]
    for name, obj in (("annotations", ann), ("results", res)):
        with open(os.path.join(outdir, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=0)
            f.write("\n")


def run(outdir):
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(os.path.join(outdir, "annotations.json"))
        cres = coco.loadRes(os.path.join(outdir, "results.json"))
        ev = COCOEvalCap(coco, cres)
        ev.params["image_id"] = cres.getImgIds()  # OpenFlamingo's coco_metric.compute_cider
        imgIds = ev.params["image_id"]
        gts = {i: coco.imgToAnns[i] for i in imgIds}
        res = {i: cres.imgToAnns[i] for i in imgIds}
        tok = PTBTokenizer()
        gts, res = tok.tokenize(gts), tok.tokenize(res)
        for scorer, method in ((Bleu(4), ["Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4"]), (Rouge(), "ROUGE_L"),
                               (Cider(), "CIDEr")):
            score, scores = scorer.compute_score(gts, res)
            if type(method) == list:
                for sc, scs, m in zip(score, scores, method):
                    ev.setEval(sc, m)
                    ev.setImgToEvalImgs(scs, gts.keys(), m)
            else:
                ev.setEval(score, method)
                ev.setImgToEvalImgs(scores, gts.keys(), method)
    f = lambda x: float(x)
    return {
        "corpus": {k: f(v) for k, v in ev.eval.items()},
        "per_image": [dict({"image_id": i}, **{k: f(v) for k, v in ev.imgToEval[i].items() if k != "image_id"},
                           candidate_tokenized=res[i][0], references_tokenized=gts[i]) for i in imgIds],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cases")
    ap.add_argument("outdir")
    ap.add_argument("--no-run", action="store_true")
    a = ap.parse_args()
    cases = json.load(open(a.cases, encoding="utf-8"))["cases"]
    write_official(cases, a.outdir)
    if a.no_run:
        return
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    import importlib.metadata as md
    out = {"format": "caption-reference/1", "cases_file": os.path.basename(a.cases),
           "reference": "pycocoevalcap %s (pip; PTBTokenizer with its stanford-corenlp-3.4.1.jar, %s), "
                        "pycocotools %s, numpy %s, Python %s; COCOEvalCap.evaluate() steps with "
                        "params['image_id'] = result image ids, METEOR and SPICE skipped"
                        % (md.version("pycocoevalcap"), java, md.version("pycocotools"), numpy.__version__,
                           sys.version.split()[0])}
    out.update(run(a.outdir))
    with open(os.path.join(a.outdir, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
