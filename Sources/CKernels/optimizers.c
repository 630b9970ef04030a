// Optimizer updates: one loop body, compiled three times. restrict lets the compiler vectorize
// (the buffers never alias); the arithmetic is PyTorch's, operation by operation.
#include "CKernels.h"


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
    switch (swifttrain_isa_level()) {
    case 2: adam_avx512(parameter, gradient, first, second, n, coupled_decay, decay, one_minus_beta1, beta2, one_minus_beta2,
                        step_size, bias_correction2_root, epsilon); break;
    case 1: adam_avx2(parameter, gradient, first, second, n, coupled_decay, decay, one_minus_beta1, beta2, one_minus_beta2,
                      step_size, bias_correction2_root, epsilon); break;
    default: adam_baseline(parameter, gradient, first, second, n, coupled_decay, decay, one_minus_beta1, beta2, one_minus_beta2,
                           step_size, bias_correction2_root, epsilon);
    }
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
    switch (swifttrain_isa_level()) {
    case 2: sgd_avx512(parameter, gradient, n, learning_rate, weight_decay); break;
    case 1: sgd_avx2(parameter, gradient, n, learning_rate, weight_decay); break;
    default: sgd_baseline(parameter, gradient, n, learning_rate, weight_decay);
    }
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
    switch (swifttrain_isa_level()) {
    case 2: sgd_momentum_avx512(parameter, gradient, buffer, n, learning_rate, weight_decay, keep, take, nesterov, momentum); break;
    case 1: sgd_momentum_avx2(parameter, gradient, buffer, n, learning_rate, weight_decay, keep, take, nesterov, momentum); break;
    default: sgd_momentum_baseline(parameter, gradient, buffer, n, learning_rate, weight_decay, keep, take, nesterov, momentum);
    }
}
