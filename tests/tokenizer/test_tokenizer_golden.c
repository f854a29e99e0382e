/* test_tokenizer_golden.c - the tokenizer against outputs of the reference implementations:
 *   fixtures/tokenizer/tokenizer_cases.json   60 cases (sentencepiece, cross-checked with tokenizers)
 *   fixtures/tokenizer/phi3_vocab_tests.json  46 cases of llama.cpp's Phi-3 vocab test (HF tokenizer)
 *   fixtures/tokenizer/hf_goldens.json        tools/reference/gen_tokenizer_goldens.py: encode, decode
 *                                             (with and without skip_special), decode-only id lists,
 *                                             and 1 MB texts rebuilt from recipes (hash of the ids;
 *                                             argument "long", its own ctest entry)
 * Every encode case also runs with the BPE forced through the heap, through the scan, without the
 * whole-token shortcut and without word splitting (all must give the same ids), and all cases run concurrently on OpenMP threads
 * against one tokenizer. decode(encode(x)) == x is checked wherever the reference round-trips. */
#include <cjson/cJSON.h>
#include <limits.h>
#include <omp.h>
#include <stdint.h>

#include "test_json.h"
#include "test_util.h"
#include "tokenizer.h"
#include "tokenizer_impl.h"

#define MODEL_DIR FEWSHOT_TEST_DIR "/fixtures/xgenmm"

static cJSON *load(test_ctx *t, const char *name) { return test_load_json(t, "fixtures/tokenizer/%s", name); }

/* Reads a JSON array of integers into a malloc'd array. */
static int32_t *json_ids(const cJSON *a, size_t *n) {
  int cnt = cJSON_GetArraySize(a);
  int32_t *v = malloc((size_t)(cnt ? cnt : 1) * sizeof *v);
  const cJSON *e;
  size_t k = 0;
  cJSON_ArrayForEach(e, a) v[k++] = (int32_t)e->valuedouble;
  *n = k;
  return v;
}

/* A string field of a golden case: FIELD_hex (the UTF-8 bytes in hex, present when the text holds a
 * NUL, which cJSON cannot carry) or FIELD. Returns a malloc'd copy and its byte length. */
static char *field_bytes(const cJSON *c, const char *field, size_t *n) {
  char hex_name[64];
  snprintf(hex_name, sizeof hex_name, "%s_hex", field);
  const cJSON *h = cJSON_GetObjectItem(c, hex_name);
  if (cJSON_IsString(h)) {
    size_t len = strlen(h->valuestring) / 2;
    char *out = malloc(len + 1);
    for (size_t i = 0; i < len; i++) {
      unsigned v = 0;
      sscanf(h->valuestring + 2 * i, "%2x", &v);
      out[i] = (char)v;
    }
    out[len] = '\0';
    *n = len;
    return out;
  }
  const char *s = cJSON_GetObjectItem(c, field)->valuestring;
  *n = strlen(s);
  return strdup(s);
}

static int same_ids(const int32_t *a, size_t na, const int32_t *b, size_t nb) {
  return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}

static void check_ids(test_ctx *t, const char *what, const int32_t *got, size_t n_got, const int32_t *want,
                      size_t n_want) {
  size_t i = 0;
  while (i < n_got && i < n_want && got[i] == want[i]) i++;
  TEST_CHECK(t, n_got == n_want && i == n_want, "%s: ids differ at %zu (got %d, want %d; %zu vs %zu ids)", what, i,
             i < n_got ? got[i] : -1, i < n_want ? want[i] : -1, n_got, n_want);
}

static void check_text(test_ctx *t, const char *what, const char *got, size_t n_got, const char *want, size_t n_want) {
  TEST_CHECK(t, got && n_got == n_want && memcmp(got, want, n_got) == 0,
             "%s: got \"%.80s\" (%zu bytes), want \"%.80s\" (%zu bytes)", what, got ? got : "(null)", n_got, want,
             n_want);
}

/* Compares encode(text) with the expected ids (a JSON array). */
static void check_encode(test_ctx *t, const tokenizer *tok, const char *what, const char *text, size_t n_text,
                         const cJSON *want_json) {
  size_t n_want, n_got = 0;
  int32_t *want = json_ids(want_json, &n_want);
  char err[256] = "";
  int32_t *got = tokenizer_encode(tok, text, n_text, &n_got, err, sizeof err);
  if (TEST_CHECK(t, got != NULL, "%s: encode failed: %s", what, err)) check_ids(t, what, got, n_got, want, n_want);
  free(got);
  free(want);
}

