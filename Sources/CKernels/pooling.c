// 2x2 max pooling of one plane without padding, for planes without NaN: a tournament of two
// independent comparisons, then one, with selects instead of branches (on real activations each
// comparison is a coin flip). Ties keep the first value in reading order, as PyTorch does.
// Offsets are written as floats (exact: planes are far below 2^24 values). The compiler
// vectorizes the plain loop only at stride 1, so stride 2 (the usual pooling) has its own
// 8-window step: before it, MNIST's pooling ran scalar at every level (10% of a CNN epoch).
#include "CKernels.h"

#define BASELINE
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

typedef float floats8 __attribute__((ext_vector_type(8)));
typedef float floats16 __attribute__((ext_vector_type(16)));
typedef int ints8 __attribute__((ext_vector_type(8)));

// Lanes of `yes` where `mask` is all ones, of `no` elsewhere (bitwise, so it keeps -0 and +0).
#define SELECT(mask, yes, no) ((floats8)(((ints8)(yes) & (mask)) | ((ints8)(no) & ~(mask))))

// Eight windows at stride 2: 16 values of each row, split into even and odd columns by shuffles.
// The comparisons and selects are the scalar loop's, lane by lane.
#define EIGHT_WINDOWS(top, bottom, out, at, row, column, width)                                            \
    do {                                                                                                    \
        floats16 upper_row_, lower_row_;                                                                    \
        __builtin_memcpy(&upper_row_, (top) + (column), sizeof(floats16));                                  \
        __builtin_memcpy(&lower_row_, (bottom) + (column), sizeof(floats16));                               \
        floats8 a_ = __builtin_shufflevector(upper_row_, upper_row_, 0, 2, 4, 6, 8, 10, 12, 14);            \
        floats8 b_ = __builtin_shufflevector(upper_row_, upper_row_, 1, 3, 5, 7, 9, 11, 13, 15);            \
        floats8 c_ = __builtin_shufflevector(lower_row_, lower_row_, 0, 2, 4, 6, 8, 10, 12, 14);            \
        floats8 d_ = __builtin_shufflevector(lower_row_, lower_row_, 1, 3, 5, 7, 9, 11, 13, 15);            \
        ints8 right_ = b_ > a_, lower_right_ = d_ > c_;                                                     \
        floats8 upper_ = SELECT(right_, b_, a_), lower_ = SELECT(lower_right_, d_, c_);                     \
        ints8 take_lower_ = lower_ > upper_;                                                                \
        ints8 corner_ = (ints8){0, 2, 4, 6, 8, 10, 12, 14} + ((row) + (column));                            \
        /* A true comparison is -1: subtracting it adds the step to the right. */                            \
        ints8 upper_at_ = corner_ - right_, lower_at_ = corner_ + (width) - lower_right_;                   \
        floats8 best_ = SELECT(take_lower_, lower_, upper_);                                                \
        ints8 best_at_ = (take_lower_ & lower_at_) | (~take_lower_ & upper_at_);                            \
        floats8 offset_ = __builtin_convertvector(best_at_, floats8);                                       \
        __builtin_memcpy((out), &best_, sizeof(floats8));                                                   \
        __builtin_memcpy((at), &offset_, sizeof(floats8));                                                  \
    } while (0)

#define MAX_POOL_2X2(NAME, TARGET)                                                                          \
    TARGET static void NAME(const float *restrict plane, float *restrict values, float *restrict offsets,     \
                            int width, int stride, int out_h, int out_w) {                                   \
        for (int oh = 0; oh < out_h; oh++) {                                                                \
            int row = oh * stride * width;                                                                  \
            const float *restrict top = plane + row, *restrict bottom = top + width;                        \
            float *restrict out = values + (long)oh * out_w, *restrict at = offsets + (long)oh * out_w;     \
            int ow = 0;                                                                                     \
            /* Stride 2 (the usual pooling): eight windows per step from two 16-value loads. */            \
            if (stride == 2)                                                                                \
                for (; ow + 8 <= out_w; ow += 8) EIGHT_WINDOWS(top, bottom, out + ow, at + ow, row, 2 * ow, width); \
            /* Four windows per vector otherwise: pooled rows are short (12 and 4 values in MNIST's */  \
            /* CNN), and a 16-lane loop would leave them all to the scalar remainder. */                    \
            _Pragma("clang loop vectorize_width(4) interleave_count(1)")                                    \
            for (; ow < out_w; ow++) {                                                                      \
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

// The pullback of 2x2 windows at stride 2 that tile the plane exactly: every input position
// belongs to one window, so each window writes its gradient where its maximum was and zeros at
// the other three, and the plane needs no zeroing and no scatter.
#define MAX_UNPOOL_2X2(NAME, TARGET)                                                                        \
    TARGET static void NAME(const float *restrict gradient, const float *restrict offsets,                   \
                            float *restrict plane, int out_h, int out_w) {                                   \
        int width = 2 * out_w;                                                                              \
        for (int oh = 0; oh < out_h; oh++) {                                                                \
            float *restrict top = plane + (long)2 * oh * width, *restrict bottom = top + width;            \
            const float *restrict g = gradient + (long)oh * out_w, *restrict at = offsets + (long)oh * out_w; \
            int corner = 2 * oh * width;                                                                    \
            for (int ow = 0; ow < out_w; ow++) {                                                            \
                int offset = (int)at[ow] - corner - 2 * ow;                                                 \
                float value = g[ow];                                                                        \
                top[2 * ow] = offset == 0 ? value : 0.0f;                                                   \
                top[2 * ow + 1] = offset == 1 ? value : 0.0f;                                               \
                bottom[2 * ow] = offset == width ? value : 0.0f;                                            \
                bottom[2 * ow + 1] = offset == width + 1 ? value : 0.0f;                                    \
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
MAX_UNPOOL_2X2(max_unpool_2x2_baseline, BASELINE)
MAX_UNPOOL_2X2(max_unpool_2x2_avx2, AVX2)
MAX_UNPOOL_2X2(max_unpool_2x2_avx512, AVX512)
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

void swifttrain_max_unpool_2x2(const float *gradient, const float *offsets, float *plane, int out_h, int out_w) {
    switch (swifttrain_isa_level()) {
    case 2: max_unpool_2x2_avx512(gradient, offsets, plane, out_h, out_w); break;
    case 1: max_unpool_2x2_avx2(gradient, offsets, plane, out_h, out_w); break;
    default: max_unpool_2x2_baseline(gradient, offsets, plane, out_h, out_w);
    }
}

int swifttrain_contains_nan(const float *values, long count) {
    switch (swifttrain_isa_level()) {
    case 2: return contains_nan_avx512(values, count);
    case 1: return contains_nan_avx2(values, count);
    default: return contains_nan_baseline(values, count);
    }
}
