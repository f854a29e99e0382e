/* test_json_stream.c - the streaming JSON reader: every fixture JSON file reads to the same values as
 * cJSON reads them; escapes, surrogates and UTF-8; strings and numbers split across the 256 KiB window;
 * errors with line and column; depth limits; skipping. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_stream.h"
#include "test_util.h"

typedef struct {
  char *s;
  size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->s = realloc(b->s, b->cap);
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
}

static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_str(buf *b, const char *s, size_t n) {
  puts_(b, "\"");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char tmp[8];
    if (c < 0x20 || c == '"' || c == '\\') {
      snprintf(tmp, sizeof tmp, "\\x%02x", c);
      puts_(b, tmp);
    } else {
      put(b, (const char *)&c, 1);
    }
  }
  puts_(b, "\"");
}

static void put_num(buf *b, double v) {
  char tmp[40];
  snprintf(tmp, sizeof tmp, "%.17g", v);
  puts_(b, tmp);
}

/* Canonical text of the value at the stream position. Returns -1 on a stream error. */
static int dump_stream(json_stream *s, buf *b) {
  char key[256];
  switch (json_stream_peek(s)) {
    case JSON_KIND_OBJECT: {
      if (json_stream_object_begin(s)) return -1;
      puts_(b, "{");
      int rc;
      while ((rc = json_stream_object_next(s, key, sizeof key)) == 1) {
        put_str(b, key, strlen(key));
        puts_(b, ":");
        if (dump_stream(s, b)) return -1;
        puts_(b, ",");
      }
      puts_(b, "}");
      return rc;
    }
    case JSON_KIND_ARRAY: {
      if (json_stream_array_begin(s)) return -1;
      puts_(b, "[");
      int rc;
      while ((rc = json_stream_array_next(s)) == 1) {
        if (dump_stream(s, b)) return -1;
        puts_(b, ",");
      }
      puts_(b, "]");
      return rc;
    }
    case JSON_KIND_STRING: {
      const char *str;
      size_t n;
      if (json_stream_string(s, &str, &n)) return -1;
      put_str(b, str, n);
      return 0;
    }
    case JSON_KIND_NUMBER: {
      double v;
      if (json_stream_number(s, &v)) return -1;
      put_num(b, v);
      return 0;
    }
    case JSON_KIND_TRUE:
    case JSON_KIND_FALSE: {
      int v;
      if (json_stream_bool(s, &v)) return -1;
      puts_(b, v ? "true" : "false");
      return 0;
    }
    case JSON_KIND_NULL:
      if (json_stream_skip(s)) return -1;
      puts_(b, "null");
      return 0;
    default:
      return json_stream_fail(s, "expected a value");
  }
}

static void dump_cjson(const cJSON *j, buf *b) {
  if (cJSON_IsObject(j)) {
    puts_(b, "{");
    for (const cJSON *c = j->child; c; c = c->next) {
      put_str(b, c->string, strlen(c->string));
      puts_(b, ":");
      dump_cjson(c, b);
      puts_(b, ",");
    }
    puts_(b, "}");
  } else if (cJSON_IsArray(j)) {
    puts_(b, "[");
    for (const cJSON *c = j->child; c; c = c->next) {
      dump_cjson(c, b);
      puts_(b, ",");
    }
    puts_(b, "]");
  } else if (cJSON_IsString(j)) {
    put_str(b, j->valuestring, strlen(j->valuestring));
  } else if (cJSON_IsNumber(j)) {
    put_num(b, j->valuedouble);
  } else if (cJSON_IsBool(j)) {
    puts_(b, cJSON_IsTrue(j) ? "true" : "false");
  } else {
    puts_(b, "null");
  }
}

/* Reads `path` with both parsers and compares the canonical texts. */
static void compare_file(test_ctx *t, const char *path) {
  size_t len = 0;
  char *text = test_read_file(path, &len);
  if (!TEST_CHECK(t, text != NULL, "read %s", path)) return;
  cJSON *j = cJSON_ParseWithLength(text, len);
  free(text);
  if (!TEST_CHECK(t, j != NULL, "cJSON parses %s", path)) return;
  buf a = {0}, b = {0};
  dump_cjson(j, &a);
  cJSON_Delete(j);
  json_stream s;
  char err[256];
  if (TEST_CHECK(t, json_stream_open(&s, path, err, sizeof err) == 0, "open %s: %s", path, err)) {
    int rc = dump_stream(&s, &b);
    if (rc == 0) rc = json_stream_finish(&s);
    TEST_CHECK(t, rc == 0, "json_stream reads %s: %s", path, json_stream_error(&s));
    TEST_CHECK(t, a.n == b.n && memcmp(a.s, b.s, a.n) == 0, "%s: json_stream and cJSON disagree", path);
  }
  json_stream_close(&s);
  free(a.s);
  free(b.s);
}

