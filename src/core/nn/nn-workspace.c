/* nn-workspace.c: running the graph. The workspace owns every buffer a pass
 * needs, so no forward or backward call allocates (the gradient buffers are
 * made once, at the first backward).
 *
 * Threads: the batch is cut into one slice per thread and each thread runs the
 * whole graph on its slice with single-threaded BLAS; for a small GEMM on 2 cores
 * that beats one GEMM on 2 BLAS threads (see bench/). BatchNormalization in
 * training adds its sums over the threads with nn_sync_sum.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include "nn-private.h"
#include "nn-kernels.h"
#include "nn-error.h"

struct _NnWorkspace {
  int n_layers;
  int max_batch;
  NnMode mode;
  size_t n_params;
  NnShape *shapes;     /* out shape per layer, to check the model passed in */
  NnLayerSizes *sizes; /* what each layer asks for (its nn_layer_sizes) */

  /* Per layer, each (max_batch, out shape) or NULL. */
  float **out;         /* outputs; a Flatten/Reshape/identity Dropout shares its input's */
  float **z;           /* pre-activations of gelu/silu layers */
  float **aux;         /* dropout masks, separable depthwise outputs */
  float **grad;        /* d loss / d output, made at the first backward */
  float *grad_block;
  gboolean *grad_shared; /* grad[i] is another layer's too: not kept after the pass */

  /* Training fuses BatchNormalization -> Activation (relu), when the activation
   * is the BN's only consumer: relu_of[j] = k means BN j writes relu (BN) into
   * k's output (which j's shares) and takes k's output gradient in backward;
   * relu_fused[k]: layer k does nothing itself. Saves a pass over the map each
   * way, and a map-sized buffer. */
  int *relu_of;
  gboolean *relu_fused;
  float *stats;        /* BN (mean, invstd) per layer and thread */
  size_t *stats_off;
  int reduce_len;      /* doubles per nn_sync_sum (2 C of the widest BN) */

  size_t scratch_floats;
  size_t tmp_floats;   /* one fan-out gradient buffer */
  int n_tmp;           /* buffers a layer needs at most */
  size_t tmp_alloc;    /* floats allocated per thread */

  /* the threads: the pool (NULL: one thread) and each thread's buffers */
  NnThreads *pool;
  int nt;                       /* threads of the pool, 1 without one */
  NnThread threads[NN_MAX_THREADS];

  /* the current pass */
  NnModel *m;
  int n, nt_eff;
  void (*job) (NnThread *t);
  const float *x;
  const float *dlogits;
  float *dx;
  gboolean weight_grads;
  gboolean *up;        /* the layer's output gradient is needed */
  int *writer;         /* the consumer that writes a producer's gradient first */
  guint64 seed, step;
  double *profile;     /* per layer thread-CPU seconds of thread 0, when profiling */

  /* Inference runs the spatial layers in groups of a few images so that their
   * activations stay in L2; the layers after split_layer run on whole slices,
   * so that Dense reads its weights once per slice. */
  int group;
  int split_layer;
  /* nn_model_predict fuses Conv -> BatchNormalization [-> relu] into one kernel
   * epilogue: fuse_target[i] is where conv i writes (-1: no fusion), skip[j] the
   * layers it covers. */
  gboolean fusing;
  int *fuse_target;
  gboolean *fuse_skip;
  gboolean *fuse_relu;
  float **fuse_scale, **fuse_shift;

  /* Winograd: per eligible layer the transformed kernel (16, C, F) and a copy of
   * the kernel it came from, so that it is redone only when the weights change. */
  float **wino_u, **wino_src;
  gboolean wino_on;

  gboolean alloc_failed; /* a buffer could not be allocated (see ws_floats) */
};

static size_t
slice_size (const NnWorkspace *ws, int layer)
{
  return nn_shape_size (ws->shapes[layer]);
}

static gboolean
layer_aliases_input (const NnLayer *l, NnMode mode)
{
  return l->kind == NN_LAYER_FLATTEN || l->kind == NN_LAYER_RESHAPE
         || (l->kind == NN_LAYER_DROPOUT && nn_layer_sizes (l, 1, mode).aux == 0);
}

static NnActivation
fused_activation (const NnModel *m, int index)
{
  const NnLayer *l = &m->layers[index];
  NnActivation act;
  switch (l->kind)
    {
    case NN_LAYER_CONV2D:
    case NN_LAYER_DEPTHWISE_CONV2D:
    case NN_LAYER_SEPARABLE_CONV2D:
      act = l->cfg.conv.activation;
      break;
    case NN_LAYER_DENSE:
      act = l->cfg.dense.activation;
      break;
    case NN_LAYER_ACTIVATION:
      act = l->cfg.act.activation;
      break;
    default:
      return NN_ACT_LINEAR;
    }
  /* The final softmax is left to nn_model_predict: passes stop at the logits. */
  if (index == m->output && m->output_softmax)
    return NN_ACT_LINEAR;
  return act;
}

static void plan_inference (NnWorkspace *ws, const NnModel *m);
static int count_consumers (const NnModel *m, int p, int *only);

