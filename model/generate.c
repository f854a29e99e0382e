/* generate.c - greedy and beam search with transformers 4.41.1 semantics (generate.h). */
#include "generate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gen_params_check(const gen_params *p, int n_vocab, char *err, size_t err_size) {
  if (p->num_beams < 1) {
    snprintf(err, err_size, "generation: num_beams must be >= 1, got %d", p->num_beams);
    return 1;
  }
  if (p->max_new_tokens < 1) {
    snprintf(err, err_size, "generation: max_new_tokens must be >= 1, got %d", p->max_new_tokens);
    return 1;
  }
  if (p->min_new_tokens < 0 || p->min_new_tokens > p->max_new_tokens) {
    snprintf(err, err_size, "generation: min_new_tokens %d outside [0, max_new_tokens %d]", p->min_new_tokens,
             p->max_new_tokens);
    return 1;
  }
  if (p->n_eos < 1 || p->n_eos > GEN_MAX_EOS) {
    snprintf(err, err_size, "generation: %d eos ids, expected 1 to %d", p->n_eos, GEN_MAX_EOS);
    return 1;
  }
  for (int i = 0; i < p->n_eos; i++)
    if (p->eos[i] < 0 || p->eos[i] >= n_vocab) {
      snprintf(err, err_size, "generation: eos id %d outside the vocabulary [0, %d)", p->eos[i], n_vocab);
      return 1;
    }
  if (p->pad_id < 0 || p->pad_id >= n_vocab) {
    snprintf(err, err_size, "generation: pad id %d outside the vocabulary [0, %d)", p->pad_id, n_vocab);
    return 1;
  }
  int keep = (p->n_eos + 1 > 2 ? p->n_eos + 1 : 2) * p->num_beams;
  if (p->num_beams > 1 && keep > n_vocab) {
    snprintf(err, err_size, "generation: %d beams need %d candidates, more than the vocabulary (%d)",
             p->num_beams, keep, n_vocab);
    return 1;
  }
  return 0;
}

void gen_output_free(gen_output *out, int n) {
  for (int i = 0; i < n; i++) {
    free(out[i].ids);
    out[i].ids = NULL;
    out[i].n = 0;
  }
}

static int is_eos(const gen_params *p, int32_t t) {
  for (int i = 0; i < p->n_eos; i++)
    if (p->eos[i] == t) return 1;
  return 0;
}

static void note_margin(gen_stats *st, double m) {
  if (st && m < st->min_margin) st->min_margin = m;
}

/* ============================== greedy ============================== */

static int run_greedy(const gen_params *p, int n_samples, int V, gen_step_fn step, void *ctx, gen_output *out,
                      gen_stats *st, char *err, size_t err_size) {
  float *logits = malloc((size_t)n_samples * V * sizeof *logits);
  int32_t *tok = malloc((size_t)n_samples * sizeof *tok), *par = malloc((size_t)n_samples * sizeof *par);
  int *done = calloc((size_t)n_samples, sizeof *done);
  int rc = 1;
  if (!logits || !tok || !par || !done) {
    snprintf(err, err_size, "generation: out of memory");
    goto end;
  }
  for (int s = 0; s < n_samples; s++) {
    par[s] = s;
    out[s].ids = malloc((size_t)p->max_new_tokens * sizeof(int32_t));
    out[s].n = 0;
    out[s].finished = 0;
    out[s].score = 0;
    if (!out[s].ids) {
      snprintf(err, err_size, "generation: out of memory");
      goto end;
    }
  }
  for (int t = 0; t < p->max_new_tokens; t++) {
    if (step(ctx, t, t ? tok : NULL, t ? par : NULL, n_samples, logits, err, err_size)) goto end;
    if (st) st->steps++;
    int n_open = 0;
    for (int s = 0; s < n_samples; s++) {
      if (done[s]) {
        tok[s] = p->pad_id;
        continue;
      }
      float *row = logits + (size_t)s * V;
      if (t < p->min_new_tokens)
        for (int i = 0; i < p->n_eos; i++) row[p->eos[i]] = -INFINITY;
      int best = 0;
      float b1 = -INFINITY, b2 = -INFINITY;
      for (int v = 0; v < V; v++) {
        if (row[v] > b1) {
          b2 = b1;
          b1 = row[v];
          best = v;
        } else if (row[v] > b2) {
          b2 = row[v];
        }
      }
      note_margin(st, (double)b1 - b2);
      tok[s] = best;
      out[s].ids[out[s].n++] = best;
      if (is_eos(p, best)) {
        done[s] = 1;
        out[s].finished = 1;
      } else {
        n_open++;
      }
    }
    if (!n_open) break;
  }
  rc = 0;
end:
  if (rc) gen_output_free(out, n_samples);
  free(logits), free(tok), free(par), free(done);
  return rc;
}

/* ============================== beam search ============================== */

typedef struct {
  double score;
  int32_t *ids; /* the tokens before the eos (or the whole beam at the end) */
  int n;
  int finished;
} hyp;

