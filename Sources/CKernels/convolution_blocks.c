// The convolution products of layers with few channels (MNIST's conv2: 10 -> 20 channels,
// 5x5, 8x8 outputs), computed on the im2col matrix without BLAS. For these skinny products
// (20 rows) OpenBLAS spends as long packing and scaling as multiplying; here every product is a
// register tile of 4 rows by 64 columns (four 16-lane vectors), so each loaded vector feeds four
// fused multiply-adds and nothing is packed. The forward pass writes NCHW directly and the
// input gradient reads it, so the two layout swaps around the BLAS product disappear too.
//
// Columns of the im2col matrix `columns` ([taps][column_count]) are ordered (sample, position),
// `positions` per sample, a multiple of 16. Every sum runs in a fixed order, so a level gives
// the same bits on every run; a tile at the edge repeats its last row and stores only its own.
#include "CKernels.h"
#include <string.h>

#define BASELINE
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

typedef float lanes __attribute__((ext_vector_type(16)));
#define ROWS 4
#define VECTORS 4

// Unaligned vector moves as macros: a function taking or returning a 16-lane vector would
// change the calling convention between the instruction sets.
#define LOAD(target, pointer) memcpy(&(target), (pointer), sizeof(lanes))
#define STORE(pointer, value) memcpy((pointer), &(value), sizeof(lanes))
static inline int clamp_index(int i, int count) { return i < count ? i : count - 1; }

// output[o][p] = bias[o] + sum over taps k of weight[o][k] * columns[k][first_column + p].
#define FORWARD(NAME, TARGET)                                                                              \
    TARGET static void NAME(const float *restrict weight, const float *restrict columns, long column_count,   \
                            long first_column, const float *restrict bias, float *restrict output,            \
                            int out_channels, int taps, int positions) {                                      \
        int vectors = positions / 16;                                                                       \
        for (int v0 = 0; v0 < vectors; v0 += VECTORS) {                                                     \
            int offset[VECTORS];                                                                            \
            for (int v = 0; v < VECTORS; v++) offset[v] = 16 * (v0 + clamp_index(v, vectors - v0));         \
            for (int o0 = 0; o0 < out_channels; o0 += ROWS) {                                               \
                int row[ROWS];                                                                              \
                lanes sums[ROWS][VECTORS];                                                                  \
                for (int r = 0; r < ROWS; r++) {                                                            \
                    row[r] = clamp_index(o0 + r, out_channels);                                             \
                    for (int v = 0; v < VECTORS; v++) sums[r][v] = (lanes)(bias ? bias[row[r]] : 0.0f);     \
                }                                                                                           \
                for (int k = 0; k < taps; k++) {                                                            \
                    const float *x = columns + (long)k * column_count + first_column;                       \
                    lanes values[VECTORS];                                                                  \
                    for (int v = 0; v < VECTORS; v++) LOAD(values[v], x + offset[v]);                      \
                    for (int r = 0; r < ROWS; r++) {                                                        \
                        lanes w = (lanes)weight[(long)row[r] * taps + k];                                   \
                        for (int v = 0; v < VECTORS; v++) sums[r][v] += w * values[v];                      \
                    }                                                                                       \
                }                                                                                           \
                for (int r = 0; r < ROWS && o0 + r < out_channels; r++)                                     \
                    for (int v = 0; v < VECTORS && v0 + v < vectors; v++)                                   \
                        STORE(output + (long)(o0 + r) * positions + offset[v], sums[r][v]);                 \
            }                                                                                               \
        }                                                                                                   \
    }

// gradient_columns[k][first_column + p] = sum over o of weight[o][k] * gradient[o][p], for one
// sample's upstream gradient `gradient` ([out_channels][positions]).
#define INPUT_GRADIENT(NAME, TARGET)                                                                       \
    TARGET static void NAME(const float *restrict weight, const float *restrict gradient,                     \
                            float *restrict gradient_columns, long column_count, long first_column,            \
                            int out_channels, int taps, int positions) {                                      \
        int vectors = positions / 16;                                                                       \
        for (int v0 = 0; v0 < vectors; v0 += VECTORS) {                                                     \
            int offset[VECTORS];                                                                            \
            for (int v = 0; v < VECTORS; v++) offset[v] = 16 * (v0 + clamp_index(v, vectors - v0));         \
            for (int k0 = 0; k0 < taps; k0 += ROWS) {                                                       \
                int tap[ROWS];                                                                              \
                lanes sums[ROWS][VECTORS];                                                                  \
                for (int r = 0; r < ROWS; r++) {                                                            \
                    tap[r] = clamp_index(k0 + r, taps);                                                     \
                    for (int v = 0; v < VECTORS; v++) sums[r][v] = (lanes)0.0f;                             \
                }                                                                                           \
                for (int o = 0; o < out_channels; o++) {                                                    \
                    const float *g = gradient + (long)o * positions;                                        \
                    lanes values[VECTORS];                                                                  \
                    for (int v = 0; v < VECTORS; v++) LOAD(values[v], g + offset[v]);                      \
                    for (int r = 0; r < ROWS; r++) {                                                        \
                        lanes w = (lanes)weight[(long)o * taps + tap[r]];                                   \
                        for (int v = 0; v < VECTORS; v++) sums[r][v] += w * values[v];                      \
                    }                                                                                       \
                }                                                                                           \
                for (int r = 0; r < ROWS && k0 + r < taps; r++)                                             \
                    for (int v = 0; v < VECTORS && v0 + v < vectors; v++)                                   \
                        STORE(gradient_columns + (long)(k0 + r) * column_count + first_column + offset[v], sums[r][v]); \
            }                                                                                               \
        }                                                                                                   \
    }

