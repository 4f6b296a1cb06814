/* Must not compile: nn sees only its own headers. */
#include "nn-keras.h"
