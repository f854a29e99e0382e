#!/usr/bin/env python3
"""make_mini_datasets.py - writes the mini datasets under tests/fixtures/datasets/.

Six benchmarks in their official on-disk formats (VQAv2, OK-VQA, TextVQA in OpenFlamingo's VQA format
and in the official TextVQA_0.5.1 format, COCO Karpathy + captions_val2014, NoCaps val, TextCaps),
a few dozen samples per split, with questions, answers and captions written for the real pictures in
tests/fixtures/images (a rocket on its pad, a tabby cat, an espresso cup, an astronaut, a cameraman, a
retina). The image folders hold relative symlinks named as each format expects. Also writes the
broken variants the validation tests load (tests/fixtures/datasets/broken/).

Everything is deterministic: run it again and `git diff` shows nothing.

    python3 tools/reference/make_mini_datasets.py            # from the repository root

The record layouts follow docs/datasets.md (field names, key order and top-level blocks as in the real
files, where those are known: shared/assets/annotations and OpenFlamingo's textvqa files).
"""
import json
import os
import random
import shutil

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fixtures", "datasets")
IMAGES = os.path.join(ROOT, "tests", "fixtures", "images")

# The pictures: scene -> image files (relative to tests/fixtures/images). Variants of one picture
# (re-encoded, resized, CMYK) stand in for different photos of the same kind of scene.
SCENES = {
    "rocket": ["photos/rocket.jpg", "edge/rocket_restart.jpg"],
    "cat": ["edge/chelsea_progressive.jpg", "edge/odd_333x217.jpg", "edge/chelsea_cmyk.jpg"],
    "coffee": ["edge/coffee_q90_420.jpg"],
    "astronaut": ["edge/astronaut_q85_444.jpg"],
    "cameraman": ["edge/camera_gray.jpg"],
    "retina": ["photos/retina.jpg"],
}
ORDER = ["rocket", "cat", "coffee", "astronaut", "cameraman", "retina"]


def answers(spec):
    """'yes*8|no*2' -> ten answers in that order."""
    out = []
    for part in spec.split("|"):
        text, _, n = part.rpartition("*")
        if not _:
            text, n = part, "1"
        out += [text] * int(n)
    assert len(out) == 10, (spec, len(out))
    return out


# VQAv2-style questions per scene: (question, answers spec, answer_type).
VQA = {
    "rocket": [
        ("What is standing in the middle of the picture?", "rocket*7|rocket ship*1|missile*1|spaceship*1", "other"),
        ("Is it daytime?", "no*8|yes*2", "yes/no"),
        ("How many towers surround the rocket?", "4*6|3*2|5*1|four*1", "number"),
        ("What color is the sky?", "blue*8|dark blue*2", "other"),
        ("Are the lights on?", "yes*10", "yes/no"),
        ("Where is the rocket?", "launch pad*6|on launch pad*2|launchpad*1|ground*1", "other"),
        ("Is this a plane?", "no*10", "yes/no"),
        ("What is the rocket pointing at?", "sky*8|up*2", "other"),
    ],
    "cat": [
        ("What animal is this?", "cat*9|kitten*1", "other"),
        ("What color are the cat's eyes?", "green*8|yellow*1|green and yellow*1", "other"),
        ("Is the cat sleeping?", "no*10", "yes/no"),
        ("How many cats are there?", "1*9|one*1", "number"),
        ("Does the cat have whiskers?", "yes*10", "yes/no"),
        ("What pattern is the fur?", "striped*5|tabby*4|stripes*1", "other"),
        ("Is the cat looking at the camera?", "no*6|yes*4", "yes/no"),
        ("What is the cat doing?", "looking*4|staring*3|sitting*2|nothing*1", "other"),
    ],
    "coffee": [
        ("What is in the cup?", "coffee*7|espresso*3", "other"),
        ("What color is the cup?", "red*8|orange*1|brown*1", "other"),
        ("Is there a spoon?", "yes*10", "yes/no"),
        ("What is the table made of?", "wood*9|wooden*1", "other"),
        ("How many cups are there?", "1*10", "number"),
        ("Is the cup full?", "yes*6|no*4", "yes/no"),
        ("What is under the cup?", "saucer*7|plate*3", "other"),
        ("Is this breakfast?", "yes*5|no*5", "yes/no"),
    ],
    "astronaut": [
        ("What is the woman wearing?", "spacesuit*5|space suit*4|suit*1", "other"),
        ("What color is her suit?", "orange*10", "other"),
        ("Is she smiling?", "yes*10", "yes/no"),
        ("What flag is behind her?", "american*6|usa*2|american flag*2", "other"),
        ("What is on the right?", "space shuttle*5|shuttle*3|model*1|rocket*1", "other"),
        ("Is the helmet on her head?", "no*10", "yes/no"),
        ("How many people are in the picture?", "1*10", "number"),
        ("What is her job?", "astronaut*10", "other"),
    ],
    "cameraman": [
        ("What is the man holding?", "camera*9|tripod*1", "other"),
        ("Is this picture in color?", "no*10", "yes/no"),
        ("What is the camera on?", "tripod*10", "other"),
        ("Is the man standing on grass?", "yes*9|no*1", "yes/no"),
        ("What color is his coat?", "black*10", "other"),
        ("How many legs does the tripod have?", "3*9|three*1", "number"),
        ("Is he taking a picture?", "yes*10", "yes/no"),
        ("What is in the background?", "buildings*6|building*2|city*2", "other"),
    ],
    "retina": [
        ("What body part is this?", "eye*7|retina*3", "other"),
        ("What color is the image?", "red*6|orange*4", "other"),
        ("Is this a photo of a planet?", "no*8|yes*2", "yes/no"),
        ("What are the dark red lines?", "blood vessels*6|veins*3|vessels*1", "other"),
        ("Is the background black?", "yes*10", "yes/no"),
        ("What shape is the image?", "circle*8|round*2", "other"),
        ("How many bright spots are there?", "1*8|2*2", "number"),
        ("Was this taken by a doctor?", "yes*9|no*1", "yes/no"),
    ],
}

