// Elementwise maps at full vector width: one loop per operation, compiled for each instruction
// set, with the per-element function chosen by an operation code outside the loop. Swift's own
// loops compile for baseline x86-64 (4-lane SSE2) and cannot use wider registers.
//
// Every exact operation (arithmetic, comparisons, selects, square root) gives the same bits as
// the Swift loops it replaces, at every level: the compiler does not fuse across the separate
// operations of these expressions (no FMA in them). sigmoid uses the exp polynomial of
// exp_polynomial.h, within 3e-7 relative of libm's.
#include "CKernels.h"
#include "exp_polynomial.h"

#define BASELINE
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

// sigmoid in two branches so that the exponential never overflows (and reaches 0 where
// libm's would be denormal).
static inline __attribute__((always_inline)) float polynomial_sigmoid(float x) {
    float e = exp_full(-__builtin_fabsf(x));
    float y = x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
    return x != x ? x : y;
}

#define UNARY(NAME, TARGET)                                                                                \
    TARGET static void NAME(int op, const float *x, float *y, ptrdiff_t n, float p, float q) {                   \
        switch (op) {                                                                                       \
        case SWIFTTRAIN_NEGATE: for (ptrdiff_t i = 0; i < n; i++) y[i] = -x[i]; break;                      \
        case SWIFTTRAIN_RELU: for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0.0f; break;       \
        case SWIFTTRAIN_LEAKY_RELU: for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : x[i] * p; break; \
        case SWIFTTRAIN_CLAMP:                                                                              \
            /* Swift's max then min, NaN included: max(x, low) is low >= x ? low : x. */                    \
            for (ptrdiff_t i = 0; i < n; i++) {                                                             \
                float m = p >= x[i] ? p : x[i];                                                             \
                y[i] = q < m ? q : m;                                                                       \
            }                                                                                               \
            break;                                                                                          \
        case SWIFTTRAIN_SCALE: for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] * p; break;                    \
        case SWIFTTRAIN_ABSOLUTE: for (ptrdiff_t i = 0; i < n; i++) y[i] = __builtin_fabsf(x[i]); break;    \
        case SWIFTTRAIN_SIGN:                                                                               \
            for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] > 0 ? 1.0f : (x[i] < 0 ? -1.0f : 0.0f);            \
            break;                                                                                          \
        case SWIFTTRAIN_SQUARE_ROOT: for (ptrdiff_t i = 0; i < n; i++) y[i] = __builtin_sqrtf(x[i]); break; \
        case SWIFTTRAIN_SIGMOID: for (ptrdiff_t i = 0; i < n; i++) y[i] = polynomial_sigmoid(x[i]); break;  \
        }                                                                                                   \
    }

// One loop per pattern of steps: both operands advance, or one of them is a broadcast scalar.
#define LOOPS(EXPRESSION)                                                                                  \
    do {                                                                                                    \
        if (a_step && b_step) {                                                                             \
            for (ptrdiff_t i = 0; i < n; i++) { float a = x[i], b = y[i]; z[i] = (EXPRESSION); }            \
        } else if (a_step) {                                                                                \
            float b = y[0];                                                                                 \
            for (ptrdiff_t i = 0; i < n; i++) { float a = x[i]; z[i] = (EXPRESSION); }                      \
        } else if (b_step) {                                                                                \
            float a = x[0];                                                                                 \
            for (ptrdiff_t i = 0; i < n; i++) { float b = y[i]; z[i] = (EXPRESSION); }                      \
        } else {                                                                                            \
            float a = x[0], b = y[0];                                                                       \
            for (ptrdiff_t i = 0; i < n; i++) z[i] = (EXPRESSION);                                          \
        }                                                                                                   \
    } while (0)

#define BINARY(NAME, TARGET)                                                                               \
    TARGET static void NAME(int op, const float *x, int a_step, const float *y, int b_step,                   \
                            float *z, ptrdiff_t n, float p, float q) {                                        \
        switch (op) {                                                                                       \
        case SWIFTTRAIN_ADD: LOOPS(a + b); break;                                                           \
        case SWIFTTRAIN_SUBTRACT: LOOPS(a - b); break;                                                      \
        case SWIFTTRAIN_MULTIPLY: LOOPS(a * b); break;                                                      \
        case SWIFTTRAIN_DIVIDE: LOOPS(a / b); break;                                                        \
        case SWIFTTRAIN_PASS_WHERE_POSITIVE: LOOPS(b > 0 ? a : 0.0f); break;                                \
        case SWIFTTRAIN_SCALE_WHERE_NOT_POSITIVE: LOOPS(b > 0 ? a : a * p); break;                          \
        case SWIFTTRAIN_PASS_WHERE_INSIDE: LOOPS(b >= p && b <= q ? a : 0.0f); break;                       \
        case SWIFTTRAIN_GREATER: LOOPS(a > b ? 1.0f : 0.0f); break;                                         \
        case SWIFTTRAIN_LESS: LOOPS(a < b ? 1.0f : 0.0f); break;                                            \
        case SWIFTTRAIN_GREATER_OR_EQUAL: LOOPS(a >= b ? 1.0f : 0.0f); break;                               \
        case SWIFTTRAIN_LESS_OR_EQUAL: LOOPS(a <= b ? 1.0f : 0.0f); break;                                  \
        case SWIFTTRAIN_EQUAL: LOOPS(a == b ? 1.0f : 0.0f); break;                                          \
        case SWIFTTRAIN_NOT_EQUAL: LOOPS(a != b ? 1.0f : 0.0f); break;                                      \
        }                                                                                                   \
    }

UNARY(unary_baseline, BASELINE)
UNARY(unary_avx2, AVX2)
UNARY(unary_avx512, AVX512)
BINARY(binary_baseline, BASELINE)
BINARY(binary_avx2, AVX2)
BINARY(binary_avx512, AVX512)

void swifttrain_unary(int operation, const float *x, float *y, ptrdiff_t n, float p, float q) {
    switch (swifttrain_isa_level()) {
    case 2: unary_avx512(operation, x, y, n, p, q); break;
    case 1: unary_avx2(operation, x, y, n, p, q); break;
    default: unary_baseline(operation, x, y, n, p, q);
    }
}

void swifttrain_binary(int operation, const float *a, int a_step, const float *b, int b_step, float *z, ptrdiff_t n, float p, float q) {
    switch (swifttrain_isa_level()) {
    case 2: binary_avx512(operation, a, a_step, b, b_step, z, n, p, q); break;
    case 1: binary_avx2(operation, a, a_step, b, b_step, z, n, p, q); break;
    default: binary_baseline(operation, a, a_step, b, b_step, z, n, p, q);
    }
}
