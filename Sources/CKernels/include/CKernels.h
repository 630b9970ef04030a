// Hot loops compiled for several instruction sets, chosen once at run time. Not API: the
// TensorCore kernel files are the only callers.
#ifndef SWIFTTRAIN_CKERNELS_H
#define SWIFTTRAIN_CKERNELS_H

#include <stddef.h>

/// 0: baseline x86-64 (SSE2), 1: AVX2 + FMA, 2: AVX-512 (F, VL, BW, DQ).
int swifttrain_isa_level(void);
/// The best level this CPU supports, whatever SWIFTTRAIN_ISA says.
int swifttrain_isa_supported(void);

/// Adam/AdamW update of n elements (see TensorCore's Kernels+Optimizers.swift for the formula).
void swifttrain_adam(float *parameter, const float *gradient, float *first, float *second, ptrdiff_t n,
                     float coupled_decay, float decay, float one_minus_beta1, float beta2, float one_minus_beta2,
                     float step_size, float bias_correction2_root, float epsilon);

/// SGD update of n elements without momentum.
void swifttrain_sgd(float *parameter, const float *gradient, ptrdiff_t n, float learning_rate, float weight_decay);

/// SGD update of n elements with a momentum buffer.
void swifttrain_sgd_momentum(float *parameter, const float *gradient, float *buffer, ptrdiff_t n, float learning_rate,
                             float weight_decay, float keep, float take, int nesterov, float momentum);

#endif