/* ---- hf_goldens.json encode cases, unpacked once ---- */

typedef struct {
  const char *id;
  char *text, *decoded, *decoded_skip;
  size_t n_text, n_decoded, n_decoded_skip;
  int32_t *ids;
  size_t n_ids;
  int roundtrip;
} golden;

static golden *unpack_cases(const cJSON *cases, int *n) {
  *n = cJSON_GetArraySize(cases);
  golden *g = calloc((size_t)*n, sizeof *g);
  int i = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cases) {
    g[i].id = cJSON_GetObjectItem(c, "id")->valuestring;
    g[i].text = field_bytes(c, "text", &g[i].n_text);
    g[i].decoded = field_bytes(c, "decoded", &g[i].n_decoded);
    g[i].decoded_skip = field_bytes(c, "decoded_skip", &g[i].n_decoded_skip);
    g[i].ids = json_ids(cJSON_GetObjectItem(c, "ids"), &g[i].n_ids);
    g[i].roundtrip = cJSON_IsTrue(cJSON_GetObjectItem(c, "roundtrip"));
    i++;
  }
  return g;
}

static void free_cases(golden *g, int n) {
  for (int i = 0; i < n; i++) {
    free(g[i].text);
    free(g[i].decoded);
    free(g[i].decoded_skip);
    free(g[i].ids);
  }
  free(g);
}

static void run_hf_cases(test_ctx *t, const tokenizer *tok, const golden *g, int n, int decode_too) {
  for (int i = 0; i < n; i++) {
    size_t n_ids = 0, len = 0;
    char err[256] = "", what[64];
    int32_t *ids = tokenizer_encode(tok, g[i].text, g[i].n_text, &n_ids, err, sizeof err);
    if (!TEST_CHECK(t, ids != NULL, "%s: encode failed: %s", g[i].id, err)) continue;
    check_ids(t, g[i].id, ids, n_ids, g[i].ids, g[i].n_ids);
    if (decode_too) {
      char *dec = tokenizer_decode(tok, g[i].ids, g[i].n_ids, 0, &len, err, sizeof err);
      snprintf(what, sizeof what, "%s: decode", g[i].id);
      check_text(t, what, dec, len, g[i].decoded, g[i].n_decoded);
      free(dec);
      dec = tokenizer_decode(tok, g[i].ids, g[i].n_ids, 1, &len, err, sizeof err);
      snprintf(what, sizeof what, "%s: decode skip_special", g[i].id);
      check_text(t, what, dec, len, g[i].decoded_skip, g[i].n_decoded_skip);
      free(dec);
      if (g[i].roundtrip) {
        dec = tokenizer_decode(tok, ids, n_ids, 0, &len, err, sizeof err);
        snprintf(what, sizeof what, "%s: decode(encode(x)) == x", g[i].id);
        check_text(t, what, dec, len, g[i].text, g[i].n_text);
        free(dec);
      }
    }
    free(ids);
  }
}

static void run_decode_cases(test_ctx *t, const tokenizer *tok, const cJSON *cases) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cases) {
    const char *id = cJSON_GetObjectItem(c, "id")->valuestring;
    size_t n, n_want, len = 0;
    int32_t *ids = json_ids(cJSON_GetObjectItem(c, "ids"), &n);
    for (int skip = 0; skip < 2; skip++) {
      char err[256] = "", what[300];
      char *want = field_bytes(c, skip ? "decoded_skip" : "decoded", &n_want);
      char *got = tokenizer_decode(tok, ids, n, skip, &len, err, sizeof err);
      snprintf(what, sizeof what, "%s: decode(skip=%d) %s", id, skip, err);
      check_text(t, what, got, len, want, n_want);
      free(got);
      free(want);
    }
    free(ids);
  }
}

/* ---- long cases: recipes, hash ---- */

