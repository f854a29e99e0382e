/* cmd_tokenize.c - `fewshot tokenize`: text -> ids and ids -> text with a model directory's tokenizer
 * (model/tokenizer.h), plus a throughput benchmark. Modes (README "tokenize"):
 *
 *   tokenize --model DIR TEXT            ids of TEXT, space-separated, one line
 *   tokenize --model DIR -               the whole of stdin is one text (bytes as given)
 *   tokenize --model DIR --pieces TEXT   one token per line: id, tab, token string
 *   tokenize --model DIR --json TEXT     {"ids": [...]}
 *   tokenize --model DIR --json -        stdin is JSON lines {"text": "..."}; one {"ids": [...]} line
 *                                        per input line, in order (encoded in parallel, OpenMP)
 *   tokenize --model DIR --decode IDS    IDS ("1 2 3", "[1, 2, 3]") -> the text, one line
 *   tokenize --model DIR --decode -      ids read from stdin -> the text
 *   tokenize --model DIR --json --decode -   JSON lines {"ids": [...]} -> {"text": "..."} lines
 *   tokenize --model DIR --bench FILE    encode FILE on one thread and on all threads; MB/s
 *
 * --skip-special drops special tokens when decoding; --no-xgenmm-tokens loads the files without
 * the three tokens xGen-MM adds (<image>, <image placeholder>, <|endofchunk|>). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "rundir.h"
#include "tokenizer.h"

static const char usage[] =
    "usage: fewshot tokenize --model DIR [--json] [--decode] [--skip-special] [--pieces]\n"
    "                        [--no-xgenmm-tokens] [TEXT | -]\n"
    "       fewshot tokenize --model DIR --bench FILE [--threads N] [--json]\n"
    "Text -> ids (or ids -> text with --decode) with the model's tokenizer (DIR/tokenizer.json and\n"
    "its companion files), as Hugging Face tokenizers does, plus the three xGen-MM tokens.\n"
    "  TEXT            the text to encode (with --decode: ids separated by spaces or commas)\n"
    "  -               read stdin: the whole of it is one text (or one list of ids)\n"
    "  --json          output {\"ids\": [...]} (or {\"text\": \"...\"}); with '-', stdin is JSON\n"
    "                  lines {\"text\": \"...\"} (or {\"ids\": [...]}) and each gives one output line\n"
    "  --decode        ids -> text\n"
    "  --skip-special  when decoding, leave out special tokens (skip_special_tokens=True)\n"
    "  --pieces        when encoding without --json, print 'id<TAB>token' per token\n"
    "  --no-xgenmm-tokens  do not add <image>, <image placeholder>, <|endofchunk|>\n"
    "  --bench FILE    time encoding FILE (whole, then line by line on N threads)\n"
    "  --threads N     threads for --json - and --bench (default: OpenMP's)\n";

#define CMD "tokenize"

/* ---- output helpers ---- */

/* Writes s[0..n) as a JSON string literal (UTF-8 passed through, controls escaped). */
static void put_json_string(FILE *out, const char *s, size_t n) {
  fputc('"', out);
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    fwrite(s + run, 1, i - run, out);
    run = i + 1;
    switch (c) {
      case '"': fputs("\\\"", out); break;
      case '\\': fputs("\\\\", out); break;
      case '\n': fputs("\\n", out); break;
      case '\r': fputs("\\r", out); break;
      case '\t': fputs("\\t", out); break;
      case '\b': fputs("\\b", out); break;
      case '\f': fputs("\\f", out); break;
      default: fprintf(out, "\\u%04x", c); break;
    }
  }
  fwrite(s + run, 1, n - run, out);
  fputc('"', out);
}

static void put_ids(FILE *out, const int32_t *ids, size_t n, int json) {
  if (json) fputs("{\"ids\": [", out);
  for (size_t i = 0; i < n; i++) fprintf(out, i ? (json ? ", %d" : " %d") : "%d", ids[i]);
  fputs(json ? "]}\n" : "\n", out);
}

