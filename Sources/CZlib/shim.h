// Not API: zlib's gzip reader, used to read `.gz` data files.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>
#endif