static char *recipe_text(const cJSON *r, size_t *n) {
  const cJSON *rep = cJSON_GetObjectItem(r, "repeat");
  size_t count = (size_t)cJSON_GetObjectItem(r, "count")->valuedouble, len = 0, cap = 1 << 16;
  char *s = malloc(cap);
  const char **alpha = NULL;
  size_t *alen = NULL, n_alpha = 0;
  if (!rep) {
    const cJSON *a = cJSON_GetObjectItem(r, "alphabet"), *e;
    n_alpha = (size_t)cJSON_GetArraySize(a);
    alpha = malloc(n_alpha * sizeof *alpha);
    alen = malloc(n_alpha * sizeof *alen);
    size_t k = 0;
    cJSON_ArrayForEach(e, a) { alpha[k] = e->valuestring; alen[k] = strlen(e->valuestring); k++; }
  }
  uint64_t x = rep ? 0 : (uint64_t)cJSON_GetObjectItem(r, "seed")->valuedouble;
  for (size_t i = 0; i < count; i++) {
    const char *p;
    size_t pl;
    if (rep) { p = rep->valuestring; pl = strlen(p); }
    else {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      size_t k = (size_t)((x >> 33) % n_alpha);
      p = alpha[k];
      pl = alen[k];
    }
    if (len + pl + 1 > cap) { cap = (len + pl + 1) * 2; s = realloc(s, cap); }
    memcpy(s + len, p, pl);
    len += pl;
  }
  s[len] = '\0';
  free(alpha);
  free(alen);
  *n = len;
  return s;
}

static uint64_t fnv1a64_ids(const int32_t *ids, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++)
    for (int b = 0; b < 4; b++) h = (h ^ (((uint32_t)ids[i] >> (8 * b)) & 0xFF)) * 0x100000001b3ull;
  return h;
}

static void run_long_cases(test_ctx *t, const tokenizer *tok, const cJSON *cases, const char *mode) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cases) {
    const char *id = cJSON_GetObjectItem(c, "id")->valuestring;
    size_t n, n_ids = 0;
    char *text = recipe_text(cJSON_GetObjectItem(c, "recipe"), &n);
    TEST_CHECK(t, n == (size_t)cJSON_GetObjectItem(c, "n_bytes")->valuedouble, "%s: rebuilt %zu bytes", id, n);
    int32_t *ids = tokenizer_encode(tok, text, n, &n_ids, NULL, 0);
    if (TEST_CHECK(t, ids != NULL, "%s (%s): encode failed", id, mode)) {
      char hash[17];
      snprintf(hash, sizeof hash, "%016llx", (unsigned long long)fnv1a64_ids(ids, n_ids));
      TEST_CHECK(t, n_ids == (size_t)cJSON_GetObjectItem(c, "n_ids")->valuedouble, "%s (%s): %zu ids, want %g", id,
                 mode, n_ids, cJSON_GetObjectItem(c, "n_ids")->valuedouble);
      test_streq(t, hash, cJSON_GetObjectItem(c, "fnv1a64")->valuestring, "%s (%s): hash of the ids", id, mode);
      size_t nh, nt;
      int32_t *head = json_ids(cJSON_GetObjectItem(c, "head"), &nh), *tail = json_ids(cJSON_GetObjectItem(c, "tail"), &nt);
      TEST_CHECK(t, n_ids >= nh && memcmp(ids, head, nh * sizeof *ids) == 0, "%s (%s): first ids", id, mode);
      TEST_CHECK(t, n_ids >= nt && memcmp(ids + n_ids - nt, tail, nt * sizeof *ids) == 0, "%s (%s): last ids", id, mode);
      free(head);
      free(tail);
      if (cJSON_IsTrue(cJSON_GetObjectItem(c, "roundtrip"))) {
        size_t n_back = 0;
        char *back = tokenizer_decode(tok, ids, n_ids, 0, &n_back, NULL, 0);
        TEST_CHECK(t, back && n_back == n && memcmp(back, text, n) == 0, "%s (%s): decode(encode(x)) != x", id, mode);
        free(back);
      }
    }
    free(ids);
    free(text);
  }
}

/* ---- concurrency: every case on every thread at once, one shared tokenizer ---- */