# OK-VQA-style knowledge questions: (question, raw answers spec, stemmed answers spec, question_type).
OKVQA = {
    "rocket": [
        ("What fuel does this vehicle burn?", "kerosene*5|rocket fuel*3|liquid oxygen*2", "kerosene*5|rocket fuel*3|liquid oxygen*2", "one"),
        ("Which company builds rockets like this one?", "spacex*8|nasa*2", "spacex*8|nasa*2", "two"),
        ("Where is this vehicle going?", "space*8|orbit*2", "space*8|orbit*2", "one"),
        ("What is the countdown for?", "launch*7|launching*3", "launch*10", "nine"),
        ("What are the tall towers called?", "lightning towers*5|towers*3|masts*2", "lightning tower*5|tower*3|mast*2", "nine"),
        ("In which state are many rockets launched?", "florida*9|texas*1", "florida*9|texas*1", "six"),
    ],
    "cat": [
        ("What do these animals like to drink?", "milk*8|water*2", "milk*8|water*2", "eight"),
        ("What sound does this animal make?", "meow*9|purr*1", "meow*9|purr*1", "eight"),
        ("What is this breed called?", "tabby*7|domestic shorthair*3", "tabby*7|domestic shorthair*3", "eight"),
        ("What do these animals like to chase?", "mice*6|mouse*2|birds*2", "mouse*8|bird*2", "eight"),
        ("How many lives is this animal said to have?", "9*9|nine*1", "9*10", "six"),
        ("What family does this animal belong to?", "felines*5|feline*3|cats*2", "feline*8|cat*2", "eight"),
    ],
    "coffee": [
        ("What country is this drink from?", "italy*8|brazil*2", "italy*8|brazil*2", "five"),
        ("What plant does this drink come from?", "coffee beans*6|coffee*4", "coffee bean*6|coffee*4", "five"),
        ("What is the foam on top called?", "crema*8|foam*2", "crema*8|foam*2", "five"),
        ("What stimulant is in this drink?", "caffeine*10", "caffeine*10", "nine"),
        ("What time of day is this usually drunk?", "morning*9|breakfast*1", "morning*9|breakfast*1", "seven"),
        ("What machine makes this drink?", "espresso machine*8|coffee maker*2", "espresso machine*8|coffee maker*2", "three"),
    ],
    "astronaut": [
        ("What agency does she work for?", "nasa*10", "nasa*10", "two"),
        ("What vehicle is the model on the right?", "space shuttle*7|shuttle*3", "space shuttle*7|shuttle*3", "one"),
        ("What is the suit used for?", "space walking*4|space*4|launching*2", "space walk*4|space*4|launch*2", "three"),
        ("What country does the flag represent?", "usa*6|united states*3|america*1", "usa*6|united states*3|america*1", "six"),
        ("What is the helmet protecting from?", "vacuum*5|space*3|radiation*2", "vacuum*5|space*3|radiation*2", "nine"),
        ("Where does she train?", "houston*6|nasa*4", "houston*6|nasa*4", "six"),
    ],
    "cameraman": [
        ("What is this profession called?", "photographer*7|cameraman*3", "photographer*7|cameraman*3", "seven"),
        ("What is the three legged stand called?", "tripod*10", "tripod*10", "three"),
        ("What era is this camera from?", "1990s*5|80s*3|old*2", "1990s*5|80s*3|old*2", "nine"),
        ("Why is he using a stand?", "stability*6|steady*4", "stability*6|steady*4", "three"),
        ("What is the weather like?", "sunny*7|clear*3", "sunny*7|clear*3", "ten"),
        ("What kind of place is this?", "park*6|field*4", "park*6|field*4", "six"),
    ],
    "retina": [
        ("What doctor would look at this?", "ophthalmologist*8|eye doctor*2", "ophthalmologist*8|eye doctor*2", "nine"),
        ("What disease can be seen in this organ?", "diabetes*5|glaucoma*5", "diabetes*5|glaucoma*5", "nine"),
        ("What is the bright spot called?", "optic disc*7|optic nerve*3", "optic disc*7|optic nerve*3", "nine"),
        ("What instrument took this picture?", "fundus camera*7|ophthalmoscope*3", "fundus camera*7|ophthalmoscope*3", "nine"),
        ("What carries blood in this picture?", "vessels*5|blood vessels*3|arteries*2", "vessel*5|blood vessel*3|artery*2", "nine"),
        ("What sense does this organ serve?", "sight*8|vision*2", "sight*8|vision*2", "nine"),
    ],
}

