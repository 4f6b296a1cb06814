/* Must compile: the control, eval sees the metrics and data. */
#include "nn-eval.h"
#include "nn-dataset.h"
int layering_control;
