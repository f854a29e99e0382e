#!/usr/bin/env python3
"""gen_okvqa_golden.py - realistic OK-VQA answer strings and what OpenFlamingo's real stemmer does
with them, for measuring the C port (metrics/okvqa.c).

Generates >= 2,500 strings (single answers, plural nouns, -ing words, short phrases, capitalised
and punctuated variants, raw generations with "Question:" run-ons and ", " lists), then runs
open_flamingo/eval/ok_vqa_utils.py UNMODIFIED (postprocess_ok_vqa_generation and OKVQAStemmer) with
nltk 3.10.4 + inflection 0.5.1, recording the tokens, POS tags and the result.

Reference data (see docs/metrics-score.md; tools/reference/prepare_nltk_data.py builds it): NLTK_DATA must hold
taggers/averaged_perceptron_tagger_eng/ (converted from the nltk_data averaged_perceptron_tagger
pickle) and corpora/wordnet/ (Debian wordnet-base 3.0 files). Punkt's English model could not be
obtained, so word_tokenize runs with preserve_line=True (no sentence splitting); the strings whose
result could depend on sentence splitting are counted in the output.

  NLTK_DATA=/tmp/nltk_data /opt/ref/venv/bin/python tools/reference/gen_okvqa_golden.py \\
      ok_vqa_utils.py > tests/fixtures/metrics/okvqa_golden.json
"""
import importlib.util
import json
import random
import re
import sys

import inflection
import nltk

rng = random.Random(3)

NOUNS = """dog cat horse cow sheep giraffe zebra elephant bear bird duck goose mouse ox child woman man person
tooth foot leaf knife wife wolf shelf half loaf life calf scarf hoof thief
bus box glass dish church watch fox quiz kiss brush match
cherry strawberry berry pastry city baby lady party puppy fly butterfly country
tomato potato hero volcano piano photo radio zoo kangaroo
cactus fungus octopus virus alumnus nucleus syllabus crisis analysis thesis basis diagnosis
sandwich pizza donut bagel hot dog hamburger taco cake cookie apple banana orange lemon carrot broccoli
ski snowboard surfboard skateboard kite frisbee umbrella bench table chair couch bed lamp clock vase
train plane boat truck car bicycle motorcycle scooter tire wheel helmet glove shoe boot sock jean
shirt t-shirt tie hat cap jacket coat dress skirt uniform suit vest belt
tree flower plant bush rock mountain hill beach wave river lake cloud star
computer laptop phone keyboard screen monitor remote controller camera television
fireman firefighter policeman police officer soldier doctor nurse chef baker farmer pilot
fence sign street light pole hydrant building house tower bridge road window door roof wall
species series sheep fish deer moose equipment information rice money news
movie hive drive knife life wife archive alumni data criteria phenomena media
""".split()
ING = """surfing skiing snowboarding skateboarding running sitting flying dying lying swimming parking
ceiling building clothing king spring wedding ring morning evening playing eating drinking sleeping
riding kiting texting dining teething walking standing laying talking cooking baking reading writing
driving biking hiking fishing camping shopping raining snowing shining making taking giving having
being seeing going coming getting putting cutting hitting batting pitching catching throwing
boring interesting amazing thing nothing something anything everything bring sing sting swing
wing string sling ping pudding stuffing frosting icing topping dressing painting drawing setting
""".split()
ADJ = """red blue green yellow white black brown gray grey orange pink purple wooden metal plastic
big small large tall short old new young happy sad hot cold warm sunny cloudy rainy snowy wet dry
dangerous safe healthy fresh modern antique electric""".split()
PHRASES = ["two dogs", "riding horses", "playing tennis", "the red buses", "fire hydrants",
           "New York Yankees", "hot dogs", "Christmas", "U.S.A.", "St. Louis", "it's raining",
           "don't know", "3 pm", "1950s", "can't tell", "rock 'n' roll", "t-shirts", "10-year-olds",
           "Boston Red Sox", "Los Angeles", "Las Vegas", "McDonald's", "Domino's", "Hell's Kitchen",
           "police officers", "fire trucks", "traffic lights", "stop signs", "tennis rackets",
           "baseball bats", "ski poles", "surf boards", "teddy bears", "wine glasses", "cell phones",
           "new york", "the 1980s", "1920's", "mid-1800s", "black and white", "salt and pepper",
           "peanut butter and jelly", "fish and chips", "apples and oranges", "in the 1960s",
           "Thanksgiving", "Halloween", "birthday parties", "weddings", "graduations", "the beatles",
           "Nike", "Adidas", "Apple", "Samsung", "Toyota", "Honda", "Harley Davidson", "British Airways",
           "united states", "united kingdom", "japan", "germany", "italy", "france", "china",
           "water", "electricity", "gas", "solar power", "wind", "sugar", "protein", "vitamin c",
           "calories", "carbs", "antioxidants", "nutrients", "minerals", "fibers",
           "to keep warm", "to protect from sun", "for safety", "because it's cold", "so he doesn't fall",
           "they're playing", "he's surfing", "she's skiing", "we're eating", "you've seen", "I'd go",
           "gonna rain", "wanna play", "gotta go", "cannot tell", "'tis the season", "'twas night",
           "\"quoted answer\"", "(left)", "[blank]", "{none}", "<unk>", "yes!", "no?", "maybe...",
           "100%", "$5", "#1", "@home", "a & b", "r&b", "e-mail", "x-rays", "a.m.", "p.m.",
           "Mr. Smith", "Dr. Who", "etc.", "vs.", "e.g. dogs", "i.e. cats", "3.5 inches", "1,000 feet",
           "20 minutes", "5 years", "12 o'clock", "noon", "midnight", "spring time", "summer days"]


