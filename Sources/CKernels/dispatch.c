// One dispatch for every kernel: the level is decided once, from the CPU and SWIFTTRAIN_ISA.
#include "CKernels.h"
#include <stdlib.h>
#include <string.h>

int swifttrain_isa_supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

static int level = -1;

int swifttrain_isa_level(void) {
    // Idempotent: a race computes the same value twice.
    int current = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (current >= 0) return current;
    int chosen = swifttrain_isa_supported();
    const char *forced = getenv("SWIFTTRAIN_ISA");
    if (forced != NULL) {
        int wanted = chosen;
        if (strcmp(forced, "baseline") == 0) wanted = 0;
        else if (strcmp(forced, "avx2") == 0) wanted = 1;
        else if (strcmp(forced, "avx512") == 0) wanted = 2;
        if (wanted < chosen) chosen = wanted;   // never above what the CPU runs
    }
    __atomic_store_n(&level, chosen, __ATOMIC_RELAXED);
    return chosen;
}