static void
plan_training_fusion (NnWorkspace *ws, const NnModel *m)
{
  int L = m->n_layers;
  ws->relu_of = g_new (int, L);
  ws->relu_fused = g_new0 (gboolean, L);
  for (int j = 0; j < L; j++)
    {
      int k = -1;
      ws->relu_of[j] = -1;
      if (ws->mode != NN_MODE_TRAINING || m->layers[j].kind != NN_LAYER_BATCH_NORM
          || j == m->output || count_consumers (m, j, &k) != 1)
        continue;
      const NnLayer *a = &m->layers[k];
      if (a->kind == NN_LAYER_ACTIVATION && a->cfg.act.activation == NN_ACT_RELU
          && a->n_inputs == 1 && k != m->output && k <= m->output)
        {
          ws->relu_of[j] = k;
          ws->relu_fused[k] = TRUE;
        }
    }
}

/* A buffer of the workspace, whose size comes from the model (and so from a file):
 * on failure NULL, with alloc_failed set for the caller to report. */
static float *
ws_floats (NnWorkspace *ws, size_t n)
{
  float *p = nn_try_alloc_floats (n);
  if (p == NULL)
    ws->alloc_failed = TRUE;
  return p;
}

/* The workspace's per-layer tables and plans: everything but the big buffers. */
static NnWorkspace *
workspace_plan (const NnModel *m, int max_batch, NnMode mode)
{
  NnWorkspace *ws = g_new0 (NnWorkspace, 1);
  int L = m->n_layers;
  ws->n_layers = L;
  ws->max_batch = max_batch;
  ws->mode = mode;
  ws->n_params = m->n_params;
  ws->shapes = g_new (NnShape, L);
  ws->sizes = g_new (NnLayerSizes, L);
  ws->out = g_new0 (float *, L);
  ws->z = g_new0 (float *, L);
  ws->aux = g_new0 (float *, L);
  ws->grad = g_new0 (float *, L);
  ws->stats_off = g_new0 (size_t, L);
  ws->up = g_new0 (gboolean, L);
  ws->writer = g_new0 (int, L);
  ws->wino_u = g_new0 (float *, L);
  ws->wino_src = g_new0 (float *, L);
  ws->reduce_len = 1;
  ws->nt = 1;
  for (int t = 0; t < NN_MAX_THREADS; t++)
    {
      ws->threads[t].ws = ws;
      ws->threads[t].tid = t;
    }
  plan_training_fusion (ws, m);
  for (int i = 0; i < L; i++)
    {
      const NnLayer *l = &m->layers[i];
      ws->shapes[i] = l->out_shape;
      ws->sizes[i] = nn_layer_sizes (l, max_batch, mode);
      ws->scratch_floats = MAX (ws->scratch_floats, ws->sizes[i].scratch);
      ws->reduce_len = MAX (ws->reduce_len, ws->sizes[i].sum);
    }
  plan_inference (ws, m);
  return ws;
}

static int
pool_threads (const NnModel *m)
{
  return CLAMP (m->n_threads, 1, NN_MAX_THREADS);
}

static size_t grad_layout (NnWorkspace *ws, const NnModel *m, int *block, size_t *at);
static gboolean pool_start (NnWorkspace *ws, const NnModel *m, GError **error);

/* What workspace_alloc will allocate, plus the backward buffers of a training pass
 * and the scratch of every thread: in doubles, so that no model overflows it. */
static double
workspace_bytes (NnWorkspace *ws, const NnModel *m)
{
  double b = ws->max_batch, floats = 0, stats = 0;
  int L = ws->n_layers, nt = pool_threads (m);
  for (int i = 0; i < L; i++)
    {
      const NnLayer *l = &m->layers[i];
      double per = (double) nn_shape_size (l->out_shape);
      if (!(i > 0 && layer_aliases_input (l, ws->mode)) && ws->relu_of[i] < 0)
        floats += b * per;
      if (l->kind != NN_LAYER_ACTIVATION && nn_act_needs_z (fused_activation (m, i)))
        floats += b * per;
      floats += b * (double) ws->sizes[i].aux;
      stats += (double) NN_MAX_THREADS * ws->sizes[i].stats;
      if (i > 0 && nn_conv_winograd_eligible (l))
        floats += (16.0 / 9 + 1) * (double) l->vars[0].size;
    }
  floats += stats + (double) ws->scratch_floats * nt;
  floats += 2.0 * L * 2 * NN_MAX_THREADS * ws->reduce_len; /* doubles */
  if (ws->mode == NN_MODE_TRAINING)
    {
      int *block = g_new (int, L);
      size_t *at = g_new (size_t, L);
      floats += (double) grad_layout (ws, m, block, at) + (double) (nt - 1) * m->n_params;
      g_free (block);
      g_free (at);
    }
  return floats * sizeof (float);
}

/* The big buffers. A checked workspace also makes, now, those that a pass would
 * make later on its first backward or with more threads, so that every allocation
 * sized by the model can fail here, as an error. */
