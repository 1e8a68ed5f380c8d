#include "storage/sigv4.h"
