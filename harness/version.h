/* version.h - build identity of the fewshot binary.
 *
 * Defined in a file generated at build time (tools/cmake/version.cmake), so the commit recorded in
 * run.json and printed by `fewshot --version` is the one the binary was built from. */
#ifndef FEWSHOT_VERSION_H
#define FEWSHOT_VERSION_H

/* Semantic version of the tool, e.g. "0.1.0". Static string, never freed. */
const char *fewshot_version_string(void);
/* Short git commit of the source tree, suffixed "-dirty" when tracked files were modified,
 * or "unknown" outside a git checkout. Static string. */
const char *fewshot_build_commit(void);
/* 1 when the CUDA backend was compiled in, else 0. */
int fewshot_built_with_cuda(void);

#endif
