// The convolution products of layers with few channels (MNIST's conv2: 10 -> 20 channels,
// 5x5, 8x8 outputs), without BLAS. For these skinny products (20 rows) OpenBLAS spends as long
// packing and scaling as multiplying; here every product is a register tile of 4 rows by 64
// columns (four 16-lane vectors), so each loaded vector feeds four fused multiply-adds and
// nothing is packed. The forward pass writes NCHW directly and the input gradient reads it.
//
// The 16 output positions of a vector come from one of two places (`struct taps` below):
// - the im2col matrix ([taps][column_count], columns ordered by sample then position);
// - the input itself, for stride 1 without padding when a vector covers whole output rows (16 or
//   a multiple of 16 wide) or two rows of 8: no im2col matrix is written or read, and the input
//   gradient adds into the image instead of going through col2im. This removed im2col and col2im
//   (a fifth of a CNN epoch) for MNIST's conv2.
// Both read the same values and sum in the same order. Every sum runs in a fixed order, so a
// level gives the same bits on every run; a tile at the edge repeats its last row and stores
// only its own.
#include "CKernels.h"
#include <string.h>

#define BASELINE
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

typedef float lanes __attribute__((ext_vector_type(16)));
typedef float half_lanes __attribute__((ext_vector_type(8)));
#define ROWS 4
#define VECTORS 4

// Unaligned vector moves as macros: a function taking or returning a 16-lane vector would
// change the calling convention between the instruction sets.
#define LOAD(target, pointer) memcpy(&(target), (pointer), sizeof(lanes))
#define STORE(pointer, value) memcpy((pointer), &(value), sizeof(lanes))
static inline int clamp_index(int i, int count) { return i < count ? i : count - 1; }

// Where tap k's values for a sample live: base + k's channel * plane + k's kernel row * row +
// k's kernel column, then each vector's start. A matrix of columns is the case of 1x1 "kernels"
// with plane = column_count and output rows as long as a sample's positions.
struct taps {
    long plane, sample;
    int row, kernel_height, kernel_width, output_width;
};

static inline long tap_offset(const struct taps *t, int k) {
    int per_channel = t->kernel_height * t->kernel_width;
    int c = k / per_channel, rest = k - c * per_channel;
    int ki = rest / t->kernel_width, kj = rest - ki * t->kernel_width;
    return (long)c * t->plane + (long)ki * t->row + kj;
}

// Every tap's offset, once per call: a division per tap in the inner loops was measurable.
static inline void tap_offsets(const struct taps *t, int taps, long *offsets) {
    for (int k = 0; k < taps; k++) offsets[k] = tap_offset(t, k);
}

// Offset of the vector that starts at output position p from its tap's offset.
static inline long vector_start(const struct taps *t, int p) {
    int oh = p / t->output_width;
    return (long)oh * t->row + (p - oh * t->output_width);
}

// The block of VECTORS vectors from vector v0 (the last repeated at the end of the positions):
// each vector's offset among the output positions and its start relative to a tap.
static inline void vector_block(const struct taps *t, int v0, int vectors, int *offset, long *start) {
    for (int v = 0; v < VECTORS; v++) {
        offset[v] = 16 * (v0 + clamp_index(v, vectors - v0));
        start[v] = vector_start(t, offset[v]);
    }
}

// A vector of 16 positions: one run, or (SPLIT) two runs of 8 from consecutive output rows.
#define LOAD_TAPS(target, pointer, SPLIT, row)                                                                      \
    do {                                                                                                            \
        if (SPLIT) {                                                                                                \
            half_lanes low_, high_;                                                                                 \
            memcpy(&low_, (pointer), sizeof(half_lanes));                                                           \
            memcpy(&high_, (pointer) + (row), sizeof(half_lanes));                                                  \
            (target) = __builtin_shufflevector(low_, high_, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);  \
        } else {                                                                                                    \
            LOAD(target, pointer);                                                                                  \
        }                                                                                                           \
    } while (0)

