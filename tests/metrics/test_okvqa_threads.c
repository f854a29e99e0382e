/* test_okvqa_threads.c - the OK-VQA stemmer used as documented, one stemmer per thread, from several
 * threads at once gives what it gives alone. The WordNet exception path (verbs like "appalling",
 * whose exception lists several lemmas) once split its list with strtok(), whose hidden state is
 * shared by every thread of the process: at this size (about 2 s on 2 cores) the race showed in
 * about half of the runs (wrong stems, or a read of another thread's stack). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "okvqa.h"
#include "test_util.h"

static const char *const inputs[] = {
    /* every word of the first two takes the exception path with a list of several lemmas */
    "appalling caddying disenthralling distilling enrolling enthralling extolling fritting fulfilling installing",
    "singing redding appalling enrolling installing distilling extolling fulfilling caddying fritting",
    "the man is appalling", "abetting and abhorring", "they are bagging groceries", "dogs running",
};
enum { N_INPUTS = sizeof inputs / sizeof *inputs, ROUNDS = 10000 };

int main(void) {
  test_ctx t = test_begin("metrics_okvqa_threads");
  char err[256];
  char *want[N_INPUTS];
  okvqa_stemmer *s = okvqa_stemmer_init(err, sizeof err);
  if (!TEST_CHECK(&t, s != NULL, "init: %s", err)) return test_report(&t);
  for (int i = 0; i < N_INPUTS; i++) {
    const char *w = okvqa_stemmer_stem(s, inputs[i], err, sizeof err);
    want[i] = strdup(w ? w : "");
  }
  okvqa_stemmer_free(s);
  long wrong = 0, failed = 0;
#pragma omp parallel num_threads(4) reduction(+ : wrong, failed)
  {
    char e[256];
    okvqa_stemmer *own = okvqa_stemmer_init(e, sizeof e);
    for (int r = 0; own && r < ROUNDS; r++)
      for (int i = 0; i < N_INPUTS; i++) {
        const char *got = okvqa_stemmer_stem(own, inputs[i], e, sizeof e);
        wrong += got && strcmp(got, want[i]) != 0;
      }
    failed += own == NULL;
    okvqa_stemmer_free(own);
  }
  TEST_CHECK(&t, failed == 0, "%ld threads could not make a stemmer", failed);
  TEST_CHECK(&t, wrong == 0, "%ld of %d stems differ from the single-threaded ones", wrong, 4 * ROUNDS * N_INPUTS);
  for (int i = 0; i < N_INPUTS; i++) free(want[i]);
  return test_report(&t);
}
