/// The numeric kernels behind every tensor operation. Pointer arithmetic, SIMD loops, BLAS calls
/// and threading live here and in `TensorStorage`; the operations in `Tensor/` call these
/// functions and never touch a pointer.
enum Kernels {}
