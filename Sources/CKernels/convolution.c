// The first layer's direct convolution (one input channel, stride 1, no padding), forward and
// weight gradient: one loop body, compiled three times.
//
// The fast paths keep their sums in registers. The forward pass computes a tile of OUT_BLOCK
// output channels by ROWS output rows by CHUNK output columns: every tap loads CHUNK input values
// once per row and feeds OUT_BLOCK fused multiply-adds. The input rows under a tile are first copied into a small
// zero-padded buffer, so the tile at a row's end needs no masked loads and reads nothing outside
// the image. Sums run in the same order as the plain loop (bias, then the taps row by row), so
// the outputs are the same bits.
#include "CKernels.h"
#include <string.h>

#define BASELINE
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

#define CONV1_FORWARD(NAME, TARGET)                                                                        \
    TARGET static void NAME(const float *restrict image, const float *restrict weight, const float *restrict bias, \
                            float *restrict output, int out_channels, int height, int width, int kh, int kw) {  \
        int out_h = height - kh + 1, out_w = width - kw + 1;                                                    \
        for (int o = 0; o < out_channels; o++) {                                                                \
            const float *kernel = weight + (long)o * kh * kw;                                                   \
            float start = bias ? bias[o] : 0.0f;                                                                \
            for (int oh = 0; oh < out_h; oh++) {                                                                \
                float *restrict row = output + ((long)o * out_h + oh) * out_w;                                  \
                for (int ow = 0; ow < out_w; ow++) row[ow] = start;                                              \
                for (int i = 0; i < kh; i++) {                                                                  \
                    for (int j = 0; j < kw; j++) {                                                              \
                        float tap = kernel[i * kw + j];                                                         \
                        const float *restrict line = image + (long)(oh + i) * width + j;                       \
                        _Pragma("clang loop vectorize(enable)")                                                 \
                        for (int ow = 0; ow < out_w; ow++) row[ow] += tap * line[ow];                           \
                    }                                                                                           \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
    }

CONV1_FORWARD(conv1_forward_plain_baseline, BASELINE)
CONV1_FORWARD(conv1_forward_plain_avx2, AVX2)
CONV1_FORWARD(conv1_forward_plain_avx512, AVX512)

#define CHUNK 16
#define MAX_KERNEL 16

#define CONV1_FORWARD_TILED(NAME, PLAIN, TARGET, OUT_BLOCK, ROWS)                                         \
    TARGET static void NAME(const float *restrict image, const float *restrict weight, const float *restrict bias, \
                            float *restrict output, int out_channels, int height, int width, int kh, int kw) {  \
        if (kh > MAX_KERNEL || kw > MAX_KERNEL) {                                                               \
            PLAIN(image, weight, bias, output, out_channels, height, width, kh, kw);                             \
            return;                                                                                             \
        }                                                                                                       \
        int out_h = height - kh + 1, out_w = width - kw + 1;                                                    \
        long plane = (long)out_h * out_w;                                                                       \
        float segment[MAX_KERNEL + ROWS - 1][CHUNK + MAX_KERNEL];                                               \
        for (int oh = 0; oh < out_h; oh += ROWS) {                                                              \
            int rows_here = out_h - oh < ROWS ? out_h - oh : ROWS;                                              \
            for (int ow0 = 0; ow0 < out_w; ow0 += CHUNK) {                                                      \
                int valid = out_w - ow0 < CHUNK ? out_w - ow0 : CHUNK, span = valid + kw - 1;                   \
                for (int i = 0; i < kh + ROWS - 1; i++) {                                                       \
                    /* Rows past the image (an odd last row pair) read as zeros and are not stored. */         \
                    const float *line = image + (long)(oh + i) * width + ow0;                                   \
                    int inside = oh + i < height;                                                               \
                    for (int t = 0; t < CHUNK + MAX_KERNEL; t++) segment[i][t] = inside && t < span ? line[t] : 0.0f; \
                }                                                                                               \
                for (int o0 = 0; o0 < out_channels; o0 += OUT_BLOCK) {                                          \
                    /* A last block of fewer channels repeats the last channel and stores only its own. */      \
                    int channel[OUT_BLOCK];                                                                     \
                    float sums[ROWS][OUT_BLOCK][CHUNK];                                                         \
                    for (int b = 0; b < OUT_BLOCK; b++) {                                                       \
                        channel[b] = o0 + b < out_channels ? o0 + b : out_channels - 1;                         \
                        float start = bias ? bias[channel[b]] : 0.0f;                                           \
                        for (int r = 0; r < ROWS; r++)                                                          \
                            for (int l = 0; l < CHUNK; l++) sums[r][b][l] = start;                              \
                    }                                                                                           \
                    for (int i = 0; i < kh; i++) {                                                              \
                        for (int j = 0; j < kw; j++) {                                                          \
                            _Pragma("clang loop unroll(full)")                                                  \
                            for (int r = 0; r < ROWS; r++) {                                                    \
                                const float *x = &segment[i + r][j];                                            \
                                _Pragma("clang loop unroll(full)")                                              \
                                for (int b = 0; b < OUT_BLOCK; b++) {                                           \
                                    float tap = weight[((long)channel[b] * kh + i) * kw + j];                   \
                                    for (int l = 0; l < CHUNK; l++) sums[r][b][l] += tap * x[l];                \
                                }                                                                               \
                            }                                                                                   \
                        }                                                                                       \
                    }                                                                                           \
                    for (int r = 0; r < rows_here; r++)                                                         \
                        for (int b = 0; b < OUT_BLOCK && o0 + b < out_channels; b++)                            \
                            memcpy(output + (o0 + b) * plane + (long)(oh + r) * out_w + ow0, sums[r][b], sizeof(float) * valid); \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
    }

// Each level keeps as many independent sums as its registers hold: a fused multiply-add takes
// 4 cycles and two issue a cycle, so fewer than 8 chains leave the units idle. AVX-512 holds 5
// channels by 2 output rows of 16-lane sums (10 registers; MNIST's 10 channels in 2 blocks);
// AVX2 and the baseline keep 4 channels of one row (8 and 16 registers of 8 and 4 lanes).
CONV1_FORWARD_TILED(conv1_forward_baseline, conv1_forward_plain_baseline, BASELINE, 4, 1)
CONV1_FORWARD_TILED(conv1_forward_avx2, conv1_forward_plain_avx2, AVX2, 4, 1)
CONV1_FORWARD_TILED(conv1_forward_avx512, conv1_forward_plain_avx512, AVX512, 5, 2)

void swifttrain_conv1_forward(const float *image, const float *weight, const float *bias, float *output,
                              int out_channels, int height, int width, int kernel_height, int kernel_width) {
    switch (swifttrain_isa_level()) {
    case 2: conv1_forward_avx512(image, weight, bias, output, out_channels, height, width, kernel_height, kernel_width); break;
    case 1: conv1_forward_avx2(image, weight, bias, output, out_channels, height, width, kernel_height, kernel_width); break;
    default: conv1_forward_baseline(image, weight, bias, output, out_channels, height, width, kernel_height, kernel_width);
    }
}

// Eight lane-wise partial sums, then their total and the scalar tail: a fixed order, so a fixed
// instruction set gives the same bits every run.
#define LANES 8
#define CONV1_WEIGHT_GRADIENT(NAME, TARGET)                                                                \
    TARGET static void NAME(const float *restrict input, const float *restrict upstream, float *restrict taps_out, \
                            int channel, int batch, int out_channels, int height, int width, int kh, int kw) {  \
        int out_h = height - kh + 1, out_w = width - kw + 1;                                                    \
        for (int tap = 0; tap < kh * kw; tap++) {                                                               \
            int i = tap / kw, j = tap % kw;                                                                     \
            float lanes[LANES] = {0};                                                                           \
            float tail = 0;                                                                                     \
            for (int n = 0; n < batch; n++) {                                                                   \
                const float *image = input + (long)n * height * width;                                          \
                for (int oh = 0; oh < out_h; oh++) {                                                            \
                    const float *restrict g = upstream + (((long)n * out_channels + channel) * out_h + oh) * out_w; \
                    const float *restrict x = image + (long)(oh + i) * width + j;                              \
                    int ow = 0;                                                                                 \
                    for (; ow + LANES <= out_w; ow += LANES)                                                    \
                        for (int l = 0; l < LANES; l++) lanes[l] += g[ow + l] * x[ow + l];                      \
                    for (; ow < out_w; ow++) tail += g[ow] * x[ow];                                              \
                }                                                                                               \
            }                                                                                                   \
            float total = 0;                                                                                    \
            for (int l = 0; l < LANES; l++) total += lanes[l];                                                  \
            taps_out[tap] = total + tail;                                                                       \
        }                                                                                                       \
    }

CONV1_WEIGHT_GRADIENT(conv1_weight_gradient_baseline, BASELINE)
CONV1_WEIGHT_GRADIENT(conv1_weight_gradient_avx2, AVX2)
CONV1_WEIGHT_GRADIENT(conv1_weight_gradient_avx512, AVX512)

// The weight gradient for a kernel size known at compile time (5x5 and 3x3, what MNIST-class
// first layers use): every tap's CHUNK lane sums stay in registers while one upstream row chunk
// and the zero-padded input rows under it are read once for all taps. Lane l sums the positions
// l, l + CHUNK, … of every row and sample; the lanes are then added in order, a fixed order at
// every level.
typedef float lanes16 __attribute__((ext_vector_type(16)));

#define CONV1_WEIGHT_GRADIENT_TILED(NAME, KH, KW, TARGET)                                                  \
    TARGET static void NAME(const float *restrict input, const float *restrict upstream, float *restrict taps_out, \
                            float *restrict bias_out, int channel, int batch, int out_channels, int height, int width) { \
        int out_h = height - KH + 1, out_w = width - KW + 1;                                                    \
        lanes16 sums[KH * KW], bias_sum = (lanes16)0.0f;                                                        \
        /* A chunk at a row's end reads zero-padded copies; full chunks read the image itself. */              \
        float padded_rows[KH][CHUNK + KW], padded_gradient[CHUNK];                                              \
        _Pragma("clang loop unroll(full)")                                                                      \
        for (int tap = 0; tap < KH * KW; tap++) sums[tap] = (lanes16)0.0f;                                      \
        for (int n = 0; n < batch; n++) {                                                                       \
            const float *image = input + (long)n * height * width;                                              \
            for (int oh = 0; oh < out_h; oh++) {                                                                \
                const float *gradient_row = upstream + (((long)n * out_channels + channel) * out_h + oh) * out_w; \
                for (int ow0 = 0; ow0 < out_w; ow0 += CHUNK) {                                                  \
                    int valid = out_w - ow0 < CHUNK ? out_w - ow0 : CHUNK;                                      \
                    const float *rows[KH], *gradient_at = gradient_row + ow0;                                   \
                    for (int i = 0; i < KH; i++) rows[i] = image + (long)(oh + i) * width + ow0;                \
                    if (valid < CHUNK) {                                                                        \
                        /* Fixed-length selects, not memcpy calls: the tail is a few values. */                 \
                        for (int l = 0; l < CHUNK; l++) padded_gradient[l] = l < valid ? gradient_at[l] : 0.0f; \
                        gradient_at = padded_gradient;                                                          \
                        for (int i = 0; i < KH; i++) {                                                          \
                            for (int t = 0; t < CHUNK + KW; t++)                                                \
                                padded_rows[i][t] = t < valid + KW - 1 ? rows[i][t] : 0.0f;                     \
                            rows[i] = padded_rows[i];                                                           \
                        }                                                                                       \
                    }                                                                                           \
                    lanes16 gradient;                                                                           \
                    memcpy(&gradient, gradient_at, sizeof(gradient));                                           \
                    bias_sum += gradient;                                                                       \
                    _Pragma("clang loop unroll(full)")                                                          \
                    for (int i = 0; i < KH; i++) {                                                              \
                        _Pragma("clang loop unroll(full)")                                                      \
                        for (int j = 0; j < KW; j++) {                                                          \
                            lanes16 values;                                                                     \
                            memcpy(&values, rows[i] + j, sizeof(values));                                       \
                            sums[i * KW + j] += gradient * values;                                              \
                        }                                                                                       \
                    }                                                                                           \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
        _Pragma("clang loop unroll(full)")                                                                      \
        for (int tap = 0; tap < KH * KW; tap++) {                                                               \
            float total = 0;                                                                                    \
            for (int l = 0; l < CHUNK; l++) total += sums[tap][l];                                              \
            taps_out[tap] = total;                                                                              \
        }                                                                                                       \
        if (bias_out) {                                                                                         \
            float total = 0;                                                                                    \
            for (int l = 0; l < CHUNK; l++) total += bias_sum[l];                                               \
            *bias_out = total;                                                                                  \
        }                                                                                                       \
    }

CONV1_WEIGHT_GRADIENT_TILED(conv1_weight_gradient_5x5_baseline, 5, 5, BASELINE)
CONV1_WEIGHT_GRADIENT_TILED(conv1_weight_gradient_5x5_avx2, 5, 5, AVX2)
CONV1_WEIGHT_GRADIENT_TILED(conv1_weight_gradient_5x5_avx512, 5, 5, AVX512)
CONV1_WEIGHT_GRADIENT_TILED(conv1_weight_gradient_3x3_baseline, 3, 3, BASELINE)
CONV1_WEIGHT_GRADIENT_TILED(conv1_weight_gradient_3x3_avx2, 3, 3, AVX2)
CONV1_WEIGHT_GRADIENT_TILED(conv1_weight_gradient_3x3_avx512, 3, 3, AVX512)

// The bias gradient of the plain path: the channel's upstream values summed in order.
static void conv1_bias_gradient(const float *upstream, float *bias_out, int channel, int batch, int out_channels, long plane) {
    double total = 0;
    for (int n = 0; n < batch; n++) {
        const float *g = upstream + ((long)n * out_channels + channel) * plane;
        for (long p = 0; p < plane; p++) total += g[p];
    }
    *bias_out = (float)total;
}

void swifttrain_conv1_weight_gradient(const float *input, const float *upstream, float *taps_out, float *bias_out, int channel, int batch,
                                      int out_channels, int height, int width, int kernel_height, int kernel_width) {
    int level = swifttrain_isa_level();
    if (kernel_height == 5 && kernel_width == 5) {
        if (level == 2) conv1_weight_gradient_5x5_avx512(input, upstream, taps_out, bias_out, channel, batch, out_channels, height, width);
        else if (level == 1) conv1_weight_gradient_5x5_avx2(input, upstream, taps_out, bias_out, channel, batch, out_channels, height, width);
        else conv1_weight_gradient_5x5_baseline(input, upstream, taps_out, bias_out, channel, batch, out_channels, height, width);
        return;
    }
    if (kernel_height == 3 && kernel_width == 3) {
        if (level == 2) conv1_weight_gradient_3x3_avx512(input, upstream, taps_out, bias_out, channel, batch, out_channels, height, width);
        else if (level == 1) conv1_weight_gradient_3x3_avx2(input, upstream, taps_out, bias_out, channel, batch, out_channels, height, width);
        else conv1_weight_gradient_3x3_baseline(input, upstream, taps_out, bias_out, channel, batch, out_channels, height, width);
        return;
    }
    switch (level) {
    case 2: conv1_weight_gradient_avx512(input, upstream, taps_out, channel, batch, out_channels, height, width, kernel_height, kernel_width); break;
    case 1: conv1_weight_gradient_avx2(input, upstream, taps_out, channel, batch, out_channels, height, width, kernel_height, kernel_width); break;
    default: conv1_weight_gradient_baseline(input, upstream, taps_out, channel, batch, out_channels, height, width, kernel_height, kernel_width);
    }
    if (bias_out) conv1_bias_gradient(upstream, bias_out, channel, batch, out_channels, (long)(height - kernel_height + 1) * (width - kernel_width + 1));
}
