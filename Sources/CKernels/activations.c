// Transcendental activations at full vector width: exp, erf and GELU (exact and tanh forms)
// with GELU's backward. libm's expf and erff are scalar calls, so the loops below use
// branch-free approximations that the compiler vectorizes:
// - exp: exp_polynomial.h (range reduction, a degree-7 polynomial, 2^n in the exponent bits);
// - erf: the Taylor series of erf for |x| < 0.5, and Abramowitz & Stegun 7.1.26 (absolute
//   error below 1.5e-7) above, so small inputs keep their relative accuracy.
// Each kernel is compiled for three instruction sets and chosen by swifttrain_isa_level().
#include "CKernels.h"
#include "exp_polynomial.h"

#define BASELINE
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

static inline __attribute__((always_inline)) float st_erf(float x) {
    float a = __builtin_fabsf(x);
    float s = x * x;
    // 2/sqrt(pi) * (x - x^3/3 + x^5/10 - x^7/42 + x^9/216 - x^11/1320)
    float series = -1.0f / 1320.0f;
    series = series * s + 1.0f / 216.0f;
    series = series * s - 1.0f / 42.0f;
    series = series * s + 1.0f / 10.0f;
    series = series * s - 1.0f / 3.0f;
    series = series * s + 1.0f;
    series = series * x * 1.12837917f;
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float y = 1.061405429f;
    y = y * t - 1.453152027f;
    y = y * t + 1.421413741f;
    y = y * t - 0.284496736f;
    y = y * t + 0.254829592f;
    y = y * t;
    float tail = __builtin_copysignf(1.0f - y * exp_clamped(-s), x);
    return a < 0.5f ? series : tail;
}

static inline __attribute__((always_inline)) float st_tanh(float x) {
    return 1.0f - 2.0f / (exp_clamped(2.0f * x) + 1.0f);
}

#define GELU_C 0.7978845608f   /* sqrt(2/pi) */
#define GELU_K 0.044715f

#define ACTIVATION_KERNELS(SUFFIX, TARGET)                                                                 \
    TARGET static void exp_##SUFFIX(const float *restrict x, float *restrict y, ptrdiff_t n) {              \
        for (ptrdiff_t i = 0; i < n; i++) y[i] = exp_full(x[i]);                                         \
    }                                                                                                       \
    TARGET static void erf_##SUFFIX(const float *restrict x, float *restrict y, ptrdiff_t n) {              \
        for (ptrdiff_t i = 0; i < n; i++) y[i] = st_erf(x[i]);                                              \
    }                                                                                                       \
    TARGET static void gelu_##SUFFIX(const float *restrict x, float *restrict y, ptrdiff_t n, int tanh_form) { \
        if (tanh_form) {                                                                                    \
            for (ptrdiff_t i = 0; i < n; i++) {                                                             \
                float v = x[i];                                                                             \
                y[i] = 0.5f * v * (1.0f + st_tanh(GELU_C * (v + GELU_K * v * v * v)));                      \
            }                                                                                               \
        } else {                                                                                            \
            for (ptrdiff_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + st_erf(x[i] * 0.70710678f));     \
        }                                                                                                   \
    }                                                                                                       \
    TARGET static void gelu_backward_##SUFFIX(const float *restrict g, const float *restrict x,             \
                                              float *restrict dx, ptrdiff_t n, int tanh_form) {             \
        if (tanh_form) {                                                                                    \
            for (ptrdiff_t i = 0; i < n; i++) {                                                             \
                float v = x[i];                                                                             \
                float t = st_tanh(GELU_C * (v + GELU_K * v * v * v));                                       \
                float inner = GELU_C * (1.0f + 3.0f * GELU_K * v * v);                                      \
                dx[i] = g[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * inner);                    \
            }                                                                                               \
        } else {                                                                                            \
            for (ptrdiff_t i = 0; i < n; i++) {                                                             \
                float v = x[i];                                                                             \
                float cdf = 0.5f * (1.0f + st_erf(v * 0.70710678f));                                        \
                dx[i] = g[i] * (cdf + v * 0.39894228f * exp_clamped(-0.5f * v * v));                            \
            }                                                                                               \
        }                                                                                                   \
    }                                                                                                       \
    TARGET static void erf_backward_##SUFFIX(const float *restrict g, const float *restrict x,              \
                                             float *restrict dx, ptrdiff_t n) {                             \
        for (ptrdiff_t i = 0; i < n; i++) dx[i] = g[i] * 1.12837917f * exp_clamped(-x[i] * x[i]);               \
    }

ACTIVATION_KERNELS(baseline, BASELINE)
ACTIVATION_KERNELS(avx2, AVX2)
ACTIVATION_KERNELS(avx512, AVX512)

#define DISPATCH(NAME, ...)                                                                                \
    switch (swifttrain_isa_level()) {                                                                      \
    case 2: NAME##_avx512(__VA_ARGS__); break;                                                             \
    case 1: NAME##_avx2(__VA_ARGS__); break;                                                               \
    default: NAME##_baseline(__VA_ARGS__);                                                                 \
    }

void swifttrain_exp(const float *x, float *y, ptrdiff_t n) { DISPATCH(exp, x, y, n) }
void swifttrain_erf(const float *x, float *y, ptrdiff_t n) { DISPATCH(erf, x, y, n) }
void swifttrain_erf_backward(const float *g, const float *x, float *dx, ptrdiff_t n) { DISPATCH(erf_backward, g, x, dx, n) }
void swifttrain_gelu(const float *x, float *y, ptrdiff_t n, int tanh_form) { DISPATCH(gelu, x, y, n, tanh_form) }
void swifttrain_gelu_backward(const float *g, const float *x, float *dx, ptrdiff_t n, int tanh_form) {
    DISPATCH(gelu_backward, g, x, dx, n, tanh_form)
}