static void run_threads(test_ctx *t, const tokenizer *tok, const golden *g, int n) {
  long bad = 0, runs = 0;
  int threads = 0;
#pragma omp parallel reduction(+ : bad, runs)
  {
#pragma omp single
    threads = omp_get_num_threads();
    /* each thread walks all cases from its own starting point, several times */
    int me = omp_get_thread_num();
    for (int rep = 0; rep < 4; rep++)
      for (int k = 0; k < n; k++) {
        int i = (k + me * 97) % n;
        size_t m = 0, len = 0;
        int32_t *ids = tokenizer_encode(tok, g[i].text, g[i].n_text, &m, NULL, 0);
        char *back = ids ? tokenizer_decode(tok, ids, m, 1, &len, NULL, 0) : NULL;
        bad += !ids || !back || !same_ids(ids, m, g[i].ids, g[i].n_ids) || len != g[i].n_decoded_skip ||
               memcmp(back, g[i].decoded_skip, len) != 0;
        runs++;
        free(back);
        free(ids);
      }
  }
  TEST_CHECK(t, bad == 0, "threads: %ld of %ld concurrent encode+decode differ (%d threads)", bad, runs, threads);
  fprintf(stderr, "tokenizer_golden: %ld concurrent encode+decode on %d threads\n", runs, threads);
}

/* ---- the API details the engine relies on ---- */

static void test_api(test_ctx *t, tokenizer *tok) {
  TEST_CHECK(t, tokenizer_vocab_size(tok) == 32015, "vocab size %d, want 32015", tokenizer_vocab_size(tok));
  TEST_CHECK(t, tokenizer_token_to_id(tok, "<image>") == 32012, "<image> id");
  TEST_CHECK(t, tokenizer_token_to_id(tok, "<image placeholder>") == 32013, "<image placeholder> id");
  TEST_CHECK(t, tokenizer_token_to_id(tok, "<|endofchunk|>") == 32014, "<|endofchunk|> id");
  TEST_CHECK(t, tokenizer_token_to_id(tok, "\xE2\x96\x81Hello") == 15043, "▁Hello id");
  TEST_CHECK(t, tokenizer_token_to_id(tok, "<0x0A>") == 13, "<0x0A> id");
  TEST_CHECK(t, tokenizer_token_to_id(tok, "no such token") == -1, "unknown token");
  test_streq(t, tokenizer_id_to_token(tok, 29871), "\xE2\x96\x81", "token 29871");
  test_streq(t, tokenizer_id_to_token(tok, 32013), "<image placeholder>", "token 32013");
  TEST_CHECK(t, tokenizer_id_to_token(tok, 32015) == NULL && tokenizer_id_to_token(tok, -1) == NULL, "ids out of range");
  TEST_CHECK(t, tokenizer_role_id(tok, TOKENIZER_BOS) == 1 && tokenizer_role_id(tok, TOKENIZER_EOS) == 32000 &&
                    tokenizer_role_id(tok, TOKENIZER_PAD) == 32011 && tokenizer_role_id(tok, TOKENIZER_UNK) == 0,
             "roles bos/eos/pad/unk: %d %d %d %d", tokenizer_role_id(tok, TOKENIZER_BOS), tokenizer_role_id(tok, TOKENIZER_EOS),
             tokenizer_role_id(tok, TOKENIZER_PAD), tokenizer_role_id(tok, TOKENIZER_UNK));
  TEST_CHECK(t, tokenizer_is_special(tok, 32012) && tokenizer_is_special(tok, 32000) && tokenizer_is_special(tok, 1) &&
                    !tokenizer_is_special(tok, 2) && !tokenizer_is_special(tok, 15043),
             "special flags (</s> is not special in these files)");
  /* caller buffer: exact fit, too small (count still reported), empty text */
  int32_t buf[8];
  size_t n = 0;
  char err[256];
  TEST_CHECK(t, tokenizer_encode_into(tok, "Hello world", 11, buf, 2, &n, err, sizeof err) == 0 && n == 2 &&
                    buf[0] == 15043 && buf[1] == 3186, "encode_into exact fit");
  TEST_CHECK(t, tokenizer_encode_into(tok, "Hello this is a test", 20, buf, 3, &n, err, sizeof err) != 0 && n == 5 &&
                    buf[2] == 338, "encode_into too small: n=%zu (want 5)", n);
  TEST_CHECK(t, strstr(err, "5 ids") != NULL, "encode_into too small: message '%s'", err);
  int32_t *none = tokenizer_encode(tok, "", 0, &n, NULL, 0);
  TEST_CHECK(t, none != NULL && n == 0, "empty text: non-NULL, no ids");
  free(none);
  /* invalid UTF-8 names the byte */
  TEST_CHECK(t, tokenizer_encode(tok, "ab\xC3(", 4, &n, err, sizeof err) == NULL && strstr(err, "byte 2"),
             "invalid UTF-8: '%s'", err);
  TEST_CHECK(t, tokenizer_encode(tok, "\xED\xA0\x80", 3, &n, err, sizeof err) == NULL, "surrogate refused");
  TEST_CHECK(t, tokenizer_encode(tok, "\xC0\xAF", 2, &n, err, sizeof err) == NULL, "overlong refused");
  /* decode refuses ids outside the vocabulary */
  int32_t bad_ids[] = {15043, 32015};
  TEST_CHECK(t, tokenizer_decode(tok, bad_ids, 2, 0, NULL, err, sizeof err) == NULL && strstr(err, "ids[1]"),
             "decode of id 32015: '%s'", err);
  /* the 2*n+8 bound of tokenizer_encode_into holds on the worst cases */
  const char *worst[] = {"<image>a<image>a<image>", "\xF0\x9F\x99\x82", "a", " ", "</s>x</s>x"};
  for (size_t k = 0; k < sizeof worst / sizeof *worst; k++) {
    int32_t *ids = tokenizer_encode(tok, worst[k], strlen(worst[k]), &n, NULL, 0);
    TEST_CHECK(t, ids && n <= 2 * strlen(worst[k]) + 8, "bound for '%s': %zu ids", worst[k], n);
    free(ids);
  }
}

