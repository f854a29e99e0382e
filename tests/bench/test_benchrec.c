/* test_benchrec.c - benchmark records (harness/benchrec.h): percentiles as numpy computes them, the JSON
 * line (field names, NaN as null, extras, the skip reason, strings escaped), the table row, and the
 * reading of a CUDA engine's description line (the exact format of bk_cuda_describe in
 * model/cuda/backend_cuda.cu). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "benchrec.h"
#include "test_util.h"

int main(void) {
  test_ctx t = test_begin("benchrec");
  benchrec r;
  benchrec_init(&r, "NVIDIA H100 80GB HBM3", "fewshot-cuda", "cuda", "M1.vision", "siglip,batch=64", "crops/s");
  test_streq(&t, r.pair, "M1.vision|siglip,batch=64", "default pair");
  TEST_CHECK(&t, isnan(r.value) && r.n == 0, "fresh record");
  /* np.percentile([1, 2, 3, 4, 10], [10, 50, 90]) = [1.4, 3, 7.6] */
  double x[5] = {10, 3, 1, 4, 2};
  benchrec_summarize(&r, x, 5);
  test_near(&t, r.p10, 1.4, 1e-12, 0, "p10");
  test_near(&t, r.p50, 3, 0, 0, "p50");
  test_near(&t, r.p90, 7.6, 1e-12, 0, "p90");
  test_near(&t, r.value, 3, 0, 0, "value is the median");
  TEST_CHECK(&t, r.n == 5, "n %ld", r.n);
  r.tflops = 512.5;
  r.bound_frac = 0.625;
  r.gbps = NAN;
  benchrec_extra(&r, "hit_rate", 0.75);
  benchrec_extra(&r, "missing", NAN);
  char *j = benchrec_json(&r);
  cJSON *o = j ? cJSON_Parse(j) : NULL;
  TEST_CHECK(&t, o != NULL, "JSON does not parse: %s", j ? j : "(null)");
  if (o) {
    const char *str[] = {"gpu", "impl", "device", "metric", "config", "pair", "unit"};
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
      TEST_CHECK(&t, cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, str[i])), "field %s", str[i]);
    const char *num[] = {"value", "n", "p10", "p50", "p90", "tflops", "bound_frac", "hit_rate"};
    for (size_t i = 0; i < sizeof num / sizeof num[0]; i++)
      TEST_CHECK(&t, cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, num[i])), "field %s", num[i]);
    TEST_CHECK(&t, cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "missing")), "NaN extra is null");
    TEST_CHECK(&t, !cJSON_GetObjectItemCaseSensitive(o, "gbps"), "absent gbps is left out");
    TEST_CHECK(&t, !cJSON_GetObjectItemCaseSensitive(o, "skipped"), "no skip reason");
    test_near(&t, cJSON_GetObjectItemCaseSensitive(o, "hit_rate")->valuedouble, 0.75, 0, 0, "extra value");
    cJSON_Delete(o);
  }
  free(j);
  /* a skipped record: null numbers, the reason kept, quotes escaped */
  benchrec_init(&r, "cpu", "fewshot-cpu", "cpu", "M4.e2e", "vqa,shots=8", "samples/s");
  snprintf(r.skipped, sizeof r.skipped, "engine: \"out of memory\"");
  j = benchrec_json(&r);
  o = j ? cJSON_Parse(j) : NULL;
  TEST_CHECK(&t, o && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "value")) &&
                     cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "p50")),
             "skipped record: %s", j ? j : "(null)");
  const cJSON *sk = o ? cJSON_GetObjectItemCaseSensitive(o, "skipped") : NULL;
  TEST_CHECK(&t, cJSON_IsString(sk) && strcmp(sk->valuestring, "engine: \"out of memory\"") == 0, "skip reason");
  cJSON_Delete(o);
  free(j);
  /* the table: a header and rows that carry the value and the skip reason */
  char buf[4096] = "";
  FILE *f = fmemopen(buf, sizeof buf, "w");
  benchrec_print_header(f);
  benchrec_print_row(f, &r);
  benchrec_init(&r, "cpu", "fewshot-cpu", "cpu", "M2.prefill", "prompts=2,tokens=149", "tok/s");
  double y[3] = {100, 200, 300};
  benchrec_summarize(&r, y, 3);
  benchrec_print_row(f, &r);
  fclose(f);
  TEST_CHECK(&t, strstr(buf, "metric") && strstr(buf, "skipped: engine") && strstr(buf, "prompts=2,tokens=149") &&
                     strstr(buf, "200"), "table:\n%s", buf);
  /* bk_cuda_describe's line */
  const char *line = "cuda device 0: NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB), bf16 weights, f32 accumulation; "
                     "holds 8284.5 MiB of weights, 60123.0 MiB of buffers, 310.0 MiB of scratch";
  char name[96] = "";
  double total = -1, held = -1;
  TEST_CHECK(&t, benchrec_parse_device(line, name, sizeof name, &total, &held) == 3, "three fields");
  test_streq(&t, name, "NVIDIA H100 80GB HBM3", "card name");
  test_near(&t, total, 79.1 * 1024 * 1024 * 1024, 1, 0, "total bytes");
  test_near(&t, held, (8284.5 + 60123.0 + 310.0) * 1024 * 1024, 1, 0, "held bytes");
  name[0] = '\0';
  total = held = -1;
  TEST_CHECK(&t, benchrec_parse_device("cpu (float32 reference), 2 threads", name, sizeof name, &total, &held) == 0 &&
                     !name[0] && total == -1 && held == -1,
             "a CPU line has none of them");
  return test_report(&t);
}
