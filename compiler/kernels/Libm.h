// The C math functions the kernels call. Kernel bitcode is compiled for
// every target family without any target's C library headers (only the
// compiler's own <stddef.h> and <stdint.h>), so the functions are declared
// here; LLVM knows them as library functions and the model links them from
// the target's libm. A kernel that needs another one declares it here.
#pragma once

extern "C" {
float ceilf(float);
float cosf(float);
float erfcf(float);
float erff(float);
float expf(float);
float expm1f(float);
float fabsf(float);
float floorf(float);
float fmaxf(float, float);
float fminf(float, float);
float log1pf(float);
float logf(float);
float powf(float, float);
float rintf(float);
float sinf(float);
float sqrtf(float);
float tanf(float);
float tanhf(float);
float truncf(float);
}

#define INFINITY (__builtin_inff())
