#include <mpi.h>
static inline MPI_Comm bench_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype bench_float(void) { return MPI_FLOAT; }
static inline MPI_Op bench_sum(void) { return MPI_SUM; }
static inline void *bench_in_place(void) { return MPI_IN_PLACE; }
