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
/// The optimizer updates flush denormals to zero while they run (see optimizers.c).
void swifttrain_adam(float *parameter, const float *gradient, float *first, float *second, ptrdiff_t n,
                     float coupled_decay, float decay, float one_minus_beta1, float beta2, float one_minus_beta2,
                     float step_size, float bias_correction2_root, float epsilon);

/// SGD update of n elements without momentum.
void swifttrain_sgd(float *parameter, const float *gradient, ptrdiff_t n, float learning_rate, float weight_decay);

/// SGD update of n elements with a momentum buffer.
void swifttrain_sgd_momentum(float *parameter, const float *gradient, float *buffer, ptrdiff_t n, float learning_rate,
                             float weight_decay, float keep, float take, int nesterov, float momentum);

/// Direct convolution of one single-channel image (stride 1, no padding) into `out_channels`
/// output planes: each output row starts at its bias (or 0) and accumulates the kh*kw taps in
/// order. `bias` may be NULL.
void swifttrain_conv1_forward(const float *image, const float *weight, const float *bias, float *output,
                              int out_channels, int height, int width, int kernel_height, int kernel_width);

/// The weight gradient of that convolution for output channel `channel`: for each tap, the sum
/// over `batch` samples and every position of upstream gradient times input, in a fixed order.
/// With `bias_out`, the channel's bias gradient (the upstream values summed) lands there too.
void swifttrain_conv1_weight_gradient(const float *input, const float *upstream, float *taps_out, float *bias_out, int channel, int batch,
                                      int out_channels, int height, int width, int kernel_height, int kernel_width);

/// 2x2 max pooling of one plane without padding: each output its window's largest value (the
/// first in reading order on ties) and, as a float, that value's offset in the plane. Returns 1
/// when a value under the windows is NaN: the outputs are then not PyTorch's, and the caller
/// pools that plane again with a NaN-aware loop.
int swifttrain_max_pool_2x2(const float *plane, float *values, float *offsets, int width, int stride, int out_h, int out_w);

/// The pullback of swifttrain_max_pool_2x2 at stride 2 on a plane of exactly 2*out_h by 2*out_w:
/// the whole plane written, each window's gradient at its recorded offset and zeros elsewhere.
void swifttrain_max_unpool_2x2(const float *gradient, const float *offsets, float *plane, int out_h, int out_w);

/// The exponentials of one softmax row: y[i] = exp(x[i] * scale - m) for the first `count`
/// values, m being the largest x[i] * scale (0 for a row of -inf); their sum goes to *total, in
/// a fixed order. Returns m. `y` may be `x`.
float swifttrain_softmax_exponentials(const float *x, float *y, long count, float scale, float *total);

/// Softmax cross-entropy of `rows` rows of `classes` logits against class indices, with label
/// smoothing: each row's loss and log-sum-exp. Rows labelled `ignored` (when has_ignored) get 0.
void swifttrain_cross_entropy(const float *logits, const int *labels, long rows, long classes, float smoothing,
                              int has_ignored, int ignored, float *losses, float *log_sum_exp);

/// Its pullback: gradient = (softmax(z) - smoothed one-hot) * upstream[row * upstream_step]
/// (step 0 for a scalar upstream); 0 for ignored rows.
void swifttrain_cross_entropy_backward(const float *logits, const int *labels, const float *log_sum_exp, const float *upstream,
                                       int upstream_step, long rows, long classes, float smoothing, int has_ignored, int ignored,
                                       float *gradient);

/// y[i] *= factor for `count` values.
void swifttrain_scale_row(float *y, long count, float factor);

/// The sizes of one convolution window sweep over [batch, channels, height, width] inputs.
struct swifttrain_window {
    int batch, channels, height, width, kernel_height, kernel_width, stride, padding, output_height, output_width;
};

/// Row `row` (channel, kernel tap) of the channel-major im2col matrix of `input`, written into
/// `output` ([channels*kh*kw][batch*positions]); zero in the padding.
void swifttrain_im2col_row(const float *input, float *output, int row, const struct swifttrain_window *window);

/// Sample `sample` of col2im: every value of the channel-major im2col matrix `columns` added back
/// into the position of `output` ([batch, channels, height, width]) its tap read.
void swifttrain_col2im_sample(const float *columns, float *output, int sample, const struct swifttrain_window *window);

/// The forward product of a convolution with few channels on its im2col matrix `columns`
/// ([taps][column_count], columns ordered by sample then position) for the sample whose columns
/// start at `first_column`: output[o][p] = bias[o] + sum_k weight[o][k] * columns[k][first_column + p],
/// written as that sample's [out_channels][positions] planes. `positions` is a multiple of 16;
/// `bias` may be NULL.
void swifttrain_convolution_block_forward(const float *weight, const float *columns, long column_count, long first_column,
                                          const float *bias, float *output, int out_channels, int taps, int positions);

/// The input-gradient product for one sample: gradient_columns[k][first_column + p] =
/// sum_o weight[o][k] * gradient[o][p], from the sample's upstream [out_channels][positions].
void swifttrain_convolution_block_input_gradient(const float *weight, const float *gradient, float *gradient_columns,
                                                 long column_count, long first_column, int out_channels, int taps, int positions);

/// The weight gradient of output rows first_row..first_row+3 and taps first_tap..first_tap+3 (those
/// that exist): sum over samples and positions of gradient[n][o][p] * columns[k][n*positions + p],
/// in a fixed order. With `bias_gradient`, the tiles of the first taps also write their rows' bias
/// gradients (the upstream values summed).
void swifttrain_convolution_block_weight_gradient(const float *gradient, const float *columns, float *weight_gradient, float *bias_gradient,
                                                  int batch, int out_channels, int taps, int positions, int first_row, int first_tap);

