/* jsonnum.h - numbers written so that they read back to the same double. cJSON 1.7.15 prints
 * with 15 significant digits whenever that reads back "approximately" equal (within a relative
 * DBL_EPSILON), which loses the last bits of scores; these helpers write the shortest decimal that
 * reads back exactly (up to 17 digits), and null for NaN and infinities. */
#ifndef FEWSHOT_JSONNUM_H
#define FEWSHOT_JSONNUM_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Writes the shortest "%.<p>g" form of v (p = 1..17) that strtod reads back as exactly v, or
 * "null" when v is not finite. buf_size >= 32. Returns buf. */
char *jsonnum_format(double v, char *buf, size_t buf_size);

/* A cJSON item holding v exactly (a raw number) or null. NULL when out of memory. */
cJSON *jsonnum_create(double v);

/* Adds jsonnum_create(v) under `key`. Returns the item, NULL when out of memory. */
cJSON *jsonnum_add(cJSON *object, const char *key, double v);

#endif
