/* nn-pass.c: the passes over a workspace: nn_model_forward, nn_model_backward
 * and nn_model_predict. Each thread runs the whole graph on its slice of the
 * batch (nn_workspace_run), or, for an inference batch smaller than the pool,
 * its part of every layer (forward_parts_job); a layer runs through its kind's
 * functions (layers/nn-layer-ops.c) on an NnCall that says where its buffers lie. */
#include <math.h>
#include <string.h>
#include <time.h>
#include "nn-workspace.h"
#include "nn-error.h"

/* ---- forward ---------------------------------------------------------------- */

static size_t
slice_size (const NnWorkspace *ws, int layer)
{
  return nn_shape_size (ws->shapes[layer]);
}

/* Dropout's seed for this pass and layer: the same whatever the thread split. */
static guint64
dropout_key (const NnWorkspace *ws, int layer)
{
  guint64 s = ws->seed ^ (ws->step * 0x9e3779b97f4a7c15ull) ^ ((guint64) layer << 48);
  return nn_rng_next (&s);
}

/* Where layer i's values of thread t's first image lie, in images: a fused pass
 * keeps a buffer that holds less than the slice at the slice's start. */
static size_t
image_at (const NnWorkspace *ws, const NnThread *t, int i)
{
  switch (ws->fusing ? ws->plan->reach[ws->plan->out_of[i]] : NN_REACH_SLICE)
    {
    case NN_REACH_SEGMENT:
      return t->segment_n0;
    case NN_REACH_GROUP:
      return t->group_n0;
    default:
      return t->n0;
    }
}

/* Where layer i's map of thread t's first image lies: a chunk's own in the
 * thread's area (NnPlan.out_local), the others in the layer's buffer. */
static float *
map_of (NnWorkspace *ws, const NnThread *t, int i)
{
  const NnPlan *p = ws->plan;
  if (p->out_local[p->out_of[i]])
    return t->out_local + p->out_local_at[p->out_of[i]];
  return ws->out[i] + image_at (ws, t, i) * slice_size (ws, i);
}

/* Layer i on thread t's slice: where everything lies. */
static NnCall
make_call (NnWorkspace *ws, NnThread *t, int i)
{
  NnModel *m = ws->m;
  const NnPlan *p = ws->plan;
  const NnLayer *l = &m->layers[i];
  size_t per = slice_size (ws, i), at = image_at (ws, t, i);
  NnCall c = {
    .m = m, .pool = ws->nt_eff > 1 && t->part.count == 1 ? ws->pool : NULL, .t = t, .l = l,
    .index = i, .n = t->n, .n_total = ws->n, .part = t->part,
    .act = p->act[i],
    .y = map_of (ws, t, i),
    .z = ws->z[i] ? ws->z[i] + at * per : NULL,
    .aux = ws->aux[i] ? ws->aux[i] + at * p->sizes[i].aux : NULL,
    .stats = p->sizes[i].stats ? ws->stats + p->stats_off[i] + t->tid * p->sizes[i].stats : NULL,
  };
  /* Keras runs a frozen BatchNormalization in inference mode even while training. */
  c.training = ws->mode == NN_MODE_TRAINING
               && (l->kind != NN_LAYER_BATCH_NORM || l->trainable);
  if (ws->wino_on)
    c.wino_u = ws->wino_u[i];
  if (l->kind == NN_LAYER_DROPOUT)
    c.dropout_key = dropout_key (ws, i);
  for (int j = 0; j < l->n_inputs; j++)
    c.x[j] = map_of (ws, t, l->inputs[j]);
  return c;
}

static double
thread_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The pass does not run layer i: a fused pass computed it within another. */
static gboolean
forward_skips (const NnWorkspace *ws, int i)
{
  return (ws->fusing && ws->plan->fuse_skip[i]) || ws->plan->relu_fused[i];
}

/* Layer i on thread t's slice, its share part of it, the phase asked of a
 * batch-wide kind. */
