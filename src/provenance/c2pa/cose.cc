// Being written (issue 4): see cose.h.
#include "provenance/c2pa/cose.h"