static void
workspace_alloc (NnWorkspace *ws, const NnModel *m, gboolean checked)
{
  int L = ws->n_layers, max_batch = ws->max_batch;
  size_t stats = 0;
  for (int i = 0; i < L && !ws->alloc_failed; i++)
    {
      const NnLayer *l = &m->layers[i];
      size_t per = nn_shape_size (l->out_shape);
      if (i > 0 && layer_aliases_input (l, ws->mode))
        ws->out[i] = ws->out[l->inputs[0]];
      else if (ws->relu_of[i] < 0)
        ws->out[i] = ws_floats (ws, max_batch * per);
      if (l->kind != NN_LAYER_ACTIVATION && nn_act_needs_z (fused_activation (m, i)))
        ws->z[i] = ws_floats (ws, max_batch * per);
      size_t aux = ws->sizes[i].aux;
      if (aux)
        ws->aux[i] = ws_floats (ws, max_batch * aux);
      ws->stats_off[i] = stats;
      stats += (size_t) NN_MAX_THREADS * ws->sizes[i].stats;
    }
  for (int j = 0; j < L; j++)
    if (ws->relu_of[j] >= 0)
      ws->out[j] = ws->out[ws->relu_of[j]];
  ws->stats = ws_floats (ws, MAX (stats, 1));
  for (int i = 1; i < L && !ws->alloc_failed; i++)
    if (nn_conv_winograd_eligible (&m->layers[i]))
      {
        ws->wino_u[i] = ws_floats (ws, 16 * m->layers[i].vars[0].size / 9);
        ws->wino_src[i] = ws_floats (ws, m->layers[i].vars[0].size);
        if (ws->wino_src[i])
          ws->wino_src[i][0] = NAN; /* never equal: the first pass transforms */
      }
  int nt = checked ? pool_threads (m) : 1;
  for (int t = 0; t < nt && !ws->alloc_failed; t++)
    ws->threads[t].scratch = ws_floats (ws, MAX (ws->scratch_floats, 1));
  if (checked && ws->mode == NN_MODE_TRAINING && !ws->alloc_failed)
    {
      int *block = g_new (int, L);
      size_t *at = g_new (size_t, L);
      size_t total = grad_layout (ws, m, block, at);
      ws->grad_block = ws_floats (ws, MAX (total, 1));
      ws->grad_shared = g_new0 (gboolean, L);
      for (int i = 1; i < L && ws->grad_block; i++)
        {
          ws->grad[i] = block[i] >= 0 ? ws->grad_block + at[block[i]] : NULL;
          for (int j = 1; j < L; j++)
            ws->grad_shared[i] |= j != i && block[i] >= 0 && block[j] == block[i];
        }
      for (int t = 1; t < nt && !ws->alloc_failed; t++)
        ws->threads[t].grads = ws_floats (ws, ws->n_params);
      g_free (block);
      g_free (at);
    }
  /* The engine splits batches over its own threads; BLAS threads would only
   * fight them (and spin in sched_yield on a busy machine). */
  openblas_set_num_threads (1);
}

NnWorkspace *
nn_workspace_new (const NnModel *m, int max_batch, NnMode mode)
{
  g_return_val_if_fail (m != NULL && m->params != NULL, NULL);
  g_return_val_if_fail (max_batch >= 1, NULL);
  NnWorkspace *ws = workspace_plan (m, max_batch, mode);
  workspace_alloc (ws, m, FALSE);
  if (ws->alloc_failed)
    g_error ("out of memory making a workspace for model “%s” (use "
             "nn_workspace_new_checked for models from files)", m->name);
  return ws;
}

guint64
nn_workspace_estimate_bytes (const NnModel *m, int max_batch, NnMode mode)
{
  g_return_val_if_fail (m != NULL && m->params != NULL, 0);
  g_return_val_if_fail (max_batch >= 1, 0);
  NnWorkspace *ws = workspace_plan (m, max_batch, mode);
  double bytes = workspace_bytes (ws, m);
  nn_workspace_free (ws);
  return bytes >= 0x1p63 ? G_MAXUINT64 : (guint64) bytes;
}

NnWorkspace *
nn_workspace_new_up_to (const NnModel *m, int max_batch, NnMode mode, GError **error)
{
  g_return_val_if_fail (m != NULL && m->params != NULL, NULL);
  g_return_val_if_fail (max_batch >= 1, NULL);
  int b = max_batch;
  while (b > 1 && nn_workspace_estimate_bytes (m, b, mode) > NN_WORKSPACE_MAX_BYTES)
    b = (b + 1) / 2;
  return nn_workspace_new_checked (m, b, mode, error);
}

NnWorkspace *
nn_workspace_new_checked (const NnModel *m, int max_batch, NnMode mode, GError **error)
{
  g_return_val_if_fail (m != NULL && m->params != NULL, NULL);
  g_return_val_if_fail (max_batch >= 1, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  NnWorkspace *ws = workspace_plan (m, max_batch, mode);
  double bytes = workspace_bytes (ws, m);
  if (bytes <= NN_WORKSPACE_MAX_BYTES)
    workspace_alloc (ws, m, TRUE);
  if (bytes <= NN_WORKSPACE_MAX_BYTES && !ws->alloc_failed)
    {
      /* The threads too, so that one that cannot start is an error here. */
      if (pool_start (ws, m, error))
        return ws;
      nn_workspace_free (ws);
      return NULL;
    }
  nn_workspace_free (ws);
  g_autofree char *need = g_format_size_full (bytes >= 0x1p63 ? G_MAXUINT64 : (guint64) bytes,
                                                G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *limit = g_format_size_full (NN_WORKSPACE_MAX_BYTES, G_FORMAT_SIZE_IEC_UNITS);
  const char *what = mode == NN_MODE_TRAINING ? "training" : "inference";
  if (bytes > NN_WORKSPACE_MAX_BYTES)
    g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "model “%s” needs %s of activations "
                 "for %s on a batch of %d; the limit is %s", m->name ? m->name : "?", need,
                 what, max_batch, limit);
  else
    g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "model “%s” needs %s of activations "
                 "for %s on a batch of %d, and there is not that much memory",
                 m->name ? m->name : "?", need, what, max_batch);
  return NULL;
}

