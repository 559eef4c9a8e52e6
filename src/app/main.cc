// The custody binary: see app/commands.h.
#include "app/commands.h"

int main(int argc, char** argv) { return custody::app::Main(argc, argv); }