static void put_text(FILE *out, const char *s, size_t n, int json) {
  if (json) {
    fputs("{\"text\": ", out);
    put_json_string(out, s, n);
    fputs("}\n", out);
  } else {
    fwrite(s, 1, n, out);
    fputc('\n', out);
  }
}

/* ---- input helpers ---- */

/* Parses ids separated by white space, commas or brackets. Returns 0, or -1 with a message. */
static int parse_ids(const char *s, const char *what, int32_t **ids, size_t *n) {
  size_t cap = 64, cnt = 0;
  int32_t *v = malloc(cap * sizeof *v);
  if (!v) { cli_error(CMD, "%s: out of memory", what); return -1; }
  const char *p = s;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ',' || *p == '[' || *p == ']') p++;
    if (!*p) break;
    char *end = NULL;
    errno = 0;
    long x = strtol(p, &end, 10);
    if (end == p || errno || x < INT32_MIN || x > INT32_MAX) {
      cli_error(CMD, "%s: expected token ids, got '%.20s'", what, p);
      free(v);
      return -1;
    }
    if (cnt == cap) {
      int32_t *nv = realloc(v, (cap *= 2) * sizeof *nv);
      if (!nv) { free(v); cli_error(CMD, "%s: out of memory", what); return -1; }
      v = nv;
    }
    v[cnt++] = (int32_t)x;
    p = end;
  }
  *ids = v;
  *n = cnt;
  return 0;
}

/* 1 when the JSON text has a \u0000 escape (cJSON would cut the string there). */
static int has_nul_escape(const char *s) {
  for (; *s; s++) {
    if (*s != '\\') continue;
    if (s[1] == 'u' && s[2] == '0' && s[3] == '0' && s[4] == '0' && s[5] == '0') return 1;
    if (s[1]) s++;
  }
  return 0;
}

/* ---- JSON lines: batches parsed in order, worked on in parallel, printed in order ---- */

#define BATCH 4096

typedef struct {
  char *text;      /* encode: the text (owned); decode: unused */
  size_t n_text;
  int32_t *ids;    /* decode: the input ids (owned); encode: the result (owned) */
  size_t n_ids;
  char *out;       /* decode: the result (owned) */
  size_t n_out;
  char err[256];   /* non-empty when this line failed */
} line_job;

static void job_clear(line_job *j) {
  free(j->text);
  free(j->ids);
  free(j->out);
  memset(j, 0, sizeof *j);
}

/* Parses one input line into the job; returns 0 or -1 with the job's err set. */
static int parse_line(const char *line, size_t len, int decode, line_job *j) {
  cJSON *root = cJSON_ParseWithLength(line, len);
  if (!cJSON_IsObject(root)) {
    snprintf(j->err, sizeof j->err, "expected a JSON object like %s", decode ? "{\"ids\": [1, 2]}" : "{\"text\": \"...\"}");
    cJSON_Delete(root);
    return -1;
  }
  int rc = -1;
  if (!decode) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "text");
    if (!cJSON_IsString(t)) {
      snprintf(j->err, sizeof j->err, "missing string field 'text'");
    } else if (has_nul_escape(line)) {
      snprintf(j->err, sizeof j->err, "'text' holds a NUL character (\\u0000), which JSON-lines input does not support");
    } else {
      j->n_text = strlen(t->valuestring);
      j->text = strdup(t->valuestring);
      rc = j->text ? 0 : -1;
      if (rc) snprintf(j->err, sizeof j->err, "out of memory");
    }
  } else {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "ids"), *e;
    if (!cJSON_IsArray(a)) {
      snprintf(j->err, sizeof j->err, "missing array field 'ids'");
    } else {
      int n = cJSON_GetArraySize(a), k = 0;
      j->ids = malloc((size_t)(n ? n : 1) * sizeof *j->ids);
      rc = j->ids ? 0 : -1;
      cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsNumber(e) || e->valuedouble != (double)(int32_t)e->valuedouble) {
          snprintf(j->err, sizeof j->err, "ids[%d]: expected an integer", k);
          rc = -1;
          break;
        }
        if (j->ids) j->ids[k++] = (int32_t)e->valuedouble;
      }
      j->n_ids = (size_t)k;
    }
  }
  cJSON_Delete(root);
  return rc;
}

