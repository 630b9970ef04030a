// im2col and col2im for the channel-major layout ([channels*kh*kw][batch*positions]): runs of
// one output row (often 8 or 24 values) move as 8-lane vectors instead of element by element.
// col2im adds the taps in the same order as a plain loop, so the bits do not depend on the level.
#include "CKernels.h"
#include <string.h>

#define BASELINE
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

typedef float lanes8 __attribute__((ext_vector_type(8)));

// An 8-value run (conv2's rows) is one vector move. Longer runs go through a loop that the
// compiler may turn into a memcpy call, which only pays off for long runs.
#define COPY_RUN(destination, source, count)                                                                \
    do {                                                                                                    \
        int i_ = 0;                                                                                         \
        if ((count) == 8) {                                                                                 \
            lanes8 v_;                                                                                      \
            __builtin_memcpy_inline(&v_, (source), sizeof(v_));                                             \
            __builtin_memcpy_inline((destination), &v_, sizeof(v_));                                        \
            break;                                                                                          \
        }                                                                                         \
        for (; i_ + 8 <= (count); i_ += 8) {                                                                \
            lanes8 v_;                                                                                      \
            memcpy(&v_, (source) + i_, sizeof(v_));                                                         \
            memcpy((destination) + i_, &v_, sizeof(v_));                                                    \
        }                                                                                                   \
        for (; i_ < (count); i_++) (destination)[i_] = (source)[i_];                                        \
    } while (0)

#define ADD_RUN(destination, source, count)                                                                 \
    do {                                                                                                    \
        int i_ = 0;                                                                                         \
        for (; i_ + 8 <= (count); i_ += 8) {                                                                \
            lanes8 a_, b_;                                                                                  \
            memcpy(&a_, (destination) + i_, sizeof(a_));                                                    \
            memcpy(&b_, (source) + i_, sizeof(b_));                                                         \
            a_ += b_;                                                                                       \
            memcpy((destination) + i_, &a_, sizeof(a_));                                                    \
        }                                                                                                   \
        for (; i_ < (count); i_++) (destination)[i_] += (source)[i_];                                       \
    } while (0)

// Row `row` (channel, tap) of the im2col matrix: for every sample and output position, the
// input value under that tap (zero in the padding).
#define IM2COL_ROW(NAME, TARGET)                                                                           \
    TARGET static void NAME(const float *restrict input, float *restrict output, int row,                     \
                            const struct swifttrain_window *restrict g) {                                     \
        int taps = g->kernel_height * g->kernel_width;                                                      \
        int c = row / taps, ki = (row / g->kernel_width) % g->kernel_height, kj = row % g->kernel_width;    \
        long positions = (long)g->output_height * g->output_width, columns = g->batch * positions;          \
        int left = kj - g->padding;                                                                         \
        for (int n = 0; n < g->batch; n++) {                                                                \
            const float *plane = input + ((long)n * g->channels + c) * g->height * g->width;                \
            float *destination = output + (long)row * columns + n * positions;                              \
            for (int oh = 0; oh < g->output_height; oh++, destination += g->output_width) {                 \
                int ih = oh * g->stride - g->padding + ki;                                                  \
                if (ih < 0 || ih >= g->height) {                                                            \
                    memset(destination, 0, sizeof(float) * g->output_width);                                \
                } else if (g->stride == 1 && left >= 0 && left + g->output_width <= g->width) {             \
                    COPY_RUN(destination, plane + (long)ih * g->width + left, g->output_width);             \
                } else {                                                                                    \
                    const float *line = plane + (long)ih * g->width;                                        \
                    for (int ow = 0; ow < g->output_width; ow++) {                                          \
                        int iw = ow * g->stride + left;                                                     \
                        destination[ow] = iw >= 0 && iw < g->width ? line[iw] : 0.0f;                       \
                    }                                                                                       \
                }                                                                                           \
            }                                                                                               \
        }                                                                                                   \
    }

// Sample `n` of col2im: every im2col value added back into the input position its tap read,
// taps in row order.
#define COL2IM_SAMPLE(NAME, TARGET)                                                                        \
    TARGET static void NAME(const float *restrict columns_in, float *restrict output, int n,                  \
                            const struct swifttrain_window *restrict g) {                                     \
        int taps = g->kernel_height * g->kernel_width, window = g->channels * taps;                         \
        long positions = (long)g->output_height * g->output_width, columns = g->batch * positions;          \
        for (int row = 0; row < window; row++) {                                                            \
            int c = row / taps, ki = (row / g->kernel_width) % g->kernel_height, kj = row % g->kernel_width; \
            int left = kj - g->padding;                                                                     \
            float *plane = output + ((long)n * g->channels + c) * g->height * g->width;                     \
            const float *run = columns_in + (long)row * columns + n * positions;                            \
            for (int oh = 0; oh < g->output_height; oh++, run += g->output_width) {                         \
                int ih = oh * g->stride - g->padding + ki;                                                  \
                if (ih < 0 || ih >= g->height) continue;                                                    \
                float *line = plane + (long)ih * g->width;                                                  \
                if (g->stride == 1 && left >= 0 && left + g->output_width <= g->width) {                    \
                    ADD_RUN(line + left, run, g->output_width);                                             \
                } else {                                                                                    \
                    for (int ow = 0; ow < g->output_width; ow++) {                                          \
                        int iw = ow * g->stride + left;                                                     \
                        if (iw >= 0 && iw < g->width) line[iw] += run[ow];                                  \
                    }                                                                                       \
                }                                                                                           \
            }                                                                                               \
        }                                                                                                   \
    }

IM2COL_ROW(im2col_row_baseline, BASELINE)
IM2COL_ROW(im2col_row_avx2, AVX2)
IM2COL_ROW(im2col_row_avx512, AVX512)
COL2IM_SAMPLE(col2im_sample_baseline, BASELINE)
COL2IM_SAMPLE(col2im_sample_avx2, AVX2)
COL2IM_SAMPLE(col2im_sample_avx512, AVX512)

void swifttrain_im2col_row(const float *input, float *output, int row, const struct swifttrain_window *window) {
    switch (swifttrain_isa_level()) {
    case 2: im2col_row_avx512(input, output, row, window); break;
    case 1: im2col_row_avx2(input, output, row, window); break;
    default: im2col_row_baseline(input, output, row, window);
    }
}

void swifttrain_col2im_sample(const float *columns, float *output, int sample, const struct swifttrain_window *window) {
    switch (swifttrain_isa_level()) {
    case 2: col2im_sample_avx512(columns, output, sample, window); break;
    case 1: col2im_sample_avx2(columns, output, sample, window); break;
    default: col2im_sample_baseline(columns, output, sample, window);
    }
}
