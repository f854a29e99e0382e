/* test_json.h - reading the JSON fixtures of a test (header only, no globals; the test links cJSON).
 *
 *   cJSON *golden = test_load_json(&t, "fixtures/metrics/%s", "vqa_expected.json");
 *   if (!golden) return test_report(&t);   // the failed check is already recorded
 *   ...
 *   cJSON_Delete(golden); */
#ifndef FEWSHOT_TEST_JSON_H
#define FEWSHOT_TEST_JSON_H

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"

/* Reads and parses the file at FEWSHOT_TEST_DIR/<printf(fmt, ...)>. Returns the document (caller
 * frees with cJSON_Delete), or NULL after recording a failed check naming the file. */
static inline cJSON *test_load_json(test_ctx *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline cJSON *test_load_json(test_ctx *t, const char *fmt, ...) {
  char rel[512], path[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rel, sizeof rel, fmt, ap);
  va_end(ap);
  snprintf(path, sizeof path, "%s/%s", FEWSHOT_TEST_DIR, rel);
  size_t len = 0;
  char *text = test_read_file(path, &len);
  const int read = text != NULL;
  cJSON *root = read ? cJSON_ParseWithLength(text, len) : NULL;
  free(text);
  TEST_CHECK(t, root != NULL, "%s: cannot %s", path, read ? "parse" : "read");
  return root;
}

#endif
