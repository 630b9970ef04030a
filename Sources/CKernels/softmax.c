// Softmax rows at full vector width: the exponentials use exp_polynomial.h (libm's expf is a
// scalar call), and sums run in 16 fixed lanes, added in lane order at the end, so a
// level gives the same bits on every run.
#include "CKernels.h"
#include "exp_polynomial.h"

#define BASELINE
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define LANES 16

// y = exp(x * scale - max) / sum over the first `count` values; y may be x. Returns the row's
// maximum (of x * scale) and writes the sum to *total.
#define SOFTMAX_ROW(NAME, TARGET)                                                                          \
    TARGET static float NAME(const float *x, float *y, long count, float scale, float *total) {               \
        float maximum = -__builtin_inff();                                                                  \
        for (long i = 0; i < count; i++) { float v = x[i] * scale; maximum = v > maximum ? v : maximum; }  \
        if (maximum == -__builtin_inff()) maximum = 0;   /* a fully masked row gives NaN, as in PyTorch */   \
        float lanes[LANES] = {0};                                                                           \
        long i = 0;                                                                                         \
        for (; i + LANES <= count; i += LANES)                                                              \
            for (int l = 0; l < LANES; l++) {                                                               \
                float e = exp_full(x[i + l] * scale - maximum);                                          \
                y[i + l] = e;                                                                               \
                lanes[l] += e;                                                                              \
            }                                                                                               \
        float tail = 0;                                                                                     \
        for (; i < count; i++) { float e = exp_full(x[i] * scale - maximum); y[i] = e; tail += e; }     \
        float sum = 0;                                                                                      \
        for (int l = 0; l < LANES; l++) sum += lanes[l];                                                    \
        *total = sum + tail;                                                                                \
        return maximum;                                                                                     \
    }

SOFTMAX_ROW(softmax_row_baseline, BASELINE)
SOFTMAX_ROW(softmax_row_avx2, AVX2)
SOFTMAX_ROW(softmax_row_avx512, AVX512)

#define NORMALIZE(NAME, TARGET)                                                                            \
    TARGET static void NAME(float *y, long count, float factor) {                                          \
        for (long i = 0; i < count; i++) y[i] *= factor;                                                    \
    }

NORMALIZE(normalize_baseline, BASELINE)
NORMALIZE(normalize_avx2, AVX2)
NORMALIZE(normalize_avx512, AVX512)

float swifttrain_softmax_exponentials(const float *x, float *y, long count, float scale, float *total) {
    switch (swifttrain_isa_level()) {
    case 2: return softmax_row_avx512(x, y, count, scale, total);
    case 1: return softmax_row_avx2(x, y, count, scale, total);
    default: return softmax_row_baseline(x, y, count, scale, total);
    }
}

void swifttrain_scale_row(float *y, long count, float factor) {
    switch (swifttrain_isa_level()) {
    case 2: normalize_avx512(y, count, factor); break;
    case 1: normalize_avx2(y, count, factor); break;
    default: normalize_baseline(y, count, factor);
    }
}
