// skbench: the command line (cli/app.cpp).
#include "app.hpp"

int main(int argc, char** argv) { return skbench_main(argc, argv); }
