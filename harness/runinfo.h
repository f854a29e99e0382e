/* runinfo.h - the environment a run records in run.json (docs/results.md §2): UTC times, the
 * model fingerprint, dataset file hashes, the device. */
#ifndef FEWSHOT_RUNINFO_H
#define FEWSHOT_RUNINFO_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The current UTC time as "2024-08-08T12:34:56Z" into buf (>= 21 bytes). Returns buf. */
char *runinfo_utc_now(char *buf, size_t size);

/* The model fingerprint of a checkpoint folder: SHA-256 over config.json, the safetensors index
 * (when present), and for every *.safetensors file (sorted by name) its name, size, header and 16
 * evenly spaced 64 KiB blocks ("sha256-headers-sampled"); with `full`, over every byte of those files
 * instead ("sha256-full"). Writes the hex digest into hex and the method's name into *method
 * (static string). Returns 0, or non-zero with `err`. */
int runinfo_model_fingerprint(const char *dir, int full, char hex[65], const char **method, char *err,
                              size_t err_size);

/* {"path", "bytes", "sha256"} for a file (NULL with `err` when it cannot be read). */
cJSON *runinfo_file_entry(const char *path, char *err, size_t err_size);

/* {"kind": "cpu", "threads": N, "cpu": "<model name>"} for this machine. */
cJSON *runinfo_cpu_device(void);

/* The host name ("unknown" when it cannot be read) into buf. Returns buf. */
char *runinfo_hostname(char *buf, size_t size);

#endif
