/* score_caption.c - `fewshot score caption`: COCO caption annotations + results in, CIDEr-D,
 * BLEU-1..4 and ROUGE-L out, as COCOEvalCap computes them with OpenFlamingo's image set (the images
 * of the results file, in annotation-file order). Input rules: docs/metrics-score.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"

typedef struct {
  long long id;
  size_t n_refs, cap_refs;
  const char **refs;
  const char *candidate;
} cap_image;

static cap_image *find_image(cap_image *imgs, size_t n, const size_t *sorted, long long id) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    long long v = imgs[sorted[mid]].id;
    if (v < id) lo = mid + 1;
    else if (v > id) hi = mid;
    else return &imgs[sorted[mid]];
  }
  return NULL;
}

typedef struct {
  const cap_image *imgs;
} sort_ctx;

static int cmp_ids(const void *a, const void *b, void *ctx) {
  const cap_image *imgs = ((const sort_ctx *)ctx)->imgs;
  long long x = imgs[*(const size_t *)a].id, y = imgs[*(const size_t *)b].id;
  return x < y ? -1 : x > y;
}

/* a small merge sort (qsort_r is not C11) */
static void sort_idx(size_t *v, size_t *tmp, size_t n, const sort_ctx *ctx) {
  if (n < 2) return;
  size_t h = n / 2;
  sort_idx(v, tmp, h, ctx);
  sort_idx(v + h, tmp, n - h, ctx);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = cmp_ids(&v[j], &v[i], (void *)ctx) < 0 ? v[j++] : v[i++];
  while (i < h) tmp[k++] = v[i++];
  while (j < n) tmp[k++] = v[j++];
  memcpy(v, tmp, n * sizeof *v);
}

void score_caption_report_free(score_caption_report *r) {
  free(r->image_id);
  free(r->per_image);
  memset(r, 0, sizeof *r);
}

