/* prompt.c - few-shot prompt text and image order (see prompt.h); checked byte for byte against the
 * prompts OpenFlamingo's own evaluate.py built (tests/datasets/test_prompt.c). */
#include "prompt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"

static const char IMAGE[] = "<image>";
static const char PLACEHOLDER[] = "<image placeholder>";
static const char EOC[] = "<|endofchunk|>";

prompt_options prompt_options_default(void) {
  prompt_options o = {PROMPT_TEMPLATE_OF_MAIN, PROMPT_ZERO_SHOT_OF_MAIN, NULL};
  return o;
}

int prompt_template_parse(const char *name, prompt_template *out) {
  if (strcmp(name, "of-main") == 0) *out = PROMPT_TEMPLATE_OF_MAIN;
  else if (strcmp(name, "of-rsm") == 0) *out = PROMPT_TEMPLATE_OF_RSM;
  else return -1;
  return 0;
}

const char *prompt_template_name(prompt_template t) { return t == PROMPT_TEMPLATE_OF_RSM ? "of-rsm" : "of-main"; }

int prompt_zero_shot_parse(const char *name, prompt_zero_shot *out) {
  if (strcmp(name, "of-main") == 0) *out = PROMPT_ZERO_SHOT_OF_MAIN;
  else if (strcmp(name, "of-rsm") == 0) *out = PROMPT_ZERO_SHOT_OF_RSM;
  else if (strcmp(name, "none") == 0) *out = PROMPT_ZERO_SHOT_NONE;
  else return -1;
  return 0;
}

const char *prompt_zero_shot_name(prompt_zero_shot z) {
  return z == PROMPT_ZERO_SHOT_OF_RSM ? "of-rsm" : z == PROMPT_ZERO_SHOT_NONE ? "none" : "of-main";
}

int prompt_num_draws(const prompt_options *o, dataset_task task, int shots) {
  if (shots > 0) return shots;
  switch (o->zero_shot) {
    case PROMPT_ZERO_SHOT_OF_MAIN: return 2;
    case PROMPT_ZERO_SHOT_OF_RSM: return dataset_task_kind(task) == DATASET_KIND_CAPTION ? 2 : 0;
    default: return 0;
  }
}

/* A growable string. */
typedef struct {
  char *s;
  size_t n, cap;
  int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + n + 1) cap *= 2;
    char *p = realloc(b->s, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->s = p;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

/* One turn: "<image>" + head + body + "Short answer:" / "Output:" + [answer + "<|endofchunk|>"]. */
static void add_turn(sbuf *b, const prompt_options *o, dataset_task task, const dataset_sample *s, int is_demo) {
  sb_str(b, IMAGE);
  if (dataset_task_kind(task) == DATASET_KIND_VQA) {
    sb_str(b, task == DATASET_OKVQA && o->template_variant == PROMPT_TEMPLATE_OF_RSM ? "Instruct: " : "Question:");
    sb_str(b, s->question);
    sb_str(b, " Short answer:");
  } else {
    sb_str(b, "Output:");
  }
  if (is_demo) {
    sb_str(b, s->demo_text);
    sb_str(b, EOC);
  }
}

static size_t count_markers(const char *s) {
  size_t n = 0;
  for (const char *p = strstr(s, IMAGE); p; p = strstr(p + sizeof IMAGE - 1, IMAGE)) n++;
  return n;
}

int prompt_build(const prompt_options *o, dataset_task task, int shots, const dataset_sample *query,
                 const dataset_sample *const *demos, int n_demos, prompt *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  const int vqa = dataset_task_kind(task) == DATASET_KIND_VQA;
  const char *sep = o->demo_separator ? o->demo_separator : "\n";
  if (vqa && !query->question) return set_err(err, err_size, "sample %s: no question", query->id);
  for (int i = 0; i < n_demos; i++) {
    if (!demos[i]->demo_text || (vqa && !demos[i]->question))
      return set_err(err, err_size, "demo %s (for sample %s): no %s", demos[i]->id, query->id,
                  vqa && !demos[i]->question ? "question" : vqa ? "answer" : "caption");
  }
  sbuf ctx = {0}, text = {0};
  for (int i = 0; i < n_demos; i++) {
    add_turn(&ctx, o, task, demos[i], 1);
    sb_str(&ctx, sep);
  }
  if (shots == 0 && ctx.s) {
    /* OpenFlamingo: context_text.replace("<image>", "") -- every occurrence, wherever it is. */
    char *w = ctx.s;
    for (const char *r = ctx.s; *r;) {
      if (strncmp(r, IMAGE, sizeof IMAGE - 1) == 0) {
        r += sizeof IMAGE - 1;
      } else {
        *w++ = *r++;
      }
    }
    *w = '\0';
    ctx.n = (size_t)(w - ctx.s);
  }
  if (ctx.s) sb_add(&text, ctx.s, ctx.n);
  free(ctx.s);
  if (ctx.oom) text.oom = 1;
  add_turn(&text, o, task, query, 0);
  if (text.oom) {
    free(text.s);
    return set_err(err, err_size, "sample %s: out of memory building the prompt", query->id);
  }
  size_t n_images = (shots > 0 ? (size_t)n_demos : 0) + 1;
  if (count_markers(text.s) != n_images) {
    free(text.s);
    return set_err(err, err_size, "sample %s: a question or demo text contains \"<image>\", which would shift the images", query->id);
  }
  out->images = malloc(n_images * sizeof *out->images);
  if (!out->images) {
    free(text.s);
    return set_err(err, err_size, "sample %s: out of memory", query->id);
  }
  size_t k = 0;
  if (shots > 0)
    for (int i = 0; i < n_demos; i++) out->images[k++] = demos[i]->image_path;
  out->images[k++] = query->image_path;
  out->n_images = k;
  out->text = text.s;
  return 0;
}

void prompt_free(prompt *p) {
  free(p->text);
  free(p->images);
  memset(p, 0, sizeof *p);
}

char *prompt_expand_images(const char *text, int tokens_per_image) {
  if (tokens_per_image < 1) return NULL;
  size_t markers = count_markers(text), len = strlen(text);
  size_t per = (size_t)(tokens_per_image - 1) * (sizeof PLACEHOLDER - 1);
  if (markers && per > (SIZE_MAX - len - 1) / markers) return NULL;
  char *out = malloc(len + markers * per + 1);
  if (!out) return NULL;
  char *w = out;
  const char *r = text;
  for (const char *p = strstr(r, IMAGE); p; p = strstr(r, IMAGE)) {
    size_t n = (size_t)(p - r) + sizeof IMAGE - 1;
    memcpy(w, r, n);
    w += n;
    for (int i = 1; i < tokens_per_image; i++) {
      memcpy(w, PLACEHOLDER, sizeof PLACEHOLDER - 1);
      w += sizeof PLACEHOLDER - 1;
    }
    r = p + sizeof IMAGE - 1;
  }
  size_t rest = strlen(r);
  memcpy(w, r, rest + 1);
  return out;
}
