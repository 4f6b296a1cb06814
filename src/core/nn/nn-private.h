/* nn-private.h: the engine's insides, shared by the passes (nn-pass.c), the
 * plan (nn-plan.c), the workspace (nn-workspace.c) and the layers (layers/):
 * a thread's slice (NnThread), one layer's call on it (NnCall), the per-kind
 * table with each kind's sizes (NnLayerOps, NnLayerSizes), and the fused
 * activations.
 *
 * A forward or backward pass splits the batch into one contiguous slice per
 * thread; each thread runs the whole graph on its slice. Only BatchNormalization
 * in training needs the whole batch, and it meets the other threads at a barrier
 * to add up its per-channel sums (nn_sync_sum).
 */
#pragma once

#include "nn-model.h"
#include "nn-shape.h"
#include "nn-rng.h"
#include "nn-threads.h"
#include "nn-kernels.h"

G_BEGIN_DECLS


typedef struct _NnThread NnThread;

struct _NnThread {
  NnWorkspace *ws;
  int tid;
  int n0, n;             /* this thread's slice of the batch */
  int group_n0;          /* inference: where a buffer that holds a group (NN_REACH_GROUP) */
  int segment_n0;        /* or a segment's group (NN_REACH_SEGMENT) has these images */
  NnPart part;           /* its share of each layer, when the threads split layers */
  float *scratch;        /* per-thread scratch, plan->scratch_floats, 64-byte aligned */
  float *grads;          /* per-thread weight gradients, model layout; NULL for tid 0 */
  float *tmp;            /* d input of a layer whose producer feeds several layers */
  float *grad_local;     /* training: the gradients kept within a chunk (plan->grad_local) */
  float *out_local;      /* training: the maps kept within a chunk (plan->out_local) */
};

/* A layer that needs the whole batch (BatchNormalization in training) runs in
 * two phases when a pass goes a few images at a time: it gathers its sums over
 * the thread's whole slice, where the threads meet, then applies them to each
 * few images in turn. NN_PHASE_BOTH does both at once. */
typedef enum { NN_PHASE_BOTH, NN_PHASE_GATHER, NN_PHASE_APPLY } NnPhase;

/* One layer on one thread's slice. Pointers point at the slice's first image. */
typedef struct {
  NnModel *m;
  NnThreads *pool;       /* the threads sharing the batch, NULL when one does it all */
  NnThread *t;
  const NnLayer *l;
  int index;
  int n;                 /* images in the slice */
  int n_total;           /* images in the whole batch, over all threads */
  NnPart part;           /* the share of the layer's output to compute (NN_WHOLE: all);
                          * only kinds whose ops take parts get another */
  gboolean training;     /* batch statistics and dropout on */
  NnPhase phase;         /* which part to run, for a kind that is batch_wide */
  NnActivation act;      /* the fused activation actually applied */
  const float *x[NN_MAX_INPUTS]; /* (n, in shape) */
  float *y;              /* (n, out shape) */
  float *z;              /* pre-activation (n, out shape), only for gelu/silu, else NULL */
  float *aux;            /* per-sample scratch kept for backward, or NULL */
  float *stats;          /* per-layer values shared by the threads (BN), or NULL */
  const float *wino_u;   /* Conv2D: the Winograd kernel of this pass, or NULL */
  guint64 dropout_key;   /* Dropout: the seed of this pass and layer */
  /* backward */
  const float *dy;       /* (n, out shape) */
  float *dx[NN_MAX_INPUTS]; /* (n, in shape), overwritten; NULL when not needed */
  const guint8 *pool_arg; /* BatchNormalization: the window cells of the 2 x 2 MaxPooling2D
                          * fused into its backward (nn-plan.h, pool_of), whose output
                          * gradient dy then is; NULL: none */
  gboolean dx_relu;      /* MaxPooling2D: dx also through the relu that made x (nn-plan.h,
                          * relu_in_pool): none where the maximum is not positive */
  float *dw;             /* gradients base pointer (layout of m->params), or NULL */
} NnCall;

/* Sums v[0..len) over the threads of the pass, in place, identical on every thread.
 * slot (0 or 1) picks a region of the shared reduction buffer so consecutive
 * reductions never overwrite what a slower thread has yet to read. */
static inline void
nn_sync_sum (NnCall *c, double *v, int len, int slot)
{
  if (c->pool != NULL)
    nn_threads_sum (c->pool, c->t->tid, c->index * 2 + slot, v, len);
}

