/* backend_cuda_loader.c - the CUDA backend's entry points (cuda/backend_cuda.h) as seen by every
 * program: the backend itself (model/cuda/, cuBLAS and the CUDA runtime) is a shared library,
 * libfewshot_cuda.so, loaded with dlopen the first time a CUDA entry point is called. Commands that
 * never ask for a GPU (tokenize, score, table, --version, the CPU backend...) therefore do not map
 * cuBLAS: ~6 MB of resident memory at start instead of ~220 MB, and no 0.2 s of start-up.
 *
 * The library is looked for next to the running executable (build/fewshot, build/libfewshot_cuda.so),
 * then at the path it was built to (for the test and bench programs in subfolders of build/). In a
 * build without CUDA (no nvcc at configure time, or -DFEWSHOT_CUDA=OFF) there is no library and the
 * entry points report that. Either way callers (the engine, the gpu tests) need no #ifdef, and a
 * missing or unloadable library is an error message, never a crash.
 *
 * No state is kept here: dlopen of a loaded library returns the same handle (the library stays
 * loaded for the life of the process: the backends it creates point into it). */
#include "cuda/backend_cuda.h"

#include <stdio.h>

#ifdef FEWSHOT_CUDA_LIBRARY

#include <dlfcn.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

/* Loads the library and returns the address of `name` in it, or NULL with the reason in err. */
static void *cuda_symbol(const char *name, char *err, size_t err_size) {
  char path[PATH_MAX + 32], first_error[512] = "";
  void *lib = NULL;
  ssize_t n = readlink("/proc/self/exe", path, PATH_MAX);
  if (n > 0) {
    path[n] = '\0';
    char *slash = strrchr(path, '/');
    if (slash) {
      strcpy(slash + 1, "libfewshot_cuda.so");
      if (access(path, F_OK) == 0 && !(lib = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
        snprintf(first_error, sizeof first_error, "%s", dlerror());
    }
  }
  if (!lib && !first_error[0] && !(lib = dlopen(FEWSHOT_CUDA_LIBRARY, RTLD_NOW | RTLD_LOCAL)))
    snprintf(first_error, sizeof first_error, "%s", dlerror());
  void *sym = lib ? dlsym(lib, name) : NULL;
  if (!sym && err)
    snprintf(err, err_size, "cannot load the CUDA backend (libfewshot_cuda.so next to the program, or %s): %s",
             FEWSHOT_CUDA_LIBRARY, lib ? dlerror() : first_error);
  return sym;
}

int bk_cuda_device_count(char *err, size_t err_size) {
  int (*f)(char *, size_t) = (int (*)(char *, size_t))cuda_symbol("bk_cuda_device_count", err, err_size);
  return f ? f(err, err_size) : 0;
}

bk_backend *bk_cuda_create(int device, bk_cuda_precision precision, char *err, size_t err_size) {
  bk_backend *(*f)(int, bk_cuda_precision, char *, size_t) =
      (bk_backend * (*)(int, bk_cuda_precision, char *, size_t)) cuda_symbol("bk_cuda_create", err, err_size);
  return f ? f(device, precision, err, err_size) : NULL;
}

/* The two below take a backend bk_cuda_create made, so the library is loaded already. */
int bk_cuda_reserve(bk_backend *be, size_t n, char *err, size_t err_size) {
  int (*f)(bk_backend *, size_t, char *, size_t) =
      (int (*)(bk_backend *, size_t, char *, size_t))cuda_symbol("bk_cuda_reserve", err, err_size);
  return f ? f(be, n, err, err_size) : 1;
}

void bk_cuda_describe(const bk_backend *be, char *out, size_t out_size) {
  void (*f)(const bk_backend *, char *, size_t) =
      (void (*)(const bk_backend *, char *, size_t))cuda_symbol("bk_cuda_describe", out, out_size);
  if (f) f(be, out, out_size);
}

#else /* a build without CUDA */

#define NOT_BUILT "this fewshot was built without the CUDA backend (nvcc not found at configure time, or -DFEWSHOT_CUDA=OFF)"

int bk_cuda_device_count(char *err, size_t err_size) {
  if (err) snprintf(err, err_size, "%s", NOT_BUILT);
  return 0;
}

bk_backend *bk_cuda_create(int device, bk_cuda_precision precision, char *err, size_t err_size) {
  (void)device;
  (void)precision;
  if (err) snprintf(err, err_size, "cuda backend: %s", NOT_BUILT);
  return NULL;
}

int bk_cuda_reserve(bk_backend *be, size_t n, char *err, size_t err_size) {
  (void)be;
  (void)n;
  if (err) snprintf(err, err_size, "cuda backend: %s", NOT_BUILT);
  return 1;
}

void bk_cuda_describe(const bk_backend *be, char *out, size_t out_size) {
  (void)be;
  if (out_size) snprintf(out, out_size, "cuda backend: %s", NOT_BUILT);
}

#endif
