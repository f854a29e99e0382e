/* backend.c - the parts of the backend interface shared by every implementation: destruction and
 * the sticky error (backend.h). */
#include "backend.h"

#include <stdarg.h>
#include <stdio.h>

void bk_destroy(bk_backend *be) {
  if (be) be->vt->destroy(be);
}

void bk_fail(bk_backend *be, const char *fmt, ...) {
  if (be->failed) return;
  be->failed = 1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(be->error, sizeof be->error, fmt, ap);
  va_end(ap);
}

int bk_check(bk_backend *be, char *err, size_t err_size) {
  if (!be->failed) return 0;
  if (err && err_size) snprintf(err, err_size, "%s backend: %s", be->vt->name, be->error);
  be->failed = 0;
  be->error[0] = '\0';
  return 1;
}
