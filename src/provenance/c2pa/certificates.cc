// Being written (issue 4): see certificates.h.
#include "provenance/c2pa/certificates.h"