/// Whether the convolution products can read their taps from the input itself instead of an
/// im2col matrix: stride 1, no padding, and vectors of 16 output positions that are whole output
/// rows or two rows of 8.
int swifttrain_convolution_reads_image(const struct swifttrain_window *window);

/// The forward product for one sample read from its input `image` ([channels][height][width]):
/// output[o][p] = bias[o] + sum_k weight[o][k] * (the input under tap k at position p), written as
/// the sample's [out_channels][positions] planes; the same sums in the same order as
/// swifttrain_convolution_block_forward on the im2col matrix. `bias` may be NULL.
void swifttrain_convolution_image_forward(const float *weight, const float *image, const float *bias, float *output,
                                          int out_channels, const struct swifttrain_window *window);

/// The input gradient for one sample, added into `image_gradient` ([channels][height][width],
/// zeroed by the caller) from the sample's upstream [out_channels][positions].
void swifttrain_convolution_image_input_gradient(const float *weight, const float *gradient, float *image_gradient,
                                                 int out_channels, const struct swifttrain_window *window);

/// swifttrain_convolution_block_weight_gradient with the taps read from the input batch `input`.
void swifttrain_convolution_image_weight_gradient(const float *gradient, const float *input, float *weight_gradient, float *bias_gradient,
                                                  int out_channels, const struct swifttrain_window *window, int first_row, int first_tap);

/// e^x of n elements (|relative error| about 2e-7): +inf above ln(FLT_MAX), NaN for NaN, and 0
/// below ln(FLT_MIN), where expf would give a denormal.
void swifttrain_exp(const float *x, float *y, ptrdiff_t n);
/// erf of n elements (absolute error below 2e-7).
void swifttrain_erf(const float *x, float *y, ptrdiff_t n);
/// g * d erf(x)/dx for n elements.
void swifttrain_erf_backward(const float *g, const float *x, float *dx, ptrdiff_t n);
/// GELU of n elements: exact (through erf) or, with tanh_form, GPT-2's tanh approximation.
void swifttrain_gelu(const float *x, float *y, ptrdiff_t n, int tanh_form);
/// g * GELU'(x) for n elements, in the same form as swifttrain_gelu.
void swifttrain_gelu_backward(const float *g, const float *x, float *dx, ptrdiff_t n, int tanh_form);

/// Layer normalization of `rows` rows of n features: y = (x - mean)·rstd·gain + bias (gain and
/// bias may both be NULL); writes each row's mean and reciprocal standard deviation.
void swifttrain_layer_norm(const float *x, const float *gain, const float *bias, float *y, float *mean, float *rstd,
                           ptrdiff_t rows, ptrdiff_t n, float eps);
/// Its backward: writes dx, and adds each row's contribution to dgain and dbias (zeroed by the caller).
void swifttrain_layer_norm_backward(const float *g, const float *x, const float *gain, const float *mean, const float *rstd,
                                    float *dx, float *dgain, float *dbias, ptrdiff_t rows, ptrdiff_t n);

/// Rows `rows[0..row_count)` of a byte matrix with `row_length` columns, each byte mapped through
/// the 256 floats of `table`, written back to back into `output`.
void swifttrain_gather_bytes(const unsigned char *bytes, const long *rows, long row_count, long row_length,
                             const float *table, float *output);

/// The per-element functions of swifttrain_unary; `p` and `q` are their parameters.
enum swifttrain_unary_operation {
    SWIFTTRAIN_NEGATE, SWIFTTRAIN_RELU,
    SWIFTTRAIN_LEAKY_RELU,   // p: the negative slope
    SWIFTTRAIN_CLAMP,        // p, q: low, high
    SWIFTTRAIN_SCALE,        // p: the factor
    SWIFTTRAIN_ABSOLUTE, SWIFTTRAIN_SIGN, SWIFTTRAIN_SQUARE_ROOT, SWIFTTRAIN_SIGMOID
};

/// y[i] = f(x[i]) for n elements, f chosen by `operation`. `y` may be `x`.
void swifttrain_unary(int operation, const float *x, float *y, ptrdiff_t n, float p, float q);

/// The per-element functions of swifttrain_binary, of (a, b).
enum swifttrain_binary_operation {
    SWIFTTRAIN_ADD, SWIFTTRAIN_SUBTRACT, SWIFTTRAIN_MULTIPLY, SWIFTTRAIN_DIVIDE,
    SWIFTTRAIN_PASS_WHERE_POSITIVE,       // b > 0 ? a : 0 (relu's pullback, b its output)
    SWIFTTRAIN_SCALE_WHERE_NOT_POSITIVE,  // b > 0 ? a : a * p (leaky relu's pullback)
    SWIFTTRAIN_PASS_WHERE_INSIDE,         // p <= b <= q ? a : 0 (clamp's pullback)
    SWIFTTRAIN_GREATER, SWIFTTRAIN_LESS, SWIFTTRAIN_GREATER_OR_EQUAL, SWIFTTRAIN_LESS_OR_EQUAL,
    SWIFTTRAIN_EQUAL, SWIFTTRAIN_NOT_EQUAL  // 1 where the comparison holds, else 0
};

/// z[i] = f(a[i * a_step], b[i * b_step]) for n elements, steps 0 (a broadcast scalar) or 1.
/// `z` may be `a` or `b` when its step is 1.
void swifttrain_binary(int operation, const float *a, int a_step, const float *b, int b_step, float *z, ptrdiff_t n, float p, float q);

#endif
