// Being written (issue 4): see timestamp.h.
#include "provenance/c2pa/timestamp.h"
