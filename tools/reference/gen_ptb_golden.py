#!/usr/bin/env python3
"""gen_ptb_golden.py - goldens for the C PTB tokenizer from the real stanford-corenlp-3.4.1.jar.

Builds caption batches (realistic COCO-style captions, hand-picked nasty cases, random fragment
soups that exercise every lexer rule, and Unicode soups with the lexer's extra line breaks), runs
  java -cp stanford-corenlp-3.4.1.jar edu.stanford.nlp.process.PTBTokenizer -preserveLines -lowerCase
on each batch exactly as pycocoevalcap's ptbtokenizer.py does (captions' '\\n' -> ' ', joined with
'\\n', written as UTF-8), and writes {"batches": [{"captions": [...], "java_output": "..."}]}
plus pycocoevalcap's final tokenized captions computed by its own code path.

  /opt/ref/venv/bin/python tools/reference/gen_ptb_golden.py > tests/fixtures/metrics/ptb_golden.json

Developers only (needs java 17 and the pip pycocoevalcap 1.2 with its jar). Deterministic (seed 11).
"""
import json
import os
import random
import subprocess
import sys
import tempfile

import pycocoevalcap.tokenizer.ptbtokenizer as _ptbmod
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer, PUNCTUATIONS

JAR = os.path.join(os.path.dirname(_ptbmod.__file__), "stanford-corenlp-3.4.1.jar")
rng = random.Random(11)

SUBJ = ["a man", "A woman", "two dogs", "The cat", "a group of people", "Several kids", "an old bus",
        "a red double-decker bus", "a 10-year-old boy", "the giraffe", "Three zebras", "a plate of food",
        "some broccoli", "a teddy bear", "an elephant", "a skateboarder", "people", "a train", "the U.S. flag"]
VERB = ["is standing", "are sitting", "rides", "is riding", "sits", "walks", "is holding", "eats",
        "looks at", "stands next to", "is parked near", "flies over", "is laying on", "jumps over"]
OBJ = ["a bench", "the beach", "a table.", "a wave", "the street", "a pizza", "a kite", "the grass",
       "a surfboard", "the snow", "a red-and-white sign", "a clock tower", "his laptop", "her phone",
       "the field", "a fire hydrant", "St. Louis", "Main St.", "the U.S.", "10:30 a.m.", "$5.50", "50%"]
TAIL = ["", "", ".", ".", " .", "!", "?", " in the park.", " at night", ", smiling.", " (on the left).",
        " -- outside", "...", " etc.", " while it rains", " near Washington, D.C.", "  ", " \u2026"]