# TextVQA-style questions (lower case, about writing and marks): (question, answers spec).
TEXTVQA = {
    "rocket": [
        ("what is written on the side of the rocket?", "falcon 9*4|spacex*4|unanswerable*2"),
        ("what number follows falcon?", "9*9|nine*1"),
        ("what company logo is on the rocket?", "spacex*7|nasa*2|unanswerable*1"),
        ("what letters are on the tower?", "unanswerable*6|none*4"),
    ],
    "cat": [
        ("what brand of cat food is shown?", "unanswerable*8|none*2"),
        ("what is written on the tag?", "unanswerable*7|chelsea*3"),
        ("what is the cat's name?", "chelsea*6|unanswerable*4"),
        ("what letter is on the wall?", "unanswerable*10"),
    ],
    "coffee": [
        ("what brand is the cup?", "unanswerable*6|illy*4"),
        ("what is written on the saucer?", "unanswerable*7|espresso*3"),
        ("what word is on the spoon?", "unanswerable*9|inox*1"),
        ("what is the price of the coffee?", "unanswerable*10"),
    ],
    "astronaut": [
        ("what agency is on the patch?", "nasa*8|sts*2"),
        ("what is written on her name tag?", "collins*7|eileen collins*3"),
        ("what country name is on the flag?", "usa*5|unanswerable*5"),
        ("what mission number is on the patch?", "sts-63*5|63*3|unanswerable*2"),
    ],
    "cameraman": [
        ("what brand is the camera?", "unanswerable*6|bolex*4"),
        ("what is written on the building?", "unanswerable*10"),
        ("what number is on the tripod?", "unanswerable*8|3*2"),
        ("what letters are on the camera?", "unanswerable*7|mit*3"),
    ],
    "retina": [
        ("what is written in the corner?", "unanswerable*8|od*2"),
        ("what is the scale bar value?", "unanswerable*10"),
        ("which eye is labeled?", "right*5|unanswerable*5"),
        ("what date is stamped on the image?", "unanswerable*10"),
    ],
}

# Captions per scene (COCO-style). Some carry the stray spaces and capitals real captions have.
CAPTIONS = {
    "rocket": [
        "A rocket stands on a launch pad at dusk. ",
        "A tall white rocket surrounded by four lightning towers.",
        "A space rocket waiting on the pad with lights shining around it.",
        " A rocket is prepared for launch under a blue evening sky.",
        "Several towers and bright lights around a rocket at night.",
        "A white rocket on a launch pad next to tall metal towers.",
        "The rocket is lit up on the launch pad before liftoff.",
    ],
    "cat": [
        "A close up of a tabby cat with green eyes.",
        "A striped cat looks off to the side.",
        "A brown tabby cat with long white whiskers. ",
        "The face of a cat with yellow green eyes.",
        "A cat staring at something outside the picture.",
        "A close up photo of a domestic cat's face.",
        "A tabby cat sitting indoors and looking to the left.",
    ],
    "coffee": [
        "A cup of espresso on a red saucer with a spoon.",
        "A red coffee cup sitting on a wooden table.",
        "An espresso in a red cup with a silver spoon on the saucer. ",
        "A small cup of coffee on a matching saucer.",
        "A red cup and saucer holding a shot of espresso.",
        "Coffee with crema in a red ceramic cup.",
        "A spoon rests on a saucer next to a cup of coffee.",
    ],
    "astronaut": [
        "An astronaut in an orange suit smiles for a portrait.",
        "A woman in a space suit poses in front of an American flag.",
        "A smiling astronaut with a model of the space shuttle behind her.",
        "An official portrait of a female astronaut in an orange flight suit. ",
        "A woman wearing an orange spacesuit next to her helmet.",
        "An astronaut posing with a flag and a shuttle model.",
        "A smiling woman in an orange launch suit.",
    ],
    "cameraman": [
        "A man in a black coat looks through a camera on a tripod.",
        "A black and white photo of a man filming in a field.",
        "A photographer using a camera on a tripod outdoors. ",
        "A man operating a film camera on a grassy lawn.",
        "A man with a camera on a tripod with buildings in the background.",
        "A cameraman standing on the grass taking a picture.",
        "A man in dark clothes setting up a camera on a stand.",
    ],
    "retina": [
        "A photo of the back of a human eye.",
        "A red retina with blood vessels spreading from a bright spot.",
        "A medical image of a retina on a black background. ",
        "An orange circle with dark red veins running across it.",
        "A fundus photograph showing the optic disc and blood vessels.",
        "A close up image of the inside of an eye.",
        "A round red image of a retina taken by an eye doctor.",
    ],
}

