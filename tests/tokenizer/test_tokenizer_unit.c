/* test_tokenizer_unit.c - tokenizer loading and BPE rules on small hand-made tokenizer files:
 *   - a 14-token BPE whose results were computed with Hugging Face tokenizers 0.23.3
 *     (Tokenizer.from_str of the same JSON; decode with skip_special_tokens False / True): merge
 *     order, leftmost ties, unk fusion, lstrip / rstrip, dropped characters without an unk token;
 *   - malformed files: missing directory or file, bad JSON, missing model / vocab / merges, merges
 *     naming unknown tokens, unsupported components, companion files that disagree with
 *     tokenizer.json. Each must fail with a one-line reason naming the file and the item;
 *   - tokenizer_config.json add_bos_token on the real files (checked with transformers 4.41.1:
 *     "Hello world" -> [1, 15043, 3186]).
 * Files are written to a fresh folder under the build tree's tests/scratch. */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"
#include "tokenizer.h"

#define REAL_DIR FEWSHOT_TEST_DIR "/fixtures/xgenmm"

/* The tiny tokenizer: {VOCAB}, {MERGES}, {MODEL_EXTRA}, {NORMALIZER}, {PRE}, {DECODER}, {ADDED} are
 * replaced by the variants of each case. */
static const char tiny_template[] =
    "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\n"
    " \"added_tokens\":[{ADDED}],\n"
    " \"normalizer\":{NORMALIZER},\n"
    " \"pre_tokenizer\":{PRE},\"post_processor\":null,\n"
    " \"decoder\":{DECODER},\n"
    " \"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":\"<unk>\",\"fuse_unk\":true,\"byte_fallback\":false{MODEL_EXTRA},\n"
    "  \"vocab\":{VOCAB},\n"
    "  \"merges\":{MERGES}}}\n";

static const char added_ok[] =
    "{\"id\":0,\"content\":\"<unk>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true},"
    "{\"id\":1,\"content\":\"<s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true},"
    "{\"id\":2,\"content\":\"</s>\",\"single_word\":false,\"lstrip\":true,\"rstrip\":true,\"normalized\":false,\"special\":false}";
static const char norm_ok[] =
    "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"\xE2\x96\x81\"},"
    "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\xE2\x96\x81\"}]}";
static const char dec_ok[] =
    "{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"\xE2\x96\x81\"},\"content\":\" \"},"
    "{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}]}";
static const char vocab_ok[] =
    "{\"<unk>\":0,\"<s>\":1,\"</s>\":2,\"\xE2\x96\x81\":3,\"a\":4,\"b\":5,\"c\":6,\"ab\":7,\"bc\":8,\"abc\":9,"
    "\"\xE2\x96\x81" "a\":10,\"\xE2\x96\x81" "ab\":11,\"aa\":12,\"aaa\":13}";
static const char merges_ok[] =
    "[\"a b\",\"b c\",\"\xE2\x96\x81 a\",\"\xE2\x96\x81" "a b\",\"ab c\",\"a a\",\"aa a\"]";

typedef struct {
  const char *added, *normalizer, *pre, *decoder, *model_extra, *vocab, *merges;
} tiny_parts;

static const tiny_parts tiny_ok = {added_ok, norm_ok, "null", dec_ok, "", vocab_ok, merges_ok};

/* Builds the tiny tokenizer.json text with the given parts (malloc'd). */
static char *tiny_json(const tiny_parts *p) {
  const char *keys[] = {"{ADDED}", "{NORMALIZER}", "{PRE}", "{DECODER}", "{MODEL_EXTRA}", "{VOCAB}", "{MERGES}"};
  const char *vals[] = {p->added, p->normalizer, p->pre, p->decoder, p->model_extra, p->vocab, p->merges};
  size_t cap = sizeof tiny_template + 1;
  for (int i = 0; i < 7; i++) cap += strlen(vals[i]);
  char *out = malloc(cap);
  const char *s = tiny_template;
  size_t o = 0;
  while (*s) {
    int hit = -1;
    for (int i = 0; i < 7 && hit < 0; i++)
      if (strncmp(s, keys[i], strlen(keys[i])) == 0) hit = i;
    if (hit >= 0) {
      memcpy(out + o, vals[hit], strlen(vals[hit]));
      o += strlen(vals[hit]);
      s += strlen(keys[hit]);
    } else {
      out[o++] = *s++;
    }
  }
  out[o] = '\0';
  return out;
}

