/* backend_cuda.h - the CUDA backend (design.md §4, docs/cuda.md): every op of backend.h on one
 * NVIDIA GPU, behind a plain C interface (the implementation is CUDA C++ in the .cu files of
 * model/cuda/, its entry points extern "C").
 *
 *   bk_backend *be = bk_cuda_create(0, BK_CUDA_BF16, err, sizeof err);
 *   ... the same bk_* calls as on the CPU backend ...
 *   bk_destroy(be);
 *
 * Precision (chosen at creation, fixed for the backend's life):
 *   - BK_CUDA_BF16: matrices (weights with more than one row) are stored in bf16, converted once at
 *     upload (round to nearest even); GEMMs run in cuBLAS with bf16 operands (activations are
 *     rounded to bf16 on the way in) and float32 accumulation and output. Vectors (norm weights,
 *     biases) stay float32. The fast path.
 *   - BK_CUDA_F32: every weight float32; GEMMs in cuBLAS with CUBLAS_COMPUTE_32F and the default
 *     math mode (no TF32), so the GPU can be compared tightly with the CPU reference.
 *   In both, activations (bk_buf) are float32 in device memory, and norms, RoPE, activations and
 *   attention compute in float32 (norm statistics in double, as the CPU backend).
 *
 * Errors: every CUDA and cuBLAS call is checked; a failure inside an op goes to the backend's
 * sticky error (bk_check) as "<function> failed at <file>:<line>: <error name> (<description>)",
 * and ops after a failure do nothing until bk_check clears it. Allocation and upload report at
 * once, with the sizes that did not fit. Nothing here exits or aborts on a device error.
 *
 * Builds without CUDA get the same functions from model/backend_cuda_none.c: they report that the
 * backend was not built, so callers need no #ifdef. */
#ifndef FEWSHOT_BACKEND_CUDA_H
#define FEWSHOT_BACKEND_CUDA_H

#include <stddef.h>

#include "backend.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { BK_CUDA_BF16 = 0, BK_CUDA_F32 = 1 } bk_cuda_precision;

/* Number of CUDA devices this process can use: > 0, or 0 with the reason in err (a build without
 * CUDA, no driver, no device, a driver older than the runtime). Never fails otherwise. */
int bk_cuda_device_count(char *err, size_t err_size);

/* Creates the CUDA backend on device `device` (0 = the first visible one) with the given
 * precision: makes the device current for the calling thread, one stream, one cuBLAS handle.
 * Use the backend from that thread. Returns NULL with a reason in err (no device, bad index,
 * out of memory, a build without CUDA). Free with bk_destroy() after freeing its buffers and
 * weights. */
bk_backend *bk_cuda_create(int device, bk_cuda_precision precision, char *err, size_t err_size);

/* Reserves, ahead of the forward passes, the device scratch that bf16 GEMMs use for their rounded
 * inputs: n floats = the largest n_rows × cols of any matmul to come (the engine computes it from
 * its maxima). Without it the scratch grows at the first matmul that needs it. A no-op in float32
 * mode. Returns 0, or non-zero with err naming the size that did not fit. */
int bk_cuda_reserve(bk_backend *be, size_t n, char *err, size_t err_size);

/* One line describing the backend: device index and name, compute capability, memory, precision,
 * and the bytes it holds. Writes into out (always NUL-terminated). */
void bk_cuda_describe(const bk_backend *be, char *out, size_t out_size);

#ifdef __cplusplus
}
#endif

#endif
