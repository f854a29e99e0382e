/* trace.h - an optional hook through which the model parts hand out named intermediate activations
 * (name, layer, rows x cols at row stride ld), so a mismatch against PyTorch or between backends
 * can be located layer by layer (style.md practice 12). A part's state holds a `const model_trace *`
 * (NULL: no tracing); the callback may bk_read the rows it wants. */
#ifndef FEWSHOT_TRACE_H
#define FEWSHOT_TRACE_H

#include "backend.h"

typedef struct {
  /* Called after each traced step; layer is -1 outside the layer stack. */
  void (*fn)(void *ctx, const char *name, int layer, bk_ptr x, int rows, int cols, int ld);
  void *ctx;
} model_trace;

static inline void model_trace_emit(const model_trace *t, const char *name, int layer, bk_ptr x, int rows,
                                    int cols, int ld) {
  if (t && t->fn) t->fn(t->ctx, name, layer, x, rows, cols, ld);
}

#endif