def word_forms():
    out = []
    for n in NOUNS:
        out.append(n)
        out.append(inflection.pluralize(n))
    out += ING + ADJ
    return out


def make():
    items = set()
    forms = word_forms()
    items.update(forms)
    items.update(PHRASES)
    while len(items) < 1800:
        k = rng.random()
        if k < 0.3:
            s = "%s %s" % (rng.choice(ADJ), rng.choice(forms))
        elif k < 0.5:
            s = "%s %s" % (rng.choice(["two", "three", "many", "some", "the", "a", "no", "several"]), rng.choice(forms))
        elif k < 0.65:
            s = "%s %s" % (rng.choice(ING), rng.choice(forms))
        elif k < 0.75:
            s = "%s and %s" % (rng.choice(forms), rng.choice(forms))
        else:
            s = rng.choice(PHRASES + forms)
        r = rng.random()
        if r < 0.15:
            s = s.capitalize()
        elif r < 0.2:
            s = s.upper()
        elif r < 0.25:
            s = s.title()
        r = rng.random()
        if r < 0.1:
            s += "."
        elif r < 0.13:
            s += "!"
        elif r < 0.15:
            s += " ."
        items.add(s)
    items = sorted(items)
    gens = []
    for _ in range(900):
        a = rng.choice(items)
        tail = rng.choice(["\nQuestion: What is this?", " Question: what", "\nAnswer: x", " Short answer: y",
                           ", " + rng.choice(items), ", and more", "\n", "", " ", "<|endofchunk|>"])
        gens.append(a + tail)
    return items, gens


def main():
    spec = importlib.util.spec_from_file_location("ok_vqa_utils", sys.argv[1])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    orig = nltk.tokenize.word_tokenize
    nltk.tokenize.word_tokenize = lambda text, language="english", preserve_line=False: orig(text, language, True)
    items, gens = make()
    cases = []
    for kind, texts in (("answer", items), ("generation", gens)):
        for t in texts:
            if kind == "generation":
                pre = re.split("Question|Answer|Short", t, 1)[0]
                pre = re.split(", ", pre, 1)[0]
                stem = mod.postprocess_ok_vqa_generation(t)
            else:
                pre, stem = t, mod.stemmer.stem(t)
            toks = nltk.tokenize.word_tokenize(pre)
            tags = [p for _, p in nltk.pos_tag(toks)]
            cases.append({"kind": kind, "input": t, "tokens": toks, "tags": tags, "stem": stem})
    risky = sum(1 for c in cases if re.search(r"[.?!]['\")\]]*\s+\S", c["input"]))
    import importlib.metadata as md
    json.dump({"format": "okvqa-golden/1",
               "reference": "open_flamingo 655f693 open_flamingo/eval/ok_vqa_utils.py unmodified; nltk %s, "
                            "inflection %s, Python %s; tagger model: nltk_data averaged_perceptron_tagger "
                            "(pickle, converted to the _eng JSON files); WordNet: Debian wordnet-base 3.0; "
                            "word_tokenize with preserve_line=True (Punkt model unavailable)"
                            % (md.version("nltk"), md.version("inflection"), sys.version.split()[0]),
               "n_cases": len(cases),
               "n_sentence_split_sensitive": risky,
               "cases": cases}, sys.stdout, ensure_ascii=False, indent=0)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
