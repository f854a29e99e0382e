#!/usr/bin/env python3
"""of_sampling_driver.py - runs OpenFlamingo's own evaluation loop on the mini datasets and records, for
every sample it evaluates, the demonstrations it drew and the prompt it built. The output is the golden
file tests/fixtures/datasets/goldens/openflamingo_sampling.json that tests/datasets/test_sampler.c and
test_prompt.c compare our sampler and prompt builder with.

This is a thin driver: it imports OpenFlamingo's evaluate.py from a checkout and calls its
evaluate_vqa / evaluate_captioning for real, on 1 or 2 ranks (torch.distributed, gloo, one process per
rank), with these stand-ins and nothing else changed:
  * the model: an object whose get_vqa_prompt / get_caption_prompt are OpenFlamingo's own
    (models/open_flamingo.py EvalModel methods, called unbound) and whose get_outputs records the
    prompts and image files it is handed and answers a tag per sample;
  * recording wrappers around utils.prepare_eval_samples (to log the ids of each batch the DataLoader
    yields) and utils.sample_batch_demos_from_query_set (to log the ids of the demos it returns);
  * compute_vqa_accuracy / compute_cider return 0 (scoring is not under test here), and the OK-VQA
    stemmer is bypassed (post-processing does not touch the draws);
  * modules needed only by code paths that never run (einops, einops_exts, open_clip, sklearn,
    torchvision) are empty stubs.
NoCaps goes through evaluate_captioning with CaptionDataset swapped, for the test split only, for
NoCapsDataset from the hm_eval branch (the only public OpenFlamingo NoCaps code); demos stay COCO
Karpathy train. TextCaps has no OpenFlamingo code at all: the same loop runs on a minimal dataset
(one sample per image in first-appearance order, first caption) matching our adapter's reading.
A second part replays utils' functions on synthetic sizes (5000 test, 10000 train, query set 2048)
and records a digest of every draw, to cover the large-n branches (Python's set algorithm).

Setup (once):
    git clone https://github.com/mlfoundations/open_flamingo /tmp/open_flamingo
    git -C /tmp/open_flamingo worktree add /tmp/of 655f693
    mkdir -p /tmp/of_hm && git -C /tmp/open_flamingo show e5d5829:open_flamingo/eval/eval_datasets.py > /tmp/of_hm/eval_datasets.py
Run (from the repository root; paths in the goldens are relative to tests/):
    /opt/ref/venv/bin/python tools/reference/of_sampling_driver.py --of /tmp/of --of-hm-datasets /tmp/of_hm/eval_datasets.py
"""
import argparse
import importlib.util
import json
import os
import sys
import tempfile
import types

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TESTS = os.path.join(ROOT, "tests")
FX = "fixtures/datasets"  # relative to tests/, the C tests' working directory

# (task, seed, world_size, batch_size, shots, num_samples, query_set_size)
CASES = []
for task in ("vqav2", "ok_vqa", "textvqa", "coco", "nocaps", "textcaps"):
    for seed in (42, 7, 2024):
        for ws in (1, 2):
            for shots in (0, 4, 8):
                CASES.append((task, seed, ws, 8, shots, -1, 16))
    # odd subset (padding on 2 ranks), the whole train split as query set (set algorithm for k <= 5),
    # other batch sizes
    CASES.append((task, 42, 2, 3, 4, 11, 24))
    CASES.append((task, 42, 2, 8, 4, 11, 24))  # the same at batch size 8: OpenFlamingo's draws ignore it
    CASES.append((task, 5, 2, 1, 2, 7, 24))
    CASES.append((task, 42, 1, 5, 8, 9, 24))
    CASES.append((task, 3, 2, 8, 0, 5, 24))

SYNTH = []  # (seed, world_size, n_test, n_train, num_samples, query_set_size, k)
for seed in (42, 7):
    for ws in (1, 2, 3):
        for k in (2, 4, 8, 32):
            SYNTH.append((seed, ws, 5000, 10000, -1, 2048, k))
SYNTH.append((42, 2, 5000, 10000, 1001, 2048, 4))
SYNTH.append((1, 1, 300, 500, -1, 100, 16))


