// The first layer's direct convolution (one input channel, stride 1, no padding), forward and
// weight gradient: one loop body, compiled three times.
#include "CKernels.h"

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

CONV1_FORWARD(conv1_forward_baseline, BASELINE)
CONV1_FORWARD(conv1_forward_avx2, AVX2)
CONV1_FORWARD(conv1_forward_avx512, AVX512)

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

void swifttrain_conv1_weight_gradient(const float *input, const float *upstream, float *taps_out, int channel, int batch,
                                      int out_channels, int height, int width, int kernel_height, int kernel_width) {
    switch (swifttrain_isa_level()) {
    case 2: conv1_weight_gradient_avx512(input, upstream, taps_out, channel, batch, out_channels, height, width, kernel_height, kernel_width); break;
    case 1: conv1_weight_gradient_avx2(input, upstream, taps_out, channel, batch, out_channels, height, width, kernel_height, kernel_width); break;
    default: conv1_weight_gradient_baseline(input, upstream, taps_out, channel, batch, out_channels, height, width, kernel_height, kernel_width);
    }
}
