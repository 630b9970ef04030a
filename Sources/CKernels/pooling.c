// 2x2 max pooling of one plane without padding, for windows without NaN: a tournament of two
// independent comparisons, then one, with selects instead of branches (on real activations each
// comparison is a coin flip). Ties keep the first value in reading order, as PyTorch does.
// Offsets are written as floats (exact: planes are far below 2^24 values). The compiler
// vectorizes the plain loop only at stride 1, so stride 2 (the usual pooling) has its own 8- and
// 4-window steps: before them, MNIST's pooling ran scalar at every level (10% of a CNN epoch).
// The same pass notes any NaN under the windows, so no separate scan reads the plane first.
#include "CKernels.h"

#define BASELINE
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

typedef float floats4 __attribute__((ext_vector_type(4)));
typedef float floats8 __attribute__((ext_vector_type(8)));
typedef float floats16 __attribute__((ext_vector_type(16)));
typedef int ints4 __attribute__((ext_vector_type(4)));
typedef int ints8 __attribute__((ext_vector_type(8)));

// Lanes of `yes` where `mask` is all ones, of `no` elsewhere (bitwise, so it keeps -0 and +0).
#define SELECT(INTS, FLOATS, mask, yes, no) ((FLOATS)(((INTS)(yes) & (mask)) | ((INTS)(no) & ~(mask))))

// N windows at stride 2 (N = 8 or 4): 2N values of each row, split into even and odd columns by
// shuffles. The comparisons and selects are the scalar loop's, lane by lane; `nan` collects
// whether any value under the windows is NaN (the caller then redoes the plane NaN-aware).
#define WINDOWS(INTS, FLOATS, WIDE, EVEN, ODD, LANES, top, bottom, out, at, row, column, width, nan)       \
    do {                                                                                                    \
        WIDE upper_row_, lower_row_;                                                                        \
        __builtin_memcpy(&upper_row_, (top) + (column), sizeof(WIDE));                                      \
        __builtin_memcpy(&lower_row_, (bottom) + (column), sizeof(WIDE));                                   \
        FLOATS a_ = __builtin_shufflevector(upper_row_, upper_row_, EVEN);                                  \
        FLOATS b_ = __builtin_shufflevector(upper_row_, upper_row_, ODD);                                   \
        FLOATS c_ = __builtin_shufflevector(lower_row_, lower_row_, EVEN);                                  \
        FLOATS d_ = __builtin_shufflevector(lower_row_, lower_row_, ODD);                                   \
        (nan) |= (a_ != a_) | (b_ != b_) | (c_ != c_) | (d_ != d_);                                         \
        INTS right_ = b_ > a_, lower_right_ = d_ > c_;                                                      \
        FLOATS upper_ = SELECT(INTS, FLOATS, right_, b_, a_), lower_ = SELECT(INTS, FLOATS, lower_right_, d_, c_); \
        INTS take_lower_ = lower_ > upper_;                                                                 \
        INTS corner_ = (INTS)(LANES) + ((row) + (column));                                                  \
        /* A true comparison is -1: subtracting it adds the step to the right. */                            \
        INTS upper_at_ = corner_ - right_, lower_at_ = corner_ + (width) - lower_right_;                    \
        FLOATS best_ = SELECT(INTS, FLOATS, take_lower_, lower_, upper_);                                   \
        INTS best_at_ = (take_lower_ & lower_at_) | (~take_lower_ & upper_at_);                             \
        FLOATS offset_ = __builtin_convertvector(best_at_, FLOATS);                                         \
        __builtin_memcpy((out), &best_, sizeof(FLOATS));                                                    \
        __builtin_memcpy((at), &offset_, sizeof(FLOATS));                                                   \
    } while (0)

#define EVEN8 0, 2, 4, 6, 8, 10, 12, 14
#define ODD8 1, 3, 5, 7, 9, 11, 13, 15
#define LANES8 ((ints8){0, 2, 4, 6, 8, 10, 12, 14})
#define EVEN4 0, 2, 4, 6
#define ODD4 1, 3, 5, 7
#define LANES4 ((ints4){0, 2, 4, 6})

// Returns 1 when a value under the windows is NaN (the values written are then not PyTorch's).
#define MAX_POOL_2X2(NAME, TARGET)                                                                          \
    TARGET static int NAME(const float *restrict plane, float *restrict values, float *restrict offsets,      \
                           int width, int stride, int out_h, int out_w) {                                    \
        ints8 nan8 = (ints8)0;                                                                              \
        ints4 nan4 = (ints4)0;                                                                              \
        int nan = 0;                                                                                        \
        for (int oh = 0; oh < out_h; oh++) {                                                                \
            int row = oh * stride * width;                                                                  \
            const float *restrict top = plane + row, *restrict bottom = top + width;                        \
            float *restrict out = values + (long)oh * out_w, *restrict at = offsets + (long)oh * out_w;     \
            int ow = 0;                                                                                     \
            /* Stride 2 (the usual pooling): eight, then four windows per step (MNIST's pooled rows */     \
            /* are 12 and 4 wide). */                                                                       \
            if (stride == 2) {                                                                              \
                for (; ow + 8 <= out_w; ow += 8)                                                            \
                    WINDOWS(ints8, floats8, floats16, EVEN8, ODD8, LANES8, top, bottom, out + ow, at + ow, row, 2 * ow, width, nan8); \
                for (; ow + 4 <= out_w; ow += 4)                                                            \
                    WINDOWS(ints4, floats4, floats8, EVEN4, ODD4, LANES4, top, bottom, out + ow, at + ow, row, 2 * ow, width, nan4); \
            }                                                                                               \
            _Pragma("clang loop vectorize_width(4) interleave_count(1)")                                    \
            for (; ow < out_w; ow++) {                                                                      \
                int column = ow * stride;                                                                   \
                float a = top[column], b = top[column + 1], c = bottom[column], d = bottom[column + 1];     \
                nan |= (a != a) | (b != b) | (c != c) | (d != d);                                           \
                int right = b > a, lower_right = d > c;                                                     \
                float upper = right ? b : a, lower = lower_right ? d : c;                                   \
                int upper_at = column + right, lower_at = column + lower_right + width;                    \
                int take_lower = lower > upper;                                                             \
                out[ow] = take_lower ? lower : upper;                                                       \
                at[ow] = (float)(row + (take_lower ? lower_at : upper_at));                                 \
            }                                                                                               \
        }                                                                                                   \
        for (int l = 0; l < 8; l++) nan |= nan8[l] != 0;                                                    \
        for (int l = 0; l < 4; l++) nan |= nan4[l] != 0;                                                    \
        return nan;                                                                                         \
    }

