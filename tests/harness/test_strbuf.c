/* test_strbuf.c - the harness's text buffer (harness/strbuf.c): appends of any length (a formatted
 * piece longer than any fixed scratch buffer), embedded bytes, and the empty case. */
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "test_util.h"

int main(void) {
  test_ctx t = test_begin("strbuf");
  strbuf b = {0};
  char *empty = strbuf_finish(&b);
  TEST_CHECK(&t, empty && empty[0] == '\0', "nothing appended: an empty string");
  free(empty);

  char *big = malloc(5001);
  for (int i = 0; big && i < 5000; i++) big[i] = (char)('a' + i % 26);
  if (big) big[5000] = '\0';
  strbuf_add(&b, "x,", 2);
  strbuf_printf(&b, "%s|%d", big ? big : "", 42);
  for (int i = 0; i < 1000; i++) strbuf_printf(&b, "%d,", i % 10);
  char *text = strbuf_finish(&b);
  size_t want = 2 + 5000 + 3 + 2000;
  TEST_CHECK(&t, text && strlen(text) == want, "length %zu, want %zu", text ? strlen(text) : 0, want);
  TEST_CHECK(&t, text && !strncmp(text, "x,abc", 5) && !strncmp(text + 2 + 5000, "|420,1,", 7) &&
                     !strcmp(text + want - 4, "8,9,"),
             "content");
  TEST_CHECK(&t, b.buf == NULL && b.n == 0, "finish empties the buffer");
  free(text);
  free(big);
  return test_report(&t);
}
