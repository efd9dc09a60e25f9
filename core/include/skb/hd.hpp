// SKB_HD marks helpers that device code (nvcc and the CUDA emulator) also calls.
#pragma once
#if defined(__CUDACC__)
#define SKB_HD __host__ __device__
#else
#define SKB_HD
#endif
