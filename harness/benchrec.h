/* benchrec.h - one benchmark measurement of `fewshot bench` (and of bench/pytorch_baseline.py, which
 * writes the same lines): its identity, the median and spread of its repetitions, its rate against
 * the cost-model bound, written as one JSON line and one row of the readable table.
 *
 * JSON line (bench/README.md): {"gpu", "impl", "device", "metric", "config", "pair", "value", "unit",
 * "n", "p10", "p50", "p90"} plus, when known, "tflops" (achieved), "gbps" (effective bytes/s),
 * "bound" (the cost-model bound in the metric's unit), "bound_frac" (our time bound / measured time),
 * named extras, and "skipped" (the reason) with a null value when the case did not run. "pair" is
 * the key under which the same work by another implementation is compared (bench/summarize.py). */
#ifndef FEWSHOT_BENCHREC_H
#define FEWSHOT_BENCHREC_H

#include <stdio.h>

#define BENCHREC_MAX_EXTRA 10

typedef struct {
  char gpu[96];     /* the card's name, or "cpu" */
  char impl[48];    /* "fewshot-cuda", "fewshot-cpu", "pytorch-b1" ... */
  char device[16];  /* cpu, cuda, cuda-f32 */
  char metric[32];  /* "M1.vision", "M2.prefill", "M3.decode", "M4.e2e", "M5.memory", "init" */
  char config[160]; /* "siglip,batch=64" */
  char pair[200];   /* comparison key: metric|config without implementation-specific parts */
  char unit[24];    /* "crops/s", "tok/s", "ms/step", "samples/s", "GB", "s" */
  double value;     /* the median (NaN: skipped) */
  long n;           /* repetitions measured */
  double p10, p50, p90;
  double tflops, gbps, bound, bound_frac; /* NaN when not applicable */
  int n_extra;
  char extra_name[BENCHREC_MAX_EXTRA][24];
  double extra[BENCHREC_MAX_EXTRA];
  char skipped[240]; /* "" or why the case did not run */
} benchrec;

/* Starts a record: identity strings copied (truncated to fit), numbers NaN, no extras. */
void benchrec_init(benchrec *r, const char *gpu, const char *impl, const char *device, const char *metric,
                   const char *config, const char *unit);

/* Sets n, p10, p50, p90 and value (= p50) from x[0 .. n) (reordered in place). n = 0 leaves them NaN. */
void benchrec_summarize(benchrec *r, double *x, long n);

/* Adds a named number (ignored beyond BENCHREC_MAX_EXTRA). */
void benchrec_extra(benchrec *r, const char *name, double value);

/* The record as one JSON object without a newline (malloc'd; the caller frees), or NULL when out
 * of memory. NaN numbers are written as null. */
char *benchrec_json(const benchrec *r);

/* The readable table: a header, then one row per record (metric, config, value, unit, p10-p90, n,
 * TFLOP/s, fraction of the bound, extras). */
void benchrec_print_header(FILE *f);
void benchrec_print_row(FILE *f, const benchrec *r);

/* Reads what a CUDA engine's description line (engine_describe_device) says: the card's name
 * ("cuda device 0: NAME (sm_90, ...)"), its memory ("..., 79.2 GiB)") and what the backend holds
 * ("holds A MiB of weights, B MiB of buffers, C MiB of scratch"), in bytes. Fields not found are
 * left untouched. Returns the number of fields found (0 .. 3: name, total, held). */
int benchrec_parse_device(const char *line, char *name, size_t name_size, double *total_bytes, double *held_bytes);

#endif