// Adds a vector of 16 positions into the image (or stores it into the matrix of columns).
#define ADD_TAPS(pointer, value, SPLIT, row, ACCUMULATE)                                                    \
    do {                                                                                                    \
        if (SPLIT) {                                                                                        \
            half_lanes low_ = __builtin_shufflevector((value), (value), 0, 1, 2, 3, 4, 5, 6, 7);            \
            half_lanes high_ = __builtin_shufflevector((value), (value), 8, 9, 10, 11, 12, 13, 14, 15);     \
            half_lanes old_;                                                                                \
            memcpy(&old_, (pointer), sizeof(half_lanes));                                                   \
            low_ += old_;                                                                                   \
            memcpy((pointer), &low_, sizeof(half_lanes));                                                   \
            memcpy(&old_, (pointer) + (row), sizeof(half_lanes));                                           \
            high_ += old_;                                                                                  \
            memcpy((pointer) + (row), &high_, sizeof(half_lanes));                                          \
        } else if (ACCUMULATE) {                                                                            \
            lanes old_;                                                                                     \
            LOAD(old_, pointer);                                                                            \
            old_ += (value);                                                                                \
            STORE(pointer, old_);                                                                           \
        } else {                                                                                            \
            STORE(pointer, value);                                                                          \
        }                                                                                                   \
    } while (0)

// output[o][p] = bias[o] + sum over taps k of weight[o][k] * x_k[p], for one sample whose taps
// start at `source`.
#define FORWARD(NAME, TARGET, SPLIT)                                                                           \
    TARGET static void NAME(const float *restrict weight, const float *restrict source, const struct taps *t,  \
                            const float *restrict bias, float *restrict output,                                \
                            int out_channels, int taps, int positions) {                                       \
        int vectors = positions / 16;                                                                          \
        long tap_at[taps];                                                                                     \
        tap_offsets(t, taps, tap_at);                                                                          \
        for (int v0 = 0; v0 < vectors; v0 += VECTORS) {                                                        \
            int offset[VECTORS];                                                                               \
            long start[VECTORS];                                                                               \
            vector_block(t, v0, vectors, offset, start);                                                       \
            for (int o0 = 0; o0 < out_channels; o0 += ROWS) {                                                  \
                int row[ROWS];                                                                                 \
                lanes sums[ROWS][VECTORS];                                                                     \
                for (int r = 0; r < ROWS; r++) {                                                               \
                    row[r] = clamp_index(o0 + r, out_channels);                                                \
                    for (int v = 0; v < VECTORS; v++) sums[r][v] = (lanes)(bias ? bias[row[r]] : 0.0f);        \
                }                                                                                              \
                for (int k = 0; k < taps; k++) {                                                               \
                    const float *x = source + tap_at[k];                                                       \
                    lanes values[VECTORS];                                                                     \
                    for (int v = 0; v < VECTORS; v++) LOAD_TAPS(values[v], x + start[v], SPLIT, t->row);       \
                    for (int r = 0; r < ROWS; r++) {                                                           \
                        lanes w = (lanes)weight[(long)row[r] * taps + k];                                      \
                        for (int v = 0; v < VECTORS; v++) sums[r][v] += w * values[v];                         \
                    }                                                                                          \
                }                                                                                              \
                for (int r = 0; r < ROWS && o0 + r < out_channels; r++)                                        \
                    for (int v = 0; v < VECTORS && v0 + v < vectors; v++)                                      \
                        STORE(output + (long)(o0 + r) * positions + offset[v], sums[r][v]);                    \
            }                                                                                                  \
        }                                                                                                      \
    }

// x_k[p] (+)= sum over o of weight[o][k] * gradient[o][p], for one sample's upstream gradient
// ([out_channels][positions]); into the image the sums are added, tap by tap in order.
#define INPUT_GRADIENT(NAME, TARGET, SPLIT, ACCUMULATE)                                                     \
    TARGET static void NAME(const float *restrict weight, const float *restrict gradient, float *target,    \
                            const struct taps *t, int out_channels, int taps, int positions) {              \
        int vectors = positions / 16;                                                                       \
        long tap_at[taps];                                                                                  \
        tap_offsets(t, taps, tap_at);                                                                       \
        for (int v0 = 0; v0 < vectors; v0 += VECTORS) {                                                     \
            int offset[VECTORS];                                                                            \
            long start[VECTORS];                                                                            \
            vector_block(t, v0, vectors, offset, start);                                                    \
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
                    for (int v = 0; v < VECTORS; v++) LOAD(values[v], g + offset[v]);                       \
                    for (int r = 0; r < ROWS; r++) {                                                        \
                        lanes w = (lanes)weight[(long)o * taps + tap[r]];                                   \
                        for (int v = 0; v < VECTORS; v++) sums[r][v] += w * values[v];                      \
                    }                                                                                       \
                }                                                                                           \
                for (int r = 0; r < ROWS && k0 + r < taps; r++) {                                           \
                    float *x = target + tap_at[k0 + r];                                                     \
                    for (int v = 0; v < VECTORS && v0 + v < vectors; v++)                                   \
                        ADD_TAPS(x + start[v], sums[r][v], SPLIT, t->row, ACCUMULATE);                      \
                }                                                                                           \
            }                                                                                               \
        }                                                                                                   \
    }