/* Fused activations: y in place from z, and dz from dy with y (and z for gelu/silu). */
gboolean nn_act_needs_z (NnActivation act);
void     nn_act_forward (float *y, size_t rows, int channels, NnActivation act);
void     nn_act_forward_from (float *y, const float *x, size_t rows, int channels,
                              NnActivation act);
void     nn_act_backward (float *dz, const float *dy, const float *y, const float *z,
                          size_t rows, int channels, NnActivation act);

/* What a layer needs of the workspace besides its output, each declared by the
 * layer's own file next to the code that uses it. */
typedef struct {
  size_t scratch;  /* floats of per-thread scratch (c->t->scratch) for a slice of up
                    * to n images, forward or backward: reused by the next layer */
  size_t aux;      /* floats per image kept from forward to backward (c->aux) */
  size_t stats;    /* floats per thread kept from forward to backward (c->stats) */
  int    sum;      /* doubles added up over the threads in one nn_sync_sum */
} NnLayerSizes;

/* A layer kind's functions: forward and backward on one thread's slice, and
 * sizes (all fields zeroed by the caller) for slices of up to n images. */
typedef struct {
  void (*forward) (NnCall *c);
  void (*backward) (NnCall *c);
  void (*sizes) (const NnLayer *l, int n, NnMode mode, NnLayerSizes *s);
  /* forward computes c->part's share (and when its kernel cannot, part 0 all);
   * FALSE: forward runs whole, on one thread */
  gboolean takes_part;
  /* training needs the whole batch: forward and backward run c->phase */
  gboolean batch_wide;
} NnLayerOps;

/* The table of every kind (layers/nn-layer-ops.c). */
const NnLayerOps *nn_layer_ops (NnLayerKind kind);
/* nn_layer_ops (l->kind)->sizes, for slices of up to n images. */
NnLayerSizes      nn_layer_sizes (const NnLayer *l, int n, NnMode mode);

/* Each family's ops, in its file under layers/. */
extern const NnLayerOps nn_conv2d_ops, nn_depthwise_ops, nn_separable_ops;  /* nn-conv.c */
extern const NnLayerOps nn_dense_ops;                                        /* nn-dense.c */
extern const NnLayerOps nn_batch_norm_ops;                                   /* nn-norm.c */
extern const NnLayerOps nn_max_pool_ops, nn_avg_pool_ops, nn_gap_ops;        /* nn-pool.c */
extern const NnLayerOps nn_activation_ops, nn_dropout_ops, nn_rescaling_ops,
  nn_add_ops, nn_concat_ops, nn_copy_ops;                                    /* nn-elementwise.c */

/* MaxPooling2D 2 x 2, stride 2, 'valid' (layers/nn-pool.c): in training it
 * records each output's window cell in c->aux, a byte per output, and its
 * backward reads those instead of its input and output. */
gboolean nn_max_pool_records_cells (const NnLayer *l);
/* Bytes of one image's cells there, for a pool's output shape: its outputs,
 * rounded up to whole floats. */
size_t   nn_max_pool_cell_bytes (NnShape out);

/* Convolution chunking: images per im2col chunk for a layer. */
int nn_conv_chunk (const NnLayer *l, int n);

/* The SIMD kernels for convolutions (layers/nn-conv.c): a layer's geometry as
 * kernels/ takes it, whether Winograd covers it, the kernels' scratch per
 * thread, and the fused forward (y = relu? (conv * scale + shift)) on the
 * call's slice; FALSE when the kernels do not cover the layer. */
NnConvDims nn_conv_dims (const NnLayer *l);
gboolean   nn_conv_winograd_eligible (const NnLayer *l);
size_t     nn_conv_kernel_scratch (const NnLayer *l);
gboolean   nn_conv_direct (NnCall *c, float *y, const float *scale, const float *shift,
                           gboolean relu);
gboolean   nn_depthwise_direct (NnCall *c, float *y, const float *scale, const float *shift,
                                gboolean relu);

/* Internal: backward with control over the weight gradients (Grad-CAM wants none). */
void nn_model_backward_ex (NnModel *m, NnWorkspace *ws, const float *dlogits, int n,
                           float *dx, gboolean weight_grads);

/* Per-layer thread-CPU seconds of thread 0's forward passes, then (at n_layers + i)
 * of its backward passes (for bench/). */
void          nn_workspace_set_profiling (NnWorkspace *ws, gboolean on);
const double *nn_workspace_profile (const NnWorkspace *ws);


G_END_DECLS
