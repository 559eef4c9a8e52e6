// Being written (issue 4): see manifest.h.
#include "provenance/c2pa/manifest.h"