static int run_json_lines(const tokenizer *tok, int decode, int skip_special) {
  line_job *jobs = calloc(BATCH, sizeof *jobs);
  char *line = NULL;
  size_t line_cap = 0;
  long line_no = 0;
  int status = FS_EXIT_OK, eof = 0;
  if (!jobs) { cli_error(CMD, "out of memory"); return FS_EXIT_RUNTIME; }
  while (!eof && status == FS_EXIT_OK) {
    int n = 0, bad = -1;
    long first_line = line_no + 1;
    while (n < BATCH) {
      ssize_t got = getline(&line, &line_cap, stdin);
      if (got < 0) { eof = 1; break; }
      line_no++;
      size_t len = (size_t)got;
      if (len && line[len - 1] == '\n') len--;
      if (len && line[len - 1] == '\r') len--;
      line[len] = '\0';
      if (parse_line(line, len, decode, &jobs[n]) != 0) { bad = n++; break; }
      n++;
    }
    int upto = bad >= 0 ? bad : n;
#pragma omp parallel for schedule(dynamic, 16)
    for (int i = 0; i < upto; i++) {
      line_job *j = &jobs[i];
      if (!decode) {
        j->ids = tokenizer_encode(tok, j->text, j->n_text, &j->n_ids, j->err, sizeof j->err);
        if (!j->ids && !j->err[0]) snprintf(j->err, sizeof j->err, "encoding failed");
      } else {
        j->out = tokenizer_decode(tok, j->ids, j->n_ids, skip_special, &j->n_out, j->err, sizeof j->err);
        if (!j->out && !j->err[0]) snprintf(j->err, sizeof j->err, "decoding failed");
      }
    }
    for (int i = 0; i < n && status == FS_EXIT_OK; i++) {
      line_job *j = &jobs[i];
      if (i == bad || (!decode && !j->ids) || (decode && !j->out)) {
        cli_error(CMD, "stdin:%ld: %s", first_line + i, j->err);
        status = FS_EXIT_USAGE;
        break;
      }
      if (!decode) put_ids(stdout, j->ids, j->n_ids, 1);
      else put_text(stdout, j->out, j->n_out, 1);
    }
    for (int i = 0; i < n; i++) job_clear(&jobs[i]);
  }
  free(line);
  free(jobs);
  return status;
}

