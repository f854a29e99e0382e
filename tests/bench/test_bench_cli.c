/* test_bench_cli.c - `fewshot bench` end to end on the CPU with the tiny preset and small shapes (a few
 * seconds): it exits 0, prints a table, and writes JSON lines that parse, carry every field of
 * bench/README.md, and hold positive finite numbers (p10 <= p50 <= p90) for every metric asked for:
 * M1 at two batch sizes (SigLIP alone and with the resampler), M2, M3 (greedy and 3 beams), M4 cold
 * and warm at 0 and 2 shots, M5. The image cache's hit rates are the ones the sampling implies: 0
 * without demonstrations, exactly shots/(shots+1) warm (every demonstration cached, every query new),
 * and no more than that cold. Also: --write-config writes a config.json that loads as the tiny
 * shapes; --gate-model writes the gate's tensors with their shapes; bad usage exits 2 with one line;
 * --device cuda without a usable GPU exits 3. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "engine.h"
#include "model_config.h"
#include "safetensors.h"
#include "test_util.h"

#define BIN FEWSHOT_BINARY_DIR "/fewshot"
#define SCRATCH FEWSHOT_BINARY_DIR "/tests/scratch/bench_cli"

static int run(const char *cmd) {
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  size_t got = b ? fread(b, 1, (size_t)n, f) : 0;
  fclose(f);
  if (b) b[got] = '\0';
  return b;
}

static double num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int main(void) {
  test_ctx t = test_begin("bench_cli");
  mkdir(FEWSHOT_BINARY_DIR "/tests", 0755);
  mkdir(FEWSHOT_BINARY_DIR "/tests/scratch", 0755);
  mkdir(SCRATCH, 0755);
  int rc = run("OMP_WAIT_POLICY=passive " BIN " bench --preset tiny --threads 2 --m1-batches 1,2 --m2-shapes 2x149 "
               "--m3-batches 2 --m3-prompts 149 --m3-steps 3 --m4-shots 0,2 --m4-samples 6 --m4-batch 3 "
               "--m4-pool 4 --warmup 1 --reps 2 --out " SCRATCH "/bench.jsonl > " SCRATCH "/table.txt 2> " SCRATCH
               "/stderr.txt");
  TEST_CHECK(&t, rc == 0, "fewshot bench exited %d (see %s/stderr.txt)", rc, SCRATCH);
  char *table = slurp(SCRATCH "/table.txt"), *lines = slurp(SCRATCH "/bench.jsonl");
  TEST_CHECK(&t, table && strstr(table, "metric") && strstr(table, "M4.e2e"), "table:\n%s", table ? table : "");
  TEST_CHECK(&t, lines != NULL, "no JSON lines");
  /* expected records by (metric, config) */
  const char *want[] = {"init|weights", "init|engine_load", "M1.vision|siglip,batch=1",
                        "M1.vision|siglip+resampler,batch=1", "M1.vision|siglip,batch=2",
                        "M1.vision|siglip+resampler,batch=2", "M2.prefill|prompts=2,tokens=149",
                        "M3.decode|greedy,samples=1,prompt=149", "M3.decode|beams=3,samples=2,prompt=149",
                        "M4.e2e|vqa,shots=0,crops=1,cache=cold,batch=3", "M4.e2e|vqa,shots=0,crops=1,cache=warm,batch=3",
                        "M5.memory|vqa,shots=0,crops=1,batch=3", "M4.e2e|vqa,shots=2,crops=1,cache=cold,batch=3",
                        "M4.e2e|vqa,shots=2,crops=1,cache=warm,batch=3", "M5.memory|vqa,shots=2,crops=1,batch=3"};
  const size_t n_want = sizeof want / sizeof want[0];
  int seen[sizeof want / sizeof want[0]] = {0};
  double cold_hit[2] = {NAN, NAN}, warm_hit[2] = {NAN, NAN};
  int n_lines = 0;
  for (char *line = lines ? strtok(lines, "\n") : NULL; line; line = strtok(NULL, "\n")) {
    n_lines++;
    cJSON *o = cJSON_Parse(line);
    TEST_CHECK(&t, o != NULL, "line %d does not parse: %s", n_lines, line);
    if (!o) continue;
    const char *str[] = {"gpu", "impl", "device", "metric", "config", "pair", "unit"};
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
      TEST_CHECK(&t, cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, str[i])), "line %d: no string '%s'", n_lines,
                 str[i]);
    TEST_CHECK(&t, !cJSON_GetObjectItemCaseSensitive(o, "skipped"), "line %d skipped: %s", n_lines, line);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "metric"), *c = cJSON_GetObjectItemCaseSensitive(o, "config");
    if (cJSON_IsString(m) && cJSON_IsString(c)) {
      char key[256];
      snprintf(key, sizeof key, "%s|%s", m->valuestring, c->valuestring);
      size_t k = 0;
      while (k < n_want && strcmp(want[k], key)) k++;
      TEST_CHECK(&t, k < n_want, "unexpected record %s", key);
      if (k < n_want) seen[k]++;
      double v = num(o, "value"), p10 = num(o, "p10"), p50 = num(o, "p50"), p90 = num(o, "p90"), n = num(o, "n");
      TEST_CHECK(&t, isfinite(v) && v > 0, "%s: value %g", key, v);
      TEST_CHECK(&t, n >= 1, "%s: n %g", key, n);
      TEST_CHECK(&t, p10 > 0 && p10 <= p50 && p50 <= p90 && isfinite(p90), "%s: p10 %g p50 %g p90 %g", key, p10, p50,
                 p90);
      TEST_CHECK(&t, strcmp(cJSON_GetObjectItemCaseSensitive(o, "gpu")->valuestring, "cpu") == 0, "%s: gpu field", key);
      if (!strcmp(m->valuestring, "M1.vision") || !strcmp(m->valuestring, "M2.prefill") ||
          !strcmp(m->valuestring, "M3.decode"))
        TEST_CHECK(&t, num(o, "tflops") > 0, "%s: achieved TFLOP/s %g", key, num(o, "tflops"));
      if (!strcmp(m->valuestring, "M4.e2e")) {
        int shots = strstr(key, "shots=2") ? 1 : 0;
        double hr = num(o, "hit_rate");
        TEST_CHECK(&t, isfinite(hr) && num(o, "samples") == 6, "%s: hit rate %g, samples %g", key, hr, num(o, "samples"));
        if (strstr(key, "cold")) cold_hit[shots] = hr;
        else warm_hit[shots] = hr;
        double sv = num(o, "share_v"), sp = num(o, "share_p"), sd = num(o, "share_d");
        test_near(&t, sv + sp + sd, 1.0, 1e-9, 0, "%s: phase shares", key);
      }
    }
    cJSON_Delete(o);
  }
  for (size_t k = 0; k < n_want; k++) TEST_CHECK(&t, seen[k] == 1, "record %s seen %d times", want[k], seen[k]);
  test_near(&t, cold_hit[0], 0, 0, 0, "0-shot cold hit rate");
  test_near(&t, warm_hit[0], 0, 0, 0, "0-shot warm hit rate");
  test_near(&t, warm_hit[1], 2.0 / 3.0, 1e-12, 0, "2-shot warm hit rate");
  TEST_CHECK(&t, cold_hit[1] <= warm_hit[1], "2-shot cold hit rate %g above warm %g", cold_hit[1], warm_hit[1]);
  free(table);
  free(lines);

  /* --write-config: the tiny shapes with Hugging Face names, without the MAP head */
  rc = run(BIN " bench --preset tiny --lm-layers 3 --write-config " SCRATCH "/config.json");
  model_config c;
  char err[256];
  TEST_CHECK(&t, rc == 0 && model_config_load(&c, SCRATCH "/config.json", err, sizeof err) == 0, "write-config: %d %s",
             rc, err);
  TEST_CHECK(&t, c.lm.n_layers == 3 && c.lm.hidden_size == 32 && c.vision.hidden_size == 32 && !c.vision.use_head,
             "written config: %d layers, widths %d/%d, head %d", c.lm.n_layers, c.lm.hidden_size, c.vision.hidden_size,
             c.vision.use_head);

  /* the gate's dump on the committed tiny model */
  rc = run("OMP_WAIT_POLICY=passive " BIN " bench --threads 2 --gate-model fixtures/models/tiny --gate-out " SCRATCH
           "/gate.safetensors 2>/dev/null");
  safetensors_model *st = rc == 0 ? safetensors_open(SCRATCH "/gate.safetensors", err, sizeof err) : NULL;
  TEST_CHECK(&t, st != NULL, "gate dump: exit %d, %s", rc, st ? "" : err);
  if (st) {
    int64_t px[4] = {2, 3, 384, 384}, sig[3] = {2, 729, 32}, emb[3] = {2, 128, 32}, lg[2] = {3, 32015};
    TEST_CHECK(&t, safetensors_get(st, "pixels", SAFETENSORS_F32, 4, px, err, sizeof err) != NULL, "%s", err);
    TEST_CHECK(&t, safetensors_get(st, "siglip", SAFETENSORS_F32, 3, sig, err, sizeof err) != NULL, "%s", err);
    TEST_CHECK(&t, safetensors_get(st, "embeds", SAFETENSORS_F32, 3, emb, err, sizeof err) != NULL, "%s", err);
    TEST_CHECK(&t, safetensors_get(st, "logits", SAFETENSORS_F32, 2, lg, err, sizeof err) != NULL, "%s", err);
    const safetensors_tensor *ids = safetensors_find(st, "ids");
    TEST_CHECK(&t, ids && ids->n_elements == 1 + 2 * 128 + 42 + 2, "ids: %llu",
               ids ? (unsigned long long)ids->n_elements : 0ULL);
    const safetensors_tensor *s = safetensors_find(st, "siglip");
    float first = 0;
    if (s) memcpy(&first, s->data, 4);
    TEST_CHECK(&t, s && isfinite(first) && first != 0, "siglip features written (%g)", first);
    safetensors_close(st);
  }

  /* usage errors: exit 2 */
  TEST_CHECK(&t, run(BIN " bench --no-such-flag 2>/dev/null") == 2, "unknown flag");
  TEST_CHECK(&t, run(BIN " bench --m2-shapes 64by149 2>/dev/null") == 2, "bad shape list");
  TEST_CHECK(&t, run(BIN " bench --metrics M7 2>/dev/null") == 2, "bad metric");
  TEST_CHECK(&t, run(BIN " bench --device tpu 2>/dev/null") == 2, "bad device");
  TEST_CHECK(&t, run(BIN " bench --gate-model x 2>/dev/null") == 2, "gate without output");
  TEST_CHECK(&t, run(BIN " bench --help > /dev/null") == 0, "--help");
  /* no usable GPU: refused at once (before the weights are made), exit 3. (The probe goes through
   * engine_load, not bk_cuda_device_count: in a CUDA build this test links the static model library
   * before the CUDA one, and only the engine pulls in what the CUDA backend needs from the former.) */
  engine_limits lim = {.max_batch = 1, .max_images = 1, .max_prompt_tokens = 1, .max_new_tokens = 1, .max_beams = 1};
  engine *g = engine_load("fixtures/models/tiny", ENGINE_DEVICE_CUDA, &lim, err, sizeof err);
  engine_free(g);
  if (!g) {
    rc = run(BIN " bench --device cuda 2> " SCRATCH "/cuda.txt");
    char *msg = slurp(SCRATCH "/cuda.txt");
    TEST_CHECK(&t, rc == 3 && msg && strstr(msg, "cuda"), "--device cuda without a GPU: exit %d, '%s'", rc,
               msg ? msg : "");
    free(msg);
  }
  return test_report(&t);
}
