// Being written (issue 4): see builder.h.
#include "provenance/c2pa/builder.h"