static void
forward_layer (NnWorkspace *ws, NnThread *t, int i, NnPart part, NnPhase phase)
{
  const NnPlan *p = ws->plan;
  gboolean prof = ws->profile && t->tid == 0;
  double t0 = prof ? thread_seconds () : 0;
  NnCall c = make_call (ws, t, i);
  int target = ws->fusing ? p->fuse_target[i] : -1;
  c.part = part;
  c.phase = phase;
  if (target >= 0)
    {
      float *y = ws->out[target] + image_at (ws, t, target) * slice_size (ws, target);
      if (c.l->kind == NN_LAYER_CONV2D)
        nn_conv_direct (&c, y, ws->fuse_scale[i], ws->fuse_shift[i], p->fuse_relu[i]);
      else
        nn_depthwise_direct (&c, y, ws->fuse_scale[i], ws->fuse_shift[i], p->fuse_relu[i]);
    }
  else
    nn_layer_ops (c.l->kind)->forward (&c);
  if (prof)
    ws->profile[i] += thread_seconds () - t0;
}

static void
forward_layers (NnWorkspace *ws, NnThread *t, int from, int to)
{
  for (int i = from; i <= to; i++)
    if (!forward_skips (ws, i))
      forward_layer (ws, t, i, NN_WHOLE, NN_PHASE_BOTH);
}

/* Thread t's images g0 .. g0 + size (or to its slice's end), as a slice. */
static NnThread
chunk_of (const NnThread *t, int g0, int size)
{
  NnThread sub = *t;
  sub.n0 = t->n0 + g0;
  sub.n = MIN (size, t->n - g0);
  return sub;
}

/* Layer i of a training pass needs the whole batch at once. */
static gboolean
batch_wide (const NnWorkspace *ws, int i)
{
  return ws->plan->batch_wide[i];
}

/* Training: BatchNormalization needs the whole batch for its sums, every other
 * layer goes image by image. So the layers from one batch-wide layer up to the
 * next run a few images at a time (nn_plan_train_chunk), and the maps that one
 * writes and the next reads stay in L2, up to a layer that keeps whole slices
 * (nn_plan_chunked_to): from there the stretch goes whole. The batch-wide
 * layer first gathers its sums over the whole slice (meeting the other
 * threads), then applies them chunk by chunk. */
static void
forward_training (NnWorkspace *ws, NnThread *t)
{
  const NnPlan *p = ws->plan;
  int last = ws->m->output;
  for (int from = 1, to; from <= last; from = to + 1)
    {
      for (to = from; to < last && !batch_wide (ws, to + 1); to++)
        ;
      int cto, chunk = nn_plan_stretch_chunks (p, ws->m, from, to, &cto);
      gboolean wide = batch_wide (ws, from);
      if (wide)
        forward_layer (ws, t, from, NN_WHOLE, NN_PHASE_GATHER);
      for (int g0 = 0; g0 < t->n && chunk > 0; g0 += chunk)
        {
          NnThread sub = chunk_of (t, g0, chunk);
          if (wide)
            forward_layer (ws, &sub, from, NN_WHOLE, NN_PHASE_APPLY);
          forward_layers (ws, &sub, from + wide, cto);
        }
      if (wide && chunk == 0)
        forward_layer (ws, t, from, NN_WHOLE, NN_PHASE_APPLY);
      forward_layers (ws, t, MAX (cto + 1, from + wide), to);
    }
}

/* Inference: the spatial layers, segment after segment over each group of the
 * slice, each segment a few images at a time (NnPlan.seg_group). */
static void
forward_segments (NnWorkspace *ws, NnThread *t)
{
  const NnPlan *p = ws->plan;
  for (int g0 = 0; g0 < t->n; g0 += p->group)
    {
      int g1 = MIN (g0 + p->group, t->n);
      for (int s = 0; s < p->n_segments; s++)
        for (int h0 = g0; h0 < g1; h0 += p->seg_group[s])
          {
            NnThread sub = chunk_of (t, h0, MIN (p->seg_group[s], g1 - h0));
            sub.group_n0 = t->n0 + (h0 - g0);
            sub.segment_n0 = t->n0;
            forward_layers (ws, &sub, p->seg_from[s], MIN (p->seg_to[s], ws->m->output));
          }
    }
}

