/* okvqa.h - OpenFlamingo's OK-VQA answer stemmer (open_flamingo/eval/ok_vqa_utils.py,
 * OKVQAStemmer.stem) and generation post-processing, in C.
 *
 * stem(s): nltk.word_tokenize, nltk.pos_tag, then per token: the hand-written table
 * (_MANUAL_MATCHES) if the token is in it; else, for tokens ending in "ing", NLTK's WordNet
 * lemmatizer with pos 'v'; else, for tokens tagged NNS/NNPS, inflection.singularize; tokens joined
 * with ' '. The port:
 *   - word_tokenize: NLTKWordTokenizer's regex steps (nltk 3.10.4), on the whole string as one
 *     sentence (the Punkt sentence splitter is not applied; see docs/metrics-score.md);
 *   - pos_tag: the averaged-perceptron tagger with NLTK's English model (weights as generated data,
 *     metrics/okvqa_tables.inc), same features, same summation order, same tie-break;
 *   - lemmatize(w, 'v'): WordNet 3.0 verb lemmas and verb exceptions (data), NLTK's _morphy rules;
 *   - singularize: inflection's rule list (data), matched with POSIX extended regexes.
 * Measured agreement with the Python reference: docs/metrics-score.md. */
#ifndef FEWSHOT_OKVQA_H
#define FEWSHOT_OKVQA_H

#include <stddef.h>

/* Holds the compiled singularisation rules and scratch buffers. Not thread-safe: one per thread. */
typedef struct okvqa_stemmer okvqa_stemmer;

/* Returns a stemmer, or NULL with a reason in err (out of memory, a rule that does not compile). */
okvqa_stemmer *okvqa_stemmer_init(char *err, size_t err_size);
void okvqa_stemmer_free(okvqa_stemmer *s);

/* OKVQAStemmer.stem(text) for UTF-8 text. The result points into the stemmer and stays valid until
 * its next call. Returns NULL with a reason in err (invalid UTF-8, out of memory). */
const char *okvqa_stemmer_stem(okvqa_stemmer *s, const char *text, char *err, size_t err_size);

/* postprocess_ok_vqa_generation(text): the prefix before the first "Question", "Answer" or
 * "Short", then before the first ", ", then stem. Same ownership and failure as stem. */
const char *okvqa_stemmer_postprocess(okvqa_stemmer *s, const char *generation, char *err,
                                      size_t err_size);

/* The intermediate steps, for tests: word_tokenize (tokens joined by '\n') and pos_tag (the tag of
 * each token, joined by ' '). Same ownership and failure as stem. */
const char *okvqa_stemmer_tokenize(okvqa_stemmer *s, const char *text, char *err, size_t err_size);
const char *okvqa_stemmer_tags(okvqa_stemmer *s, const char *text, char *err, size_t err_size);

#endif