/* Layers up to split_layer keep a grid; per image they need `bytes`; groups of
 * images fill about half of a 1 MB L2. */
static void
plan_groups (NnWorkspace *ws, const NnModel *m)
{
  size_t bytes = 0;
  ws->split_layer = 0;
  for (int i = 1; i < m->n_layers; i++)
    if (m->layers[i].in_shape.h * m->layers[i].in_shape.w > 1)
      {
        ws->split_layer = i;
        bytes += nn_shape_size (m->layers[i].out_shape) * sizeof (float);
      }
  ws->group = (int) CLAMP ((512 * 1024) / MAX (bytes, 1), 1, 16);
}

static int
count_consumers (const NnModel *m, int p, int *only)
{
  int n = 0;
  for (int i = p + 1; i < m->n_layers; i++)
    for (int j = 0; j < m->layers[i].n_inputs; j++)
      if (m->layers[i].inputs[j] == p)
        {
          n++;
          *only = i;
        }
  return n;
}

static void
plan_inference (NnWorkspace *ws, const NnModel *m)
{
  int L = m->n_layers;
  plan_groups (ws, m);
  ws->fuse_target = g_new (int, L);
  ws->fuse_skip = g_new0 (gboolean, L);
  ws->fuse_relu = g_new0 (gboolean, L);
  ws->fuse_scale = g_new0 (float *, L);
  ws->fuse_shift = g_new0 (float *, L);
  for (int i = 0; i < L; i++)
    ws->fuse_target[i] = -1;
  if (ws->mode != NN_MODE_INFERENCE)
    return;
  for (int i = 1; i < L; i++)
    {
      const NnLayer *l = &m->layers[i];
      int j = -1, k = -1;
      if ((l->kind != NN_LAYER_CONV2D && l->kind != NN_LAYER_DEPTHWISE_CONV2D)
          || l->cfg.conv.activation != NN_ACT_LINEAR || l->out_shape.c % 16 != 0
          || (l->kind == NN_LAYER_DEPTHWISE_CONV2D && l->cfg.conv.depth_multiplier != 1)
          || count_consumers (m, i, &j) != 1 || m->layers[j].kind != NN_LAYER_BATCH_NORM
          || j == m->output)
        continue;
      ws->fuse_target[i] = j;
      ws->fuse_skip[j] = TRUE;
      if (count_consumers (m, j, &k) == 1 && m->layers[k].kind == NN_LAYER_ACTIVATION
          && m->layers[k].cfg.act.activation == NN_ACT_RELU && k != m->output)
        {
          ws->fuse_target[i] = k;
          ws->fuse_skip[k] = TRUE;
          ws->fuse_relu[i] = TRUE;
        }
      ws->fuse_scale[i] = nn_alloc_floats (l->out_shape.c);
      ws->fuse_shift[i] = nn_alloc_floats (l->out_shape.c);
    }
}

/* scale and shift of conv i followed by BN j (inference): y = conv * scale + shift. */
static void
fuse_coefficients (NnWorkspace *ws, const NnModel *m)
{
  for (int i = 1; i < m->n_layers; i++)
    {
      if (ws->fuse_scale[i] == NULL)
        continue;
      const NnLayer *l = &m->layers[i], *bn = NULL;
      for (int j = i + 1; j < m->n_layers && !bn; j++)
        if (m->layers[j].kind == NN_LAYER_BATCH_NORM && m->layers[j].inputs[0] == i)
          bn = &m->layers[j];
      int v = 0, F = l->out_shape.c;
      const float *gamma = bn->cfg.bn.scale ? m->params + bn->vars[v++].offset : NULL;
      const float *beta = bn->cfg.bn.center ? m->params + bn->vars[v++].offset : NULL;
      const float *mean = m->params + bn->vars[v].offset, *var = m->params + bn->vars[v + 1].offset;
      const float *bias = l->cfg.conv.use_bias ? m->params + l->vars[1].offset : NULL;
      for (int f = 0; f < F; f++)
        {
          float a = (gamma ? gamma[f] : 1.0f) / sqrtf (var[f] + bn->cfg.bn.epsilon);
          ws->fuse_scale[i][f] = a;
          ws->fuse_shift[i][f] = ((bias ? bias[f] : 0.0f) - mean[f]) * a + (beta ? beta[f] : 0.0f);
        }
    }
}

/* ---- the threads ------------------------------------------------------------ */

static void
pool_stop (NnWorkspace *ws)
{
  nn_threads_free (ws->pool);
  ws->pool = NULL;
  ws->nt = 1;
}

