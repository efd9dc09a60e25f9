# cmake -DPTX=probe.ptx -P check_no_contraction.cmake: fails when the probe's multiply-add was fused (fma in the
# PTX), or when the PTX shows no multiply at all (the probe did not compile as expected: the check would be empty).
file(READ "${PTX}" ptx)
if(NOT ptx MATCHES "multiply_add_probe")
  message(FATAL_ERROR "${PTX}: the probe kernel is missing")
endif()
if(ptx MATCHES "fma\\.rn\\.f32")
  message(FATAL_ERROR "${PTX}: nvcc fused a * b + c (fma.rn.f32): its options contract, the emulator does not")
endif()
if(NOT ptx MATCHES "mul\\.rn\\.f32" OR NOT ptx MATCHES "add\\.rn\\.f32")
  message(FATAL_ERROR "${PTX}: no mul.rn.f32 and add.rn.f32 in the probe: the check cannot tell")
endif()
message(STATUS "${PTX}: a * b + c is a separate multiply and add, as in the emulator")
