/* test_runinfo.c - the model fingerprint: stable, sensitive to config.json, headers and sampled
 * data in the default mode, to every byte with `full`; file entries hash like sha256sum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runinfo.h"
#include "test_util.h"

/* Writes data[0..n) to path; a file that cannot be written ends the test as failed. */
static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  int ok = f && fwrite(data, 1, n, f) == n;
  if (f && fclose(f) != 0) ok = 0;
  if (!ok) {
    fprintf(stderr, "FAIL harness_runinfo: cannot write %s\n", path);
    exit(1);
  }
}

/* A safetensors-shaped file: 8-byte header length, header, `data_len` data bytes of value `fill`,
 * with byte `poke` (if >= 0) set to 0xAB. */
static void write_model(const char *dir, size_t data_len, long poke) {
  char path[512];
  snprintf(path, sizeof path, "%s/config.json", dir);
  write_file(path, "{\"model_type\": \"xgenmm\"}", 24);
  const char *hdr = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
  size_t hl = strlen(hdr), n = 8 + hl + data_len;
  unsigned char *buf = calloc(n, 1);
  for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(hl >> (8 * i));
  memcpy(buf + 8, hdr, hl);
  if (poke >= 0) buf[8 + hl + (size_t)poke] = 0xAB;
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  write_file(path, buf, n);
  free(buf);
}

int main(void) {
  test_ctx t = test_begin("harness_runinfo");
  char dir[] = "/tmp/fewshot_runinfo_XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char a[65], b[65], c[65], full1[65], full2[65], err[256];
  const char *method;
  size_t big = 4u << 20; /* 4 MiB of data: 16 sampled blocks of 64 KiB do not cover it */
  write_model(dir, big, -1);
  TEST_CHECK(&t, runinfo_model_fingerprint(dir, 0, a, &method, err, sizeof err) == 0, "fingerprint: %s", err);
  test_streq(&t, method, "sha256-headers-sampled", "method");
  runinfo_model_fingerprint(dir, 0, b, &method, err, sizeof err);
  test_streq(&t, a, b, "stable");
  runinfo_model_fingerprint(dir, 1, full1, &method, err, sizeof err);
  test_streq(&t, method, "sha256-full", "full method");
  write_model(dir, big, 0); /* the first data byte is in the first sampled block */
  runinfo_model_fingerprint(dir, 0, c, &method, err, sizeof err);
  TEST_CHECK(&t, strcmp(a, c) != 0, "a change in a sampled block changes the fingerprint");
  write_model(dir, big, (long)(big / 2 + 70000)); /* between sampled blocks */
  runinfo_model_fingerprint(dir, 0, c, &method, err, sizeof err);
  test_streq(&t, c, a, "a change between sampled blocks is not seen by the sampled fingerprint (documented)");
  runinfo_model_fingerprint(dir, 1, full2, &method, err, sizeof err);
  TEST_CHECK(&t, strcmp(full1, full2) != 0, "the full fingerprint sees every byte");
  char path[512];
  snprintf(path, sizeof path, "%s/config.json", dir);
  write_file(path, "{\"model_type\": \"xgenmm!\"}", 25);
  runinfo_model_fingerprint(dir, 0, c, &method, err, sizeof err);
  TEST_CHECK(&t, strcmp(a, c) != 0, "config.json is part of the fingerprint");
  TEST_CHECK(&t, runinfo_model_fingerprint("/nonexistent-fewshot", 0, c, &method, err, sizeof err) != 0, "missing folder fails");
  /* sha256sum of the 25 bytes written above. */
  cJSON *e = runinfo_file_entry(path, err, sizeof err);
  test_streq(&t, cJSON_GetObjectItem(e, "sha256")->valuestring,
             "49168a641debb7ddac95fb9792ef6f79f46e03e8c6e823d221e53ba61214dd41", "file entry hash");
  cJSON_Delete(e);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return test_report(&t);
}