/* The pool the model asks for (m->n_threads), started if it is not there yet. */
static gboolean
pool_start (NnWorkspace *ws, const NnModel *m, GError **error)
{
  int want = CLAMP (m->n_threads, 1, NN_MAX_THREADS);
  if (want == ws->nt)
    return TRUE;
  pool_stop (ws);
  if (want == 1)
    return TRUE;
  /* Each thread calls BLAS on its own slice: BLAS must not start threads of its own. */
  openblas_set_num_threads (1);
  ws->pool = nn_threads_new (want, 2 * ws->n_layers, ws->reduce_len, error);
  if (ws->pool == NULL)
    return FALSE;
  ws->nt = want;
  for (int t = 1; t < want; t++)
    if (ws->threads[t].scratch == NULL)
      ws->threads[t].scratch = nn_alloc_floats (MAX (ws->scratch_floats, 1));
  return TRUE;
}

/* A pass started without a GError to report to (nn_model_forward): threads that
 * cannot be started leave the pass to the caller's thread, which gives the
 * same results, only later. */
static void
pool_ensure (NnWorkspace *ws)
{
  if (!pool_start (ws, ws->m, NULL))
    ws->nt = 1;
}

static void
run_job (void *data, int tid)
{
  NnWorkspace *ws = data;
  ws->job (&ws->threads[tid]);
}

static void
pool_run (NnWorkspace *ws, void (*job) (NnThread *t))
{
  pool_ensure (ws);
  /* A batch smaller than the pool runs on one thread; BN then skips the barrier. */
  ws->nt_eff = ws->n >= ws->nt ? ws->nt : 1;
  for (int t = 0; t < ws->nt_eff; t++)
    {
      ws->threads[t].n0 = (int) ((gint64) ws->n * t / ws->nt_eff);
      ws->threads[t].n = (int) ((gint64) ws->n * (t + 1) / ws->nt_eff) - ws->threads[t].n0;
    }
  if (ws->nt_eff == 1)
    {
      job (&ws->threads[0]);
      return;
    }
  ws->job = job;
  nn_threads_run (ws->pool, run_job, ws);
}

void
nn_workspace_free (NnWorkspace *ws)
{
  if (ws == NULL)
    return;
  pool_stop (ws);
  for (int i = 0; i < ws->n_layers; i++)
    {
      gboolean shared = FALSE;
      for (int j = 0; j < i; j++)
        shared |= ws->out[j] == ws->out[i];
      if (!shared)
        nn_free (ws->out[i]);
      nn_free (ws->z[i]);
      nn_free (ws->aux[i]);
      nn_free (ws->fuse_scale[i]);
      nn_free (ws->fuse_shift[i]);
    }
  for (int i = 0; i < ws->n_layers; i++)
    {
      nn_free (ws->wino_u[i]);
      nn_free (ws->wino_src[i]);
    }
  g_free (ws->wino_u);
  g_free (ws->wino_src);
  g_free (ws->fuse_target);
  g_free (ws->relu_of);
  g_free (ws->relu_fused);
  g_free (ws->fuse_skip);
  g_free (ws->fuse_relu);
  g_free (ws->fuse_scale);
  g_free (ws->fuse_shift);
  nn_free (ws->grad_block);
  g_free (ws->grad_shared);
  for (int t = 0; t < NN_MAX_THREADS; t++)
    {
      nn_free (ws->threads[t].scratch);
      nn_free (ws->threads[t].grads);
      nn_free (ws->threads[t].tmp);
    }
  nn_free (ws->stats);
  g_free (ws->shapes);
  g_free (ws->sizes);
  g_free (ws->out);
  g_free (ws->z);
  g_free (ws->aux);
  g_free (ws->grad);
  g_free (ws->stats_off);
  g_free (ws->up);
  g_free (ws->writer);
  g_free (ws->profile);
  g_free (ws);
}

int
nn_workspace_max_batch (const NnWorkspace *ws)
{
  g_return_val_if_fail (ws != NULL, 0);
  return ws->max_batch;
}

void
nn_workspace_set_seed (NnWorkspace *ws, guint64 seed)
{
  g_return_if_fail (ws != NULL);
  ws->seed = seed;
  ws->step = 0;
}

static guint64
dropout_key (const NnWorkspace *ws, int layer)
{
  guint64 s = ws->seed ^ (ws->step * 0x9e3779b97f4a7c15ull) ^ ((guint64) layer << 48);
  return nn_rng_next (&s);
}

/* Redoes the Winograd kernels whose weights changed since the last pass: a
 * memcmp over the kernels costs far less than transforming them every time. */
static void
prepare_winograd (NnWorkspace *ws, const NnModel *m)
{
  gboolean on = nn_kernels_level () != NN_KERNELS_GENERIC;
  ws->wino_on = on;
  if (!on)
    return;
  for (int i = 1; i < m->n_layers; i++)
    {
      if (ws->wino_u[i] == NULL)
        continue;
      const NnVar *v = &m->layers[i].vars[0];
      const float *w = m->params + v->offset;
      if (memcmp (w, ws->wino_src[i], v->size * sizeof (float)) == 0)
        continue;
      memcpy (ws->wino_src[i], w, v->size * sizeof (float));
      nn_winograd_kernel (ws->wino_u[i], w, v->dims[2], v->dims[3]);
    }
}


const float *
nn_workspace_layer_output (const NnWorkspace *ws, int layer)
{
  g_return_val_if_fail (ws != NULL && layer >= 0 && layer < ws->n_layers, NULL);
  return ws->out[layer];
}