/* The long cases alone (argument "long", a separate ctest entry so the two halves run in parallel):
 * each 1 MB recipe with and without word cuts (without: every segment is one word of up to 1 MB,
 * through the heap). */
static int main_long(void) {
  test_ctx t = test_begin("tokenizer_golden_long");
  char err[512] = "";
  tokenizer *tok = tokenizer_load(MODEL_DIR, TOKENIZER_ADD_XGENMM_TOKENS, err, sizeof err);
  if (!TEST_CHECK(&t, tok != NULL, "load %s: %s", MODEL_DIR, err)) return test_report(&t);
  cJSON *hf = load(&t, "hf_goldens.json");
  if (!hf) return test_report(&t);
  const cJSON *lcases = cJSON_GetObjectItem(hf, "long_cases");
  TEST_CHECK(&t, cJSON_GetArraySize(lcases) >= 9, "long case count");
  run_long_cases(&t, tok, lcases, "default");
  /* (heap only and no shortcut are run on the short cases; here the default path already sends
     every long word through the heap) */
  tok->split_words = 0;
  run_long_cases(&t, tok, lcases, "whole segments");
  cJSON_Delete(hf);
  tokenizer_free(tok);
  return test_report(&t);
}

/* The model repo's demo.ipynb prompts: zero-shot is 137 ids (the notebook prints input_ids [2, 137]),
 * the 4-shot cell 749 (model.md §10); image blocks are <image> + 127 <image placeholder>. */
