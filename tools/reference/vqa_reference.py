#!/usr/bin/env python3
"""vqa_reference.py - turns a VQA case file ("vqa-cases/1", the format of the shared fixtures) into
the official VQA file formats, and runs the real reference code on them to record what it reports.

  vqa_reference.py CASES.json OUTDIR --vqa-repo VQA_CHECKOUT --of-file vqa_metric.py [--no-run]

Writes OUTDIR/questions.json, OUTDIR/annotations.json, OUTDIR/results.json (answer_id 1..n) and,
unless --no-run, OUTDIR/expected.json with
  official:      GT-Vision-Lab/VQA vqaEval.py + vqa.py from VQA_CHECKOUT, run UNMODIFIED under
                 Python 2.7 (pyenv 2.7.18) through the demo's steps;
  openflamingo:  open_flamingo/eval/vqa_metric.py compute steps, run under this Python 3.
Each holds overall / per_answer_type / per_question_type (rounded as the code reports them),
their *_unrounded values, and per_question {qid: unrounded fraction} plus evalQA (rounded).

Developers only; never run by the build or the tests.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

PY2_DRIVER = r'''
import sys, json
sys.path.insert(0, sys.argv[1] + "/PythonHelperTools/vqaTools")
sys.path.insert(0, sys.argv[1] + "/PythonEvaluationTools")
import os
devnull = open(os.devnull, "w")
real_stdout = sys.stdout
sys.stdout = devnull
from vqa import VQA
from vqaEvaluation.vqaEval import VQAEval
class Rec(VQAEval):
    def setAccuracy(self, accQA, accQuesType, accAnsType):
        VQAEval.setAccuracy(self, accQA, accQuesType, accAnsType)
        self.unr = {"overall": repr(100*float(sum(accQA))/len(accQA)),
            "per_question_type": dict((k, repr(100*float(sum(v))/len(v))) for k, v in accQuesType.items()),
            "per_answer_type": dict((k, repr(100*float(sum(v))/len(v))) for k, v in accAnsType.items())}
        self.accQA = accQA
d = sys.argv[2]
vqa = VQA(d + "/annotations.json", d + "/questions.json")
res = vqa.loadRes(d + "/results.json", d + "/questions.json")
ev = Rec(vqa, res, n=2)
ev.evaluate()
qids = ev.params["question_id"]
out = {"overall": repr(ev.accuracy["overall"]),
       "per_answer_type": dict((k, repr(v)) for k, v in ev.accuracy["perAnswerType"].items()),
       "per_question_type": dict((k, repr(v)) for k, v in ev.accuracy["perQuestionType"].items()),
       "unrounded": ev.unr,
       "per_question": [[q, repr(a), repr(ev.evalQA[q])] for q, a in zip(qids, ev.accQA)]}
sys.stdout = real_stdout
print(json.dumps(out))
'''


def write_official(cases, outdir):
    questions = {"info": {"description": "fewshot test cases"}, "task_type": "Open-Ended",
                 "data_type": "mscoco", "data_subtype": "val2014", "license": {},
                 "questions": [{"question_id": c["question_id"], "image_id": c["image_id"],
                                "question": c["question"]} for c in cases]}
    annotations = {"info": {"description": "fewshot test cases"}, "data_type": "mscoco",
                   "data_subtype": "val2014", "license": {},
                   "annotations": [{"question_id": c["question_id"], "image_id": c["image_id"],
                                    "question_type": c["question_type"], "answer_type": c["answer_type"],
                                    "multiple_choice_answer": c["answers"][0],
                                    "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": i + 1}
                                                for i, a in enumerate(c["answers"])]} for c in cases]}
    results = [{"question_id": c["question_id"], "answer": c["prediction"]} for c in cases]
    os.makedirs(outdir, exist_ok=True)
    for name, obj in (("questions", questions), ("annotations", annotations), ("results", results)):
        with open(os.path.join(outdir, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=0)
            f.write("\n")


def run_official(vqa_repo, outdir):
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(PY2_DRIVER)
        driver = f.name
    env = dict(os.environ, PYENV_VERSION="2.7.18")
    out = subprocess.run(["python2", driver, vqa_repo, outdir], check=True, capture_output=True,
                         text=True, env=env).stdout
    os.unlink(driver)
    raw = json.loads(out.strip().splitlines()[-1])
    f = float
    return {
        "overall": f(raw["overall"]),
        "overall_unrounded": f(raw["unrounded"]["overall"]),
        "per_answer_type": {k: f(v) for k, v in raw["per_answer_type"].items()},
        "per_answer_type_unrounded": {k: f(v) for k, v in raw["unrounded"]["per_answer_type"].items()},
        "per_question_type": {k: f(v) for k, v in raw["per_question_type"].items()},
        "per_question_type_unrounded": {k: f(v) for k, v in raw["unrounded"]["per_question_type"].items()},
        "per_question": [{"question_id": q, "accuracy_fraction": f(a), "accuracy": f(r)}
                         for q, a, r in raw["per_question"]],
    }


def run_openflamingo(of_file, outdir):
    import importlib.util
    import contextlib
    import io
    spec = importlib.util.spec_from_file_location("of_vqa_metric", of_file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with contextlib.redirect_stdout(io.StringIO()):
        vqa = mod.VQA(os.path.join(outdir, "annotations.json"), os.path.join(outdir, "questions.json"))
        res = vqa.loadRes(os.path.join(outdir, "results.json"), os.path.join(outdir, "questions.json"))
        ev = mod.VQAEval(vqa, res, n=2)
        acc = {}
        orig = ev.setAccuracy

        def rec(accQA, accQuesType, accAnsType):
            acc["qa"], acc["qt"], acc["at"] = list(accQA), dict(accQuesType), dict(accAnsType)
            orig(accQA, accQuesType, accAnsType)

        ev.setAccuracy = rec
        ev.evaluate()
    qids = ev.params["question_id"]
    u = lambda v: 100 * float(sum(v)) / len(v)
    return {
        "overall": ev.accuracy["overall"],
        "overall_unrounded": u(acc["qa"]),
        "per_answer_type": ev.accuracy["perAnswerType"],
        "per_answer_type_unrounded": {k: u(v) for k, v in acc["at"].items()},
        "per_question_type": ev.accuracy["perQuestionType"],
        "per_question_type_unrounded": {k: u(v) for k, v in acc["qt"].items()},
        "per_question": [{"question_id": q, "accuracy_fraction": a, "accuracy": ev.evalQA[q]}
                         for q, a in zip(qids, acc["qa"])],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cases")
    ap.add_argument("outdir")
    ap.add_argument("--vqa-repo", help="checkout of GT-Vision-Lab/VQA at a013f00")
    ap.add_argument("--of-file", help="open_flamingo/eval/vqa_metric.py at 655f693")
    ap.add_argument("--no-run", action="store_true")
    a = ap.parse_args()
    cases = json.load(open(a.cases, encoding="utf-8"))["cases"]
    write_official(cases, a.outdir)
    if a.no_run:
        return
    py2 = subprocess.run(["python2", "--version"], capture_output=True, text=True,
                         env=dict(os.environ, PYENV_VERSION="2.7.18"))
    expected = {
        "format": "vqa-reference/1",
        "cases_file": os.path.basename(a.cases),
        "reference": {
            "official": "GT-Vision-Lab/VQA a013f0043c1e2cdc995922dfe257f7149aa9af06 vqaEval.py + vqa.py, "
                        "unmodified, under " + (py2.stdout + py2.stderr).strip(),
            "openflamingo": "mlfoundations/open_flamingo 655f693fbfa04cd6e9a987d960654624d48917cf "
                            "open_flamingo/eval/vqa_metric.py, unmodified, under Python "
                            + sys.version.split()[0],
        },
        "official": run_official(a.vqa_repo, a.outdir),
        "openflamingo": run_openflamingo(a.of_file, a.outdir),
    }
    with open(os.path.join(a.outdir, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