# NoCaps-style captions (ten per image) and their domain labels.
NOCAPS_DOMAINS = {"rocket": "out-domain", "cat": "in-domain", "coffee": "near-domain",
                  "astronaut": "near-domain", "cameraman": "in-domain", "retina": "out-domain"}

# TextCaps-style captions (mention the writing in the picture).
TEXTCAPS = {
    "rocket": [
        "A Falcon 9 rocket with the SpaceX logo stands on its launch pad.",
        "A rocket that says SpaceX on the side waits between four towers.",
        "The words Falcon 9 are printed down the side of a white rocket.",
        "A SpaceX rocket on a pad at night with lights around it.",
        "A rocket marked SpaceX is ready for launch at dusk.",
    ],
    "cat": [
        "A cat named Chelsea looks to the side with green eyes.",
        "A tabby cat with no visible writing in the picture.",
        "A close up of a cat whose name tag is not visible.",
        "A striped cat with long whiskers looking away.",
        "A brown cat photographed indoors with no text around it.",
    ],
    "coffee": [
        "An espresso cup with no brand name visible on it.",
        "A red cup of coffee with a spoon that says inox.",
        "A cup of espresso on a saucer without any writing.",
        "A red espresso cup and saucer on a wooden table.",
        "A coffee cup with no label on a red saucer.",
    ],
    "astronaut": [
        "An astronaut wearing a NASA patch on her orange suit.",
        "A woman in an orange suit with a name tag that says Collins.",
        "An astronaut with a STS-63 mission patch poses with a flag.",
        "A NASA astronaut smiles next to a space shuttle model.",
        "A portrait of astronaut Eileen Collins in a NASA flight suit.",
    ],
    "cameraman": [
        "A man with a camera on a tripod and no visible text.",
        "A photographer with an old camera that has a brand name on it.",
        "A black and white picture of a man filming a field.",
        "A cameraman in a long coat with a building far behind him.",
        "A man looks through a camera with no readable writing.",
    ],
    "retina": [
        "A retina image with the letters OD in the corner.",
        "A picture of a right eye retina with a label.",
        "A fundus photo of a retina with no date stamp.",
        "An eye scan showing the optic disc and vessels.",
        "A medical retina photo with a small mark at the top.",
    ],
}

COCO_TRAIN_IDS = [9, 25, 30, 34, 36, 49, 61, 64, 71, 72, 77, 78, 81, 86, 89, 92, 94, 109, 110, 113, 127, 138, 142, 143]
COCO_VAL_IDS = [42, 73, 74, 133, 136, 139, 164, 192, 196, 208, 241, 257, 283, 294, 328, 338]
TEXTVQA_IMAGES = ["0054c91397f2fe05", "005635e119b9f32f", "00685bc495504d61", "006d10667d17b924",
                  "00a7c9a9cd5a3a2e", "00c359f294f7dcd9", "00d2a8df6a2a3a0b", "011e7e629fb9ae7b",
                  "0120a4c1d4ffa0e9", "01299c8ff8a8c7e1", "013d3d8a5a3e2ad8", "0142c3c0e1bd4a65"]
NOCAPS_IMAGES = ["0013ea2087020901", "0023aa6c04d7d3a5", "002d2e1f6a8f1b13", "003a9c2e44c0b0e1",
                 "0049d8e1a6bc7f22", "0057b1e6fa3b9c04", "0061a7f0d5e2c8b9", "006e4c13b8a1d7f5",
                 "0078f0b2c9d6e3a1", "0083d5a9e7f1c2b6", "0091e6c8b4a7d3f0", "00a2f7d1c6b9e4a8"]
TEXTCAPS_TRAIN = ["%016x" % (0x1f2e3d4c5b6a7988 + 0x1000003 * i) for i in range(24)]
TEXTCAPS_VAL = ["%016x" % (0x7a8b9cadbecfd0e1 + 0x1000007 * i) for i in range(12)]

