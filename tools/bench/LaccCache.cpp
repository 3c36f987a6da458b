// lacc-cache ls | show KEY | clear [--dir DIR]: the kernel cache tool.
#include "lacc/Cache.h"

int main(int argc, char **argv) { return lacc::cacheToolMain(argc, argv); }
