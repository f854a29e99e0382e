/* generate.h - greedy and beam-search decoding with the semantics of transformers 4.41.1
 * (generation/utils.py _greedy_search / _beam_search, generation/beam_search.py BeamSearchScorer and
 * BeamHypotheses), the version xgen-mm-phi3-mini-base-r-v1.5 was released with; later versions
 * rewrote beam search. Independent of the model: it drives a step callback that returns logits.
 *
 * Greedy: each step takes the argmax of the logits (lowest id on ties), after min_new_tokens has set
 * the eos logits to -inf; a row that produced an eos id is finished (its output ends with that id).
 *
 * Beam search (num_beams = R, early_stopping False, one hypothesis returned):
 *   - beam scores start at [0, -1e9, ...] (float32); each step adds log_softmax(logits) (eos set
 *     to -inf before min_new_tokens) to the row's beam score;
 *   - per sample, the best max(2, 1 + n_eos)·R candidates over R × vocab are taken in order; an eos
 *     candidate ranked < R becomes a finished hypothesis (the tokens before it) scored
 *     sum_logprobs / generated_len^length_penalty (generated_len counts the eos); other candidates
 *     fill the R beams in order;
 *   - the finished list keeps the R best (ties: the earliest-added is dropped first); a sample is
 *     done when it holds R hypotheses and worst_score >= best candidate / cur_len^length_penalty;
 *   - after max_new_tokens, the beams of samples not done are added as hypotheses
 *     (generated_len = max_new_tokens); the best hypothesis wins (ties: the latest-added);
 *   - the returned ids are that hypothesis followed, if it ended on an eos, by eos[0] — the first
 *     configured eos id, whichever one was generated (what transformers writes). */
#ifndef FEWSHOT_GENERATE_H
#define FEWSHOT_GENERATE_H

#include <stddef.h>
#include <stdint.h>

#define GEN_MAX_EOS 8

typedef struct {
  int num_beams;          /* 1 = greedy */
  int max_new_tokens;     /* >= 1 */
  int min_new_tokens;     /* eos forbidden while fewer tokens were generated */
  double length_penalty;  /* beam search only; 0 allowed (score = sum of log-probs) */
  int n_eos;              /* 1 .. GEN_MAX_EOS stop ids (e.g. 32000 and 32014) */
  int32_t eos[GEN_MAX_EOS];
  int32_t pad_id;         /* token fed to finished rows (never returned) */
} gen_params;

/* Computes next-token logits (host float32, n_vocab per row) for every decoding row.
 * step 0: the prompts were just prefilled; n_rows = number of samples; tokens, parents are NULL.
 * step t >= 1: n_rows = samples × num_beams (row s·R + b); each row first continues from row
 *   parent[r] of the previous step (beams re-ranked; at step 1 parents refer to the step-0 sample
 *   rows s·R + b of a virtual R-fold copy, i.e. every beam of sample s descends from its prompt),
 *   then consumes tokens[r] as its t-th generated token.
 * Returns 0, or non-zero with err. */
typedef int (*gen_step_fn)(void *ctx, int step, const int32_t *tokens, const int32_t *parents, int n_rows,
                           float *logits, char *err, size_t err_size);

/* One sample's output: ids[0 .. n) (malloc'd; free with gen_output_free). */
typedef struct {
  int32_t *ids;
  int n;
  int finished; /* 1 when it ended on an eos id (greedy) / is an eos hypothesis (beam) */
  double score; /* beam: the hypothesis score; greedy: 0 */
} gen_output;

/* Diagnostics: the smallest gap between decisions the search made, to show that ties (which
 * float rounding could flip) decided nothing. Greedy: top-1 minus top-2 logit; beam: the smallest
 * difference between adjacent candidates, from the best down to the first candidate not used. */
typedef struct {
  double min_margin;
  int steps;
} gen_stats;

/* Checks p (beams >= 1, max_new_tokens >= 1, min <= max, 1..GEN_MAX_EOS eos ids inside the
 * vocabulary, 2·num_beams <= n_vocab). Returns 0, or non-zero with err naming the field. */
int gen_params_check(const gen_params *p, int n_vocab, char *err, size_t err_size);

/* Runs the search for n_samples prompts. out[0 .. n_samples) receives each sample's output.
 * stats may be NULL. Returns 0, or non-zero with err (bad params, step failure, out of memory);
 * on failure no output is left allocated. */
int gen_run(const gen_params *p, int n_samples, int n_vocab, gen_step_fn step, void *ctx, gen_output *out,
            gen_stats *stats, char *err, size_t err_size);

/* Frees the ids of n outputs. */
void gen_output_free(gen_output *out, int n);

#endif