typedef struct {
  hyp *h; /* up to R + 1 entries */
  int n;
  double worst;
  int done;
} hyp_list;

/* BeamHypotheses.add: keeps the R best; on overflow deletes the lowest (the earliest such on ties,
 * as Python's sort of (score, index) pairs does) and sets worst to the new lowest. */
static int hyps_add(hyp_list *L, int R, const int32_t *ids, int n, double sum_logprobs, int gen_len, double lp,
                    int finished) {
  double score = sum_logprobs / pow((double)gen_len, lp);
  if (L->n < R || score > L->worst) {
    hyp *e = &L->h[L->n++];
    e->score = score;
    e->n = n;
    e->finished = finished;
    e->ids = malloc((size_t)(n ? n : 1) * sizeof(int32_t));
    if (!e->ids) return 1;
    memcpy(e->ids, ids, (size_t)n * sizeof(int32_t));
    if (L->n > R) {
      int lo = 0, second = -1;
      for (int i = 1; i < L->n; i++)
        if (L->h[i].score < L->h[lo].score) lo = i;
      for (int i = 0; i < L->n; i++)
        if (i != lo && (second < 0 || L->h[i].score < L->h[second].score)) second = i;
      L->worst = L->h[second].score;
      free(L->h[lo].ids);
      memmove(&L->h[lo], &L->h[lo + 1], (size_t)(L->n - lo - 1) * sizeof(hyp));
      L->n--;
    } else {
      L->worst = score < L->worst ? score : L->worst;
    }
  }
  return 0;
}

/* BeamHypotheses.is_done with early_stopping False. */
static int hyps_is_done(const hyp_list *L, int R, double best_sum_logprobs, int cur_len, double lp) {
  if (L->n < R) return 0;
  return L->worst >= best_sum_logprobs / pow((double)cur_len, lp);
}

typedef struct {
  float score;
  int index; /* beam·V + token */
} cand;

/* Inserts (score, index) into the descending list c[0 .. *n) capped at cap entries (ties: lower index
 * first, the order torch.topk gives on the CPU for distinct values). */
static void cand_push(cand *c, int *n, int cap, float score, int index) {
  if (*n == cap && !(score > c[cap - 1].score)) return;
  int i = *n < cap ? (*n)++ : cap - 1;
  while (i > 0 && score > c[i - 1].score) {
    c[i] = c[i - 1];
    i--;
  }
  c[i].score = score;
  c[i].index = index;
}

