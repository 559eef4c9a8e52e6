// Being written (issue 4): see validate.h.
#include "provenance/c2pa/validate.h"
