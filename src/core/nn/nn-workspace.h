/* nn-workspace.h: inside the engine only: the workspace's insides, shared by
 * nn-workspace.c (which makes the buffers its plan asks for, and the threads)
 * and nn-pass.c (which runs the passes over them). */
#pragma once

#include "nn-plan.h"

G_BEGIN_DECLS

struct _NnWorkspace {
  NnPlan *plan;        /* everything decided from the model (nn-plan.h) */
  int n_layers;
  int max_batch;
  NnMode mode;
  size_t n_params;
  NnShape *shapes;     /* out shape per layer, to check the model passed in */

  /* Per layer, each (max_batch, out shape) or NULL. */
  float **out;         /* outputs; plan->out_of says which share */
  float **z;           /* pre-activations of gelu/silu layers */
  float **aux;         /* per-image values kept for backward (dropout masks, ...) */
  float **grad;        /* d loss / d output, in grad_block (plan->grad_at) */
  float *grad_block;   /* made at the first backward (or by a checked workspace) */
  float *stats;        /* per layer and thread (plan->stats_off), e.g. BN (mean, invstd) */

  /* fan-out gradients: n_tmp buffers of tmp_floats per thread, for this pass */
  size_t tmp_floats;
  int n_tmp;
  size_t tmp_alloc;    /* floats allocated per thread */

  /* the threads: the pool (NULL: one thread) and each thread's buffers */
  NnThreads *pool;
  int nt;              /* threads of the pool, 1 without one */
  NnThread threads[NN_MAX_THREADS];

  /* the current pass */
  NnModel *m;
  int n, nt_eff;
  void (*job) (NnThread *t);
  const float *x;
  const float *dlogits;
  float *dx;
  gboolean weight_grads;
  gboolean *up;        /* the layer's output gradient is needed (nn_plan_backward) */
  int *writer;         /* the consumer that writes a producer's gradient first */
  guint64 seed, step;
  double *profile;     /* per layer thread-CPU seconds of thread 0, when profiling */
  gboolean fusing;     /* nn_model_predict: the plan's Conv -> BN [-> relu] fusions on */
  float **fuse_scale, **fuse_shift; /* per fused conv: y = conv * scale + shift */

  /* Winograd: per eligible layer the transformed kernel (16, C, F) and a copy of
   * the kernel it came from, so that it is redone only when the weights change. */
  float **wino_u, **wino_src;
  gboolean wino_on;
  guint64 wino_version;  /* the model's params_version they were made from */

  gboolean alloc_failed; /* a buffer could not be allocated (see ws_floats) */
};

/* Runs job on every thread of the pool the model asks for, each on its slice of
 * the ws->n images (one thread when the batch is smaller than the pool). */
void     nn_workspace_run (NnWorkspace *ws, void (*job) (NnThread *t));
/* Runs job on every thread of the pool, each with all ws->n images and its part
 * (thread t: part t of the pool's size), to share out each layer. */
void     nn_workspace_run_parts (NnWorkspace *ws, void (*job) (NnThread *t));
/* Before a pass: the Winograd kernels of changed weights; the fused
 * convolutions' scale and shift. */
void     nn_workspace_prepare_winograd (NnWorkspace *ws, const NnModel *m);
void     nn_workspace_fuse_coefficients (NnWorkspace *ws, const NnModel *m);
/* Before a backward pass: the threads, then the gradient buffers they need. */
void     nn_workspace_prepare_backward (NnWorkspace *ws);
/* The model is the one the workspace was made for. */
gboolean nn_workspace_fits (const NnWorkspace *ws, const NnModel *m);

G_END_DECLS
