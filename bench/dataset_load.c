/* dataset_load.c - how fast, and in how much memory, the VQAv2 train split loads: our streaming
 * adapter against cJSON on a synthetic file pair of the real size (443,757 questions; annotations of
 * ~330 MB with 10 answers each, in the official layout and json.dump's spacing). bench/dataset_load.sh
 * builds and runs it; results in bench/dataset_load.md.
 *
 *   dataset_load gen DIR     write DIR/train2014/ (empty) and the two JSON files into DIR
 *   dataset_load ours DIR    load the train split with dataset_load() and print counts and seconds
 *   dataset_load cjson DIR   read both files and cJSON_Parse them, print node counts and seconds
 * Peak memory is measured from outside (/usr/bin/time -v). */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "dataset.h"

enum { N_QUESTIONS = 443757, N_IMAGES = 82783 };

/* xorshift64 step on the caller's state *s (seeded with 88172645463325252 by gen, so the files it
 * writes never change); returns the next 32-bit draw. */
static uint32_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return (uint32_t)(*s >> 11);
}

static const char *const words[] = {"man", "woman", "dog", "cat", "table", "red", "blue", "green", "white", "black",
                                    "two", "three", "pizza", "bus", "train", "kite", "tennis", "skateboard", "snow",
                                    "grass", "frisbee", "horse", "umbrella", "clock", "phone", "laptop", "kitchen",
                                    "giraffe", "elephant", "caf\\u00e9", "\\\"sign\\\"", "yes", "no", "1", "2", "wood"};
enum { N_WORDS = sizeof words / sizeof words[0] };
static const char *const starts[] = {"What color is the", "How many", "Is the", "What is the", "Is this a",
                                     "What kind of", "Are there", "Where is the", "What is on the", "Does the"};
static const char *const types[] = {"what color is the", "how many", "is the", "what is the", "is this a",
                                    "what kind of", "are there", "where is the", "what is on the", "does the"};
static const char *const atypes[] = {"other", "number", "yes/no", "other", "yes/no", "other", "yes/no", "other", "other", "yes/no"};

static int gen(const char *dir) {
  uint64_t rng = 88172645463325252ULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/train2014", dir);
  mkdir(dir, 0755);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/questions.json", dir);
  FILE *q = fopen(path, "wb");
  snprintf(path, sizeof path, "%s/annotations.json", dir);
  FILE *a = fopen(path, "wb");
  if (!q || !a) {
    perror("open");
    return 1;
  }
  fputs("{\"info\": {\"description\": \"This is v2.0 of the VQA dataset.\", \"url\": \"http://visualqa.org\", "
        "\"version\": \"2.0\", \"year\": 2017, \"contributor\": \"VQA Team\", \"date_created\": \"2017-04-26 17:00:44\"}, "
        "\"task_type\": \"Open-Ended\", \"data_type\": \"mscoco\", \"license\": {\"url\": "
        "\"http://creativecommons.org/licenses/by/4.0/\", \"name\": \"Creative Commons Attribution 4.0 International "
        "License\"}, \"data_subtype\": \"train2014\", \"questions\": [", q);
  fputs("{\"info\": {\"description\": \"This is v2.0 of the VQA dataset.\"}, \"license\": {\"url\": "
        "\"http://creativecommons.org/licenses/by/4.0/\"}, \"data_subtype\": \"train2014\", \"annotations\": [", a);
  for (long i = 0; i < N_QUESTIONS; i++) {
    long image = 9 + (i * N_IMAGES / N_QUESTIONS) * 7;
    long qid = image * 1000 + i % 7;
    int s = (int)(next_rand(&rng) % 10);
    fprintf(q, "%s{\"image_id\": %ld, \"question\": \"%s %s %s?\", \"question_id\": %ld}", i ? ", " : "", image, starts[s],
            words[next_rand(&rng) % N_WORDS], words[next_rand(&rng) % N_WORDS], qid);
    const char *w = words[next_rand(&rng) % N_WORDS];
    fprintf(a, "%s{\"question_type\": \"%s\", \"multiple_choice_answer\": \"%s\", \"answers\": [", i ? ", " : "", types[s], w);
    for (int k = 0; k < 10; k++) {
      const char *ans = next_rand(&rng) % 3 ? w : words[next_rand(&rng) % N_WORDS];
      fprintf(a, "%s{\"answer\": \"%s\", \"answer_confidence\": \"%s\", \"answer_id\": %d}", k ? ", " : "", ans,
              next_rand(&rng) % 5 ? "yes" : "maybe", k + 1);
    }
    fprintf(a, "], \"image_id\": %ld, \"answer_type\": \"%s\", \"question_id\": %ld}", image, atypes[s], qid);
  }
  fputs("]}", q);
  fputs("], \"data_type\": \"mscoco\"}", a);
  fclose(q);
  fclose(a);
  return 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int ours(const char *dir) {
  char qp[4096], ap[4096], ip[4096], err[512];
  snprintf(qp, sizeof qp, "%s/questions.json", dir);
  snprintf(ap, sizeof ap, "%s/annotations.json", dir);
  snprintf(ip, sizeof ip, "%s/train2014", dir);
  dataset_source src = {.task = DATASET_VQAV2, .train_questions = qp, .train_annotations = ap, .train_image_dir = ip};
  dataset ds;
  double t0 = now();
  if (dataset_load(&src, DATASET_SPLIT_TRAIN, &ds, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  double t1 = now();
  size_t answers = 0;
  for (size_t i = 0; i < ds.n_samples; i++) answers += (size_t)ds.samples[i].n_answers;
  printf("ours: %zu samples, %zu answers, %.2f s, arena %.1f MB\n", ds.n_samples, answers, t1 - t0, (double)ds.mem.n_bytes / 1e6);
  dataset_free(&ds);
  return 0;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(buf);
    return NULL;
  }
  fclose(f);
  buf[n] = '\0';
  *len = (size_t)n;
  return buf;
}

static size_t count_nodes(const cJSON *j) {
  size_t n = 1;
  for (const cJSON *c = j->child; c; c = c->next) n += count_nodes(c);
  return n;
}

static int cjson(const char *dir) {
  const char *names[2] = {"questions.json", "annotations.json"};
  cJSON *docs[2];
  double t0 = now();
  size_t nodes = 0;
  for (int i = 0; i < 2; i++) {
    char p[4096];
    size_t len;
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    char *text = slurp(p, &len);
    if (!text) return 1;
    docs[i] = cJSON_ParseWithLength(text, len);
    free(text);
    if (!docs[i]) {
      fprintf(stderr, "cJSON failed on %s\n", p);
      return 1;
    }
    nodes += count_nodes(docs[i]);
  }
  double t1 = now();
  printf("cjson: %zu nodes, %.2f s (both documents held, as a loader built on cJSON would)\n", nodes, t1 - t0);
  cJSON_Delete(docs[0]);
  cJSON_Delete(docs[1]);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: dataset_load gen|ours|cjson DIR\n");
    return 2;
  }
  if (!strcmp(argv[1], "gen")) return gen(argv[2]);
  if (!strcmp(argv[1], "ours")) return ours(argv[2]);
  if (!strcmp(argv[1], "cjson")) return cjson(argv[2]);
  fprintf(stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