/* ---- benchmark ---- */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of the calling thread: unlike the wall clock, not inflated by other processes. */
static double thread_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run_bench(const tokenizer *tok, const char *path, int json) {
  FILE *f = fopen(path, "rb");
  if (!f) { cli_error(CMD, "%s: cannot open: %s", path, strerror(errno)); return FS_EXIT_USAGE; }
  size_t len = 0;
  char err[256];
  char *text = rundir_read_stream(f, path, 0, &len, err, sizeof err);
  fclose(f);
  if (!text) { cli_error(CMD, "%s", err); return FS_EXIT_RUNTIME; }
  /* 1. the whole file as one text, one thread, repeated for >= 1 s */
  size_t n_ids = 0;
  int reps = 0;
  double t0 = now_s(), t1, c0 = thread_cpu_s();
  do {
    int32_t *ids = tokenizer_encode(tok, text, len, &n_ids, err, sizeof err);
    if (!ids) { cli_error(CMD, "%s: %s", path, err); free(text); return FS_EXIT_USAGE; }
    free(ids);
    reps++;
    t1 = now_s();
  } while (t1 - t0 < 1.0);
  double whole_mbs = (double)len * reps / (t1 - t0) / 1e6;
  double whole_cpu_mbs = (double)len * reps / (thread_cpu_s() - c0) / 1e6;
  /* 2. line by line (each line its own text, as prompts are), on all threads */
  size_t n_lines = 0;
  for (size_t i = 0; i < len; i++) n_lines += text[i] == '\n';
  size_t *starts = malloc((n_lines + 2) * sizeof *starts);
  if (!starts) { free(text); cli_error(CMD, "out of memory"); return FS_EXIT_RUNTIME; }
  size_t k = 0;
  starts[k++] = 0;
  for (size_t i = 0; i < len; i++)
    if (text[i] == '\n') starts[k++] = i + 1;
  if (starts[k - 1] != len) starts[k++] = len + 1; /* a last line without '\n' */
  long lines = (long)k - 1;
  int threads = omp_get_max_threads(), failed = 0;
  size_t total_ids = 0;
  double cpu = 0; /* CPU seconds summed over the threads */
  reps = 0;
  t0 = now_s();
  do {
#pragma omp parallel reduction(+ : total_ids, cpu) reduction(| : failed)
    {
      double c = thread_cpu_s();
#pragma omp for schedule(dynamic, 64)
      for (long i = 0; i < lines; i++) {
        size_t s = starts[i], e = starts[i + 1] - 1, n = 0;
        char e2[128];
        int32_t *ids = tokenizer_encode(tok, text + s, e - s, &n, e2, sizeof e2);
        if (!ids) failed |= 1;
        total_ids += n;
        free(ids);
      }
      cpu += thread_cpu_s() - c;
    }
    reps++;
    t1 = now_s();
  } while (t1 - t0 < 1.0 && !failed);
  double lines_mbs = (double)len * reps / (t1 - t0) / 1e6;
  double lines_cpu_mbs = (double)len * reps / cpu / 1e6;
  free(starts);
  free(text);
  if (failed) { cli_error(CMD, "%s: a line failed to encode", path); return FS_EXIT_USAGE; }
  if (json) {
    printf("{\"file\": ");
    put_json_string(stdout, path, strlen(path));
    printf(", \"bytes\": %zu, \"ids\": %zu, \"whole_1thread_MBps\": %.2f, \"whole_1thread_cpu_MBps\": %.2f, "
           "\"lines\": %ld, \"threads\": %d, \"lines_all_threads_MBps\": %.2f, \"lines_cpu_MBps_per_core\": %.2f}\n",
           len, n_ids, whole_mbs, whole_cpu_mbs, lines, threads, lines_mbs, lines_cpu_mbs);
  } else {
    printf("%s: %zu bytes -> %zu ids (%.2f bytes/id)\n", path, len, n_ids, n_ids ? (double)len / n_ids : 0.0);
    printf("whole text, 1 thread:       %8.2f MB/s wall clock, %.2f MB/s of CPU time\n", whole_mbs, whole_cpu_mbs);
    printf("%ld lines, %d threads:      %8.2f MB/s wall clock, %.2f MB/s per core of CPU time\n", lines, threads,
           lines_mbs, lines_cpu_mbs);
  }
  return FS_EXIT_OK;
}

/* ---- the command ---- */

