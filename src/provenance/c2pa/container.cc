// Being written (issue 4): see container.h.
#include "provenance/c2pa/container.h"