static void
forward_job (NnThread *t)
{
  NnWorkspace *ws = t->ws;
  size_t in = slice_size (ws, 0);
  memcpy (ws->out[0] + t->n0 * in, ws->x + t->n0 * in, t->n * in * sizeof (float));
  int last = ws->m->output;
  if (ws->mode == NN_MODE_TRAINING)
    {
      forward_training (ws, t);
      return;
    }
  forward_segments (ws, t);
  forward_layers (ws, t, MIN (ws->plan->split_layer, last) + 1, last);
}

/* Every thread of the pool, before it goes on. */
static void
meet (NnWorkspace *ws)
{
  if (ws->nt > 1)
    nn_threads_barrier (ws->pool);
}

/* Inference of a batch smaller than the pool (one image, most often): the
 * threads share out each layer, the heavy ones by their output rows or columns
 * (the fused convolutions and the kinds whose ops take parts), the others on
 * thread 0, and meet after each layer. */
static void
forward_parts_job (NnThread *t)
{
  NnWorkspace *ws = t->ws;
  size_t in = slice_size (ws, 0);
  if (t->tid == 0)
    memcpy (ws->out[0], ws->x, ws->n * in * sizeof (float));
  meet (ws);
  for (int i = 1; i <= ws->m->output; i++)
    {
      if (forward_skips (ws, i))
        continue;
      gboolean shared = (ws->fusing && ws->plan->fuse_target[i] >= 0)
                        || nn_layer_ops (ws->m->layers[i].kind)->takes_part;
      if (shared || t->tid == 0)
        forward_layer (ws, t, i, shared ? t->part : NN_WHOLE, NN_PHASE_BOTH);
      meet (ws);
    }
}

const float *
nn_model_forward (NnModel *m, NnWorkspace *ws, const float *x, int n)
{
  g_return_val_if_fail (m != NULL && ws != NULL && x != NULL, NULL);
  g_return_val_if_fail (n >= 1 && n <= ws->max_batch, NULL);
  g_return_val_if_fail (nn_workspace_fits (ws, m), NULL);
  ws->m = m;
  ws->n = n;
  ws->x = x;
  if (ws->mode == NN_MODE_TRAINING)
    ws->step++;
  nn_workspace_prepare_winograd (ws, m);
  if (ws->mode == NN_MODE_INFERENCE && n < m->n_threads
      && nn_kernels_level () != NN_KERNELS_GENERIC)
    nn_workspace_run_parts (ws, forward_parts_job);
  else
    nn_workspace_run (ws, forward_job);
  return ws->out[m->output];
}

/* ---- backward --------------------------------------------------------------- */

static float *
grad_base (NnWorkspace *ws, int layer)
{
  return layer == 0 ? ws->dx : ws->grad[layer];
}

/* Where the output gradient of layer's images on thread t lies: a chunk's own
 * in the thread's area (NnPlan.grad_local), the others at the images' place in
 * the batch. */
static float *
grad_of (NnWorkspace *ws, const NnThread *t, int layer)
{
  if (ws->plan->grad_local[layer])
    return t->grad_local + ws->plan->grad_local_at[layer];
  return grad_base (ws, layer) + t->n0 * slice_size (ws, layer);
}

