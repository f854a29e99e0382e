#!/usr/bin/env python3
"""prepare_nltk_data.py - builds the NLTK data folder the OK-VQA reference needs, without network
access to NLTK's downloader (which is what this project's machines have):

  taggers/averaged_perceptron_tagger_eng/  the English averaged-perceptron tagger in nltk 3.10's JSON
      layout, converted from nltk/nltk_data's packages/taggers/averaged_perceptron_tagger.zip (the
      2015 pickle; read with an unpickler that only admits dict/set/defaultdict, no code)
  corpora/wordnet/  WordNet 3.0 from Debian's wordnet-base (/usr/share/wordnet), plus the standard
      `lexnames` file and an empty `index.sense` (absent from the Debian package; the lemmatizer
      does not read sense keys)

  python3 prepare_nltk_data.py averaged_perceptron_tagger.zip /usr/share/wordnet OUT_DIR
  then: NLTK_DATA=OUT_DIR python ...

The zip can be taken from a clone of nltk/nltk_data:
  git -C nltk_data show HEAD:packages/taggers/averaged_perceptron_tagger.zip > averaged_perceptron_tagger.zip
Developers only.
"""
import collections
import io
import json
import os
import pickle
import shutil
import sys
import zipfile

LEXNAMES = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
            "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location "
            "noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process "
            "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change "
            "verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation "
            "verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather "
            "adj.ppl").split()
POS = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}
ALLOWED = {("__builtin__", "set"): set, ("builtins", "set"): set, ("__builtin__", "dict"): dict,
           ("builtins", "dict"): dict, ("collections", "defaultdict"): collections.defaultdict}


class DataOnly(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        raise pickle.UnpicklingError("refusing %s.%s" % (module, name))


def main():
    zpath, wn_dir, out = sys.argv[1:4]
    with zipfile.ZipFile(zpath) as z:
        name = [n for n in z.namelist() if n.endswith(".pickle")][0]
        weights, tagdict, classes = DataOnly(io.BytesIO(z.read(name)), encoding="latin1").load()
    tdir = os.path.join(out, "taggers", "averaged_perceptron_tagger_eng")
    os.makedirs(tdir, exist_ok=True)
    for suffix, obj in (("weights", weights), ("tagdict", tagdict), ("classes", sorted(classes))):
        with open(os.path.join(tdir, "averaged_perceptron_tagger_eng.%s.json" % suffix), "w") as f:
            json.dump(obj, f)
    wdir = os.path.join(out, "corpora", "wordnet")
    os.makedirs(wdir, exist_ok=True)
    for n in os.listdir(wn_dir):
        if n.startswith(("index.", "data.")) or n.endswith(".exc"):
            shutil.copy(os.path.join(wn_dir, n), wdir)
    with open(os.path.join(wdir, "lexnames"), "w") as f:
        f.write("".join("%02d\t%s\t%d\n" % (i, n, POS[n.split(".")[0]]) for i, n in enumerate(LEXNAMES)))
    if not os.path.exists(os.path.join(wdir, "index.sense")):
        open(os.path.join(wdir, "index.sense"), "w").close()
    print("%d features, %d tag-dictionary words, %d classes; WordNet from %s" %
          (len(weights), len(tagdict), len(classes), wn_dir))


if __name__ == "__main__":
    main()
