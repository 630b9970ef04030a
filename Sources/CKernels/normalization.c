// Layer normalization over the last axis, forward and backward, vectorized along the features
// and compiled for three instruction sets. Each row's sums run in a fixed order, and the gain
// and bias gradients add the rows in order, so results are reproducible at a given level.
#include "CKernels.h"

#define BASELINE
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

#define LAYER_NORM_KERNELS(SUFFIX, TARGET)                                                                  \
    TARGET static void layer_norm_##SUFFIX(const float *restrict x, const float *restrict gain,              \
                                           const float *restrict bias, float *restrict y, float *restrict mean, \
                                           float *restrict rstd, ptrdiff_t rows, ptrdiff_t n, float eps) {      \
        for (ptrdiff_t r = 0; r < rows; r++) {                                                              \
            const float *xr = x + r * n;                                                                    \
            float *yr = y + r * n;                                                                          \
            float sum = 0;                                                                                  \
            for (ptrdiff_t i = 0; i < n; i++) sum += xr[i];                                                 \
            float mu = sum / (float)n;                                                                      \
            float squares = 0;                                                                              \
            for (ptrdiff_t i = 0; i < n; i++) { float c = xr[i] - mu; squares += c * c; }                   \
            float inv = 1.0f / __builtin_sqrtf(squares / (float)n + eps);                                   \
            mean[r] = mu;                                                                                   \
            rstd[r] = inv;                                                                                  \
            if (gain && bias) {                                                                             \
                for (ptrdiff_t i = 0; i < n; i++) yr[i] = (xr[i] - mu) * inv * gain[i] + bias[i];           \
            } else {                                                                                        \
                for (ptrdiff_t i = 0; i < n; i++) yr[i] = (xr[i] - mu) * inv;                               \
            }                                                                                               \
        }                                                                                                   \
    }                                                                                                       \
    TARGET static void layer_norm_backward_##SUFFIX(const float *restrict g, const float *restrict x,        \
                                                    const float *restrict gain, const float *restrict mean,  \
                                                    const float *restrict rstd, float *restrict dx,          \
                                                    float *restrict dgain, float *restrict dbias,            \
                                                    ptrdiff_t rows, ptrdiff_t n) {                           \
        for (ptrdiff_t r = 0; r < rows; r++) {                                                              \
            const float *gr = g + r * n, *xr = x + r * n;                                                   \
            float *d = dx + r * n;                                                                          \
            float mu = mean[r], inv = rstd[r];                                                              \
            float sum_dy = 0, sum_dy_xhat = 0;                                                              \
            for (ptrdiff_t i = 0; i < n; i++) {                                                             \
                float xhat = (xr[i] - mu) * inv;                                                            \
                float dy = gain ? gr[i] * gain[i] : gr[i];                                                  \
                sum_dy += dy;                                                                               \
                sum_dy_xhat += dy * xhat;                                                                   \
                dgain[i] += gr[i] * xhat;                                                                   \
                dbias[i] += gr[i];                                                                          \
            }                                                                                               \
            float mean_dy = sum_dy / (float)n, mean_dy_xhat = sum_dy_xhat / (float)n;                       \
            for (ptrdiff_t i = 0; i < n; i++) {                                                             \
                float xhat = (xr[i] - mu) * inv;                                                            \
                float dy = gain ? gr[i] * gain[i] : gr[i];                                                  \
                d[i] = inv * (dy - mean_dy - xhat * mean_dy_xhat);                                          \
            }                                                                                               \
        }                                                                                                   \
    }

LAYER_NORM_KERNELS(baseline, BASELINE)
LAYER_NORM_KERNELS(avx2, AVX2)
LAYER_NORM_KERNELS(avx512, AVX512)

void swifttrain_layer_norm(const float *x, const float *gain, const float *bias, float *y, float *mean, float *rstd,
                           ptrdiff_t rows, ptrdiff_t n, float eps) {
    switch (swifttrain_isa_level()) {
    case 2: layer_norm_avx512(x, gain, bias, y, mean, rstd, rows, n, eps); break;
    case 1: layer_norm_avx2(x, gain, bias, y, mean, rstd, rows, n, eps); break;
    default: layer_norm_baseline(x, gain, bias, y, mean, rstd, rows, n, eps);
    }
}

void swifttrain_layer_norm_backward(const float *g, const float *x, const float *gain, const float *mean, const float *rstd,
                                    float *dx, float *dgain, float *dbias, ptrdiff_t rows, ptrdiff_t n) {
    switch (swifttrain_isa_level()) {
    case 2: layer_norm_backward_avx512(g, x, gain, mean, rstd, dx, dgain, dbias, rows, n); break;
    case 1: layer_norm_backward_avx2(g, x, gain, mean, rstd, dx, dgain, dbias, rows, n); break;
    default: layer_norm_backward_baseline(g, x, gain, mean, rstd, dx, dgain, dbias, rows, n);
    }
}