/* Layer i's backward on thread t's slice, the phase asked of a batch-wide kind. */
static void
backward_layer (NnWorkspace *ws, NnThread *t, int i, NnPhase phase)
{
  const NnLayer *l = &ws->m->layers[i];
  const NnPlan *p = ws->plan;
  if (!ws->up[i] || p->relu_fused[i] || p->pool_fused[i])
    return;
  NnCall c = make_call (ws, t, i);
  c.phase = phase;
  if (p->relu_in_pool[i])
    c.act = NN_ACT_LINEAR; /* the pool did the relu's part */
  if (l->kind == NN_LAYER_MAX_POOL)
    c.dx_relu = p->relu_in_pool[l->inputs[0]];
  int gi = p->relu_of[i] >= 0 ? p->relu_of[i] : i; /* a fused relu's gradient */
  if (p->pool_of[i] >= 0)
    {
      gi = p->pool_of[i]; /* or a fused pool's, with its window cells */
      c.pool_arg = (const guint8 *) (ws->aux[gi] + image_at (ws, t, gi) * p->sizes[gi].aux);
    }
  c.dy = grad_of (ws, t, gi);
  gboolean learns = ws->weight_grads && l->trainable && l->n_vars > 0;
  c.dw = learns ? (t->tid == 0 ? ws->m->grads : t->grads) : NULL;
  int n_tmp = 0;
  gboolean is_tmp[NN_MAX_INPUTS] = { FALSE };
  for (int j = 0; j < l->n_inputs; j++)
    {
      int q = l->inputs[j];
      gboolean repeated = FALSE;
      for (int k = 0; k < j; k++)
        repeated |= l->inputs[k] == q;
      if (!ws->up[q])
        c.dx[j] = NULL;
      else if (ws->writer[q] == i && !repeated)
        c.dx[j] = grad_of (ws, t, q);
      else
        {
          c.dx[j] = t->tmp + (size_t) (n_tmp++) * ws->tmp_floats;
          is_tmp[j] = TRUE;
        }
    }
  double t0 = ws->profile && t->tid == 0 ? thread_seconds () : 0;
  nn_layer_ops (l->kind)->backward (&c);
  if (ws->profile && t->tid == 0)
    ws->profile[ws->n_layers + i] += thread_seconds () - t0;
  /* Fan-out: later consumers' gradients are added to what the first one wrote. */
  for (int j = 0; j < l->n_inputs; j++)
    {
      if (!is_tmp[j])
        continue;
      int q = l->inputs[j];
      float *dst = grad_of (ws, t, q);
      size_t count = t->n * slice_size (ws, q);
      for (size_t k = 0; k < count; k++)
        dst[k] += c.dx[j][k];
    }
}

/* Backward in the stretches of forward_training, from the top: a batch-wide
 * layer gathers over the slice the output gradient that the stretch above it
 * wrote, then the layers down to the next batch-wide one go whole down to the
 * lowest that keeps whole slices, and chunk by chunk below it. */
static void
backward_training (NnWorkspace *ws, NnThread *t)
{
  const NnPlan *p = ws->plan;
  for (int top = ws->m->output, bottom; top >= 1; top = bottom - 1)
    {
      for (bottom = top; bottom > 1 && !batch_wide (ws, bottom - 1); bottom--)
        ;
      int ctop, chunk = nn_plan_stretch_chunks (p, ws->m, bottom, top, &ctop);
      gboolean wide = batch_wide (ws, top);
      if (wide)
        backward_layer (ws, t, top, NN_PHASE_GATHER);
      for (int i = top; i > ctop; i--)
        backward_layer (ws, t, i, i == top && wide ? NN_PHASE_APPLY : NN_PHASE_BOTH);
      for (int g0 = 0; g0 < t->n && chunk > 0; g0 += chunk)
        {
          NnThread sub = chunk_of (t, g0, chunk);
          for (int i = ctop; i >= bottom; i--)
            backward_layer (ws, &sub, i, i == top && wide ? NN_PHASE_APPLY : NN_PHASE_BOTH);
        }
    }
}

static void
backward_job (NnThread *t)
{
  NnWorkspace *ws = t->ws;
  NnModel *m = ws->m;
  if (ws->weight_grads)
    memset (t->tid > 0 ? t->grads : m->grads, 0, ws->n_params * sizeof (float));
  size_t nc = m->n_classes;
  memcpy (ws->grad[m->output] + t->n0 * nc, ws->dlogits + t->n0 * nc, t->n * nc * sizeof (float));
  if (ws->mode == NN_MODE_TRAINING)
    backward_training (ws, t);
  else
    for (int i = m->output; i >= 1; i--)
      backward_layer (ws, t, i, NN_PHASE_BOTH);
}

