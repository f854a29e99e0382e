/* fake_backend.h - a stand-in for the model behind evalrun_backend, for tests of the run loop:
 * deterministic text from the prompt (so demos and seeds matter), an occasional failed sample, and
 * an optional pause per batch so that a test can kill the run in the middle. Header only. */
#ifndef FEWSHOT_TEST_FAKE_BACKEND_H
#define FEWSHOT_TEST_FAKE_BACKEND_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evalrun.h"

typedef struct {
  long pause_us;   /* sleep per batch */
  int fail_mod;    /* a prompt whose hash is 0 mod fail_mod fails (0: never) */
  long calls;
} fake_backend;

static inline uint64_t fake_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* VQA prompts: the answer of the last demo (text between the last-but-one "Short answer:" and the
 * next "<|endofchunk|>"), followed by run-on text the post-processing cuts; captions: a caption
 * built from the hash. */
static inline int fake_generate(void *ctx, const evalrun_request *req, int n, const gen_params *gp, evalrun_result *res,
                                char *err, size_t err_size) {
  fake_backend *f = ctx;
  (void)gp;
  (void)err;
  (void)err_size;
  f->calls++;
  if (f->pause_us) {
    struct timespec d = {f->pause_us / 1000000, (f->pause_us % 1000000) * 1000};
    nanosleep(&d, NULL);
  }
  for (int i = 0; i < n; i++) {
    const char *t = req[i].text;
    uint64_t h = fake_hash(t);
    for (size_t k = 0; k < req[i].n_images; k++) h = h * 31 + fake_hash(req[i].images[k]);
    res[i].generation = res[i].failure = NULL;
    if (f->fail_mod && h % (uint64_t)f->fail_mod == 0) {
      char why[256];
      snprintf(why, sizeof why, "%s: fake unreadable image", req[i].n_images ? req[i].images[req[i].n_images - 1] : "?");
      res[i].failure = strdup(why);
      continue;
    }
    char out[256];
    const char *last = NULL, *p = t;
    while ((p = strstr(p, "Short answer:"))) {
      const char *next = strstr(p + 1, "Short answer:");
      if (!next) break;
      last = p;
      p = next;
    }
    if (last) {
      last += strlen("Short answer:");
      const char *end = strstr(last, "<|endofchunk|>");
      int len = end ? (int)(end - last) : 0;
      snprintf(out, sizeof out, "%.*s\nQuestion: and more", len, last);
    } else if (strstr(t, "Short answer:")) {
      snprintf(out, sizeof out, "%s", h % 3 ? "yes" : "no, it is not");
    } else {
      static const char *words[] = {"a man", "a dog", "two people", "a red bus", "a plate of food", "a cat"};
      static const char *where[] = {"on a street", "in a field", "next to a table", "on a bed", "in a kitchen"};
      snprintf(out, sizeof out, " %s %s\"Output: more", words[h % 6], where[(h / 7) % 5]);
    }
    res[i].generation = strdup(out);
  }
  return 0;
}

static inline evalrun_backend fake_backend_make(fake_backend *f, int max_batch) {
  evalrun_backend b = {f, max_batch, fake_generate};
  return b;
}

#endif