NASTY = [
    "can't won't isn't it's dogs' someone\u2019s o'clock",
    "cannot gonna wanna gotta lemme gimme 'twas 'tis",
    '"quoted" \u201cfancy\u201d \u2018single\u2019 `tick\' \'em \'90s',
    "(parens) [brackets] {braces} <tags> <b>bold</b> < > &lt; &gt;",
    "AT&T S&P-500 R&D &amp; Tom &amp;amp; Jerry &AMP; x&y",
    "\u00bd cup, 1 1/2 miles, 3\u00bc, 2\u2153, 4 \u00be, 1/2, 10/20/2014",
    "\u2014 em dash\u2013en dash --- -- - ---- -----",
    "U.S. U.S.A. u.s. e.g. i.e. etc. a.m. p.m. Mr. Mrs. Dr. St. Jan. Inc. Co. Ltd.",
    "He went to the U.S. He came back.",
    "I. am. A. test.",
    "ends with an abbreviation a.m.",
    "Mo.",
    "ends with etc.",
    "Calif. Mass. Ill. Wash. Fig. 3 ca. 1900 no. 5 pp. 10",
    "fig.3 art. 2 op.",
    "www.example.com http://example.com/a?b=c https://x.org/path. foo@bar.com @user #tag",
    "file.txt photo.jpg index.html",
    "3.14 1,000 1,000,000 -5 +7 10:30 2:15:00 .5 5.",
    "$5 $5.50 US$10 #27 \u00a320 \u20ac30 \u00a25 \u00a55",
    "50% 100 % a+b 2*3 2^3 x~y a|b a\\b \u00a9 \u00ae \u00b0 \u00d7",
    ":) :-( ;) :D :P =) <3 ^_^ (^_^) -_- o.O",
    "!!! ??? ?! !? ... .... ..... . . . \u2026",
    "hello,world foo;bar x:y a/b and/or colors/shapes 24/7",
    "tab\there nbsp\u00a0here em\u2003space ideographic\u3000space zero\u200bwidth",
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00c9COLE \u0130stanbul stra\u00dfe \u00df",
    "\u00fcber M\u00fcnchen \u00e7a \u00f1and\u00fa",
    "\u65e5\u672c\u8a9e \u4e2d\u6587 \ud55c\uad6d\uc5b4 \u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u05e2\u05d1\u05e8\u05d9\u05ea",
    "\u0393\u03b5\u03b9\u03ac \u03a3\u039f\u03a5 \u041f\u0440\u0438\u0432\u0435\u0442",
    "emoji \U0001F600 \U0001F436 dog \u2764 heart",
    "soft\u00adhyphen co\u00adop \u00ad",
    "x-ray e-mail T-shirt t - shirt re-enter well-known 1980s 80's",
    "C++ C# F# c++ .NET",
    "'s 're 've 'll 'd 'm n't",
    "don't DON'T Don\u2019t y'all Y'all ma'am rock'n'roll",
    "New York-based 50-50 3-D 2x4 4x4 A4 B-52",
    "a\u2019s b\u2032s",
    "",
    "   ",
    "word",
    ".",
    "?",
    "\"",
    "''",
    "``",
    "- - -",
    "a  b   c",
    "trailing space ",
    " leading space",
    "Mr.",
    "end with Sr.",
    "Mt. Everest Ft. Worth",
    "No. 1",
    "Jr.",
    "1.",
    "a.",
    "A.",
    "Washington D.C.",
    "U.S.",
    "the U.S",
    "It is 5 p.m. Then",
    "It costs 5 cents. Then",
    "3 ft. tall",
    "\u00bfQu\u00e9? \u00a1Hola!",
    "1st 2nd 3rd 4th",
    "24-hour 9-to-5 a-b-c-d",
    "under_score __init__ *star* **bold**",
    "(555) 123-4567 555-123-4567 +1 555 123 4567",
    "&nbsp; &quot;x&quot; &apos;y&apos; &mdash; &ndash;",
    "\u201eGerman\u201c \u00abFrench\u00bb \u2039single\u203a",
    "ALL CAPS SENTENCE HERE",
    "MiXeD cAsE WoRdS",
    "Ph.D. Ed.D. a.k.a. vs. cf.",
    "pty. ltd. co. lim",
    "\u0085next line\u2028line sep",
    "form\x0cfeed vert\x0btab",
    "the end.\u00a0",
    "\u00a0",
    "\ufeffbom",
    "two  sentences. Here is another one! And a third?",
]

FRAG = ["a", "A", "the", "dog", "Dogs", "U.S.", "e.g.", "Mr.", "St.", "etc.", "a.m.", "p.m.", "Inc.",
        "'", "\"", "`", "``", "''", "\u2018", "\u2019", "\u201c", "\u201d", "(", ")", "[", "]", "{", "}",
        "-", "--", "---", "\u2014", "\u2013", ".", "..", "...", "\u2026", ",", ";", ":", "!", "?", "&",
        "&amp;", "$", "#", "%", "@", "*", "/", "\\", "+", "=", "<", ">", "|", "~", "^", "_", "1", "10",
        "3.5", "1,000", "1/2", "\u00bd", "10:30", "can't", "it's", "n't", "'s", "gonna", "cannot",
        "x-ray", "double-decker", "caf\u00e9", "\u00c9", "\u00df", "\u00a0", "\t", "  ", "\u00ad",
        "http://a.com", "www.b.org", "foo@bar.com", "@me", "#hash", ":)", "AT&T", "I", "He", "She",
        "The", "It", "In", "Mo.", "Calif.", "Jan.", "No.", "ca.", "fig.", "2", "\u20ac", "\u00a3",
        "\U0001F600", "\u65e5", "\u0130", "s", "t", "o'clock", "y'all", "'em", "'90s", "C++", "5.", ".5"]


