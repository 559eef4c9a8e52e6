// Being written (issue 4): see cbor.h.
#include "provenance/c2pa/cbor.h"
