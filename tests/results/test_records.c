/* test_records.c - per-sample JSONL records: round trip, the torn last line a kill leaves behind
 * (dropped, cut, rewritten once), errors for real corruption, and a writer killed with SIGKILL at
 * random moments and resumed: no record lost, none duplicated. */
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "records.h"
#include "test_util.h"

static records_entry make(int i, const char *task, int shots, long long seed) {
  records_entry e;
  memset(&e, 0, sizeof e);
  char id[32];
  snprintf(id, sizeof id, "%d", 1000 + i);
  e.id = strdup(id);
  e.task = strdup(task);
  e.shots = shots;
  e.seed = seed;
  e.index = i;
  e.n_demos = 2;
  e.demos = calloc(2, sizeof *e.demos);
  e.demos[0] = strdup("d1");
  e.demos[1] = strdup("d2");
  e.generation = strdup(i % 3 ? "yes<|endofchunk|>" : "a \"quoted\"\nline é ✓");
  e.prediction = strdup("yes");
  e.score = i % 2 ? 100.0 : 100.0 / 3.0;
  e.status = RECORDS_OK;
  if (i % 7 == 6) {
    e.status = RECORDS_FAILED;
    e.score = NAN;
    free(e.prediction);
    e.prediction = NULL;
    e.reason = strdup("img.jpg: truncated JPEG");
  }
  return e;
}

