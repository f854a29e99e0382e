/* jsonnum.c - exact, shortest JSON numbers (jsonnum.h). */
#include "jsonnum.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

char *jsonnum_format(double v, char *buf, size_t buf_size) {
  if (!buf || buf_size < 32) return buf;
  if (!isfinite(v)) {
    snprintf(buf, buf_size, "null");
    return buf;
  }
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, buf_size, "%.*g", p, v);
    if (strtod(buf, NULL) == v) break;
  }
  return buf;
}

cJSON *jsonnum_create(double v) {
  if (!isfinite(v)) return cJSON_CreateNull();
  char buf[40];
  return cJSON_CreateRaw(jsonnum_format(v, buf, sizeof buf));
}

cJSON *jsonnum_add(cJSON *object, const char *key, double v) {
  cJSON *item = jsonnum_create(v);
  if (item && !cJSON_AddItemToObject(object, key, item)) {
    cJSON_Delete(item);
    return NULL;
  }
  return item;
}