int score_caption_run(const score_caption_opts *o, score_caption_report *r, char *err,
                      size_t err_size) {
  memset(r, 0, sizeof *r);
  int rc = -1;
  jdoc *adoc = NULL, *rdoc = NULL;
  const jval *aroot = NULL, *rroot = NULL;
  cap_image *imgs = NULL;
  size_t n_imgs = 0, *sorted = NULL, *tmp = NULL;
  caption_item *items = NULL;
  ptb_tokenizer *tok = NULL;
  const char *ap = o->annotations_path, *rp = o->results_path;

  if (!(adoc = jdoc_parse_file(ap, &aroot, err, err_size))) goto done;
  const jval *images = jval_get(aroot, "images");
  const jval *anns = jval_get(aroot, "annotations");
  if (!jv_is(aroot, JV_OBJECT) || !jv_is(images, JV_ARRAY) || !jv_is(anns, JV_ARRAY)) {
    snprintf(err, err_size, "%s: expected an object with 'images' and 'annotations' arrays", ap);
    goto done;
  }
  n_imgs = (size_t)(images)->len;
  imgs = calloc(n_imgs ? n_imgs : 1, sizeof *imgs);
  sorted = malloc((n_imgs ? n_imgs : 1) * sizeof *sorted);
  tmp = malloc((n_imgs ? n_imgs : 1) * sizeof *tmp);
  if (!imgs || !sorted || !tmp) goto oom;
  size_t i = 0;
  for (i = 0; i < (images)->len; i++) {
    const jval *x = &(images)->u.items[i];
    if (!jv_is(x, JV_OBJECT) || jval_id(jval_get(x, "id"), &imgs[i].id)) {
      snprintf(err, err_size, "%s: images[%zu]: missing or non-integer 'id'", ap, i);
      goto done;
    }
    sorted[i] = i;
  }
  sort_ctx ctx = {imgs};
  sort_idx(sorted, tmp, n_imgs, &ctx);
  for (size_t k = 1; k < n_imgs; k++)
    if (imgs[sorted[k]].id == imgs[sorted[k - 1]].id) {
      snprintf(err, err_size, "%s: images: duplicate id %lld", ap, imgs[sorted[k]].id);
      goto done;
    }
  i = 0;
  for (i = 0; i < (anns)->len; i++) {
    const jval *x = &(anns)->u.items[i];
    long long id;
    if (!jv_is(x, JV_OBJECT) || jval_id(jval_get(x, "image_id"), &id)) {
      snprintf(err, err_size, "%s: annotations[%zu]: missing or non-integer 'image_id'", ap, i);
      goto done;
    }
    const jval *cap = jval_get(x, "caption");
    if (!jv_text(cap)) {
      snprintf(err, err_size, "%s: annotations[%zu] (image_id %lld): missing string 'caption' (a JSON string without \\u0000)", ap, i, id);
      goto done;
    }
    cap_image *im = find_image(imgs, n_imgs, sorted, id);
    if (!im) {
      snprintf(err, err_size, "%s: annotations[%zu]: image_id %lld is not in 'images'", ap, i, id);
      goto done;
    }
    if (im->n_refs == im->cap_refs) {
      size_t ncap = im->cap_refs ? im->cap_refs * 2 : 8;
      const char **p = realloc(im->refs, ncap * sizeof *p);
      if (!p) goto oom;
      im->refs = p;
      im->cap_refs = ncap;
    }
    im->refs[im->n_refs++] = cap->u.str;
  }
  if (!(rdoc = jdoc_parse_file(rp, &rroot, err, err_size))) goto done;
  if (!jv_is(rroot, JV_ARRAY)) {
    snprintf(err, err_size, "%s: expected an array of {\"image_id\", \"caption\"} objects", rp);
    goto done;
  }
  i = 0;
  for (i = 0; i < (rroot)->len; i++) {
    const jval *x = &(rroot)->u.items[i];
    long long id;
    if (!jv_is(x, JV_OBJECT) || jval_id(jval_get(x, "image_id"), &id)) {
      snprintf(err, err_size, "%s: [%zu]: missing or non-integer 'image_id'", rp, i);
      goto done;
    }
    const jval *cap = jval_get(x, "caption");
    if (!jv_text(cap)) {
      snprintf(err, err_size, "%s: [%zu] (image_id %lld): missing string 'caption' (a JSON string without \\u0000)", rp, i, id);
      goto done;
    }
    cap_image *im = find_image(imgs, n_imgs, sorted, id);
    if (!im) {
      snprintf(err, err_size, "%s: [%zu]: image_id %lld is not in %s", rp, i, id, ap);
      goto done;
    }
    if (im->candidate) {
      snprintf(err, err_size, "%s: [%zu]: duplicate result for image_id %lld", rp, i, id);
      goto done;
    }
    if (im->n_refs == 0) {
      snprintf(err, err_size, "%s: [%zu]: image_id %lld has no reference captions in %s", rp, i, id, ap);
      goto done;
    }
    im->candidate = cap->u.str;
  }
  /* the scored set: images with a result, in the annotation file's image order */
  size_t n = 0;
  for (size_t k = 0; k < n_imgs; k++) n += imgs[k].candidate != NULL;
  if (n == 0) {
    snprintf(err, err_size, "%s: no results to score", rp);
    goto done;
  }
  items = malloc(n * sizeof *items);
  r->image_id = malloc(n * sizeof *r->image_id);
  r->per_image = malloc(n * sizeof *r->per_image);
  if (!items || !r->image_id || !r->per_image) goto oom;
  size_t m = 0;
  for (size_t k = 0; k < n_imgs; k++)
    if (imgs[k].candidate) {
      items[m] = (caption_item){imgs[k].candidate, imgs[k].refs, imgs[k].n_refs};
      r->image_id[m++] = imgs[k].id;
    }
  r->n = n;
  if (!(tok = ptb_tokenizer_init(err, err_size))) goto done;
  if (caption_score_raw(tok, items, n, r->per_image, &r->corpus, err, err_size)) goto done;
  rc = 0;
  goto done;
oom:
  snprintf(err, err_size, "score caption: out of memory");
done:
  ptb_tokenizer_free(tok);
  for (size_t k = 0; imgs && k < n_imgs; k++) free(imgs[k].refs);
  free(imgs);
  free(sorted);
  free(tmp);
  free(items);
  jdoc_free(adoc);
  jdoc_free(rdoc);
  if (rc) score_caption_report_free(r);
  return rc;
}

static void put_scores(FILE *f, const caption_scores *s) {
  fputs("{\"CIDEr\": ", f);
  score_put_double(f, s->cider);
  for (int k = 0; k < 4; k++) {
    fprintf(f, ", \"Bleu_%d\": ", k + 1);
    score_put_double(f, s->bleu[k]);
  }
  fputs(", \"ROUGE_L\": ", f);
  score_put_double(f, s->rouge_l);
}

void score_caption_write_json(FILE *f, const score_caption_report *r) {
  put_scores(f, &r->corpus);
  fputs(", \"per_image\": {", f);
  for (size_t i = 0; i < r->n; i++) {
    fprintf(f, "%s\"%lld\": ", i ? ", " : "", r->image_id[i]);
    put_scores(f, &r->per_image[i]);
    fputc('}', f);
  }
  fputs("}}\n", f);
}

void score_caption_write_text(FILE *f, const score_caption_report *r) {
  fprintf(f, "captions: %zu images\n", r->n);
  for (int k = 0; k < 4; k++) fprintf(f, "Bleu_%d: %0.3f\n", k + 1, r->corpus.bleu[k]);
  fprintf(f, "ROUGE_L: %0.3f\nCIDEr: %0.3f\n", r->corpus.rouge_l, r->corpus.cider);
}
