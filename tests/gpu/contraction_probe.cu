// Compiled to PTX with the kernels' nvcc options (test nvcc_no_contraction): a * b + c must stay a multiply and
// an add, as the emulator computes it, not one fused multiply-add.
__global__ void multiply_add_probe(const float* a, const float* b, const float* c, float* out) {
    out[0] = a[0] * b[0] + c[0];
}