static void test_demo_prompts(test_ctx *t, const tokenizer *tok) {
  static const char *outputs[] = {"A man in a suit holding something in his office.",
                                  "The young girl is standing by the fire hydrant in curlers.",
                                  "A man with a skateboard that is jumping in the air.",
                                  "A few people looking at a television that's next to a laptop."};
  const char *instr = "A short description of this image in one sentence:";
  char block[4096] = "<image>";
  for (int i = 0; i < 127; i++) strcat(block, "<image placeholder>");
  char *prompt = malloc(8 * sizeof block);
  snprintf(prompt, 8 * sizeof block, "%sPlease provide a short description of this image:", block);
  size_t n = 0;
  int32_t *ids = tokenizer_encode(tok, prompt, strlen(prompt), &n, NULL, 0);
  static const int32_t tail0[] = {3529, 3867, 263, 3273, 6139, 310, 445, 1967, 29901};
  TEST_CHECK(t, ids && n == 137 && ids[0] == 32012 && ids[127] == 32013 && memcmp(ids + 128, tail0, sizeof tail0) == 0,
             "zero-shot demo prompt: %zu ids, want 137", n);
  free(ids);
  prompt[0] = '\0';
  for (int k = 0; k < 4; k++) {
    strcat(prompt, block);
    strcat(prompt, instr);
    strcat(prompt, outputs[k]);
    strcat(prompt, "<|endofchunk|>");
  }
  strcat(prompt, block);
  strcat(prompt, instr);
  ids = tokenizer_encode(tok, prompt, strlen(prompt), &n, NULL, 0);
  TEST_CHECK(t, ids && n == 749, "4-shot demo prompt: %zu ids, want 749", n);
  free(ids);
  free(prompt);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "long") == 0) return main_long();
  test_ctx t = test_begin("tokenizer_golden");
  char err[512] = "";
  tokenizer *tok = tokenizer_load(MODEL_DIR, TOKENIZER_ADD_XGENMM_TOKENS, err, sizeof err);
  if (!TEST_CHECK(&t, tok != NULL, "load %s: %s", MODEL_DIR, err)) return test_report(&t);
  tokenizer *plain = tokenizer_load(MODEL_DIR, 0, err, sizeof err);
  if (!TEST_CHECK(&t, plain != NULL, "load without xGen-MM tokens: %s", err)) return test_report(&t);
  TEST_CHECK(&t, tokenizer_vocab_size(plain) == 32012 && tokenizer_token_to_id(plain, "<image>") == -1,
             "without the xGen-MM tokens: 32012 ids, no <image>");
  TEST_CHECK(&t, tok->split_words == 1, "the shipped vocabulary allows cutting words before '▁'");
  test_api(&t, tok);
  test_demo_prompts(&t, tok);

  cJSON *fx = load(&t, "tokenizer_cases.json"), *phi = load(&t, "phi3_vocab_tests.json"), *hf = load(&t, "hf_goldens.json");
  if (!fx || !phi || !hf) return test_report(&t);
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(fx, "cases")) {
    const char *id = cJSON_GetObjectItem(c, "id")->valuestring, *text = cJSON_GetObjectItem(c, "text")->valuestring;
    check_encode(&t, tok, id, text, strlen(text), cJSON_GetObjectItem(c, "ids"));
    /* the fixture's pieces are the token strings */
    const cJSON *p, *i = cJSON_GetObjectItem(c, "ids")->child;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(c, "pieces")) {
      const char *got = i ? tokenizer_id_to_token(tok, (int32_t)i->valuedouble) : NULL;
      TEST_CHECK(&t, got && strcmp(got, p->valuestring) == 0, "%s: piece '%s'", id, p->valuestring);
      i = i ? i->next : NULL;
    }
    const cJSON *dec = cJSON_GetObjectItem(c, "decoded");
    if (cJSON_IsString(dec)) {
      size_t n_ids, len = 0;
      int32_t *ids = json_ids(cJSON_GetObjectItem(c, "ids"), &n_ids);
      char *got = tokenizer_decode(tok, ids, n_ids, 0, &len, NULL, 0);
      check_text(&t, id, got, len, dec->valuestring, strlen(dec->valuestring));
      free(got);
      free(ids);
    }
  }
  int k = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(phi, "cases")) {
    char what[32];
    const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
    snprintf(what, sizeof what, "phi3[%d]", k++);
    check_encode(&t, plain, what, text, strlen(text), cJSON_GetObjectItem(c, "ids"));
    check_encode(&t, tok, what, text, strlen(text), cJSON_GetObjectItem(c, "ids"));
  }

  const cJSON *cases = cJSON_GetObjectItem(hf, "cases"), *dcases = cJSON_GetObjectItem(hf, "decode_cases");
  TEST_CHECK(&t, cJSON_GetArraySize(cases) >= 600 && cJSON_GetArraySize(dcases) >= 200, "golden counts");
  int n_g = 0;
  golden *g = unpack_cases(cases, &n_g);
  run_hf_cases(&t, tok, g, n_g, 1);
  run_decode_cases(&t, tok, dcases);

  /* the same ids through the other BPE paths (test-only switches of tokenizer_impl.h) */
  tok->naive_max = 0;
  run_hf_cases(&t, tok, g, n_g, 0);
  tok->naive_max = 1 << 20;
  run_hf_cases(&t, tok, g, n_g, 0);
  tok->naive_max = 32;
  tok->use_whole = 0;
  run_hf_cases(&t, tok, g, n_g, 0);
  tok->use_whole = 1;
  tok->split_words = 0;
  run_hf_cases(&t, tok, g, n_g, 0);
  tok->split_words = 1;

  run_threads(&t, tok, g, n_g);
  free_cases(g, n_g);

  cJSON_Delete(fx);
  cJSON_Delete(phi);
  cJSON_Delete(hf);
  tokenizer_free(tok);
  tokenizer_free(plain);
  return test_report(&t);
}
