#!/usr/bin/env python3
"""run_python_refs.py DATA_DIR VQA_REPO OF_VQA_METRIC - times the reference implementations on the
benchmark data: the official VQA code under Python 2.7 (pyenv 2.7.18), OpenFlamingo's vqa_metric.py
and pycocoevalcap (PTB tokenizer via Java, BLEU, ROUGE-L, CIDEr-D) under this Python 3."""
import contextlib
import importlib.util
import io
import os
import subprocess
import sys
import time

time.time = time.process_time  # CPU seconds of this process (the machine is shared)

data, vqa_repo, of_file = sys.argv[1:4]
PY2 = r'''
import sys, time, os
time.time = time.clock  # CPU seconds (Python 2)
sys.path.insert(0, sys.argv[1] + "/PythonHelperTools/vqaTools"); sys.path.insert(0, sys.argv[1] + "/PythonEvaluationTools")
out = sys.stdout; sys.stdout = open(os.devnull, "w")
from vqa import VQA
from vqaEvaluation.vqaEval import VQAEval
d = sys.argv[2]
t0 = time.time()
vqa = VQA(d + "/vqa_annotations.json", d + "/vqa_questions.json")
res = vqa.loadRes(d + "/vqa_results.json", d + "/vqa_questions.json")
t1 = time.time()
ev = VQAEval(vqa, res, n=2); ev.evaluate()
t2 = time.time()
sys.stdout = out
print("official vqaEval.py (Python 2.7): load %.2f s, evaluate %.2f s, overall %.2f" % (t1 - t0, t2 - t1, ev.accuracy["overall"]))
'''
with open("/tmp/_bench_py2.py", "w") as f:
    f.write(PY2)
print(subprocess.run(["python2", "/tmp/_bench_py2.py", vqa_repo, data], env=dict(os.environ, PYENV_VERSION="2.7.18"),
                     capture_output=True, text=True, check=True).stdout.strip())

spec = importlib.util.spec_from_file_location("of_vqa_metric", of_file)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
with contextlib.redirect_stdout(io.StringIO()):
    t0 = time.time()
    vqa = mod.VQA(data + "/vqa_annotations.json", data + "/vqa_questions.json")
    res = vqa.loadRes(data + "/vqa_results.json", data + "/vqa_questions.json")
    t1 = time.time()
    ev = mod.VQAEval(vqa, res, n=2)
    ev.evaluate()
    t2 = time.time()
print("OpenFlamingo vqa_metric.py (Python %s): load %.2f s, evaluate %.2f s, overall %.2f"
      % (sys.version.split()[0], t1 - t0, t2 - t1, ev.accuracy["overall"]))

from pycocotools.coco import COCO
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.rouge.rouge import Rouge
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    t0 = time.time()
    coco = COCO(data + "/cap_annotations.json")
    cres = coco.loadRes(data + "/cap_results.json")
    ids = cres.getImgIds()
    gts = {i: coco.imgToAnns[i] for i in ids}
    rs = {i: cres.imgToAnns[i] for i in ids}
    t1 = time.time()
    tok = PTBTokenizer()
    w1 = time.perf_counter()
    gts, rs = tok.tokenize(gts), tok.tokenize(rs)
    w2 = time.perf_counter()
    t2 = time.time()
    b, _ = Bleu(4).compute_score(gts, rs)
    t3 = time.time()
    r, _ = Rouge().compute_score(gts, rs)
    t4 = time.time()
    c, _ = Cider().compute_score(gts, rs)
    t5 = time.time()
print("pycocoevalcap (Python %s): load %.2f s, PTB tokenize (java subprocess, 2 calls; wall) %.2f s, BLEU %.2f s, "
      "ROUGE-L %.2f s, CIDEr-D %.2f s; CIDEr %.4f" % (sys.version.split()[0], t1 - t0, w2 - w1, t3 - t2, t4 - t3, t5 - t4, c))