int cmd_tokenize(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return cli_print_help(usage);
  const char *model = NULL, *input = NULL, *bench = NULL;
  int json = 0, decode = 0, skip_special = 0, pieces = 0, xgenmm = 1, dashdash = 0;
  long threads = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!dashdash && strcmp(a, "--") == 0) { dashdash = 1; continue; }
    if (!dashdash && a[0] == '-' && a[1] == '-') {
      if (strcmp(a, "--model") == 0 || strcmp(a, "--bench") == 0 || strcmp(a, "--threads") == 0) {
        if (i + 1 >= argc) return cli_usage_error(CMD, usage, "%s needs a value", a);
        const char *v = argv[++i];
        if (a[2] == 'm') model = v;
        else if (a[2] == 'b') bench = v;
        else if (cli_parse_long(CMD, a, v, 1, 4096, &threads) != 0) return FS_EXIT_USAGE;
      } else if (strcmp(a, "--json") == 0) json = 1;
      else if (strcmp(a, "--decode") == 0) decode = 1;
      else if (strcmp(a, "--skip-special") == 0) skip_special = 1;
      else if (strcmp(a, "--pieces") == 0) pieces = 1;
      else if (strcmp(a, "--no-xgenmm-tokens") == 0) xgenmm = 0;
      else return cli_usage_error(CMD, usage, "unknown option '%s'", a);
      continue;
    }
    if (input) return cli_usage_error(CMD, usage, "one TEXT only (quote it), got '%s' too", a);
    input = a;
  }
  if (!model) return cli_usage_error(CMD, usage, "--model DIR is required");
  if (bench && input) return cli_usage_error(CMD, usage, "--bench takes no TEXT");
  if (!bench && !input) return cli_usage_error(CMD, usage, "give TEXT or '-' (stdin)");
  if (pieces && (json || decode)) return cli_usage_error(CMD, usage, "--pieces goes with plain encoding only");
  if (threads > 0) omp_set_num_threads((int)threads);

  char err[512];
  tokenizer *tok = tokenizer_load(model, xgenmm ? TOKENIZER_ADD_XGENMM_TOKENS : 0, err, sizeof err);
  if (!tok) { cli_error(CMD, "%s", err); return FS_EXIT_USAGE; }
  int status = FS_EXIT_OK;
  if (bench) {
    status = run_bench(tok, bench, json);
  } else if (strcmp(input, "-") == 0 && json) {
    status = run_json_lines(tok, decode, skip_special);
  } else {
    size_t len = strlen(input);
    char *owned = NULL;
    const char *text = input;
    if (strcmp(input, "-") == 0) {
      if (!(owned = rundir_read_stream(stdin, "stdin", 0, &len, err, sizeof err))) {
        cli_error(CMD, "%s", err);
        tokenizer_free(tok);
        return FS_EXIT_RUNTIME;
      }
      text = owned;
    }
    if (!decode) {
      size_t n = 0;
      int32_t *ids = tokenizer_encode(tok, text, len, &n, err, sizeof err);
      if (!ids) {
        cli_error(CMD, "%s: %s", owned ? "stdin" : "TEXT", err);
        status = FS_EXIT_USAGE;
      } else if (pieces) {
        for (size_t i = 0; i < n; i++) {
          const char *p = tokenizer_id_to_token(tok, ids[i]);
          printf("%d\t", ids[i]);
          put_json_string(stdout, p, strlen(p));
          putchar('\n');
        }
      } else {
        put_ids(stdout, ids, n, json);
      }
      free(ids);
    } else {
      int32_t *ids = NULL;
      size_t n = 0, n_out = 0;
      if (parse_ids(text, owned ? "stdin" : "TEXT", &ids, &n) != 0) {
        status = FS_EXIT_USAGE;
      } else {
        char *out = tokenizer_decode(tok, ids, n, skip_special, &n_out, err, sizeof err);
        if (!out) {
          cli_error(CMD, "%s: %s", owned ? "stdin" : "TEXT", err);
          status = FS_EXIT_USAGE;
        } else {
          put_text(stdout, out, n_out, json);
        }
        free(out);
      }
      free(ids);
    }
    free(owned);
  }
  tokenizer_free(tok);
  if (status == FS_EXIT_OK && (fflush(stdout) != 0 || ferror(stdout))) {
    cli_error(CMD, "stdout: write error");
    status = FS_EXIT_RUNTIME;
  }
  return status;
}