// weight_gradient[o][k] for the tile of rows o0..o0+3 and taps k0..k0+3: the sum over samples
// and positions of gradient[n][o][p] * x_k[n][p]. Each pair keeps 16 lane sums, added in lane
// order at the end.
#define WEIGHT_GRADIENT(NAME, TARGET, SPLIT)                                                                     \
    TARGET static void NAME(const float *restrict gradient, const float *restrict source, const struct taps *t,  \
                            float *restrict weight_gradient, float *restrict bias_gradient, int batch,           \
                            int out_channels, int taps, int positions, int o0, int k0) {                         \
        int row[ROWS], tap[ROWS];                                                                                \
        long from[ROWS], starts[positions / 16];                                                                 \
        lanes sums[ROWS][ROWS], bias_sums[ROWS];                                                                 \
        for (int r = 0; r < ROWS; r++) {                                                                         \
            row[r] = clamp_index(o0 + r, out_channels);                                                          \
            tap[r] = clamp_index(k0 + r, taps);                                                                  \
            from[r] = tap_offset(t, tap[r]);                                                                     \
            for (int c = 0; c < ROWS; c++) sums[r][c] = (lanes)0.0f;                                             \
            bias_sums[r] = (lanes)0.0f;                                                                          \
        }                                                                                                        \
        for (int v = 0; v < positions / 16; v++) starts[v] = vector_start(t, 16 * v);                           \
        for (int n = 0; n < batch; n++) {                                                                        \
            const float *sample = source + (long)n * t->sample;                                                  \
            for (int p = 0; p < positions; p += 16) {                                                            \
                long at = starts[p / 16];                                                                        \
                lanes g[ROWS], x[ROWS];                                                                          \
                for (int r = 0; r < ROWS; r++) {                                                                 \
                    LOAD(g[r], gradient + ((long)n * out_channels + row[r]) * positions + p);                    \
                    LOAD_TAPS(x[r], sample + from[r] + at, SPLIT, t->row);                                       \
                }                                                                                                \
                for (int r = 0; r < ROWS; r++) {                                                                 \
                    bias_sums[r] += g[r];                                                                        \
                    for (int c = 0; c < ROWS; c++) sums[r][c] += g[r] * x[c];                                    \
                }                                                                                                \
            }                                                                                                    \
        }                                                                                                        \
        for (int r = 0; r < ROWS && o0 + r < out_channels; r++)                                                  \
            for (int c = 0; c < ROWS && k0 + c < taps; c++) {                                                    \
            float total = 0;                                                                                     \
            for (int l = 0; l < 16; l++) total += sums[r][c][l];                                                 \
            weight_gradient[(long)(o0 + r) * taps + k0 + c] = total;                                             \
        }                                                                                                        \
        /* The tiles of the first taps also give their rows' bias gradients. */                                  \
        if (bias_gradient && k0 == 0)                                                                            \
        for (int r = 0; r < ROWS && o0 + r < out_channels; r++) {                                                \
            float total = 0;                                                                                     \
            for (int l = 0; l < 16; l++) total += bias_sums[r][l];                                               \
            bias_gradient[o0 + r] = total;                                                                       \
        }                                                                                                        \
    }

