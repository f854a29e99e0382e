// rows.cu - row movement ops of the CUDA backend: copy_rows (image-row scatter, KV-cache writes),
// gather_rows (last-position pick, beam reordering), add_table_rows (learned positions, latents),
// embed (the decoupled embedding gather) and im2patch (patch unfolding for the patch-embedding
// GEMM). One block per output row, threads along the row (coalesced); tables may be bf16.
// Host index arrays (row indices, token ids) are copied to the device per call (cuda_meta).
#include "cuda_common.cuh"

enum { THREADS = 256 };

// Rows are spread over blocks with a grid stride so any row count fits the grid limits.
__global__ void copy_rows_kernel(float *y, size_t ldy, const float *x, size_t ldx, int n_rows, size_t n_cols) {
  for (int r = blockIdx.x; r < n_rows; r += gridDim.x)
    for (size_t c = threadIdx.x; c < n_cols; c += blockDim.x) y[r * ldy + c] = x[r * ldx + c];
}

static unsigned row_blocks(int n_rows) { return (unsigned)(n_rows < 65535 ? n_rows : 65535); }

void cuda_copy_rows(bk_backend *be, bk_ptr y, int ldy, bk_ptr x, int ldx, int n_rows, int n_cols) {
  if (be->failed || n_rows <= 0 || n_cols <= 0) return;
  copy_rows_kernel<<<row_blocks(n_rows), THREADS, 0, impl_of(be)->stream>>>(dptr(y), (size_t)ldy, dptr(x),
                                                                           (size_t)ldx, n_rows, (size_t)n_cols);
  KERNEL_CHECK(be, "copy_rows_kernel");
}

__global__ void gather_rows_kernel(float *y, size_t ldy, const float *x, size_t ldx, const int32_t *rows, int n_rows,
                                   size_t n_cols) {
  for (int r = blockIdx.x; r < n_rows; r += gridDim.x) {
    const float *src = x + (size_t)rows[r] * ldx;
    for (size_t c = threadIdx.x; c < n_cols; c += blockDim.x) y[r * ldy + c] = src[c];
  }
}

void cuda_gather_rows(bk_backend *be, bk_ptr y, size_t ldy, bk_ptr x, size_t ldx, const int32_t *rows, int n_rows,
                      size_t n_cols) {
  if (be->failed || n_rows <= 0 || n_cols == 0) return;
  const int32_t *d_rows = (const int32_t *)cuda_meta(be, rows, (size_t)n_rows * sizeof(int32_t));
  if (!d_rows) return;
  gather_rows_kernel<<<row_blocks(n_rows), THREADS, 0, impl_of(be)->stream>>>(dptr(y), ldy, dptr(x), ldx, d_rows,
                                                                             n_rows, n_cols);
  KERNEL_CHECK(be, "gather_rows_kernel");
}

__global__ void add_table_rows_kernel(float *y, size_t ldy, int n_rows, const void *t, int t_dtype, int64_t t_rows,
                                      int64_t d) {
  for (int r = blockIdx.x; r < n_rows; r += gridDim.x) {
    const size_t base = (size_t)(r % t_rows) * d;
    for (int64_t c = threadIdx.x; c < d; c += blockDim.x) y[r * ldy + c] += wload(t, t_dtype, base + c);
  }
}

void cuda_add_table_rows(bk_backend *be, bk_ptr y, int ldy, int n_rows, const bk_weight *table) {
  if (be->failed || n_rows <= 0) return;
  add_table_rows_kernel<<<row_blocks(n_rows), THREADS, 0, impl_of(be)->stream>>>(
      dptr(y), (size_t)ldy, n_rows, table->data, (int)table->dtype, table->rows, table->cols);
  KERNEL_CHECK(be, "add_table_rows_kernel");
}

__global__ void embed_kernel(float *y, size_t ldy, const int32_t *ids, int n, const void *table, int table_dtype,
                             const void *extra, int extra_dtype, int n_base, int64_t d) {
  for (int r = blockIdx.x; r < n; r += gridDim.x) {
    const int id = ids[r];
    const void *src = id < n_base ? table : extra;
    const int dt = id < n_base ? table_dtype : extra_dtype;
    const size_t base = (size_t)(id < n_base ? id : id - n_base) * d;
    for (int64_t c = threadIdx.x; c < d; c += blockDim.x) y[r * ldy + c] = wload(src, dt, base + c);
  }
}

void cuda_embed(bk_backend *be, bk_ptr y, int ldy, const int32_t *ids, int n, const bk_weight *table,
                const bk_weight *extra, int n_base) {
  if (be->failed || n <= 0) return;
  const int32_t *d_ids = (const int32_t *)cuda_meta(be, ids, (size_t)n * sizeof(int32_t));
  if (!d_ids) return;
  embed_kernel<<<row_blocks(n), THREADS, 0, impl_of(be)->stream>>>(
      dptr(y), (size_t)ldy, d_ids, n, table->data, (int)table->dtype, extra ? extra->data : NULL,
      extra ? (int)extra->dtype : 0, n_base, table->cols);
  KERNEL_CHECK(be, "embed_kernel");
}

// Output element (row, col): row = (img·g + py)·g + px, col = (c·patch + ky)·patch + kx, from pixel
// [img, c, py·patch + ky, px·patch + kx] of the CHW images.
__global__ void im2patch_kernel(float *y, const float *px, int channels, int size, int patch, int g, size_t n) {
  const size_t row_len = (size_t)channels * patch * patch;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    size_t row = i / row_len, col = i % row_len;
    const int kx = (int)(col % patch), ky = (int)(col / patch % patch), c = (int)(col / ((size_t)patch * patch));
    const int pxi = (int)(row % g), py = (int)(row / g % g);
    const size_t img = row / ((size_t)g * g);
    y[i] = px[((img * channels + c) * size + (size_t)py * patch + ky) * size + (size_t)pxi * patch + kx];
  }
}

void cuda_im2patch(bk_backend *be, bk_ptr y, bk_ptr pixels, int n_img, int channels, int size, int patch) {
  const int g = size / patch;
  const size_t n = (size_t)n_img * g * g * channels * patch * patch;
  if (be->failed || n == 0) return;
  im2patch_kernel<<<grid_for(n, THREADS), THREADS, 0, impl_of(be)->stream>>>(dptr(y), dptr(pixels), channels, size,
                                                                            patch, g, n);
  KERNEL_CHECK(be, "im2patch_kernel");
}
