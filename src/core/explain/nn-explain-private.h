/* nn-explain-private.h: the explainer's insides, shared by nn-explain.c and the
 * faithfulness scores of nn-explain-score.c. */
#pragma once

#include "nn-explain.h"

#define PIXELS (28 * 28)

struct _NnExplainer {
  NnModel *m;
  NnWorkspace *ws;   /* inference, up to max_batch images */
  int max_batch;
  float *xs;         /* (max_batch, 784): the images of one pass */
  float *dlogits;    /* (max_batch, n_classes) */
  float *dx;         /* (max_batch, 784) */
};