const float *
nn_workspace_layer_grad (const NnWorkspace *ws, int layer)
{
  g_return_val_if_fail (ws != NULL && layer >= 0 && layer < ws->n_layers, NULL);
  return layer > 0 && ws->up[layer] && !(ws->grad_shared && ws->grad_shared[layer])
         ? ws->grad[layer] : NULL;
}

/* ---- forward ---------------------------------------------------------------- */

static NnCall
make_call (NnWorkspace *ws, NnThread *t, int i)
{
  NnModel *m = ws->m;
  const NnLayer *l = &m->layers[i];
  size_t per = slice_size (ws, i);
  NnCall c = {
    .m = m, .pool = ws->nt_eff > 1 ? ws->pool : NULL, .t = t, .l = l, .index = i, .n = t->n, .n_total = ws->n,
    .act = fused_activation (m, i),
    .y = ws->out[i] + t->n0 * per,
    .z = ws->z[i] ? ws->z[i] + t->n0 * per : NULL,
    .aux = ws->aux[i] ? ws->aux[i] + t->n0 * ws->sizes[i].aux : NULL,
    .stats = ws->sizes[i].stats ? ws->stats + ws->stats_off[i] + t->tid * ws->sizes[i].stats
                                : NULL,
  };
  /* Keras runs a frozen BatchNormalization in inference mode even while training. */
  c.training = ws->mode == NN_MODE_TRAINING
               && (l->kind != NN_LAYER_BATCH_NORM || l->trainable);
  if (ws->relu_of[i] >= 0)
    c.act = NN_ACT_RELU;
  if (ws->wino_on)
    c.wino_u = ws->wino_u[i];
  if (l->kind == NN_LAYER_DROPOUT)
    c.dropout_key = dropout_key (ws, i);
  for (int j = 0; j < l->n_inputs; j++)
    c.x[j] = ws->out[l->inputs[j]] + t->n0 * slice_size (ws, l->inputs[j]);
  return c;
}

static double
thread_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void
nn_workspace_set_profiling (NnWorkspace *ws, gboolean on)
{
  g_free (ws->profile);
  ws->profile = on ? g_new0 (double, 2 * ws->n_layers) : NULL;
}

const double *
nn_workspace_profile (const NnWorkspace *ws)
{
  return ws->profile;
}

static void
forward_layers (NnWorkspace *ws, NnThread *t, int from, int to)
{
  gboolean prof = ws->profile && t->tid == 0;
  for (int i = from; i <= to; i++)
    {
      if ((ws->fusing && ws->fuse_skip[i]) || ws->relu_fused[i])
        continue;
      double t0 = prof ? thread_seconds () : 0;
      NnCall c = make_call (ws, t, i);
      int target = ws->fusing ? ws->fuse_target[i] : -1;
      if (target >= 0)
        {
          float *y = ws->out[target] + t->n0 * slice_size (ws, target);
          if (c.l->kind == NN_LAYER_CONV2D)
            nn_conv_direct (&c, y, ws->fuse_scale[i], ws->fuse_shift[i], ws->fuse_relu[i]);
          else
            nn_depthwise_direct (&c, y, ws->fuse_scale[i], ws->fuse_shift[i], ws->fuse_relu[i]);
        }
      else
        nn_layer_ops (c.l->kind)->forward (&c);
      if (prof)
        ws->profile[i] += thread_seconds () - t0;
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
      /* BatchNormalization needs the whole batch at once. */
      forward_layers (ws, t, 1, last);
      return;
    }
  int split = MIN (ws->split_layer, last);
  for (int g0 = 0; g0 < t->n; g0 += ws->group)
    {
      NnThread sub = *t;
      sub.n0 = t->n0 + g0;
      sub.n = MIN (ws->group, t->n - g0);
      forward_layers (ws, &sub, 1, split);
    }
  forward_layers (ws, t, split + 1, last);
}

static gboolean
check_model (const NnModel *m, const NnWorkspace *ws)
{
  if (m->n_layers != ws->n_layers || m->n_params != ws->n_params)
    return FALSE;
  for (int i = 0; i < m->n_layers; i++)
    if (!nn_shape_equal (m->layers[i].out_shape, ws->shapes[i]))
      return FALSE;
  return TRUE;
}

const float *
nn_model_forward (NnModel *m, NnWorkspace *ws, const float *x, int n)
{
  g_return_val_if_fail (m != NULL && ws != NULL && x != NULL, NULL);
  g_return_val_if_fail (n >= 1 && n <= ws->max_batch, NULL);
  g_return_val_if_fail (check_model (m, ws), NULL);
  ws->m = m;
  ws->n = n;
  ws->x = x;
  if (ws->mode == NN_MODE_TRAINING)
    ws->step++;
  prepare_winograd (ws, m);
  pool_run (ws, forward_job);
  return ws->out[m->output];
}

/* ---- backward --------------------------------------------------------------- */

static float *
grad_base (NnWorkspace *ws, int layer)
{
  return layer == 0 ? ws->dx : ws->grad[layer];
}

