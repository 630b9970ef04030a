// Not API: the C surface of OpenBLAS that TensorCore's kernels call.
// Only TensorCore/Kernels imports this module.
#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
#include <cblas.h>

// CPU features that decide which of OpenBLAS's kernel families can run here
// (see Kernels+BLAS.swift). Swift cannot call these compiler builtins itself.
static inline int copenblas_cpu_runs_skylakex_kernels(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

static inline int copenblas_cpu_runs_haswell_kernels(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}
#endif
