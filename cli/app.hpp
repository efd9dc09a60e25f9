// The skbench command line as a function: cli/main.cpp is its main, and test-only binaries (skbench_planted)
// call it after adjusting the registry.
#pragma once

int skbench_main(int argc, char** argv);