// weight_gradient[o][k] for the tile of rows o0..o0+3 and taps k0..k0+3: the sum over samples
// and positions of gradient[n][o][p] * columns[k][n * positions + p]. Each pair keeps 16 lane
// sums, added in lane order at the end.
#define WEIGHT_GRADIENT(NAME, TARGET)                                                                      \
    TARGET static void NAME(const float *restrict gradient, const float *restrict columns,                   \
                            float *restrict weight_gradient, float *restrict bias_gradient, int batch,        \
                            int out_channels, int taps, int positions, int o0, int k0) {                      \
        long column_count = (long)batch * positions;                                                        \
        int row[ROWS], tap[ROWS];                                                                           \
        lanes sums[ROWS][ROWS], bias_sums[ROWS];                                                            \
        for (int r = 0; r < ROWS; r++) {                                                                    \
            row[r] = clamp_index(o0 + r, out_channels);                                                     \
            tap[r] = clamp_index(k0 + r, taps);                                                             \
            for (int c = 0; c < ROWS; c++) sums[r][c] = (lanes)0.0f;                                        \
            bias_sums[r] = (lanes)0.0f;                                                                     \
        }                                                                                                   \
        for (int n = 0; n < batch; n++) {                                                                   \
            for (int p = 0; p < positions; p += 16) {                                                       \
                lanes g[ROWS], x[ROWS];                                                                     \
                for (int r = 0; r < ROWS; r++) {                                                            \
                    LOAD(g[r], gradient + ((long)n * out_channels + row[r]) * positions + p);              \
                    LOAD(x[r], columns + (long)tap[r] * column_count + (long)n * positions + p);           \
                }                                                                                           \
                for (int r = 0; r < ROWS; r++) {                                                            \
                    bias_sums[r] += g[r];                                                                   \
                    for (int c = 0; c < ROWS; c++) sums[r][c] += g[r] * x[c];                               \
                }                                                                                           \
            }                                                                                               \
        }                                                                                                   \
        for (int r = 0; r < ROWS && o0 + r < out_channels; r++)                                             \
            for (int c = 0; c < ROWS && k0 + c < taps; c++) {                                               \
                float total = 0;                                                                            \
                for (int l = 0; l < 16; l++) total += sums[r][c][l];                                        \
                weight_gradient[(long)(o0 + r) * taps + k0 + c] = total;                                    \
            }                                                                                               \
        /* The tiles of the first taps also give their rows' bias gradients. */                             \
        if (bias_gradient && k0 == 0)                                                                       \
            for (int r = 0; r < ROWS && o0 + r < out_channels; r++) {                                       \
                float total = 0;                                                                            \
                for (int l = 0; l < 16; l++) total += bias_sums[r][l];                                      \
                bias_gradient[o0 + r] = total;                                                              \
            }                                                                                               \
    }

FORWARD(block_forward_baseline, BASELINE)
FORWARD(block_forward_avx2, AVX2)
FORWARD(block_forward_avx512, AVX512)
INPUT_GRADIENT(block_input_gradient_baseline, BASELINE)
INPUT_GRADIENT(block_input_gradient_avx2, AVX2)
INPUT_GRADIENT(block_input_gradient_avx512, AVX512)
WEIGHT_GRADIENT(block_weight_gradient_baseline, BASELINE)
WEIGHT_GRADIENT(block_weight_gradient_avx2, AVX2)
WEIGHT_GRADIENT(block_weight_gradient_avx512, AVX512)

void swifttrain_convolution_block_forward(const float *weight, const float *columns, long column_count, long first_column,
                                          const float *bias, float *output, int out_channels, int taps, int positions) {
    switch (swifttrain_isa_level()) {
    case 2: block_forward_avx512(weight, columns, column_count, first_column, bias, output, out_channels, taps, positions); break;
    case 1: block_forward_avx2(weight, columns, column_count, first_column, bias, output, out_channels, taps, positions); break;
    default: block_forward_baseline(weight, columns, column_count, first_column, bias, output, out_channels, taps, positions);
    }
}

void swifttrain_convolution_block_input_gradient(const float *weight, const float *gradient, float *gradient_columns,
                                                 long column_count, long first_column, int out_channels, int taps, int positions) {
    switch (swifttrain_isa_level()) {
    case 2: block_input_gradient_avx512(weight, gradient, gradient_columns, column_count, first_column, out_channels, taps, positions); break;
    case 1: block_input_gradient_avx2(weight, gradient, gradient_columns, column_count, first_column, out_channels, taps, positions); break;
    default: block_input_gradient_baseline(weight, gradient, gradient_columns, column_count, first_column, out_channels, taps, positions);
    }
}

void swifttrain_convolution_block_weight_gradient(const float *gradient, const float *columns, float *weight_gradient, float *bias_gradient,
                                                  int batch, int out_channels, int taps, int positions, int first_row, int first_tap) {
    switch (swifttrain_isa_level()) {
    case 2: block_weight_gradient_avx512(gradient, columns, weight_gradient, bias_gradient, batch, out_channels, taps, positions, first_row, first_tap); break;
    case 1: block_weight_gradient_avx2(gradient, columns, weight_gradient, bias_gradient, batch, out_channels, taps, positions, first_row, first_tap); break;
    default: block_weight_gradient_baseline(gradient, columns, weight_gradient, bias_gradient, batch, out_channels, taps, positions, first_row, first_tap);
    }
}