static int run_beam(const gen_params *p, int n_samples, int V, gen_step_fn step, void *ctx, gen_output *out,
                    gen_stats *st, char *err, size_t err_size) {
  const int R = p->num_beams, rows = n_samples * R, T = p->max_new_tokens;
  const int n_keep = (p->n_eos + 1 > 2 ? p->n_eos + 1 : 2) * R;
  float *logits = malloc((size_t)rows * V * sizeof *logits);
  float *beam_score = malloc((size_t)rows * sizeof *beam_score), *next_score = malloc((size_t)rows * sizeof(float));
  int32_t *seq = malloc((size_t)rows * T * sizeof *seq), *nseq = malloc((size_t)rows * T * sizeof *nseq);
  int32_t *tok = malloc((size_t)rows * sizeof *tok), *par = malloc((size_t)rows * sizeof *par);
  cand *c = malloc((size_t)(n_keep + 1) * sizeof *c);
  hyp_list *hl = calloc((size_t)n_samples, sizeof *hl);
  int rc = 1, cur = 0; /* cur = tokens generated so far in every beam */
  if (!logits || !beam_score || !next_score || !seq || !nseq || !tok || !par || !c || !hl) goto oom;
  for (int s = 0; s < n_samples; s++) {
    hl[s].h = calloc((size_t)R + 1, sizeof(hyp));
    hl[s].worst = 1e9;
    if (!hl[s].h) goto oom;
    for (int b = 0; b < R; b++) beam_score[s * R + b] = b == 0 ? 0.0f : -1e9f;
  }
  for (int t = 0; t < T; t++) {
    if (t == 0) {
      /* one prefill row per sample; the R beams of a sample start from identical logits */
      if (step(ctx, 0, NULL, NULL, n_samples, logits, err, err_size)) goto end;
      for (int s = n_samples - 1; s >= 0; s--)
        for (int b = R - 1; b >= 0; b--)
          memcpy(logits + (size_t)(s * R + b) * V, logits + (size_t)s * V, (size_t)V * sizeof(float));
    } else if (step(ctx, t, tok, par, rows, logits, err, err_size)) {
      goto end;
    }
    if (st) st->steps++;
    /* log_softmax (+ min_new_tokens) + beam score, in float32 as transformers does */
    for (int r = 0; r < rows; r++) {
      float *row = logits + (size_t)r * V;
      float mx = -INFINITY;
      for (int v = 0; v < V; v++) mx = row[v] > mx ? row[v] : mx;
      double sum = 0;
      for (int v = 0; v < V; v++) sum += exp((double)row[v] - mx);
      const float lse = (float)((double)mx + log(sum));
      for (int v = 0; v < V; v++) row[v] = row[v] - lse;
      if (t < p->min_new_tokens)
        for (int i = 0; i < p->n_eos; i++) row[p->eos[i]] = -INFINITY;
      for (int v = 0; v < V; v++) row[v] = row[v] + beam_score[r];
    }
    const int cur_len = cur + 1; /* length the candidate scores are computed on */
    int all_done = 1;
    for (int s = 0; s < n_samples; s++) {
      if (hl[s].done) { /* padding rows, as transformers does (their outputs are never used) */
        for (int b = 0; b < R; b++) {
          next_score[s * R + b] = 0;
          tok[s * R + b] = p->pad_id;
          par[s * R + b] = s * R;
        }
        continue;
      }
      int n = 0;
      for (int b = 0; b < R; b++) {
        const float *row = logits + (size_t)(s * R + b) * V;
        for (int v = 0; v < V; v++) cand_push(c, &n, n_keep + 1, row[v], b * V + v);
      }
      int filled = 0, rank = 0;
      for (; rank < n_keep && filled < R; rank++) {
        const int b = c[rank].index / V, v = c[rank].index % V, row = s * R + b;
        if (is_eos(p, v)) {
          if (rank >= R) continue;
          if (hyps_add(&hl[s], R, seq + (size_t)row * T, cur, c[rank].score, cur_len, p->length_penalty, 1))
            goto oom;
        } else {
          next_score[s * R + filled] = c[rank].score;
          tok[s * R + filled] = v;
          par[s * R + filled] = row;
          filled++;
        }
      }
      if (filled < R) {
        snprintf(err, err_size, "generation: sample %d: fewer than %d non-eos candidates", s, R);
        goto end;
      }
      /* the order of candidates 0 .. rank (the last one used, and the first one not reached)
       * decided this step */
      for (int i = 0; i < rank && i + 1 < n; i++)
        if (c[i + 1].score > -1e30f) note_margin(st, (double)c[i].score - c[i + 1].score);
      hl[s].done = hyps_is_done(&hl[s], R, c[0].score, cur_len, p->length_penalty);
      all_done &= hl[s].done;
    }
    /* reorder the beams' token histories and append the chosen tokens */
    for (int r = 0; r < rows; r++) {
      memcpy(nseq + (size_t)r * T, seq + (size_t)par[r] * T, (size_t)cur * sizeof(int32_t));
      nseq[(size_t)r * T + cur] = tok[r];
      beam_score[r] = next_score[r];
    }
    int32_t *tmp = seq;
    seq = nseq;
    nseq = tmp;
    cur++;
    if (all_done) break;
  }
  /* finalize: open beams of samples not done become hypotheses */
  for (int s = 0; s < n_samples; s++) {
    if (!hl[s].done)
      for (int b = 0; b < R; b++)
        if (hyps_add(&hl[s], R, seq + (size_t)(s * R + b) * T, cur, beam_score[s * R + b], cur, p->length_penalty, 0))
          goto oom;
    int best = 0;
    for (int i = 1; i < hl[s].n; i++)
      if (hl[s].h[i].score >= hl[s].h[best].score) best = i; /* ties: the latest-added wins */
    const hyp *h = &hl[s].h[best];
    out[s].n = h->n + (h->finished ? 1 : 0);
    out[s].ids = malloc((size_t)(out[s].n ? out[s].n : 1) * sizeof(int32_t));
    if (!out[s].ids) goto oom;
    memcpy(out[s].ids, h->ids, (size_t)h->n * sizeof(int32_t));
    if (h->finished) out[s].ids[h->n] = p->eos[0];
    out[s].finished = h->finished;
    out[s].score = h->score;
  }
  rc = 0;
  goto end;
oom:
  snprintf(err, err_size, "generation: out of memory");
end:
  if (rc) gen_output_free(out, n_samples);
  if (hl)
    for (int s = 0; s < n_samples; s++) {
      for (int i = 0; i < hl[s].n; i++) free(hl[s].h[i].ids);
      free(hl[s].h);
    }
  free(hl), free(c), free(logits), free(beam_score), free(next_score), free(seq), free(nseq), free(tok), free(par);
  return rc;
}

int gen_run(const gen_params *p, int n_samples, int n_vocab, gen_step_fn step, void *ctx, gen_output *out,
            gen_stats *stats, char *err, size_t err_size) {
  if (gen_params_check(p, n_vocab, err, err_size)) return 1;
  for (int s = 0; s < n_samples; s++) {
    out[s].ids = NULL;
    out[s].n = 0;
  }
  if (stats) {
    stats->min_margin = INFINITY;
    stats->steps = 0;
  }
  if (p->num_beams == 1) return run_greedy(p, n_samples, n_vocab, step, ctx, out, stats, err, err_size);
  return run_beam(p, n_samples, n_vocab, step, ctx, out, stats, err, err_size);
}