def fnv1a64(text):
    h = 0xcbf29ce484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def install_stubs():
    def stub(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    class _Unused:
        def __init__(self, *a, **k):
            raise RuntimeError("stub: not used by the sampling driver")

    stub("einops", rearrange=None, repeat=None)
    stub("einops_exts", rearrange_many=None)
    stub("open_clip", create_model_and_transforms=None, get_tokenizer=None)
    stub("sklearn")
    stub("sklearn.metrics", roc_auc_score=None)
    stub("torchvision")
    stub("torchvision.datasets", ImageFolder=_Unused)
    if "requests" not in sys.modules:
        try:
            import requests  # noqa: F401  (hm_eval's VSRDataset; unused)
        except ImportError:
            stub("requests", get=None)


def load_openflamingo(of_root, hm_datasets):
    import transformers.modeling_outputs  # noqa: F401  (before the stubs: it probes for torchvision)
    install_stubs()
    sys.path.insert(0, of_root)
    sys.path.insert(0, os.path.join(of_root, "open_flamingo", "eval"))
    import evaluate  # OpenFlamingo's open_flamingo/eval/evaluate.py
    from open_flamingo.eval.models.open_flamingo import EvalModel
    import open_flamingo.eval.classification_utils as cu
    cu.IMAGENET_1K_CLASS_ID_TO_LABEL = {}  # the only name hm_eval's eval_datasets imports from it
    spec = importlib.util.spec_from_file_location("hm_eval_datasets", hm_datasets)
    hm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hm)
    return evaluate, EvalModel, hm


class TextCapsDataset:
    """TextCaps has no OpenFlamingo code: one sample per image, first-appearance order (our adapter)."""

    def __init__(self, path, image_dir):
        from PIL import Image
        self.Image = Image
        data = json.load(open(path))["data"]
        self.items, seen = [], {}
        for d in data:
            if d["image_id"] not in seen:
                seen[d["image_id"]] = len(self.items)
                self.items.append({"image_id": d["image_id"], "caption": d["caption_str"],
                                   "path": os.path.join(image_dir, d.get("image_name", d["image_id"]) + ".jpg")})

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        it = self.items[i]
        image = self.Image.open(it["path"])
        image.load()
        return {"image": image, "caption": it["caption"], "image_id": it["image_id"]}