#define LEVEL(SUFFIX, TARGET)                                                                               \
    FORWARD(block_forward_##SUFFIX, TARGET, 0)                                                              \
    FORWARD(block_forward_split_##SUFFIX, TARGET, 1)                                                        \
    INPUT_GRADIENT(block_input_gradient_##SUFFIX, TARGET, 0, 0)                                             \
    INPUT_GRADIENT(block_input_gradient_add_##SUFFIX, TARGET, 0, 1)                                         \
    INPUT_GRADIENT(block_input_gradient_split_##SUFFIX, TARGET, 1, 1)                                       \
    WEIGHT_GRADIENT(block_weight_gradient_##SUFFIX, TARGET, 0)                                              \
    WEIGHT_GRADIENT(block_weight_gradient_split_##SUFFIX, TARGET, 1)

LEVEL(baseline, BASELINE)
LEVEL(avx2, AVX2)
LEVEL(avx512, AVX512)

// The level, and whether vectors are two rows of 8, pick one of six instances.
#define DISPATCH(NAME, SPLIT, ...)                                                                          \
    switch (swifttrain_isa_level() * 2 + ((SPLIT) ? 1 : 0)) {                                               \
        case 5: NAME##_split_avx512(__VA_ARGS__); break;                                                    \
        case 4: NAME##_avx512(__VA_ARGS__); break;                                                          \
        case 3: NAME##_split_avx2(__VA_ARGS__); break;                                                      \
        case 2: NAME##_avx2(__VA_ARGS__); break;                                                            \
        case 1: NAME##_split_baseline(__VA_ARGS__); break;                                                  \
        default: NAME##_baseline(__VA_ARGS__);                                                              \
    }

static struct taps column_taps(long column_count, int positions) {
    struct taps t = { .plane = column_count, .sample = positions, .row = 0, .kernel_height = 1, .kernel_width = 1,
                      .output_width = positions };
    return t;
}

static struct taps image_taps(const struct swifttrain_window *g) {
    struct taps t = { .plane = (long)g->height * g->width, .sample = (long)g->channels * g->height * g->width,
                      .row = g->width, .kernel_height = g->kernel_height, .kernel_width = g->kernel_width,
                      .output_width = g->output_width };
    return t;
}

static int split_rows(const struct swifttrain_window *g) { return g->output_width == 8; }

void swifttrain_convolution_block_forward(const float *weight, const float *columns, long column_count, long first_column,
                                          const float *bias, float *output, int out_channels, int taps, int positions) {
    struct taps t = column_taps(column_count, positions);
    DISPATCH(block_forward, 0, weight, columns + first_column, &t, bias, output, out_channels, taps, positions)
}

void swifttrain_convolution_block_input_gradient(const float *weight, const float *gradient, float *gradient_columns,
                                                 long column_count, long first_column, int out_channels, int taps, int positions) {
    struct taps t = column_taps(column_count, positions);
    DISPATCH(block_input_gradient, 0, weight, gradient, gradient_columns + first_column, &t, out_channels, taps, positions)
}

void swifttrain_convolution_block_weight_gradient(const float *gradient, const float *columns, float *weight_gradient, float *bias_gradient,
                                                  int batch, int out_channels, int taps, int positions, int first_row, int first_tap) {
    struct taps t = column_taps((long)batch * positions, positions);
    DISPATCH(block_weight_gradient, 0, gradient, columns, &t, weight_gradient, bias_gradient, batch, out_channels, taps, positions,
             first_row, first_tap)
}

int swifttrain_convolution_reads_image(const struct swifttrain_window *g) {
    long positions = (long)g->output_height * g->output_width;
    return g->stride == 1 && g->padding == 0 && positions % 16 == 0 && (g->output_width == 8 || g->output_width % 16 == 0);
}

void swifttrain_convolution_image_forward(const float *weight, const float *image, const float *bias, float *output,
                                          int out_channels, const struct swifttrain_window *g) {
    struct taps t = image_taps(g);
    int taps = g->channels * g->kernel_height * g->kernel_width, positions = g->output_height * g->output_width;
    DISPATCH(block_forward, split_rows(g), weight, image, &t, bias, output, out_channels, taps, positions)
}

void swifttrain_convolution_image_input_gradient(const float *weight, const float *gradient, float *image_gradient,
                                                 int out_channels, const struct swifttrain_window *g) {
    struct taps t = image_taps(g);
    int taps = g->channels * g->kernel_height * g->kernel_width, positions = g->output_height * g->output_width;
    if (split_rows(g)) {
        DISPATCH(block_input_gradient, 1, weight, gradient, image_gradient, &t, out_channels, taps, positions)
    } else {
        switch (swifttrain_isa_level()) {
        case 2: block_input_gradient_add_avx512(weight, gradient, image_gradient, &t, out_channels, taps, positions); break;
        case 1: block_input_gradient_add_avx2(weight, gradient, image_gradient, &t, out_channels, taps, positions); break;
        default: block_input_gradient_add_baseline(weight, gradient, image_gradient, &t, out_channels, taps, positions);
        }
    }
}

void swifttrain_convolution_image_weight_gradient(const float *gradient, const float *input, float *weight_gradient, float *bias_gradient,
                                                  int out_channels, const struct swifttrain_window *g, int first_row, int first_tap) {
    struct taps t = image_taps(g);
    int taps = g->channels * g->kernel_height * g->kernel_width, positions = g->output_height * g->output_width;
    DISPATCH(block_weight_gradient, split_rows(g), gradient, input, &t, weight_gradient, bias_gradient, g->batch, out_channels, taps,
             positions, first_row, first_tap)
}
