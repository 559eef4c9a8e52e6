// Being written (issue 4): see pki.h.
#include "provenance/pki.h"