/* The other threads' weight gradients added to the model's, in thread order, each
 * thread over its range of the parameters. */
static void
sum_grads_job (NnThread *t)
{
  NnWorkspace *ws = t->ws;
  size_t lo, hi;
  nn_workspace_share_range (ws->n_params, t->tid, ws->nt_eff, &lo, &hi);
  float *grads = ws->m->grads;
  for (int u = 1; u < ws->nt_eff; u++)
    {
      const float *g = ws->threads[u].grads;
      for (size_t k = lo; k < hi; k++)
        grads[k] += g[k];
    }
}

void
nn_model_backward_ex (NnModel *m, NnWorkspace *ws, const float *dlogits, int n, float *dx,
                      gboolean weight_grads)
{
  g_return_if_fail (m != NULL && ws != NULL && dlogits != NULL);
  g_return_if_fail (ws->m == m && ws->n == n);
  ws->dlogits = dlogits;
  ws->dx = dx;
  ws->weight_grads = weight_grads;
  nn_plan_backward (ws->plan, m, dx != NULL, weight_grads, ws->up, ws->writer, &ws->n_tmp,
                    &ws->tmp_floats);
  nn_workspace_prepare_backward (ws);
  nn_workspace_run (ws, backward_job);
  if (weight_grads && ws->nt_eff > 1)
    nn_workspace_run (ws, sum_grads_job);
}

void
nn_model_backward (NnModel *m, NnWorkspace *ws, const float *dlogits, int n, float *dx)
{
  nn_model_backward_ex (m, ws, dlogits, n, dx, TRUE);
}

/* ---- inference -------------------------------------------------------------- */

const float *
nn_model_forward_logits (NnModel *m, NnWorkspace *ws, const float *x, int n)
{
  g_return_val_if_fail (m != NULL && ws != NULL && x != NULL, NULL);
  g_return_val_if_fail (ws->mode == NN_MODE_INFERENCE, NULL);
  /* Only the output layer and its inputs are read, so Conv -> BN -> relu may run
   * as one kernel: a fused pass skips the Conv's and the BN's own outputs, never a
   * layer that feeds the output (plan_inference_fusion). */
  ws->fusing = nn_workspace_fits (ws, m) && nn_kernels_level () != NN_KERNELS_GENERIC;
  if (ws->fusing)
    nn_workspace_fuse_coefficients (ws, m);
  const float *logits = nn_model_forward (m, ws, x, n);
  ws->fusing = FALSE;
  return logits;
}

void
nn_model_predict (NnModel *m, NnWorkspace *ws, const float *x, int n, float *probs)
{
  g_return_if_fail (m != NULL && ws != NULL && x != NULL && probs != NULL);
  g_return_if_fail (ws->mode == NN_MODE_INFERENCE);
  size_t in = nn_shape_size (m->layers[0].out_shape);
  for (int i0 = 0; i0 < n; i0 += ws->max_batch)
    {
      int b = MIN (ws->max_batch, n - i0);
      const float *logits = nn_model_forward_logits (m, ws, x + i0 * in, b);
      float *p = probs + (size_t) i0 * m->n_classes;
      if (m->output_softmax)
        nn_softmax_rows (p, logits, b, m->n_classes);
      else
        memcpy (p, logits, (size_t) b * m->n_classes * sizeof (float));
    }
}

gboolean
nn_model_predict_checked (NnModel *m, NnWorkspace *ws, const float *x, int n, float *probs,
                          GError **error)
{
  g_return_val_if_fail (m != NULL && ws != NULL && x != NULL && probs != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  nn_model_predict (m, ws, x, n, probs);
  size_t count = (size_t) n * m->n_classes;
  for (size_t k = 0; k < count; k++)
    if (!isfinite (probs[k]))
      {
        g_set_error (error, NN_ERROR, NN_ERROR_NUMERIC, "the model produced non-finite outputs "
                     "(NaN or infinity) for image %zu of %d (its weights overflow)",
                     k / m->n_classes + 1, n);
        return FALSE;
      }
  return TRUE;
}