/* s with its first `from` replaced by `to` (malloc'd). */
static char *replace_once(const char *s, const char *from, const char *to) {
  const char *at = strstr(s, from);
  if (!at) { fprintf(stderr, "replace_once: '%s' not found\n", from); exit(2); }
  char *out = malloc(strlen(s) + strlen(to) + 1);
  size_t head = (size_t)(at - s);
  memcpy(out, s, head);
  strcpy(out + head, to);
  strcat(out, at + strlen(from));
  return out;
}

/* ---- scratch folders ---- */

typedef struct {
  char root[512];
  int n;
} scratch;

static void write_file(const char *dir, const char *name, const char *text, size_t len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) { fprintf(stderr, "cannot write %s\n", path); exit(2); }
  fwrite(text, 1, len, f);
  fclose(f);
}

/* A new empty folder; its path goes to dir. */
static void new_dir(scratch *s, char *dir, size_t size) {
  snprintf(dir, size, "%s/case%02d", s->root, s->n++);
  mkdir(dir, 0755);
  const char *names[] = {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"};
  for (int i = 0; i < 4; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
}

/* Loads the tiny tokenizer built from `p` (plus optional companion files); returns it or NULL. */
static tokenizer *load_tiny(scratch *s, const tiny_parts *p, const char *config, const char *map, const char *added,
                            char *err, size_t err_size) {
  char dir[600];
  new_dir(s, dir, sizeof dir);
  char *json = tiny_json(p);
  write_file(dir, "tokenizer.json", json, strlen(json));
  free(json);
  if (config) write_file(dir, "tokenizer_config.json", config, strlen(config));
  if (map) write_file(dir, "special_tokens_map.json", map, strlen(map));
  if (added) write_file(dir, "added_tokens.json", added, strlen(added));
  err[0] = '\0';
  return tokenizer_load(dir, 0, err, err_size);
}

/* Expects loading to fail with an error that contains every one of the NULL-terminated needles. */
static void expect_fail(test_ctx *t, scratch *s, const char *what, const tiny_parts *p, const char *config,
                        const char *map, const char *added, const char *needle1, const char *needle2) {
  char err[512];
  tokenizer *tok = load_tiny(s, p, config, map, added, err, sizeof err);
  TEST_CHECK(t, tok == NULL, "%s: loaded, expected an error", what);
  tokenizer_free(tok);
  TEST_CHECK(t, strstr(err, needle1) != NULL && (!needle2 || strstr(err, needle2) != NULL) && !strchr(err, '\n'),
             "%s: error '%s' should name '%s'%s%s", what, err, needle1, needle2 ? " and " : "", needle2 ? needle2 : "");
}

/* ---- the tiny tokenizer's results (Hugging Face tokenizers 0.23.3) ---- */

static void expect_ids(test_ctx *t, const tokenizer *tok, const char *text, const int32_t *want, size_t n_want) {
  size_t n = 0;
  char err[256] = "";
  int32_t *ids = tokenizer_encode(tok, text, strlen(text), &n, err, sizeof err);
  int ok = ids && n == n_want && (n == 0 || memcmp(ids, want, n * sizeof *ids) == 0);
  char got[256] = "";
  for (size_t i = 0, o = 0; ids && i < n && o + 12 < sizeof got; i++) o += (size_t)snprintf(got + o, sizeof got - o, "%d ", ids[i]);
  TEST_CHECK(t, ok, "encode \"%s\": got [%s] %s", text, got, err);
  free(ids);
}

static void expect_text(test_ctx *t, const tokenizer *tok, const int32_t *ids, size_t n, int skip, const char *want) {
  size_t len = 0;
  char *got = tokenizer_decode(tok, ids, n, skip, &len, NULL, 0);
  TEST_CHECK(t, got && len == strlen(want) && strcmp(got, want) == 0, "decode(skip=%d): got \"%s\", want \"%s\"", skip,
             got ? got : "(null)", want);
  free(got);
}

static void test_tiny_rules(test_ctx *t, scratch *s) {
  char err[512];
  tokenizer *tok = load_tiny(s, &tiny_ok, NULL, NULL, NULL, err, sizeof err);
  if (!TEST_CHECK(t, tok != NULL, "tiny tokenizer: %s", err)) return;
#define IDS(...) ((const int32_t[]){__VA_ARGS__}), sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t)
  expect_ids(t, tok, "abc", IDS(3, 9));            /* a+b (rank 0), then ab+c (rank 4) */
  expect_ids(t, tok, "cab", IDS(3, 6, 7));
  expect_ids(t, tok, "bcbc", IDS(3, 8, 8));
  expect_ids(t, tok, "aaaa", IDS(10, 13));         /* ▁a first (rank 2), then a a, aa a */
  expect_ids(t, tok, "aaaaa", IDS(10, 12, 12));    /* leftmost a a pairs merge first */
  expect_ids(t, tok, "xyz", IDS(3, 0));            /* unknown characters fuse into one <unk> */
  expect_ids(t, tok, "abxab", IDS(3, 7, 0, 7));
  expect_ids(t, tok, "a</s>  b", IDS(10, 2, 3, 5)); /* </s> rstrip swallows the spaces after it */
  expect_ids(t, tok, "a  </s>b", IDS(10, 2, 3, 5)); /* ... and lstrip the spaces before it */
  expect_ids(t, tok, "x</s>", IDS(3, 0, 2));
  expect_ids(t, tok, "<s>abc", IDS(1, 3, 9));
  expect_ids(t, tok, " ", IDS(3, 3));
  expect_text(t, tok, IDS(3, 0), 0, "<unk>");
  expect_text(t, tok, IDS(3, 0), 1, "");
  expect_text(t, tok, IDS(3, 0, 2), 0, "<unk></s>");
  expect_text(t, tok, IDS(3, 0, 2), 1, "</s>");       /* </s> is not special here */
  expect_text(t, tok, IDS(3, 7, 0, 7), 0, "ab<unk>ab");
  expect_text(t, tok, IDS(1, 3, 9), 0, "<s> abc");
  expect_text(t, tok, IDS(1, 3, 9), 1, "abc");
  expect_text(t, tok, IDS(10, 2, 3, 5), 0, "a</s> b");
  TEST_CHECK(t, tokenizer_vocab_size(tok) == 14 && tokenizer_role_id(tok, TOKENIZER_EOS) == -1,
             "tiny: 14 ids, no roles without companion files");
  tokenizer_free(tok);

  /* variants of the model section */
  char dir[600];
  static const struct { const char *from, *to, *text; int32_t want[4]; size_t n; } v[] = {
      {"\"fuse_unk\":true", "\"fuse_unk\":false", "xyz", {3, 0, 0, 0}, 4}, /* one <unk> per character */
      {"\"unk_token\":\"<unk>\"", "\"unk_token\":null", "xyz", {3}, 1},   /* no unk: characters dropped */
      {"\"unk_token\":\"<unk>\"", "\"unk_token\":null", "axb", {3, 7}, 2},
  };
  for (size_t k = 0; k < sizeof v / sizeof *v; k++) {
    char *json = tiny_json(&tiny_ok), *changed = replace_once(json, v[k].from, v[k].to);
    new_dir(s, dir, sizeof dir);
    write_file(dir, "tokenizer.json", changed, strlen(changed));
    free(json);
    free(changed);
    tok = tokenizer_load(dir, 0, err, sizeof err);
    if (TEST_CHECK(t, tok != NULL, "variant %s: %s", v[k].to, err)) expect_ids(t, tok, v[k].text, v[k].want, v[k].n);
    tokenizer_free(tok);
  }
}

/* ---- malformed files ---- */

static void test_malformed(test_ctx *t, scratch *s) {
  char err[512], dir[600];
  /* no such folder / no tokenizer.json */
  tokenizer *tok = tokenizer_load("/nonexistent/model", 0, err, sizeof err);
  TEST_CHECK(t, !tok && strstr(err, "/nonexistent/model/tokenizer.json: cannot open"), "missing folder: '%s'", err);
  new_dir(s, dir, sizeof dir);
  tok = tokenizer_load(dir, 0, err, sizeof err);
  TEST_CHECK(t, !tok && strstr(err, "tokenizer.json: cannot open") && strstr(err, "No such file"), "missing file: '%s'", err);
  /* NULL err and a tiny err buffer are fine */
  TEST_CHECK(t, tokenizer_load(dir, 0, NULL, 0) == NULL, "missing file, no err buffer");
  char small[8];
  TEST_CHECK(t, tokenizer_load(dir, 0, small, sizeof small) == NULL && strlen(small) == 7, "small err buffer");

  /* the real tokenizer.json cut short: bad JSON, with where */
  size_t len = 0;
  char *real = test_read_file(REAL_DIR "/tokenizer.json", &len);
  if (TEST_CHECK(t, real != NULL, "read the real tokenizer.json")) {
    new_dir(s, dir, sizeof dir);
    write_file(dir, "tokenizer.json", real, 5000);
    tok = tokenizer_load(dir, 0, err, sizeof err);
    TEST_CHECK(t, !tok && strstr(err, "tokenizer.json: invalid JSON near line"), "truncated: '%s'", err);
    write_file(dir, "tokenizer.json", "[1, 2]", 6);
    tok = tokenizer_load(dir, 0, err, sizeof err);
    TEST_CHECK(t, !tok && strstr(err, "tokenizer.json: expected a JSON object"), "array: '%s'", err);
    write_file(dir, "tokenizer.json", "", 0);
    tok = tokenizer_load(dir, 0, err, sizeof err);
    TEST_CHECK(t, !tok && strstr(err, "invalid JSON"), "empty file: '%s'", err);
    free(real);
  }
  write_file(dir, "tokenizer.json", "{\"version\": \"1.0\"}", 18);
  tok = tokenizer_load(dir, 0, err, sizeof err);
  TEST_CHECK(t, !tok && strstr(err, "tokenizer.json: missing 'model'"), "no model: '%s'", err);

  tiny_parts p = tiny_ok;
  p.merges = "null";
  expect_fail(t, s, "no merges", &p, NULL, NULL, NULL, "tokenizer.json: model.merges: missing", NULL);
  p = tiny_ok;
  p.vocab = "[]";
  expect_fail(t, s, "vocab not an object", &p, NULL, NULL, NULL, "model.vocab: missing or not an object", NULL);
  p.vocab = "{\"a\":0,\"b\":5}";
  expect_fail(t, s, "vocab id out of range", &p, NULL, NULL, NULL, "model.vocab['b']", "[0, 2)");
  p.vocab = "{\"a\":0,\"b\":0}";
  expect_fail(t, s, "vocab id twice", &p, NULL, NULL, NULL, "model.vocab['b']: id 0 is also used by 'a'", NULL);
  p = tiny_ok;
  p.merges = "[\"a x\"]";
  expect_fail(t, s, "merge of an unknown token", &p, NULL, NULL, NULL, "model.merges[0]: token 'x' is not in model.vocab", NULL);
  p.merges = "[\"a b\", \"ab\"]";
  expect_fail(t, s, "merge without a space", &p, NULL, NULL, NULL, "model.merges[1]: 'ab' is not two tokens", NULL);
  p.merges = "[\"b a\"]";
  expect_fail(t, s, "merge result unknown", &p, NULL, NULL, NULL, "model.merges[0]: merged token 'ba'", NULL);
  p.merges = "[[\"a\", \"b\"], 7]";
  expect_fail(t, s, "merge of a wrong type", &p, NULL, NULL, NULL, "model.merges[1]: expected", NULL);
  p = tiny_ok;
  p.pre = "{\"type\":\"Metaspace\",\"replacement\":\"\xE2\x96\x81\"}";
  expect_fail(t, s, "pre-tokenizer", &p, NULL, NULL, NULL, "pre_tokenizer: type 'Metaspace' is not supported", NULL);
  p = tiny_ok;
  p.normalizer = "{\"type\":\"NFKC\"}";
  expect_fail(t, s, "normalizer", &p, NULL, NULL, NULL, "normalizer: normalizer type 'NFKC' is not supported", NULL);
  p.normalizer = "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Replace\",\"pattern\":{\"Regex\":\" +\"},\"content\":\"x\"}]}";
  expect_fail(t, s, "regex replace", &p, NULL, NULL, NULL, "normalizer.normalizers[0].pattern", NULL);
  p = tiny_ok;
  p.decoder = "null";
  expect_fail(t, s, "no decoder", &p, NULL, NULL, NULL, "decoder: missing", NULL);
  p.decoder = "{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Fuse\"},{\"type\":\"Replace\",\"pattern\":{\"String\":\"a\"},\"content\":\"b\"}]}";
  expect_fail(t, s, "decoder order", &p, NULL, NULL, NULL, "decoder.decoders[1]: decoder 'Replace' is not supported", NULL);
  p = tiny_ok;
  p.added = "{\"id\":0,\"content\":\"<unk>\",\"normalized\":true,\"special\":true}";
  expect_fail(t, s, "normalized added token", &p, NULL, NULL, NULL, "added_tokens[0] ('<unk>'): normalized=true", NULL);
  p.added = "{\"id\":0,\"special\":true}";
  expect_fail(t, s, "added token without content", &p, NULL, NULL, NULL, "added_tokens[0]: missing string 'content'", NULL);
  {
    char *json = tiny_json(&tiny_ok), *changed = replace_once(json, "\"type\":\"BPE\"", "\"type\":\"WordPiece\"");
    new_dir(s, dir, sizeof dir);
    write_file(dir, "tokenizer.json", changed, strlen(changed));
    tok = tokenizer_load(dir, 0, err, sizeof err);
    TEST_CHECK(t, !tok && strstr(err, "model.type: 'WordPiece' is not supported"), "WordPiece: '%s'", err);
    free(changed);
    free(json);
    json = tiny_json(&tiny_ok);
    changed = replace_once(json, "\"truncation\":null", "\"truncation\":{\"max_length\":8}");
    write_file(dir, "tokenizer.json", changed, strlen(changed));
    tok = tokenizer_load(dir, 0, err, sizeof err);
    TEST_CHECK(t, !tok && strstr(err, "tokenizer.json: truncation: not supported"), "truncation: '%s'", err);
    free(changed);
    free(json);
    json = tiny_json(&tiny_ok);
    changed = replace_once(json, "\"fuse_unk\":true", "\"fuse_unk\":1");
    write_file(dir, "tokenizer.json", changed, strlen(changed));
    tok = tokenizer_load(dir, 0, err, sizeof err);
    TEST_CHECK(t, !tok && strstr(err, "tokenizer.json: model.fuse_unk: expected true or false"), "fuse_unk 1: '%s'", err);
    free(changed);
    free(json);
  }

  /* companion files */
  expect_fail(t, s, "bad tokenizer_config.json", &tiny_ok, "{\"add_bos_token\": fals", NULL, NULL,
              "tokenizer_config.json: invalid JSON near line 1", NULL);
  expect_fail(t, s, "bad special_tokens_map.json", &tiny_ok, NULL, "{\"pad_token\": \"<nope>\"}", NULL,
              "special_tokens_map.json: pad_token: '<nope>' is not a token", NULL);
  expect_fail(t, s, "special_tokens_map.json of a wrong type", &tiny_ok, NULL, "{\"eos_token\": 3}", NULL,
              "special_tokens_map.json: eos_token: expected a string", NULL);
  expect_fail(t, s, "added_tokens.json disagrees", &tiny_ok, NULL, NULL, "{\"<s>\": 5}", "added_tokens.json: '<s>': id 5",
              NULL);
  expect_fail(t, s, "added_tokens.json not an object", &tiny_ok, NULL, NULL, "[]", "added_tokens.json: expected an object",
              NULL);
  expect_fail(t, s, "added_tokens_decoder disagrees", &tiny_ok,
              "{\"added_tokens_decoder\": {\"2\": {\"content\": \"</s>\", \"lstrip\": false, \"rstrip\": true}}}", NULL, NULL,
              "tokenizer_config.json: added_tokens_decoder['2']: flags of '</s>' differ", NULL);
  expect_fail(t, s, "add_bos_token without bos", &tiny_ok, "{\"tokenizer_class\": \"LlamaTokenizer\"}", NULL, NULL,
              "tokenizer_config.json: add_bos_token is true but there is no bos_token", NULL);
  expect_fail(t, s, "add_bos_token not a boolean", &tiny_ok,
              "{\"tokenizer_class\": \"LlamaTokenizer\", \"bos_token\": \"<s>\", \"add_bos_token\": 1}", NULL, NULL,
              "tokenizer_config.json: tokenizer_config.add_bos_token: expected true or false", NULL);
}

/* ---- tokenizer_config.json decides BOS / EOS for the Llama class (LlamaTokenizerFast) ---- */

static void test_bos_eos(test_ctx *t, scratch *s) {
  char dir[600], err[512];
  new_dir(s, dir, sizeof dir);
  const char *names[] = {"tokenizer.json", "special_tokens_map.json", "added_tokens.json"};
  for (int i = 0; i < 3; i++) {
    char src[600];
    size_t len = 0;
    snprintf(src, sizeof src, "%s/%s", REAL_DIR, names[i]);
    char *text = test_read_file(src, &len);
    if (!TEST_CHECK(t, text != NULL, "read %s", src)) return;
    write_file(dir, names[i], text, len);
    free(text);
  }
  static const struct { const char *config; int32_t want[4]; size_t n; } c[] = {
      {"{\"tokenizer_class\": \"LlamaTokenizer\", \"add_bos_token\": true, \"add_eos_token\": false}", {1, 15043, 3186}, 3},
      {"{\"tokenizer_class\": \"LlamaTokenizer\", \"add_bos_token\": true, \"add_eos_token\": true}", {1, 15043, 3186, 32000}, 4},
      {"{\"tokenizer_class\": \"LlamaTokenizer\"}", {1, 15043, 3186}, 3}, /* LlamaTokenizerFast defaults: BOS only */
      {"{\"tokenizer_class\": \"LlamaTokenizer\", \"add_bos_token\": false, \"add_eos_token\": false}", {15043, 3186}, 2},
      {"{\"tokenizer_class\": \"OtherTokenizer\"}", {15043, 3186}, 2}, /* tokenizer.json's template: nothing */
  };
  for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
    write_file(dir, "tokenizer_config.json", c[k].config, strlen(c[k].config));
    tokenizer *tok = tokenizer_load(dir, TOKENIZER_ADD_XGENMM_TOKENS, err, sizeof err);
    if (!TEST_CHECK(t, tok != NULL, "config %zu: %s", k, err)) continue;
    size_t n = 0;
    int32_t *ids = tokenizer_encode(tok, "Hello world", 11, &n, NULL, 0);
    TEST_CHECK(t, ids && n == c[k].n && memcmp(ids, c[k].want, n * sizeof *ids) == 0, "config %zu (%s): %zu ids", k,
               c[k].config, n);
    free(ids);
    tokenizer_free(tok);
  }
}

int main(void) {
  test_ctx t = test_begin("tokenizer_unit");
  scratch s = {{0}, 0};
  snprintf(s.root, sizeof s.root, "%s/tests/scratch", FEWSHOT_BINARY_DIR);
  mkdir(FEWSHOT_BINARY_DIR "/tests", 0755);
  mkdir(s.root, 0755);
  strncat(s.root, "/tokenizer_unit", sizeof s.root - strlen(s.root) - 1);
  mkdir(s.root, 0755);
  test_tiny_rules(&t, &s);
  test_malformed(&t, &s);
  test_bos_eos(&t, &s);
  return test_report(&t);
}