static void compare_dir(test_ctx *t, const char *dir, int *n_files) {
  DIR *d = opendir(dir);
  if (!TEST_CHECK(t, d != NULL, "open dir %s", dir)) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    compare_file(t, path);
    (*n_files)++;
  }
  closedir(d);
}

/* Parses `text` from memory: returns the canonical dump (malloc'd) or NULL, with the error in err. */
static char *parse_mem(const char *text, char *err, size_t err_size) {
  json_stream s;
  json_stream_open_mem(&s, "mem", text, strlen(text));
  buf b = {0};
  int rc = dump_stream(&s, &b);
  if (rc == 0) rc = json_stream_finish(&s);
  snprintf(err, err_size, "%s", json_stream_error(&s));
  json_stream_close(&s);
  if (rc) {
    free(b.s);
    return NULL;
  }
  return b.s ? b.s : strdup("");
}

static void accept(test_ctx *t, const char *json, const char *want) {
  char err[512];
  char *got = parse_mem(json, err, sizeof err);
  TEST_CHECK(t, got != NULL, "parse %s: %s", json, err);
  if (got) test_streq(t, got, want, "canonical form of %s", json);
  free(got);
}

static void reject(test_ctx *t, const char *json, const char *want_err) {
  char err[512];
  char *got = parse_mem(json, err, sizeof err);
  TEST_CHECK(t, got == NULL, "expected an error for %s, got %s", json, got ? got : "");
  TEST_CHECK(t, strstr(err, want_err) != NULL, "error for %s: \"%s\" lacks \"%s\"", json, err, want_err);
  free(got);
}