VQA_INFO = {"description": "This is v2.0 of the VQA dataset.", "url": "http://visualqa.org", "version": "2.0",
            "year": 2017, "contributor": "VQA Team", "date_created": "2017-04-26 17:00:44"}
LICENSE = {"url": "http://creativecommons.org/licenses/by/4.0/",
           "name": "Creative Commons Attribution 4.0 International License"}


def write_json(rel, obj):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False)
        f.write("\n")


def write_text(rel, text):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def link(rel, target):
    """Relative symlink OUT/rel -> tests/fixtures/images/target."""
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    dest = os.path.relpath(os.path.join(IMAGES, target), os.path.dirname(path))
    if os.path.lexists(path):
        os.remove(path)
    os.symlink(dest, path)


def scene_of(i):
    return ORDER[i % len(ORDER)]


def picture(scene, i):
    files = SCENES[scene]
    return files[i % len(files)]


QTYPES = [l.strip() for l in open(os.path.join(OUT, "excerpts", "mscoco_question_types.txt")) if l.strip()]


def question_type(q):
    """The longest official VQA question type that prefixes the lower-cased question."""
    ql = q.lower()
    best = "none of the above"
    for t in QTYPES:
        if (ql == t or ql.startswith(t + " ")) and (best == "none of the above" or len(t) > len(best)):
            best = t
    return best