def worker(rank, world, init_file, of_root, hm_datasets, out_dir):
    os.chdir(TESTS)
    import torch
    import torch.distributed as dist
    dist.init_process_group("gloo", init_method="file://" + init_file, world_size=world, rank=rank)
    evaluate, EvalModel, hm = load_openflamingo(of_root, hm_datasets)
    utils = evaluate.utils
    log = {"batches": [], "demos": [], "outputs": []}

    orig_prepare = utils.prepare_eval_samples
    orig_sample = utils.sample_batch_demos_from_query_set

    class LoaderProxy:
        def __init__(self, loader):
            self.loader = loader

        def __len__(self):
            return len(self.loader)

        def __iter__(self):
            for batch in self.loader:
                key = "question_id" if "question_id" in batch else "image_id"
                log["batches"].append([str(x) for x in batch[key]])
                yield batch

    def prepare(*a, **k):
        return LoaderProxy(orig_prepare(*a, **k))

    def sample(query_set, num_samples, batch_size):
        out = orig_sample(query_set, num_samples, batch_size)
        log["demos"].append([[str(x.get("question_id", x.get("image_id"))) for x in demos] for demos in out])
        return out

    utils.prepare_eval_samples = prepare
    utils.sample_batch_demos_from_query_set = sample
    evaluate.compute_vqa_accuracy = lambda *a, **k: 0.0
    evaluate.compute_cider = lambda *a, **k: {"CIDEr": 0.0}
    evaluate.postprocess_ok_vqa_generation = evaluate.postprocess_vqa_generation

    class Recorder:
        get_vqa_prompt = EvalModel.get_vqa_prompt
        get_caption_prompt = EvalModel.get_caption_prompt

        def get_outputs(self, batch_images, batch_text, **kw):
            log["outputs"].append([{"prompt": t, "images": [im.filename for im in ims]}
                                   for t, ims in zip(batch_text, batch_images)])
            return ["t%d" % i for i in range(len(batch_text))]

    orig_caption_dataset = evaluate.CaptionDataset
    results = []
    for case in CASES:
        task, seed, ws, bs, shots, num_samples, qss = case
        if ws != world:
            continue
        args = argparse.Namespace(
            model="open_flamingo", rank=rank, world_size=world, batch_size=bs, num_samples=num_samples,
            query_set_size=qss, rices=False,
            vqav2_train_image_dir_path=FX + "/images/coco/train2014",
            vqav2_train_questions_json_path=FX + "/vqav2/v2_OpenEnded_mscoco_train2014_questions.json",
            vqav2_train_annotations_json_path=FX + "/vqav2/v2_mscoco_train2014_annotations.json",
            vqav2_test_image_dir_path=FX + "/images/coco/val2014",
            vqav2_test_questions_json_path=FX + "/vqav2/v2_OpenEnded_mscoco_val2014_questions.json",
            vqav2_test_annotations_json_path=FX + "/vqav2/v2_mscoco_val2014_annotations.json",
            ok_vqa_train_image_dir_path=FX + "/images/coco/train2014",
            ok_vqa_train_questions_json_path=FX + "/okvqa/OpenEnded_mscoco_train2014_questions.json",
            ok_vqa_train_annotations_json_path=FX + "/okvqa/mscoco_train2014_annotations.json",
            ok_vqa_test_image_dir_path=FX + "/images/coco/val2014",
            ok_vqa_test_questions_json_path=FX + "/okvqa/OpenEnded_mscoco_val2014_questions.json",
            ok_vqa_test_annotations_json_path=FX + "/okvqa/mscoco_val2014_annotations.json",
            textvqa_image_dir_path=FX + "/images/textvqa/train_images",
            textvqa_train_questions_json_path=FX + "/textvqa/train_questions_vqa_format.json",
            textvqa_train_annotations_json_path=FX + "/textvqa/train_annotations_vqa_format.json",
            textvqa_test_questions_json_path=FX + "/textvqa/val_questions_vqa_format.json",
            textvqa_test_annotations_json_path=FX + "/textvqa/val_annotations_vqa_format.json",
            coco_train_image_dir_path=FX + "/images/coco/train2014",
            coco_val_image_dir_path=FX + "/images/coco/val2014",
            coco_karpathy_json_path=FX + "/coco/dataset_coco.json",
            coco_annotations_json_path=FX + "/coco/captions_val2014.json",
        )
        for k in log:
            log[k] = []
        if task in ("coco", "nocaps", "textcaps"):
            if task == "coco":
                evaluate.CaptionDataset = orig_caption_dataset
            else:
                def make(image_train_dir_path, annotations_path, is_train, dataset_name, image_val_dir_path=None, _t=task):
                    if is_train:  # demos: COCO Karpathy train (NoCaps as in hm_eval; TextCaps: its own train)
                        if _t == "nocaps":
                            return orig_caption_dataset(image_train_dir_path, annotations_path, True, "coco",
                                                        image_val_dir_path)
                        return TextCapsDataset(FX + "/textcaps/TextCaps_0.1_train.json",
                                               FX + "/images/textcaps/train_images")
                    if _t == "nocaps":
                        return hm.NoCapsDataset(FX + "/images/nocaps/validation",
                                                FX + "/nocaps/nocaps_val_4500_captions.json")
                    return TextCapsDataset(FX + "/textcaps/TextCaps_0.1_val.json", FX + "/images/textcaps/train_images")
                evaluate.CaptionDataset = make
            evaluate.evaluate_captioning(args, eval_model=Recorder(), seed=seed, num_shots=shots, dataset_name="coco")
        else:
            evaluate.evaluate_vqa(args=args, eval_model=Recorder(), seed=seed, num_shots=shots, dataset_name=task)
        slots = []
        for b, ids in enumerate(log["batches"]):
            for i, sid in enumerate(ids):
                o = log["outputs"][b][i]
                slot = {"rank": rank, "batch": b, "id": sid, "demos": log["demos"][b][i]}
                if seed == 42:  # prompts for one seed keep the file small; the draws are kept for all
                    slot.update(prompt=o["prompt"], images=o["images"])
                slots.append(slot)
        results.append({"case": list(case), "slots": slots})

    # Synthetic sizes: utils' functions on plain lists, in evaluate_*'s order.
    import numpy as np
    synth = []
    for case in SYNTH:
        seed, ws, n_test, n_train, num_samples, qss, k = case
        if ws != world:
            continue
        test = [{"id": i} for i in range(n_test)]
        train = [{"id": i} for i in range(n_train)]
        np.random.seed(seed)
        loader = orig_prepare(test, num_samples if num_samples > 0 else n_test, 8)
        query_set = utils.get_query_set(train, qss)
        utils.random_seed(seed, rank)
        lines = []
        for batch in loader:
            demos = orig_sample(query_set, k, len(batch["id"]))
            for sid, d in zip(batch["id"], demos):
                lines.append("%d %d:%s" % (rank, sid, ",".join(str(x["id"]) for x in d)))
        synth.append({"case": list(case), "rank": rank, "n": len(lines), "digest": fnv1a64("\n".join(lines) + "\n"),
                      "head": lines[:8]})
    with open(os.path.join(out_dir, "rank%d_of%d.json" % (rank, world)), "w") as f:
        json.dump({"results": results, "synth": synth}, f)
    dist.destroy_process_group()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--of", required=True, help="OpenFlamingo checkout at 655f693")
    ap.add_argument("--of-hm-datasets", required=True, help="eval_datasets.py of branch hm_eval (e5d5829)")
    ap.add_argument("--out", default=os.path.join(TESTS, FX, "goldens", "openflamingo_sampling.json"))
    a = ap.parse_args()
    import torch.multiprocessing as mp
    import numpy, torch, PIL
    out_dir = tempfile.mkdtemp()
    for world in (1, 2):
        init_file = os.path.join(out_dir, "init%d" % world)
        mp.spawn(worker, args=(world, init_file, os.path.abspath(a.of), os.path.abspath(a.of_hm_datasets), out_dir),
                 nprocs=world, join=True)
    cases, synth = {}, []
    for world in (1, 2):
        for rank in range(world):
            part = json.load(open(os.path.join(out_dir, "rank%d_of%d.json" % (rank, world))))
            for r in part["results"]:
                cases.setdefault(tuple(r["case"]), []).extend(r["slots"])
            synth.extend(part["synth"])
    golden = {
        "format": "openflamingo-sampling/1",
        "generator": "tools/reference/of_sampling_driver.py",
        "openflamingo": {"repo": "mlfoundations/open_flamingo", "main": "655f693", "hm_eval": "e5d5829",
                         "files": ["open_flamingo/eval/evaluate.py", "open_flamingo/eval/utils.py",
                                   "open_flamingo/eval/eval_datasets.py", "open_flamingo/eval/models/open_flamingo.py"]},
        "versions": {"python": sys.version.split()[0], "numpy": numpy.__version__, "torch": torch.__version__,
                     "pillow": PIL.__version__},
        "notes": "case = [task, seed, world_size, batch_size, shots, num_samples, query_set_size]; task names are "
                 "OpenFlamingo's (ok_vqa). slots are in rank order, then batch order. id = question_id (VQA) or "
                 "image id (captions); demos = their ids in prompt order; prompt (seed 42 cases only) = the text "
                 "OpenFlamingo handed the model; images = the files it opened, relative to tests/. synth: utils' functions on synthetic "
                 "lists; digest = FNV-1a 64 of the lines 'rank id:demo,demo,...\\n' in rank-then-loader order.",
        "cases": [{"case": list(c), "slots": s} for c, s in cases.items()],
        "synth": synth,
    }
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(golden, f, indent=0, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print("wrote %s: %d cases, %d synthetic" % (a.out, len(golden["cases"]), len(synth)))


if __name__ == "__main__":
    main()
