/* Must not compile: io depends on nn only. */
#include "nn-dataset.h"