// N windows of the pullback: each window's gradient at its recorded offset and zeros at the other
// three, interleaved back into the two rows.
#define UNPOOL_WINDOWS(INTS, FLOATS, WIDE, INTERLEAVE, LANES, g, at, top, bottom, corner, column, width)   \
    do {                                                                                                    \
        FLOATS value_, where_;                                                                              \
        __builtin_memcpy(&value_, (g), sizeof(FLOATS));                                                     \
        __builtin_memcpy(&where_, (at), sizeof(FLOATS));                                                    \
        INTS offset_ = __builtin_convertvector(where_, INTS) - ((INTS)(LANES) + ((corner) + (column)));     \
        FLOATS zero_ = (FLOATS)0.0f;                                                                        \
        FLOATS top_even_ = SELECT(INTS, FLOATS, offset_ == 0, value_, zero_);                               \
        FLOATS top_odd_ = SELECT(INTS, FLOATS, offset_ == 1, value_, zero_);                                \
        FLOATS bottom_even_ = SELECT(INTS, FLOATS, offset_ == (width), value_, zero_);                      \
        FLOATS bottom_odd_ = SELECT(INTS, FLOATS, offset_ == (width) + 1, value_, zero_);                   \
        WIDE upper_ = __builtin_shufflevector(top_even_, top_odd_, INTERLEAVE);                             \
        WIDE lower_ = __builtin_shufflevector(bottom_even_, bottom_odd_, INTERLEAVE);                       \
        __builtin_memcpy((top) + (column), &upper_, sizeof(WIDE));                                          \
        __builtin_memcpy((bottom) + (column), &lower_, sizeof(WIDE));                                       \
    } while (0)

#define INTERLEAVE8 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15
#define INTERLEAVE4 0, 4, 1, 5, 2, 6, 3, 7

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
            int corner = 2 * oh * width, ow = 0;                                                            \
            for (; ow + 8 <= out_w; ow += 8)                                                                \
                UNPOOL_WINDOWS(ints8, floats8, floats16, INTERLEAVE8, LANES8, g + ow, at + ow, top, bottom, corner, 2 * ow, width); \
            for (; ow + 4 <= out_w; ow += 4)                                                                \
                UNPOOL_WINDOWS(ints4, floats4, floats8, INTERLEAVE4, LANES4, g + ow, at + ow, top, bottom, corner, 2 * ow, width); \
            for (; ow < out_w; ow++) {                                                                      \
                int offset = (int)at[ow] - corner - 2 * ow;                                                 \
                float value = g[ow];                                                                        \
                top[2 * ow] = offset == 0 ? value : 0.0f;                                                   \
                top[2 * ow + 1] = offset == 1 ? value : 0.0f;                                               \
                bottom[2 * ow] = offset == width ? value : 0.0f;                                            \
                bottom[2 * ow + 1] = offset == width + 1 ? value : 0.0f;                                    \
            }                                                                                               \
        }                                                                                                   \
    }

MAX_POOL_2X2(max_pool_2x2_baseline, BASELINE)
MAX_POOL_2X2(max_pool_2x2_avx2, AVX2)
MAX_POOL_2X2(max_pool_2x2_avx512, AVX512)
MAX_UNPOOL_2X2(max_unpool_2x2_baseline, BASELINE)
MAX_UNPOOL_2X2(max_unpool_2x2_avx2, AVX2)
MAX_UNPOOL_2X2(max_unpool_2x2_avx512, AVX512)

int swifttrain_max_pool_2x2(const float *plane, float *values, float *offsets, int width, int stride, int out_h, int out_w) {
    switch (swifttrain_isa_level()) {
    case 2: return max_pool_2x2_avx512(plane, values, offsets, width, stride, out_h, out_w);
    case 1: return max_pool_2x2_avx2(plane, values, offsets, width, stride, out_h, out_w);
    default: return max_pool_2x2_baseline(plane, values, offsets, width, stride, out_h, out_w);
    }
}

void swifttrain_max_unpool_2x2(const float *gradient, const float *offsets, float *plane, int out_h, int out_w) {
    switch (swifttrain_isa_level()) {
    case 2: max_unpool_2x2_avx512(gradient, offsets, plane, out_h, out_w); break;
    case 1: max_unpool_2x2_avx2(gradient, offsets, plane, out_h, out_w); break;
    default: max_unpool_2x2_baseline(gradient, offsets, plane, out_h, out_w);
    }
}