static void
backward_job (NnThread *t)
{
  NnWorkspace *ws = t->ws;
  NnModel *m = ws->m;
  if (t->tid > 0 && ws->weight_grads)
    memset (t->grads, 0, ws->n_params * sizeof (float));
  size_t nc = m->n_classes;
  memcpy (ws->grad[m->output] + t->n0 * nc, ws->dlogits + t->n0 * nc, t->n * nc * sizeof (float));
  for (int i = m->output; i >= 1; i--)
    {
      const NnLayer *l = &m->layers[i];
      if (!ws->up[i] || ws->relu_fused[i])
        continue;
      NnCall c = make_call (ws, t, i);
      int gi = ws->relu_of[i] >= 0 ? ws->relu_of[i] : i; /* a fused relu's gradient */
      c.dy = ws->grad[gi] + t->n0 * slice_size (ws, i);
      gboolean learns = ws->weight_grads && l->trainable && l->n_vars > 0;
      c.dw = learns ? (t->tid == 0 ? m->grads : t->grads) : NULL;
      int n_tmp = 0;
      gboolean is_tmp[NN_MAX_INPUTS] = { FALSE };
      for (int j = 0; j < l->n_inputs; j++)
        {
          int p = l->inputs[j];
          gboolean repeated = FALSE;
          for (int k = 0; k < j; k++)
            repeated |= l->inputs[k] == p;
          if (!ws->up[p])
            c.dx[j] = NULL;
          else if (ws->writer[p] == i && !repeated)
            c.dx[j] = grad_base (ws, p) + t->n0 * slice_size (ws, p);
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
          int p = l->inputs[j];
          float *dst = grad_base (ws, p) + t->n0 * slice_size (ws, p);
          size_t count = t->n * slice_size (ws, p);
          for (size_t k = 0; k < count; k++)
            dst[k] += c.dx[j][k];
        }
    }
}

/* up[i]: some variable at or before layer i, or the input (when dx is wanted),
 * needs the gradient of layer i's output. writer[p]: the last consumer of p that
 * passes a gradient to it; it runs first in backward and overwrites. */
static void
plan_backward (NnWorkspace *ws, gboolean want_dx)
{
  NnModel *m = ws->m;
  gboolean *reach = g_newa (gboolean, m->n_layers);
  memset (reach, 0, m->n_layers * sizeof (gboolean));
  reach[m->output] = TRUE;
  for (int i = m->output; i >= 1; i--)
    if (reach[i])
      for (int j = 0; j < m->layers[i].n_inputs; j++)
        reach[m->layers[i].inputs[j]] = TRUE;
  int max_inputs_tmp = 0;
  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *l = &m->layers[i];
      gboolean learns = FALSE;
      for (int v = 0; v < l->n_vars; v++)
        learns |= l->vars[v].trainable;
      learns &= l->trainable && ws->weight_grads;
      ws->up[i] = i == 0 ? want_dx : learns;
      for (int j = 0; j < l->n_inputs; j++)
        ws->up[i] |= ws->up[l->inputs[j]];
      ws->up[i] &= reach[i];
      ws->writer[i] = -1;
    }
  /* The fan-out needs one scratch buffer per extra edge of a layer. */
  ws->tmp_floats = 0;
  for (int i = m->output; i >= 1; i--)
    {
      const NnLayer *l = &m->layers[i];
      if (!ws->up[i])
        continue;
      int extra = 0;
      for (int j = 0; j < l->n_inputs; j++)
        {
          int p = l->inputs[j];
          if (!ws->up[p])
            continue;
          gboolean repeated = FALSE;
          for (int k = 0; k < j; k++)
            repeated |= l->inputs[k] == p;
          if (ws->writer[p] == -1)
            ws->writer[p] = i;
          else
            repeated = TRUE;
          if (repeated)
            {
              extra++;
              ws->tmp_floats = MAX (ws->tmp_floats, ws->max_batch * slice_size (ws, p));
            }
        }
      max_inputs_tmp = MAX (max_inputs_tmp, extra);
    }
  ws->n_tmp = max_inputs_tmp;
  if ((size_t) ws->n_tmp * ws->tmp_floats > ws->tmp_alloc)
    {
      for (int t = 0; t < NN_MAX_THREADS; t++)
        {
          nn_free (ws->threads[t].tmp);
          ws->threads[t].tmp = NULL;
        }
      ws->tmp_alloc = (size_t) ws->n_tmp * ws->tmp_floats;
    }
}

/* Training shares the output-gradient buffers between layers whose gradients are
 * never live at the same time: a chain needs two or three buffers per map size
 * instead of one per layer (the advanced model at batch 128, 2 threads: the
 * backward buffers went from 157 to 56 MB resident).
 * grad[p] is live from the backward step of its last consumer (which writes it
 * first) down to p's own step. Only layers of the same per-image size share, so
 * that every thread's slice lies at the same place in both layers and a fast
 * thread never writes into a slower thread's slice. Inference keeps one buffer
 * per layer: Grad-CAM reads a layer's gradient after the pass. */
