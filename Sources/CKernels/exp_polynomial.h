// The exponential shared by the CKernels loops (not part of the public header): Cody-Waite range
// reduction by ln 2, a degree-7 Taylor polynomial on |r| <= ln2/2 (truncation below 1e-8
// relative), and 2^n built in the exponent bits, applied as two halves so that every n from
// -126 to 128 stays a normal float. Branch-free, so the loops that call it vectorize.
#ifndef SWIFTTRAIN_EXP_POLYNOMIAL_H
#define SWIFTTRAIN_EXP_POLYNOMIAL_H
#include <stdint.h>

// e^x for x already within [-87.33654, 88.72283].
static inline __attribute__((always_inline)) float exp_reduced(float x) {
    float n = __builtin_rintf(x * 1.44269504f);
    float r = x - n * 0.693145752f;
    r = r - n * 1.42860677e-6f;
    float p = 1.98412698e-4f;
    p = p * r + 1.38888889e-3f;
    p = p * r + 8.33333333e-3f;
    p = p * r + 4.16666667e-2f;
    p = p * r + 1.66666667e-1f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t whole = (int32_t)n, half = whole >> 1;
    int32_t low = (half + 127) << 23, high = (whole - half + 127) << 23;
    float first, second;
    __builtin_memcpy(&first, &low, sizeof first);
    __builtin_memcpy(&second, &high, sizeof second);
    return p * first * second;
}

// e^x over the whole float range: +inf above ln(FLT_MAX), NaN for NaN, and 0 below ln(FLT_MIN),
// where expf would give a denormal.
static inline __attribute__((always_inline)) float exp_full(float x) {
    float c = x < -87.33654f ? -87.33654f : x;
    c = c > 88.72283f ? 88.72283f : c;
    float y = exp_reduced(c);
    y = x > 88.72283f ? __builtin_inff() : y;
    y = x < -87.33654f ? 0.0f : y;
    return x != x ? x : y;
}

// e^x clamped to [-87, 88], where it stays a normal float: for formulas that saturate long
// before (sigmoid, erf's tail, GELU and its tanh form).
static inline __attribute__((always_inline)) float exp_clamped(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    return exp_reduced(x);
}

#endif
