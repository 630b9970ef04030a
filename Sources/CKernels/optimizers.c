// Optimizer updates: one loop body, compiled three times. restrict lets the compiler vectorize
// (the buffers never alias); the arithmetic is PyTorch's, operation by operation.
#include "CKernels.h"
#include <xmmintrin.h>

// The updates run with denormals flushed to zero (MXCSR's FTZ and DAZ bits, restored after):
// the moments of parameters whose gradient stays 0 (dead ReLU units) decay into the denormal
// range, where every operation on them takes a microcode assist. Measured on an Adam update of
// the seed model's 7,850 parameters with a third of them dead: 11 us a step flushed, 151 us not.
// So a moment never holds a denormal: it decays to about 1e-37 and then to zero, or, where the
// instruction set has no fused multiply-add and the decay term alone would be denormal, it stays
// at about 1e-37. Either way the step it makes is far below a parameter's rounding unless the
// parameter itself is that close to zero. (TensorFlow flushes on CPU by default for the same
// reason; PyTorch leaves it to torch.set_flush_denormal.)
static inline unsigned int flush_denormals(void) {
    unsigned int saved = _mm_getcsr();
    _mm_setcsr(saved | 0x8040);   // FTZ | DAZ
    return saved;
}


#define BASELINE
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

#define ADAM_KERNEL(NAME, TARGET)                                                                          \
    TARGET static void NAME(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, \
                            ptrdiff_t n, float coupled_decay, float decay, float omb1, float beta2, float omb2,  \
                            float step_size, float bc2_root, float eps) {                                       \
        _Pragma("clang loop vectorize(enable) interleave(enable)")                                            \
        for (ptrdiff_t i = 0; i < n; i++) {                                                                     \
            float d = g[i] + coupled_decay * p[i];                                                              \
            float first = m[i] + omb1 * (d - m[i]);                                                             \
            float second = v[i] * beta2 + omb2 * d * d;                                                         \
            m[i] = first;                                                                                       \
            v[i] = second;                                                                                      \
            p[i] = p[i] * decay - step_size * first / (__builtin_elementwise_sqrt(second) / bc2_root + eps);                         \
        }                                                                                                       \
    }

ADAM_KERNEL(adam_baseline, BASELINE)
ADAM_KERNEL(adam_avx2, AVX2)
ADAM_KERNEL(adam_avx512, AVX512)

void swifttrain_adam(float *parameter, const float *gradient, float *first, float *second, ptrdiff_t n,
                     float coupled_decay, float decay, float one_minus_beta1, float beta2, float one_minus_beta2,
                     float step_size, float bias_correction2_root, float epsilon) {
    unsigned int saved = flush_denormals();
    switch (swifttrain_isa_level()) {
    case 2: adam_avx512(parameter, gradient, first, second, n, coupled_decay, decay, one_minus_beta1, beta2, one_minus_beta2,
                        step_size, bias_correction2_root, epsilon); break;
    case 1: adam_avx2(parameter, gradient, first, second, n, coupled_decay, decay, one_minus_beta1, beta2, one_minus_beta2,
                      step_size, bias_correction2_root, epsilon); break;
    default: adam_baseline(parameter, gradient, first, second, n, coupled_decay, decay, one_minus_beta1, beta2, one_minus_beta2,
                           step_size, bias_correction2_root, epsilon);
    }
    _mm_setcsr(saved);
}

#define SGD_KERNEL(NAME, TARGET)                                                                           \
    TARGET static void NAME(float *restrict p, const float *restrict g, ptrdiff_t n, float lr, float wd) {   \
        _Pragma("clang loop vectorize(enable) interleave(enable)")                                            \
        for (ptrdiff_t i = 0; i < n; i++) p[i] -= lr * (g[i] + wd * p[i]);                                      \
    }

SGD_KERNEL(sgd_baseline, BASELINE)
SGD_KERNEL(sgd_avx2, AVX2)
SGD_KERNEL(sgd_avx512, AVX512)

void swifttrain_sgd(float *parameter, const float *gradient, ptrdiff_t n, float learning_rate, float weight_decay) {
    unsigned int saved = flush_denormals();
    switch (swifttrain_isa_level()) {
    case 2: sgd_avx512(parameter, gradient, n, learning_rate, weight_decay); break;
    case 1: sgd_avx2(parameter, gradient, n, learning_rate, weight_decay); break;
    default: sgd_baseline(parameter, gradient, n, learning_rate, weight_decay);
    }
    _mm_setcsr(saved);
}

#define SGD_MOMENTUM_KERNEL(NAME, TARGET)                                                                  \
    TARGET static void NAME(float *restrict p, const float *restrict g, float *restrict b, ptrdiff_t n,      \
                            float lr, float wd, float keep, float take, int nesterov, float momentum) {        \
        _Pragma("clang loop vectorize(enable) interleave(enable)")                                            \
        for (ptrdiff_t i = 0; i < n; i++) {                                                                     \
            float d = g[i] + wd * p[i];                                                                         \
            float next = b[i] * keep + take * d;                                                                \
            b[i] = next;                                                                                        \
            p[i] -= lr * (nesterov ? d + momentum * next : next);                                               \
        }                                                                                                       \
    }

SGD_MOMENTUM_KERNEL(sgd_momentum_baseline, BASELINE)
SGD_MOMENTUM_KERNEL(sgd_momentum_avx2, AVX2)
SGD_MOMENTUM_KERNEL(sgd_momentum_avx512, AVX512)

void swifttrain_sgd_momentum(float *parameter, const float *gradient, float *buffer, ptrdiff_t n, float learning_rate,
                             float weight_decay, float keep, float take, int nesterov, float momentum) {
    unsigned int saved = flush_denormals();
    switch (swifttrain_isa_level()) {
    case 2: sgd_momentum_avx512(parameter, gradient, buffer, n, learning_rate, weight_decay, keep, take, nesterov, momentum); break;
    case 1: sgd_momentum_avx2(parameter, gradient, buffer, n, learning_rate, weight_decay, keep, take, nesterov, momentum); break;
    default: sgd_momentum_baseline(parameter, gradient, buffer, n, learning_rate, weight_decay, keep, take, nesterov, momentum);
    }
    _mm_setcsr(saved);
}