# Unicode soups: Latin-1, Greek, Cyrillic, punctuation, currency, fractions, CJK, full-width forms,
# emoji, combining marks, Arabic, Devanagari, and the characters the lexer treats as line breaks
POOLS = [range(0x20, 0x7f), range(0xa0, 0x180), range(0x370, 0x400), range(0x400, 0x460), range(0x2000, 0x2070),
         range(0x20a0, 0x20c0), range(0x2150, 0x2190), range(0x3000, 0x3040), range(0x4e00, 0x4e40),
         range(0xff00, 0xff60), [0x1F600, 0x1F436, 0x10000], [0x0b, 0x0c, 0x85, 0x2028, 0x2029, 0x0d, 0x09, 0x00ad,
         0x200b, 0xfeff, 0x7f], range(0x300, 0x370), range(0x600, 0x700), range(0x900, 0x980)]
SOUP_WORDS = ("the a dog U.S. e.g. Mr. St. etc. can't won't it's gonna cannot 'twas 3.5 1,000 1/2 $5 #1 50% AT&T "
              "&amp; &lt; http://x.com www.y.org a@b.com :) (^_^) -- ... \" ' ` `` '' ( ) [ ] { } < > I He The "
              "\u03a3\u039f\u03a3 \u03b8\u03a3 \u039f\u0394\u039f\u03a3").split()


def unicode_soup():
    parts = []
    for _ in range(rng.randint(0, 14)):
        if rng.random() < 0.5:
            parts.append(rng.choice(SOUP_WORDS))
        else:
            pool = rng.choice(POOLS)
            parts.append("".join(chr(rng.choice(pool)) for _ in range(rng.randint(1, 6))))
        parts.append(rng.choice(["", " ", " ", "  ", "\t"]))
    return "".join(parts)


def caption():
    s = "%s %s %s%s" % (rng.choice(SUBJ), rng.choice(VERB), rng.choice(OBJ), rng.choice(TAIL))
    if rng.random() < 0.3:
        s = s[0].upper() + s[1:]
    return s


def soup():
    n = rng.randint(1, 12)
    out = []
    for _ in range(n):
        out.append(rng.choice(FRAG))
        out.append(rng.choice(["", " ", " ", " ", "  "]))
    return "".join(out)


def run_java(captions):
    text = "\n".join(c.replace("\n", " ") for c in captions)
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(text.encode())
        name = f.name
    out = subprocess.run(["java", "-cp", JAR, "edu.stanford.nlp.process.PTBTokenizer",
                          "-preserveLines", "-lowerCase", name], capture_output=True, check=True).stdout
    os.unlink(name)
    return out.decode()


def final(java_output, n):
    lines = java_output.split("\n")
    return [" ".join(w for w in line.rstrip().split(" ") if w not in PUNCTUATIONS) for line in lines[:n]]


def main():
    batches = []
    batches.append([caption() for _ in range(2000)])
    batches.append(list(NASTY))
    # each nasty case alone too (line-end lookahead differs at end of file)
    for c in NASTY:
        batches.append([c])
    for _ in range(6):
        batches.append([soup() for _ in range(300)])
    for _ in range(10):
        batches.append([unicode_soup() for _ in range(rng.randint(20, 120))])
    out = []
    for b in batches:
        j = run_java(b)
        out.append({"captions": b, "java_output": j, "final": final(j, len(b))})
    # pycocoevalcap's own wrapper on the first two batches, as a cross-check of final()
    tok = PTBTokenizer()
    for b in out[:2]:
        res = tok.tokenize({i: [{"caption": c}] for i, c in enumerate(b["captions"])})
        assert [res[i][0] for i in range(len(b["captions"]))] == b["final"]
    ver = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    json.dump({"format": "ptb-golden/1",
               "reference": "stanford-corenlp-3.4.1.jar from pip pycocoevalcap 1.2 (%s), "
                            "PTBTokenizer -preserveLines -lowerCase, %s" % (JAR.split("site-packages/")[-1], ver),
               "notes": "java_output is the tool's stdout for the batch's captions joined by newline; "
                        "final is pycocoevalcap's line.rstrip().split(' ') minus PUNCTUATIONS",
               "batches": out}, sys.stdout, ensure_ascii=False, indent=0)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
