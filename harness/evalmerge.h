/* evalmerge.h - `fewshot merge`: the run directories of the shards of one eval (`--shard I/N`, N
 * directories, each index once) joined into one run directory whose records, scores and summary are
 * those of the single-process run: each cell's records concatenated (a sample id twice is an
 * error), set-level metrics (CIDEr-D's document frequencies, BLEU) computed over the whole cell,
 * run.json taken from the shards with the shard removed and the plans added up. The shards must
 * share config, model fingerprint and dataset hashes. */
#ifndef FEWSHOT_EVALMERGE_H
#define FEWSHOT_EVALMERGE_H

#include <stddef.h>

/* Merges shard directories dirs[0..n) into out_dir (created; it must not hold records already).
 * Returns 0, or non-zero with `err` naming the shard and what is wrong. *n_incomplete (may be NULL)
 * gets the number of cells holding fewer samples than the shards planned. */
int evalmerge_run(const char *const *dirs, int n, const char *out_dir, size_t *n_incomplete, char *err,
                  size_t err_size);

#endif