def coco_images():
    """COCO image ids -> (scene, picture) for train2014 and val2014, and the symlinks."""
    train = {}
    for i, cid in enumerate(COCO_TRAIN_IDS):
        s = scene_of(i)
        train[cid] = (s, picture(s, i // len(ORDER)))
        link("images/coco/train2014/COCO_train2014_%012d.jpg" % cid, train[cid][1])
    val = {}
    for i, cid in enumerate(COCO_VAL_IDS):
        s = scene_of(i)
        val[cid] = (s, picture(s, i // len(ORDER) + 1))
        link("images/coco/val2014/COCO_val2014_%012d.jpg" % cid, val[cid][1])
    return train, val


def vqa_records(images, ids, per_image, first_q, bank, rng_seed):
    """Questions for `ids` (COCO image ids), `per_image` each, taken round-robin from each scene's bank."""
    used = {s: first_q for s in ORDER}
    recs = []
    for cid in ids:
        scene = images[cid][0]
        for k in range(per_image):
            entry = bank[scene][used[scene] % len(bank[scene])]
            used[scene] += 1
            recs.append((cid, cid * 1000 + k, scene, entry))
    return recs


def make_vqav2(train_imgs, val_imgs):
    tr_ids = COCO_TRAIN_IDS[:12]
    va_ids = COCO_VAL_IDS[:6]
    for split, imgs, ids, first in (("train2014", train_imgs, tr_ids, 0), ("val2014", val_imgs, va_ids, 4)):
        recs = vqa_records(imgs, ids, 2, first, VQA, 0)
        questions = {"info": VQA_INFO, "task_type": "Open-Ended", "data_type": "mscoco", "license": LICENSE,
                     "data_subtype": split,
                     "questions": [{"image_id": cid, "question": e[0], "question_id": qid} for cid, qid, _, e in recs]}
        anns = []
        for cid, qid, _, (q, spec, atype) in recs:
            ans = answers(spec)
            anns.append({"question_type": question_type(q), "multiple_choice_answer": max(set(ans), key=ans.count),
                         "answers": [{"answer": a, "answer_confidence": "yes" if j % 4 else "maybe", "answer_id": j + 1}
                                     for j, a in enumerate(ans)],
                         "image_id": cid, "answer_type": atype, "question_id": qid})
        write_json("vqav2/v2_OpenEnded_mscoco_%s_questions.json" % split, questions)
        write_json("vqav2/v2_mscoco_%s_annotations.json" % split,
                   {"info": VQA_INFO, "license": LICENSE, "data_subtype": split, "annotations": anns,
                    "data_type": "mscoco"})


def make_okvqa(train_imgs, val_imgs):
    tr_ids = COCO_TRAIN_IDS[12:24]
    va_ids = COCO_VAL_IDS[6:12]
    for split, imgs, ids, first in (("train2014", train_imgs, tr_ids, 0), ("val2014", val_imgs, va_ids, 4)):
        recs = []
        used = {s: first for s in ORDER}
        for cid in ids:
            scene = imgs[cid][0]
            for k in range(2):
                e = OKVQA[scene][used[scene] % len(OKVQA[scene])]
                used[scene] += 1
                recs.append((cid, cid * 10 + k + 5, e))  # OK-VQA ids: image id followed by one digit
        questions = {"license": LICENSE, "data_subtype": split, "task_type": "Open-Ended",
                     "questions": [{"image_id": cid, "question": e[0], "question_id": qid} for cid, qid, e in recs],
                     "info": {"year": 2019, "version": "1.0", "description": "This is v1.0 of the OK-VQA dataset."},
                     "data_type": "mscoco"}
        anns = []
        for cid, qid, (q, raw_spec, stem_spec, qtype) in recs:
            raw, stem = answers(raw_spec), answers(stem_spec)
            anns.append({"image_id": cid, "answer_type": "other", "question_type": qtype, "question_id": qid,
                         "answers": [{"answer_id": j + 1, "raw_answer": r, "answer_confidence": "yes", "answer": s}
                                     for j, (r, s) in enumerate(zip(raw, stem))],
                         "confidence": 3})
        write_json("okvqa/OpenEnded_mscoco_%s_questions.json" % split, questions)
        write_json("okvqa/mscoco_%s_annotations.json" % split,
                   {"license": LICENSE, "data_subtype": split, "annotations": anns,
                    "info": {"year": 2019, "version": "1.0", "description": "This is v1.0 of the OK-VQA dataset."},
                    "data_type": "mscoco"})


def make_textvqa():
    # 12 images (2 per scene): the first 6 hold train questions, the last 6 val questions.
    for i, hexid in enumerate(TEXTVQA_IMAGES):
        link("images/textvqa/train_images/%s.jpg" % hexid, picture(scene_of(i), i // len(ORDER)))
    train, val = [], []
    qid = 0
    for i, hexid in enumerate(TEXTVQA_IMAGES[:6]):  # 4 questions each -> 24 train
        for e in TEXTVQA[scene_of(i)]:
            train.append((qid, hexid, e))
            qid += 1
    for i, hexid in enumerate(TEXTVQA_IMAGES[6:]):  # 2 questions each -> 12 val
        for e in TEXTVQA[scene_of(i)][1:3]:
            val.append((qid, hexid, e))
            qid += 1
    info = {"description": "TextVQA converstion to VQA format", "url": "http://visualqa.org", "version": "2.0",
            "year": 2017, "contributor": "TextVQA converstion to VQA format", "date_created": "14-04-2023"}
    for name, recs, set_name in (("train", train, "train"), ("val", val, "val")):
        write_json("textvqa/%s_questions_vqa_format.json" % name,
                   {"questions": [{"question": e[0], "image_id": h, "question_id": q} for q, h, e in recs],
                    "info": info, "task_type": "Open-Ended", "data_type": "TextVQA", "license": LICENSE,
                    "data_subtype": "TextVQA-validation"})
        write_json("textvqa/%s_annotations_vqa_format.json" % name,
                   {"annotations": [{"question_id": q, "image_id": h, "question_type": "none of the above",
                                     "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": j + 1}
                                                 for j, a in enumerate(answers(e[1]))],
                                     "multiple_choice_answer": answers(e[1])[0]} for q, h, e in recs],
                    "info": info, "task_type": "TextVQA", "license": LICENSE, "data_subtype": "TextVQA-validation"})
        data = []
        for q, h, e in recs:
            data.append({"question": e[0], "image_id": h, "image_classes": ["Rocket"] if "rocket" in e[0] else ["Object"],
                         "flickr_original_url": "https://farm1.staticflickr.com/0/%s_o.jpg" % h,
                         "flickr_300k_url": "https://c1.staticflickr.com/1/0/%s_z.jpg" % h,
                         "image_width": 1024, "image_height": 683, "answers": answers(e[1]),
                         "question_tokens": e[0].rstrip("?").split(), "question_id": q, "set_name": set_name})
        write_json("textvqa/TextVQA_0.5.1_%s.json" % name,
                   {"dataset_type": set_name, "dataset_name": "textvqa", "dataset_version": "0.5.1", "data": data})


def make_coco(train_imgs, val_imgs):
    rng = random.Random(4)
    images = []
    sentid = 770000
    imgid = 0
    splits = [("train", cid, train_imgs[cid][0], "train2014") for cid in COCO_TRAIN_IDS]
    splits += [("test", cid, val_imgs[cid][0], "val2014") for cid in COCO_VAL_IDS[:12]]
    splits += [("val", cid, val_imgs[cid][0], "val2014") for cid in COCO_VAL_IDS[12:14]]
    splits += [("restval", cid, val_imgs[cid][0], "val2014") for cid in COCO_VAL_IDS[14:16]]
    rng.shuffle(splits)  # the real file interleaves the splits
    refs = {}
    for split, cid, scene, fp in splits:
        pool = CAPTIONS[scene]
        start = cid % len(pool)
        caps = [pool[(start + k) % len(pool)] for k in range(5)]
        sents = []
        for c in caps:
            toks = [t.strip(".,").lower() for t in c.split()]
            sents.append({"tokens": toks, "raw": c, "imgid": imgid, "sentid": sentid})
            sentid += 1
        images.append({"filepath": fp, "sentids": [s["sentid"] for s in sents],
                       "filename": "COCO_%s_%012d.jpg" % (fp, cid), "imgid": imgid, "split": split,
                       "sentences": sents, "cocoid": cid})
        imgid += 1
        if fp == "val2014":
            # The official file has 5 to 7 captions per image, not always the Karpathy ones first.
            extra = [pool[(start + 5) % len(pool)]] if cid % 3 == 0 else []
            refs[cid] = [c.strip() if k % 2 else c for k, c in enumerate(caps + extra)]
    write_json("coco/dataset_coco.json", {"images": images, "dataset": "coco"})
    ann = []
    aid = 1
    for cid in sorted(refs):
        for c in refs[cid]:
            ann.append({"image_id": cid, "id": aid, "caption": c})
            aid += 1
    rng.shuffle(ann)  # captions_val2014.json does not group captions by image
    write_json("coco/captions_val2014.json", {
        "info": {"description": "This is stable 1.0 version of the 2014 MS COCO dataset.", "url": "http://mscoco.org",
                 "version": "1.0", "year": 2014, "contributor": "Microsoft COCO group",
                 "date_created": "2015-01-27 09:11:52.357475"},
        "images": [{"license": 1, "url": "http://mscoco.org/images/%d" % cid,
                    "file_name": "COCO_val2014_%012d.jpg" % cid, "height": 480, "width": 640,
                    "date_captured": "2013-11-14 16:28:13", "id": cid} for cid in sorted(refs)],
        "licenses": [{"url": "http://creativecommons.org/licenses/by-nc-sa/2.0/", "id": 1,
                      "name": "Attribution-NonCommercial-ShareAlike License"}],
        "type": "captions", "annotations": ann})


def make_nocaps():
    images, anns = [], []
    aid = 0
    for i, hexid in enumerate(NOCAPS_IMAGES):
        scene = scene_of(i)
        link("images/nocaps/validation/%s.jpg" % hexid, picture(scene, i // len(ORDER)))
        images.append({"id": i, "open_images_id": hexid, "height": 683, "width": 1024,
                       "coco_url": "https://s3.amazonaws.com/nocaps/val/%s.jpg" % hexid,
                       "file_name": "%s.jpg" % hexid, "license": 0, "date_captured": "2018-11-06 11:04:33",
                       "domain": NOCAPS_DOMAINS[scene]})
        pool = CAPTIONS[scene] + TEXTCAPS[scene]
        for k in range(10):
            anns.append({"image_id": i, "id": aid, "caption": pool[(i + k) % len(pool)].strip()})
            aid += 1
    write_json("nocaps/nocaps_val_4500_captions.json", {
        "licenses": [], "info": {"url": "http://nocaps.org", "date_created": "2018/11/06", "version": "0.1",
                                 "description": "nocaps validation dataset", "contributor": "nocaps team", "year": 2018},
        "images": images, "annotations": anns})


def make_textcaps():
    for name, ids, first in (("train", TEXTCAPS_TRAIN, 0), ("val", TEXTCAPS_VAL, 1)):
        data = []
        for i, hexid in enumerate(ids):
            scene = scene_of(i)
            link("images/textcaps/train_images/%s.jpg" % hexid, picture(scene, i // len(ORDER) + first))
            pool = TEXTCAPS[scene]
            caps = [pool[(i // len(ORDER) + k) % len(pool)] for k in range(5)]
            for k, c in enumerate(caps):
                toks = [t.strip(".,").lower() for t in c.split()]
                data.append({"image_id": hexid, "image_classes": ["Rocket"] if scene == "rocket" else ["Object"],
                             "flickr_original_url": "https://farm2.staticflickr.com/0/%s_o.jpg" % hexid,
                             "flickr_300k_url": "https://c2.staticflickr.com/1/0/%s_z.jpg" % hexid,
                             "image_width": 1024, "image_height": 768, "set_name": name, "image_name": hexid,
                             "image_path": "train/%s.jpg" % hexid, "caption_id": len(data) + (0 if first == 0 else 100000),
                             "caption_str": c, "caption_tokens": ["<s>"] + toks + ["</s>"],
                             "reference_strs": caps, "reference_tokens": [["<s>"] + [t.strip(".,").lower() for t in r.split()] + ["</s>"] for r in caps]})
        write_json("textcaps/TextCaps_0.1_%s.json" % name,
                   {"dataset_type": name, "dataset_name": "textcaps", "dataset_version": 0.1, "data": data})


def make_broken():
    """Small files, each wrong in one way, for the validation tests (tests/datasets/test_adapters.c)."""
    q = lambda recs: {"questions": recs}
    a = lambda recs: {"annotations": recs}
    ans = lambda: [{"answer": "yes", "answer_confidence": "yes", "answer_id": j + 1} for j in range(10)]
    good_q = [{"image_id": 9, "question": "Is it daytime?", "question_id": 9000},
              {"image_id": 9, "question": "What is this?", "question_id": 9001},
              {"image_id": 25, "question": "What animal is this?", "question_id": 25000}]
    good_a = [{"question_id": r["question_id"], "image_id": r["image_id"], "answers": ans(),
               "question_type": "is it", "answer_type": "yes/no"} for r in good_q]
    write_json("broken/questions_ok.json", q(good_q))
    write_json("broken/annotations_ok.json", a(good_a))
    write_json("broken/questions_missing_field.json", q(good_q[:1] + [{"image_id": 9, "question_id": 9001}] + good_q[2:]))
    write_json("broken/annotations_missing_one.json", a([good_a[0], good_a[2]]))
    write_json("broken/annotations_extra.json", a(good_a + [dict(good_a[0], question_id=77000)]))
    write_json("broken/annotations_reordered.json", a([good_a[1], good_a[0], good_a[2]]))
    write_json("broken/annotations_image_mismatch.json", a(good_a[:2] + [dict(good_a[2], image_id=30)]))
    write_json("broken/annotations_no_answers.json", a(good_a[:1] + [dict(good_a[1], answers=[])] + good_a[2:]))
    write_json("broken/questions_duplicate_id.json", q(good_q + [dict(good_q[0], question="Again?")]))
    write_json("broken/questions_string_id.json", q(good_q[:2] + [dict(good_q[2], question_id="25000")]))
    write_json("broken/questions_missing_images.json",
               q(good_q + [{"image_id": 999001, "question": "Where?", "question_id": 999001000},
                           {"image_id": 999002, "question": "Why?", "question_id": 999002000}]))
    write_json("broken/annotations_missing_images.json",
               a(good_a + [{"question_id": 999001000, "image_id": 999001, "answers": ans()},
                           {"question_id": 999002000, "image_id": 999002, "answers": ans()}]))
    write_text("broken/truncated.json", json.dumps(q(good_q))[:-40])
    write_text("broken/trailing_comma.json", '{"questions": [{"image_id": 9, "question": "x", "question_id": 1},]}\n')
    with open(os.path.join(OUT, "broken/bad_utf8.json"), "wb") as f:
        f.write(b'{"questions": [{"image_id": 9, "question": "caf\xe9?", "question_id": 1}]}\n')
    write_json("broken/textvqa_official_no_answers.json",
               {"dataset_name": "textvqa", "data": [{"question": "what is it?", "image_id": "0054c91397f2fe05",
                                                     "question_id": 7}]})
    write_json("broken/karpathy_no_raw.json",
               {"images": [{"filepath": "train2014", "filename": "COCO_train2014_000000000009.jpg", "split": "train",
                            "sentences": [{"tokens": ["a"]}], "cocoid": 9}], "dataset": "coco"})
    write_json("broken/karpathy_no_cocoid.json",
               {"images": [{"filepath": "val2014", "filename": "COCO_val2014_000000000042.jpg", "split": "test",
                            "sentences": [{"raw": "A rocket."}]}], "dataset": "coco"})
    write_json("broken/captions_missing_image.json",
               {"annotations": [{"image_id": 73, "id": 1, "caption": "A cat."}]})
    write_json("broken/nocaps_unknown_image.json",
               {"images": [{"id": 0, "file_name": "0013ea2087020901.jpg"}],
                "annotations": [{"image_id": 0, "id": 0, "caption": "A rocket."},
                                {"image_id": 5, "id": 1, "caption": "A cat."}]})
    write_json("broken/nocaps_no_captions.json",
               {"images": [{"id": 0, "file_name": "0013ea2087020901.jpg"},
                           {"id": 1, "file_name": "0023aa6c04d7d3a5.jpg"}],
                "annotations": [{"image_id": 0, "id": 0, "caption": "A rocket."}]})
    write_json("broken/textcaps_no_caption.json",
               {"dataset_name": "textcaps", "data": [{"image_id": "1f2e3d4c5b6a7988", "image_name": "1f2e3d4c5b6a7988"}]})


def main():
    for d in ("images", "vqav2", "okvqa", "textvqa", "coco", "nocaps", "textcaps", "broken"):
        shutil.rmtree(os.path.join(OUT, d), ignore_errors=True)
    train_imgs, val_imgs = coco_images()
    make_vqav2(train_imgs, val_imgs)
    make_okvqa(train_imgs, val_imgs)
    make_textvqa()
    make_coco(train_imgs, val_imgs)
    make_nocaps()
    make_textcaps()
    make_broken()
    print("wrote", OUT)


if __name__ == "__main__":
    main()
