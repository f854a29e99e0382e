#!/usr/bin/env python3
"""gen_bench_data.py - writes the `fewshot score` benchmark inputs (not committed; ~150 MB):
VQA: 214,354 questions (the size of VQAv2 val) with 10 human answers each, answer types and the 65
VQAv2 question types, realistic answer vocabulary and spellings (case, articles, punctuation,
number words), and a results file with one answer per question; captions: 5,000 COCO-like images
with 5 references each and one candidate.

  python3 bench/metrics/gen_bench_data.py OUTDIR      (deterministic, seed 1)
"""
import json
import os
import random
import sys

rng = random.Random(1)
QTYPES = ("what is the|is the|what|how many|what color is the|is this|are the|what is|what kind of|"
          "is there|what type of|are there|where is the|is it|what are the|does the|is|what color are the|"
          "what is on the|what color|what is the man|which|are these|who is|how|what does the|what is in the|"
          "what is the person|is the man|what are|is this a|what color is|why|do you|can you|what room is|"
          "what sport is|is the woman|are they|what is the woman|what time|has|where are the|is that a|"
          "what animal is|what is this|what number is|how many people are|is he|what brand|could|none of the above|"
          "what is the name|was|why is the|are there any|is there a|what are the people|what is the color of the|"
          "how many people are in|is this an|does this|do|what is the brown|what is the white|what is the boy|"
          "what is the girl").split("|")
YESNO = ["yes", "no", "Yes", "No", "yes.", "no ", "YES"]
NUMBER = ["1", "2", "3", "4", "5", "6", "10", "one", "two", "three", "0", "none", "12:30", "1,000", "20"]
OTHER = ["red", "blue", "white", "black and white", "the table", "a dog", "dog", "dogs", "frisbee", "tennis",
         "baseball", "skiing", "surfing", "kitchen", "living room", "pizza", "giraffe", "2 dogs", "t-shirt",
         "t - shirt", "st. louis", "u.s.a.", "can't tell", "dont know", "I'm not sure", "oclock", "nothing",
         "left", "right", "on the table", "in the sky", "grass", "snow", "water", "wood", "metal", "bus",
         "train", "plane", "umbrella", "helmet", "hat", "cat", "horse", "elephant", "zebra", "banana",
         "broccoli", "sandwich", "donut", "cake", "laptop", "phone", "clock", "Nike", "apple", "wii",
         "sunny", "cloudy", "daytime", "night", "walking", "sitting", "standing", "eating", "playing"]
SCENES = ["a man riding a wave on top of a surfboard", "two dogs playing in the snow", "a plate of food with broccoli",
          "a red double-decker bus on a city street", "a giraffe standing next to a tree", "people flying kites in a park",
          "an elephant walking across a dirt field", "a clock tower in the middle of a city", "a cat sleeping on a laptop",
          "a train pulling into a station", "a woman holding an umbrella in the rain", "a kitchen with white cabinets",
          "a pizza with cheese and pepperoni", "a skateboarder doing a trick on a ramp", "a bathroom with a toilet and sink",
          "a baseball player swinging a bat", "a herd of zebras grazing", "a teddy bear on a bed",
          "two people playing tennis on a court", "a motorcycle parked on the sidewalk"]
ADJ = ["", "", "large ", "small ", "white ", "black ", "young ", "old ", "red "]


def answers_for(atype):
    pool = YESNO if atype == "yes/no" else NUMBER if atype == "number" else OTHER
    main = rng.choice(pool)
    m = rng.choice([10, 10, 9, 8, 7, 6, 5, 4, 3, 2])
    ans = [main] * m + [rng.choice(pool) for _ in range(10 - m)]
    rng.shuffle(ans)
    return main, ans


def caption(scene):
    words = scene.split()
    if rng.random() < 0.5:
        i = rng.randrange(len(words))
        words.insert(i, rng.choice(ADJ).strip() or "big")
    s = " ".join(w for w in words if w)
    s = s[0].upper() + s[1:] if rng.random() < 0.6 else s
    return s + rng.choice(["", ".", " .", ""])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    qs, anns, res = [], [], []
    for i in range(214354):
        qid = 1000000 + i * 3
        atype = rng.choice(["yes/no"] * 38 + ["number"] * 12 + ["other"] * 50)
        main_ans, ans = answers_for(atype)
        qs.append({"question_id": qid, "image_id": i // 5, "question": "what is it?"})
        anns.append({"question_id": qid, "image_id": i // 5, "question_type": rng.choice(QTYPES),
                     "answer_type": atype, "multiple_choice_answer": main_ans,
                     "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": k + 1} for k, a in enumerate(ans)]})
        pred = main_ans if rng.random() < 0.6 else rng.choice(OTHER + YESNO + NUMBER)
        res.append({"question_id": qid, "answer": pred})
    info = {"info": {}, "license": {}, "data_type": "mscoco", "data_subtype": "val2014", "task_type": "Open-Ended"}
    json.dump(dict(info, questions=qs), open(os.path.join(out, "vqa_questions.json"), "w"))
    json.dump(dict(info, annotations=anns), open(os.path.join(out, "vqa_annotations.json"), "w"))
    json.dump(res, open(os.path.join(out, "vqa_results.json"), "w"))
    images, canns, cres = [], [], []
    for i in range(5000):
        iid = 100000 + i * 7
        scene = rng.choice(SCENES)
        images.append({"id": iid})
        for _ in range(5):
            canns.append({"image_id": iid, "id": len(canns) + 1, "caption": caption(scene)})
        cres.append({"image_id": iid, "caption": caption(scene if rng.random() < 0.7 else rng.choice(SCENES))})
    json.dump({"info": {}, "licenses": [], "type": "captions", "images": images, "annotations": canns},
              open(os.path.join(out, "cap_annotations.json"), "w"))
    json.dump(cres, open(os.path.join(out, "cap_results.json"), "w"))


if __name__ == "__main__":
    main()