/* Appends text to path; a file that cannot be written ends the test as failed. */
static void append_raw(const char *path, const char *text) {
  FILE *f = fopen(path, "ab");
  int ok = f && fputs(text, f) >= 0;
  if (f && fclose(f) != 0) ok = 0;
  if (!ok) {
    fprintf(stderr, "FAIL results_records: cannot append to %s\n", path);
    exit(1);
  }
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Writes records from..to-1 through a writer that keeps `keep` bytes. */
static int write_range(const char *path, size_t keep, int from, int to) {
  char err[256];
  records_writer *w = records_writer_open(path, keep, RECORDS_FSYNC_NEVER, 0, err, sizeof err);
  if (!w) return -1;
  for (int i = from; i < to; i++) {
    records_entry e = make(i, "vqav2", 4, 42);
    int rc = records_writer_append(w, &e, err, sizeof err);
    records_entry_free(&e);
    if (rc) return -1;
  }
  return records_writer_close(w, err, sizeof err);
}

int main(void) {
  test_ctx t = test_begin("results_records");
  char dir[] = "/tmp/fewshot_records_XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char path[512], err[512];
  snprintf(path, sizeof path, "%s/a.jsonl", dir);

  /* Round trip. */
  TEST_CHECK(&t, write_range(path, 0, 0, 20) == 0, "writing 20 records");
  records_list l = {0};
  size_t valid = 0, dropped = 0;
  TEST_CHECK(&t, records_read_file(path, &l, &valid, &dropped, err, sizeof err) == 0, "read: %s", err);
  TEST_CHECK(&t, l.n == 20, "read %zu records, want 20", l.n);
  TEST_CHECK(&t, (long)valid == file_size(path) && dropped == 0, "clean file: valid %zu dropped %zu", valid, dropped);
  for (size_t i = 0; i < l.n; i++) {
    records_entry w = make((int)i, "vqav2", 4, 42);
    const records_entry *g = &l.items[i];
    test_streq(&t, g->id, w.id, "id %zu", i);
    test_streq(&t, g->generation, w.generation, "generation %zu", i);
    TEST_CHECK(&t, g->status == w.status, "status %zu", i);
    TEST_CHECK(&t, (isnan(g->score) && isnan(w.score)) || g->score == w.score, "score %zu: %.17g vs %.17g", i, g->score, w.score);
    TEST_CHECK(&t, g->n_demos == 2 && strcmp(g->demos[1], "d2") == 0, "demos %zu", i);
    TEST_CHECK(&t, (g->prediction == NULL) == (w.prediction == NULL), "prediction presence %zu", i);
    TEST_CHECK(&t, (g->reason == NULL) == (w.reason == NULL), "reason presence %zu", i);
    TEST_CHECK(&t, g->index == (long long)i && g->shots == 4 && g->seed == 42, "index/shots/seed %zu", i);
    records_entry_free(&w);
  }
  records_list_free(&l);

  /* A torn last line (no newline): dropped, reported, then cut by the resumed writer. */
  long before = file_size(path);
  append_raw(path, "{\"id\":\"1020\",\"task\":\"vqav2\",\"sho");
  TEST_CHECK(&t, records_read_file(path, &l, &valid, &dropped, err, sizeof err) == 0, "torn read: %s", err);
  TEST_CHECK(&t, l.n == 20 && (long)valid == before && dropped > 0, "torn: n %zu valid %zu (want %ld) dropped %zu", l.n, valid, before, dropped);
  records_list_free(&l);
  TEST_CHECK(&t, write_range(path, valid, 20, 25) == 0, "resume after torn line");
  TEST_CHECK(&t, records_read_file(path, &l, &valid, &dropped, err, sizeof err) == 0, "read after resume: %s", err);
  TEST_CHECK(&t, l.n == 25 && dropped == 0, "after resume: %zu records (want 25), dropped %zu", l.n, dropped);
  records_list_free(&l);

  /* A complete but unparsable last line (what a machine crash can leave): dropped too. */
  before = file_size(path);
  append_raw(path, "{\"id\":\"10\0\0\n");
  TEST_CHECK(&t, records_read_file(path, &l, &valid, &dropped, err, sizeof err) == 0, "garbage tail: %s", err);
  TEST_CHECK(&t, l.n == 25 && (long)valid == before, "garbage tail: n %zu valid %zu want %ld", l.n, valid, before);
  records_list_free(&l);
  TEST_CHECK(&t, write_range(path, valid, 25, 26) == 0, "resume after garbage tail");

  /* Corruption before the last line, a duplicated id, or another cell's record: errors. */
  snprintf(path, sizeof path, "%s/b.jsonl", dir);
  write_range(path, 0, 0, 3);
  append_raw(path, "not json\n");
  write_range(path, (size_t)file_size(path), 3, 4);
  TEST_CHECK(&t, records_read_file(path, &l, NULL, NULL, err, sizeof err) != 0 && strstr(err, "line 4"),
             "middle corruption must fail naming line 4, got '%s'", err);
  records_list_free(&l);
  snprintf(path, sizeof path, "%s/c.jsonl", dir);
  write_range(path, 0, 0, 3);
  write_range(path, (size_t)file_size(path), 1, 2);
  TEST_CHECK(&t, records_read_file(path, &l, NULL, NULL, err, sizeof err) != 0 && strstr(err, "'1001'"),
             "duplicate id must fail naming it, got '%s'", err);
  records_list_free(&l);
  snprintf(path, sizeof path, "%s/d.jsonl", dir);
  write_range(path, 0, 0, 2);
  {
    records_writer *w = records_writer_open(path, (size_t)file_size(path), RECORDS_FSYNC_EVERY, 0, err, sizeof err);
    records_entry e = make(5, "vqav2", 8, 42);
    records_writer_append(w, &e, err, sizeof err);
    records_entry_free(&e);
    records_writer_close(w, err, sizeof err);
  }
  TEST_CHECK(&t, records_read_file(path, &l, NULL, NULL, err, sizeof err) != 0 && strstr(err, "another"),
             "mixed cells must fail, got '%s'", err);
  records_list_free(&l);

  /* SIGKILL at random moments, then resume: ids 0..N-1 exactly once, in order. */
  enum { N = 4000 };
  srand(12345);
  for (int round = 0; round < 3; round++) {
    snprintf(path, sizeof path, "%s/kill%d.jsonl", dir, round);
    int next = 0, kills = 0;
    append_raw(path, ""); /* exists from the start, so a kill before the first record reads as empty */
    while (next < N) {
      size_t keep = 0;
      if (next > 0) {
        records_list_free(&l);
        if (records_read_file(path, &l, &keep, NULL, err, sizeof err) != 0) {
          TEST_CHECK(&t, 0, "round %d: read after kill: %s", round, err);
          break;
        }
        next = (int)l.n;
        records_list_free(&l);
      }
      pid_t pid = fork();
      if (pid == 0) _exit(write_range(path, keep, next, N) == 0 ? 0 : 3);
      struct timespec d = {0, (long)(rand() % 8000) * 1000L};
      nanosleep(&d, NULL);
      kill(pid, SIGKILL);
      int status = 0;
      waitpid(pid, &status, 0);
      kills += WIFSIGNALED(status);
      if (WIFEXITED(status)) TEST_CHECK(&t, WEXITSTATUS(status) == 0, "round %d: writer failed", round);
      if (records_read_file(path, &l, NULL, NULL, err, sizeof err) != 0) {
        TEST_CHECK(&t, 0, "round %d: read: %s", round, err);
        break;
      }
      next = (int)l.n;
      int in_order = 1;
      for (size_t i = 0; i < l.n; i++) in_order &= l.items[i].index == (long long)i;
      TEST_CHECK(&t, in_order, "round %d: records out of order or missing after a kill", round);
      records_list_free(&l);
      if (kills > 200) break;
    }
    TEST_CHECK(&t, next == N, "round %d: %d records after resumes, want %d", round, next, N);
    TEST_CHECK(&t, kills > 0, "round %d: the writer was never killed mid-run", round);
  }
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return test_report(&t);
}
