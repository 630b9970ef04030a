// Not API: the C surface of OpenBLAS that TensorCore's kernels call.
// Only TensorCore/Kernels imports this module.
#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
#include <cblas.h>
#endif