static void targeted(test_ctx *t) {
  accept(t, "{\"a\": [1, -2.5e3, 0, true, false, null, \"x\"]}", "{\"a\":[1,-2500,0,true,false,null,\"x\",],}");
  accept(t, "  [ ]  ", "[]");
  accept(t, "{}", "{}");
  accept(t, "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\x22\\x5c/\\x08\\x0c\\x0a\\x0d\\x09\"");
  accept(t, "\"caf\\u00e9 \\u20ac \\ud83d\\ude00\"", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  accept(t, "\"raw caf\xc3\xa9 \xf0\x9f\x98\x80\"", "\"raw caf\xc3\xa9 \xf0\x9f\x98\x80\"");
  /* A lone surrogate is kept in its 3-byte form (Python keeps it as a code point). */
  accept(t, "\"a\\ud800b\"", "\"a\xed\xa0\x80" "b\"");
  accept(t, "\"\\ud800\\n\"", "\"\xed\xa0\x80\\x0a\"");
  accept(t, "\"\\ud800\\u0041\"", "\"\xed\xa0\x80" "A\"");
  reject(t, "{\"a\": 1,}", "trailing comma");
  reject(t, "[1 2]", "expected ',' or ']'");
  reject(t, "{\"a\" 1}", "':' after a key");
  reject(t, "[01]", "expected ',' or ']'");
  reject(t, "[1.]", "digit after '.'");
  reject(t, "[NaN]", "expected a value");
  reject(t, "\"abc", "unterminated string");
  reject(t, "\"a\tb\"", "control character 0x09");
  reject(t, "\"\\x\"", "bad escape");
  reject(t, "\"\\u12g4\"", "bad \\u escape");
  reject(t, "\"\xc3\"", "UTF-8");
  reject(t, "\"\xc0\xaf\"", "UTF-8");            /* overlong */
  reject(t, "\"\xed\xa0\x80\"", "UTF-8");        /* raw surrogate bytes */
  reject(t, "[1] [2]", "after the top-level value");
  reject(t, "[1,\n 2,\n  x]", "mem:3:3:");      /* line 3, column 3 */
  reject(t, "", "expected a value");
  /* Depth: 256 nested arrays are fine, 257 are refused, never a stack overflow. */
  char deep[600];
  memset(deep, '[', 256);
  memset(deep + 256, ']', 256);
  deep[512] = '\0';
  char err[512];
  json_stream s;
  json_stream_open_mem(&s, "deep", deep, strlen(deep));
  TEST_CHECK(t, json_stream_skip(&s) == 0 && json_stream_finish(&s) == 0, "256 levels skip: %s", json_stream_error(&s));
  json_stream_close(&s);
  memset(deep, '[', 257);
  memset(deep + 257, ']', 257);
  deep[514] = '\0';
  json_stream_open_mem(&s, "deep", deep, strlen(deep));
  TEST_CHECK(t, json_stream_skip(&s) != 0 && strstr(json_stream_error(&s), "nesting deeper than 256"), "257 levels refused: %s",
             json_stream_error(&s));
  json_stream_close(&s);
  /* Kind checks: an integer reader refuses a float and a string; after an error everything fails. */
  json_stream_open_mem(&s, "k", "[1.5, 2]", 8);
  int64_t v;
  TEST_CHECK(t, json_stream_array_begin(&s) == 0 && json_stream_array_next(&s) == 1, "array start");
  TEST_CHECK(t, json_stream_int64(&s, &v) != 0 && strstr(json_stream_error(&s), "expected an integer, found 1.5"),
             "int64 of 1.5: %s", json_stream_error(&s));
  TEST_CHECK(t, json_stream_array_next(&s) == -1, "sticky error");
  json_stream_close(&s);
  json_stream_open_mem(&s, "k", "[9223372036854775807, 9223372036854775808]", 42);
  TEST_CHECK(t, json_stream_array_begin(&s) == 0 && json_stream_array_next(&s) == 1 && json_stream_int64(&s, &v) == 0 &&
                v == INT64_MAX, "int64 max");
  TEST_CHECK(t, json_stream_array_next(&s) == 1 && json_stream_int64(&s, &v) != 0 && strstr(json_stream_error(&s), "out of range"),
             "int64 overflow: %s", json_stream_error(&s));
  json_stream_close(&s);
  /* Keys that do not fit come back as "". */
  json_stream_open_mem(&s, "k", "{\"a_long_key_name\": 1, \"b\": 2}", 30);
  char key[8];
  TEST_CHECK(t, json_stream_object_begin(&s) == 0 && json_stream_object_next(&s, key, sizeof key) == 1 && key[0] == '\0',
             "long key -> \"\"");
  TEST_CHECK(t, json_stream_skip(&s) == 0 && json_stream_object_next(&s, key, sizeof key) == 1 && strcmp(key, "b") == 0, "next key");
  json_stream_close(&s);
  (void)err;
}

/* A file larger than the window, with strings, escapes, multibyte characters and numbers straddling
 * every buffer boundary position near 256 KiB. */
static void window_boundaries(test_ctx *t) {
  char path[512];
  snprintf(path, sizeof path, "%s/json_stream_window_%d.json", FEWSHOT_BINARY_DIR, (int)getpid());
  FILE *f = fopen(path, "wb");
  if (!TEST_CHECK(t, f != NULL, "create %s", path)) return;
  fputs("{\"items\": [", f);
  long pos = 11;
  int n = 0;
  while (pos < 3 * JSON_STREAM_BUF) {
    /* Vary the lengths so every kind of token lands on a boundary at some point. */
    char item[600];
    int pad = n % 97;
    char padding[128];
    memset(padding, 'x', (size_t)pad);
    padding[pad] = '\0';
    int len = snprintf(item, sizeof item, "%s{\"s\": \"%s\\u00e9\\\"\xe2\x82\xac\\ud83d\\ude00 end\", \"n\": %d.%d, \"k\": [true, null]}",
                       n ? ", " : "", padding, n, n % 7);
    fwrite(item, 1, (size_t)len, f);
    pos += len;
    n++;
  }
  fputs("]}\n", f);
  fclose(f);
  compare_file(t, path);
  remove(path);
  TEST_CHECK(t, n > 1000, "window test wrote %d items", n);
}

int main(void) {
  test_ctx t = test_begin("datasets_json_stream");
  targeted(&t);
  window_boundaries(&t);
  int n_files = 0;
  const char *dirs[] = {"vqav2", "okvqa", "textvqa", "coco", "nocaps", "textcaps", "excerpts", "goldens"};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/fixtures/datasets/%s", FEWSHOT_TEST_DIR, dirs[i]);
    compare_dir(&t, dir, &n_files);
  }
  TEST_CHECK(&t, n_files >= 25, "compared %d fixture files", n_files);
  return test_report(&t);
}
