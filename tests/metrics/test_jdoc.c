/* test_jdoc.c - the JSON reader of `fewshot score` (harness/jdoc.c): values, escapes, Python's
 * last-duplicate-key rule, ids, and every refusal (bad syntax, invalid UTF-8, lone surrogates,
 * extra data, nesting depth) with its position. */
#include "jdoc.h"
#include "test_util.h"

static const jval *parse(test_ctx *t, jdoc **d, const char *text) {
  const jval *root = NULL;
  char err[256] = "";
  *d = jdoc_parse(text, strlen(text), "t.json", &root, err, sizeof err);
  TEST_CHECK(t, *d != NULL, "parse '%s': %s", text, err);
  return root;
}

static void refuse(test_ctx *t, const char *text, size_t n, const char *want) {
  const jval *root = NULL;
  char err[256] = "";
  jdoc *d = jdoc_parse(text, n, "t.json", &root, err, sizeof err);
  TEST_CHECK(t, d == NULL && strstr(err, want) != NULL, "'%.*s': error '%s', want '%s'", (int)n, text, err, want);
  jdoc_free(d);
}

int main(void) {
  test_ctx t = test_begin("jdoc");
  jdoc *d;
  const jval *r = parse(&t, &d, " {\"a\": [1, -2.5e1, true, false, null, \"x\\n\\u00e9\\ud83d\\ude00\\/\"], \"a\": 7, \"b\": {}} ");
  if (r) {
    const jval *a = jval_get(r, "a");
    TEST_CHECK(&t, a && a->type == JV_NUMBER && a->u.num == 7, "duplicate key: the last value wins");
    const jval *arr = &r->u.items[1];
    TEST_CHECK(&t, arr->type == JV_ARRAY && arr->len == 6, "array of 6");
    if (arr->type == JV_ARRAY && arr->len == 6) {
      long long id;
      TEST_CHECK(&t, jval_id(&arr->u.items[0], &id) == 0 && id == 1, "id 1");
      TEST_CHECK(&t, arr->u.items[1].u.num == -25.0 && !arr->u.items[1].is_integer, "-2.5e1");
      TEST_CHECK(&t, arr->u.items[2].type == JV_TRUE && arr->u.items[3].type == JV_FALSE && arr->u.items[4].type == JV_NULL,
                 "literals");
      test_streq(&t, jval_str(&arr->u.items[5]), "x\n\xc3\xa9\xf0\x9f\x98\x80/", "escapes");
    }
    const jval *b = jval_get(r, "b");
    TEST_CHECK(&t, b && b->type == JV_OBJECT && b->len == 0, "empty object");
    TEST_CHECK(&t, jval_get(r, "zz") == NULL && jval_get(b, "a") == NULL, "missing keys");
  }
  jdoc_free(d);
  r = parse(&t, &d, "[1.0, 9007199254740993, 123456789012]");
  if (r) {
    long long id = 0;
    TEST_CHECK(&t, jval_id(&r->u.items[0], &id) == 0 && id == 1, "1.0 is id 1 (Python: 1.0 == 1)");
    TEST_CHECK(&t, jval_id(&r->u.items[1], &id) != 0, "ids beyond 2^53 are refused");
    TEST_CHECK(&t, jval_id(&r->u.items[2], &id) == 0 && id == 123456789012LL, "large id");
  }
  jdoc_free(d);
  refuse(&t, "", 0, "unexpected end of input");
  refuse(&t, "[1,]", 4, "bad number (line 1, column 4)");
  refuse(&t, "[tru]", 5, "unexpected character");
  refuse(&t, "[1] x", 5, "extra data after the value (line 1, column 5)");
  refuse(&t, "{\"a\" 1}", 7, "expected ':'");
  refuse(&t, "{\"a\": 1\n,}", 10, "expected a string key (line 2");
  refuse(&t, "\"abc", 4, "unterminated string");
  refuse(&t, "\"a\tb\"", 5, "control character");
  refuse(&t, "\"\\q\"", 4, "bad escape");
  refuse(&t, "\"\\ud800\"", 8, "lone surrogate");
  refuse(&t, "\"\\udc00x\"", 9, "lone surrogate");
  refuse(&t, "\"caf\xe9\"", 6, "not valid UTF-8");
  refuse(&t, "\"\xed\xa0\x80\"", 5, "not valid UTF-8");
  refuse(&t, "NaN", 3, "bad number");
  refuse(&t, "01", 2, "extra data");
  refuse(&t, "-", 1, "bad number");
  refuse(&t, "1.", 2, "bad number");
  char deep[2100];
  for (int i = 0; i < 1001; i++) deep[i] = '[';
  for (int i = 0; i < 1001; i++) deep[1001 + i] = ']';
  refuse(&t, deep, 2002, "nesting too deep");
  const jval *root;
  char err[256];
  TEST_CHECK(&t, jdoc_parse_file("/nonexistent/x.json", &root, err, sizeof err) == NULL &&
                 strstr(err, "/nonexistent/x.json: cannot open") != NULL, "missing file: %s", err);
  return test_report(&t);
}
