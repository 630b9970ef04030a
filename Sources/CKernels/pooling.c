// 2x2 max pooling of one plane without padding, for planes without NaN: a tournament of two
// independent comparisons, then one, with selects instead of branches (on real activations each
// comparison is a coin flip). Ties keep the first value in reading order, as PyTorch does.
// Offsets are written as floats (exact: planes are far below 2^24 values).
#include "CKernels.h"

#define BASELINE
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

#define MAX_POOL_2X2(NAME, TARGET)                                                                          \
    TARGET static void NAME(const float *restrict plane, float *restrict values, float *restrict offsets,     \
                            int width, int stride, int out_h, int out_w) {                                   \
        for (int oh = 0; oh < out_h; oh++) {                                                                \
            int row = oh * stride * width;                                                                  \
            const float *restrict top = plane + row, *restrict bottom = top + width;                        \
            float *restrict out = values + (long)oh * out_w, *restrict at = offsets + (long)oh * out_w;     \
            /* Four windows per vector: pooled rows are short (12 and 4 values in MNIST's CNN), and */   \
            /* a 16-lane loop would leave them all to the scalar remainder. */                              \
            _Pragma("clang loop vectorize_width(4) interleave_count(1)")                                    \
            for (int ow = 0; ow < out_w; ow++) {                                                            \
                int column = ow * stride;                                                                   \
                float a = top[column], b = top[column + 1], c = bottom[column], d = bottom[column + 1];     \
                int right = b > a, lower_right = d > c;                                                     \
                float upper = right ? b : a, lower = lower_right ? d : c;                                   \
                int upper_at = column + right, lower_at = column + lower_right + width;                    \
                int take_lower = lower > upper;                                                             \
                out[ow] = take_lower ? lower : upper;                                                       \
                at[ow] = (float)(row + (take_lower ? lower_at : upper_at));                                 \
            }                                                                                               \
        }                                                                                                   \
    }

#define CONTAINS_NAN(NAME, TARGET)                                                                          \
    TARGET static int NAME(const float *restrict values, long count) {                                        \
        int found = 0;                                                                                      \
        _Pragma("clang loop vectorize(enable)")                                                             \
        for (long i = 0; i < count; i++) found |= values[i] != values[i];                                   \
        return found;                                                                                       \
    }

MAX_POOL_2X2(max_pool_2x2_baseline, BASELINE)
MAX_POOL_2X2(max_pool_2x2_avx2, AVX2)
MAX_POOL_2X2(max_pool_2x2_avx512, AVX512)
CONTAINS_NAN(contains_nan_baseline, BASELINE)
CONTAINS_NAN(contains_nan_avx2, AVX2)
CONTAINS_NAN(contains_nan_avx512, AVX512)

void swifttrain_max_pool_2x2(const float *plane, float *values, float *offsets, int width, int stride, int out_h, int out_w) {
    switch (swifttrain_isa_level()) {
    case 2: max_pool_2x2_avx512(plane, values, offsets, width, stride, out_h, out_w); break;
    case 1: max_pool_2x2_avx2(plane, values, offsets, width, stride, out_h, out_w); break;
    default: max_pool_2x2_baseline(plane, values, offsets, width, stride, out_h, out_w);
    }
}

int swifttrain_contains_nan(const float *values, long count) {
    switch (swifttrain_isa_level()) {
    case 2: return contains_nan_avx512(values, count);
    case 1: return contains_nan_avx2(values, count);
    default: return contains_nan_baseline(values, count);
    }
}
