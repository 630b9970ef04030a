// Softmax rows and softmax cross-entropy at full vector width: the exponentials use
// exp_polynomial.h (libm's expf is a scalar call), and sums run in 16 fixed lanes, added in lane
// order at the end, so a level gives the same bits on every run.
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

// Each row's loss, lse - (1 - smoothing) * z[label] - smoothing / classes * sum(z), with lse its
// log-sum-exp (kept for the pullback). Rows labelled `ignored` (when has_ignored) get 0.
#define CROSS_ENTROPY(NAME, TARGET)                                                                        \
    TARGET static void NAME(const float *restrict logits, const int *restrict labels, long rows, long classes, \
                            float smoothing, int has_ignored, int ignored, float *restrict losses,            \
                            float *restrict log_sum_exp) {                                                    \
        for (long r = 0; r < rows; r++) {                                                                   \
            const float *z = logits + r * classes;                                                          \
            if (has_ignored && labels[r] == ignored) { losses[r] = 0; log_sum_exp[r] = 0; continue; }       \
            float maximum = -__builtin_inff();                                                              \
            for (long c = 0; c < classes; c++) maximum = z[c] > maximum ? z[c] : maximum;                   \
            float exps[LANES] = {0}, values[LANES] = {0};                                                   \
            long c = 0;                                                                                     \
            for (; c + LANES <= classes; c += LANES)                                                        \
                for (int l = 0; l < LANES; l++) {                                                           \
                    exps[l] += exp_full(z[c + l] - maximum);                                                \
                    values[l] += z[c + l];                                                                  \
                }                                                                                           \
            float total = 0, sum = 0;                                                                       \
            for (; c < classes; c++) { total += exp_full(z[c] - maximum); sum += z[c]; }                    \
            for (int l = 0; l < LANES; l++) { total += exps[l]; sum += values[l]; }                         \
            float lse = maximum + __builtin_logf(total);                                                    \
            log_sum_exp[r] = lse;                                                                           \
            losses[r] = lse - (1 - smoothing) * z[labels[r]] - smoothing / (float)classes * sum;            \
        }                                                                                                   \
    }

// The pullback: (softmax(z) - smoothed one-hot) * upstream[r * upstream_step].
#define CROSS_ENTROPY_BACKWARD(NAME, TARGET)                                                               \
    TARGET static void NAME(const float *restrict logits, const int *restrict labels,                         \
                            const float *restrict log_sum_exp, const float *restrict upstream, int upstream_step, \
                            long rows, long classes, float smoothing, int has_ignored, int ignored,           \
                            float *restrict gradient) {                                                       \
        float uniform = smoothing / (float)classes;                                                         \
        for (long r = 0; r < rows; r++) {                                                                   \
            const float *z = logits + r * classes;                                                          \
            float *d = gradient + r * classes;                                                              \
            if (has_ignored && labels[r] == ignored) {                                                      \
                for (long c = 0; c < classes; c++) d[c] = 0;                                                \
                continue;                                                                                   \
            }                                                                                               \
            float factor = upstream[r * upstream_step], lse = log_sum_exp[r];                               \
            for (long c = 0; c < classes; c++) d[c] = (exp_full(z[c] - lse) - uniform) * factor;            \
            d[labels[r]] -= (1 - smoothing) * factor;                                                       \
        }                                                                                                   \
    }

CROSS_ENTROPY(cross_entropy_baseline, BASELINE)
CROSS_ENTROPY(cross_entropy_avx2, AVX2)
CROSS_ENTROPY(cross_entropy_avx512, AVX512)
CROSS_ENTROPY_BACKWARD(cross_entropy_backward_baseline, BASELINE)
CROSS_ENTROPY_BACKWARD(cross_entropy_backward_avx2, AVX2)
CROSS_ENTROPY_BACKWARD(cross_entropy_backward_avx512, AVX512)

void swifttrain_cross_entropy(const float *logits, const int *labels, long rows, long classes, float smoothing,
                              int has_ignored, int ignored, float *losses, float *log_sum_exp) {
    switch (swifttrain_isa_level()) {
    case 2: cross_entropy_avx512(logits, labels, rows, classes, smoothing, has_ignored, ignored, losses, log_sum_exp); break;
    case 1: cross_entropy_avx2(logits, labels, rows, classes, smoothing, has_ignored, ignored, losses, log_sum_exp); break;
    default: cross_entropy_baseline(logits, labels, rows, classes, smoothing, has_ignored, ignored, losses, log_sum_exp);
    }
}

void swifttrain_cross_entropy_backward(const float *logits, const int *labels, const float *log_sum_exp, const float *upstream,
                                       int upstream_step, long rows, long classes, float smoothing, int has_ignored, int ignored,
                                       float *gradient) {
    switch (swifttrain_isa_level()) {
    case 2: cross_entropy_backward_avx512(logits, labels, log_sum_exp, upstream, upstream_step, rows, classes, smoothing, has_ignored, ignored, gradient); break;
    case 1: cross_entropy_backward_avx2(logits, labels, log_sum_exp, upstream, upstream_step, rows, classes, smoothing, has_ignored, ignored, gradient); break;
    default: cross_entropy_backward_baseline(logits, labels, log_sum_exp, upstream, upstream_step, rows, classes, smoothing, has_ignored, ignored, gradient);
    }
}

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
