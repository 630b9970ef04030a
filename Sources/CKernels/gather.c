// Image batches from a byte matrix: each selected row's bytes mapped through a 256-entry float
// table (the data set's normalization) into the batch. The AVX2 loop widens 8 bytes to indices
// and gathers from the table (1 KiB, in L1); the AVX-512 loop looks it up in registers. The copy
// is exact at every level.
#include "CKernels.h"
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

// Rows of a shuffled batch are scattered over the data set, so the hardware prefetchers meet
// each one cold: every level asks for the row four ahead, line by line (random MNIST rows took
// 48 us a batch without this, 21 us with it).
#define PREFETCH_AHEAD 4
static inline void prefetch_row(const unsigned char *bytes, const long *rows, long r, long row_count, long row_length) {
    if (r + PREFETCH_AHEAD >= row_count) return;
    const unsigned char *row = bytes + rows[r + PREFETCH_AHEAD] * row_length;
    for (long k = 0; k < row_length; k += 64) __builtin_prefetch(row + k);
    __builtin_prefetch(row + row_length - 1);
}

static inline void prefetch_first_rows(const unsigned char *bytes, const long *rows, long row_count, long row_length) {
    for (long r = 0; r < PREFETCH_AHEAD && r < row_count; r++)
        for (long k = 0; k < row_length; k += 64) __builtin_prefetch(bytes + rows[r] * row_length + k);
}
static void gather_row_baseline(const unsigned char *restrict from, float *restrict to, long n, const float *restrict table) {
    for (long i = 0; i < n; i++) to[i] = table[from[i]];
}

AVX2 static void gather_row_avx2(const unsigned char *restrict from, float *restrict to, long n, const float *restrict table) {
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i index = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(from + i)));
        _mm256_storeu_ps(to + i, _mm256_i32gather_ps(table, index, 4));
    }
    for (; i < n; i++) to[i] = table[from[i]];
}

// AVX-512 gathers are slow on recent Intel cores (about as slow as scalar loads, measured), so
// the table sits in 16 registers instead: a two-register permute looks up the low 5 bits of each
// index in each 32-entry segment, and blends on bits 5-7 choose the segment. 1.5x the scalar
// loop on MNIST rows. (A shortcut for runs of small bytes, image backgrounds, was a branch that
// real images mispredict: slower.)
AVX512 static void gather_row_avx512(const unsigned char *restrict from, float *restrict to, long n, const float *restrict table) {
    __m512 t[16];
    for (int s = 0; s < 16; s++) t[s] = _mm512_loadu_ps(table + 16 * s);
    const __m512i bit5 = _mm512_set1_epi32(32), bit6 = _mm512_set1_epi32(64), bit7 = _mm512_set1_epi32(128);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i index = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(from + i)));
        __m512 s0 = _mm512_permutex2var_ps(t[0], index, t[1]), s1 = _mm512_permutex2var_ps(t[2], index, t[3]);
        __m512 s2 = _mm512_permutex2var_ps(t[4], index, t[5]), s3 = _mm512_permutex2var_ps(t[6], index, t[7]);
        __m512 s4 = _mm512_permutex2var_ps(t[8], index, t[9]), s5 = _mm512_permutex2var_ps(t[10], index, t[11]);
        __m512 s6 = _mm512_permutex2var_ps(t[12], index, t[13]), s7 = _mm512_permutex2var_ps(t[14], index, t[15]);
        __mmask16 m5 = _mm512_test_epi32_mask(index, bit5), m6 = _mm512_test_epi32_mask(index, bit6);
        __mmask16 m7 = _mm512_test_epi32_mask(index, bit7);
        __m512 low = _mm512_mask_blend_ps(m6, _mm512_mask_blend_ps(m5, s0, s1), _mm512_mask_blend_ps(m5, s2, s3));
        __m512 high = _mm512_mask_blend_ps(m6, _mm512_mask_blend_ps(m5, s4, s5), _mm512_mask_blend_ps(m5, s6, s7));
        _mm512_storeu_ps(to + i, _mm512_mask_blend_ps(m7, low, high));
    }
    for (; i < n; i++) to[i] = table[from[i]];
}

void swifttrain_gather_bytes(const unsigned char *bytes, const long *rows, long row_count, long row_length,
                             const float *table, float *output) {
    int level = swifttrain_isa_level();
    void (*row_kernel)(const unsigned char *, float *, long, const float *) =
        level == 2 ? gather_row_avx512 : level == 1 ? gather_row_avx2 : gather_row_baseline;
    prefetch_first_rows(bytes, rows, row_count, row_length);
    for (long r = 0; r < row_count; r++) {
        prefetch_row(bytes, rows, r, row_count, row_length);
        row_kernel(bytes + rows[r] * row_length, output + r * row_length, row_length, table);
    }
}