static void
plan_grad_sharing (NnWorkspace *ws, const NnModel *m, int *block, int *n_blocks)
{
  int L = ws->n_layers;
  int *last = g_newa (int, L), *end = g_newa (int, L), *order = g_newa (int, L);
  int *block_end = g_newa (int, L), *block_size = g_newa (int, L);
  int n = 0, nb = 0;
  for (int p = 1; p < L; p++)
    {
      block[p] = -1;
      last[p] = p == m->output ? L : -1;
      end[p] = p;
      for (int i = p + 1; i <= m->output; i++)
        for (int j = 0; j < m->layers[i].n_inputs; j++)
          if (m->layers[i].inputs[j] == p)
            last[p] = MAX (last[p], i);
    }
  for (int p = 1; p < L; p++)
    if (ws->relu_of[p] >= 0)
      {
        end[ws->relu_of[p]] = p; /* read by the BN that does the relu */
        last[p] = -1;            /* never written */
      }
  for (int p = 1; p < L; p++)
    if (last[p] > 0 && p <= m->output)
      order[n++] = p;
  /* by start of life, latest (first in backward) first */
  for (int a = 1; a < n; a++)
    for (int b = a; b > 0 && last[order[b]] > last[order[b - 1]]; b--)
      {
        int t = order[b];
        order[b] = order[b - 1];
        order[b - 1] = t;
      }
  for (int k = 0; k < n; k++)
    {
      int p = order[k];
      /* a block whose last owner's life ended before p's begins */
      for (int b = 0; b < nb && block[p] < 0; b++)
        if (block_end[b] > last[p] && block_size[b] == (int) slice_size (ws, p))
          block[p] = b;
      if (block[p] < 0)
        {
          block[p] = nb++;
          block_size[block[p]] = (int) slice_size (ws, p);
        }
      block_end[block[p]] = end[p];
    }
  *n_blocks = nb;
}

/* Where each layer's output gradient lies in one block (block[i] = -1: none);
 * returns the block's size in floats. */
static size_t
grad_layout (NnWorkspace *ws, const NnModel *m, int *block, size_t *at)
{
  int L = ws->n_layers, nb = 0;
  if (ws->mode == NN_MODE_TRAINING)
    plan_grad_sharing (ws, m, block, &nb);
  else
    for (int i = 1; i < L; i++)
      block[i] = nb++;
  size_t total = 0;
  for (int b = 0; b < nb; b++)
    for (int i = 1; i < L; i++)
      if (block[i] == b)
        {
          at[b] = total;
          total += (size_t) ws->max_batch * slice_size (ws, i);
          break;
        }
  return total;
}

static void
alloc_backward_buffers (NnWorkspace *ws)
{
  if (ws->grad_block == NULL)
    {
      int L = ws->n_layers;
      int *block = g_newa (int, L);
      size_t *at = g_newa (size_t, L);
      size_t total = grad_layout (ws, ws->m, block, at);
      ws->grad_block = nn_alloc_floats (MAX (total, 1));
      ws->grad_shared = g_new0 (gboolean, L);
      for (int i = 1; i < L; i++)
        {
          ws->grad[i] = block[i] >= 0 ? ws->grad_block + at[block[i]] : NULL;
          for (int j = 1; j < L; j++)
            ws->grad_shared[i] |= j != i && block[i] >= 0 && block[j] == block[i];
        }
    }
  for (int t = 0; t < ws->nt; t++)
    {
      NnThread *th = &ws->threads[t];
      if (t > 0 && th->grads == NULL)
        th->grads = nn_alloc_floats (ws->n_params);
      if (ws->tmp_alloc > 0 && th->tmp == NULL)
        th->tmp = nn_alloc_floats (ws->tmp_alloc);
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
  plan_backward (ws, dx != NULL);
  /* The pool may grow before the job starts: make the per-thread buffers first. */
  pool_ensure (ws);
  alloc_backward_buffers (ws);
  if (weight_grads)
    memset (m->grads, 0, m->n_params * sizeof (float));
  pool_run (ws, backward_job);
  if (weight_grads)
    for (int t = 1; t < ws->nt_eff; t++)
      {
        const float *g = ws->threads[t].grads;
        for (size_t k = 0; k < m->n_params; k++)
          m->grads[k] += g[k];
      }
}

void
nn_model_backward (NnModel *m, NnWorkspace *ws, const float *dlogits, int n, float *dx)
{
  nn_model_backward_ex (m, ws, dlogits, n, dx, TRUE);
}

/* ---- inference -------------------------------------------------------------- */

void
nn_model_predict (NnModel *m, NnWorkspace *ws, const float *x, int n, float *probs)
{
  g_return_if_fail (m != NULL && ws != NULL && x != NULL && probs != NULL);
  g_return_if_fail (ws->mode == NN_MODE_INFERENCE);
  size_t in = nn_shape_size (m->layers[0].out_shape);
  /* Only the logits are kept here, so Conv -> BN -> relu may run as one kernel. */
  ws->fusing = check_model (m, ws) && nn_kernels_level () != NN_KERNELS_GENERIC;
  if (ws->fusing)
    fuse_coefficients (ws, m);
  for (int i0 = 0; i0 < n; i0 += ws->max_batch)
    {
      int b = MIN (ws->max_batch, n - i0);
      const float *logits = nn_model_forward (m, ws, x + i0 * in, b);
      float *p = probs + (size_t) i0 * m->n_classes;
      if (m->output_softmax)
        nn_softmax_rows (p, logits, b, m->n_classes);
      else
        memcpy (p, logits, (size_t) b * m->n_classes * sizeof (float));
    }
  ws->fusing = FALSE;
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
