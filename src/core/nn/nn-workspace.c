/* nn-workspace.c: the workspace owns every buffer a pass needs, so no forward
 * or backward call allocates (the gradient buffers are made once, at the first
 * backward, unless a checked workspace made them up front). What to allocate
 * comes from the plan (nn-plan.c); the passes themselves are in nn-pass.c.
 *
 * Threads: the batch is cut into one slice per thread and each thread runs the
 * whole graph on its slice with single-threaded BLAS; for a small GEMM on 2 cores
 * that beats one GEMM on 2 BLAS threads (see bench/). A batch smaller than the
 * pool (one image) is shared out layer by layer instead (nn_workspace_run_parts).
 * The pool is nn-threads.c.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>
#include "nn-workspace.h"
#include "nn-error.h"

static int
pool_threads (const NnModel *m)
{
  return CLAMP (m->n_threads, 1, NN_MAX_THREADS);
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

/* The workspace's plan and per-layer tables: everything but the big buffers. */
static NnWorkspace *
workspace_plan (const NnModel *m, int max_batch, NnMode mode)
{
  NnWorkspace *ws = g_new0 (NnWorkspace, 1);
  int L = m->n_layers;
  ws->plan = nn_plan_new (m, mode, max_batch);
  ws->n_layers = L;
  ws->max_batch = max_batch;
  ws->mode = mode;
  ws->n_params = m->n_params;
  ws->shapes = g_new (NnShape, L);
  ws->out = g_new0 (float *, L);
  ws->z = g_new0 (float *, L);
  ws->aux = g_new0 (float *, L);
  ws->grad = g_new0 (float *, L);
  ws->up = g_new0 (gboolean, L);
  ws->writer = g_new0 (int, L);
  ws->wino_u = g_new0 (float *, L);
  ws->wino_src = g_new0 (float *, L);
  ws->fuse_scale = g_new0 (float *, L);
  ws->fuse_shift = g_new0 (float *, L);
  ws->nt = 1;
  for (int t = 0; t < NN_MAX_THREADS; t++)
    {
      ws->threads[t].ws = ws;
      ws->threads[t].tid = t;
    }
  for (int i = 0; i < L; i++)
    ws->shapes[i] = m->layers[i].out_shape;
  return ws;
}

static void
alloc_grad_block (NnWorkspace *ws)
{
  const NnPlan *p = ws->plan;
  ws->grad_block = ws_floats (ws, MAX (p->grad_floats, 1));
  for (int i = 1; i < ws->n_layers && ws->grad_block; i++)
    ws->grad[i] = p->grad_block[i] >= 0 ? ws->grad_block + p->grad_at[i] : NULL;
}

/* The big buffers. A checked workspace also makes, now, those that a pass would
 * make later on its first backward or with more threads, so that every allocation
 * sized by the model can fail here, as an error. */
static void
workspace_alloc (NnWorkspace *ws, const NnModel *m, gboolean checked)
{
  const NnPlan *p = ws->plan;
  int L = ws->n_layers, max_batch = ws->max_batch;
  for (int i = 0; i < L && !ws->alloc_failed; i++)
    {
      const NnLayer *l = &m->layers[i];
      size_t per = nn_shape_size (l->out_shape);
      if (p->out_of[i] == i && !p->out_local[i])
        ws->out[i] = ws_floats (ws, max_batch * per);
      if (p->needs_z[i])
        ws->z[i] = ws_floats (ws, max_batch * per);
      if (p->sizes[i].aux)
        ws->aux[i] = ws_floats (ws, max_batch * p->sizes[i].aux);
      if (p->fuse_target[i] >= 0)
        {
          ws->fuse_scale[i] = ws_floats (ws, l->out_shape.c);
          ws->fuse_shift[i] = ws_floats (ws, l->out_shape.c);
        }
      if (p->winograd[i])
        {
          ws->wino_u[i] = ws_floats (ws, NN_WINO4_POINTS * l->vars[0].size / 9);
          ws->wino_src[i] = ws_floats (ws, l->vars[0].size);
          if (ws->wino_src[i])
            ws->wino_src[i][0] = NAN; /* never equal: the first pass transforms */
        }
    }
  for (int i = 0; i < L; i++)
    if (p->out_of[i] != i)
      ws->out[i] = ws->out[p->out_of[i]];
  ws->stats = ws_floats (ws, MAX (p->stats_floats, 1));
  int nt = checked ? pool_threads (m) : 1;
  for (int t = 0; t < nt && !ws->alloc_failed; t++)
    {
      ws->threads[t].scratch = ws_floats (ws, MAX (p->scratch_floats, 1));
      if (p->out_local_floats > 0)
        ws->threads[t].out_local = ws_floats (ws, p->out_local_floats);
    }
  if (checked && ws->mode == NN_MODE_TRAINING && !ws->alloc_failed)
    {
      alloc_grad_block (ws);
      for (int t = 1; t < nt && !ws->alloc_failed; t++)
        ws->threads[t].grads = ws_floats (ws, ws->n_params);
      for (int t = 0; t < nt && !ws->alloc_failed && p->grad_local_floats > 0; t++)
        ws->threads[t].grad_local = ws_floats (ws, p->grad_local_floats);
    }
  /* The engine splits batches over its own threads; BLAS threads would only
   * fight them (and spin in sched_yield on a busy machine). */
  openblas_set_num_threads (1);
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
  int want = pool_threads (m);
  if (want == ws->nt)
    return TRUE;
  pool_stop (ws);
  if (want == 1)
    return TRUE;
  /* Each thread calls BLAS on its own slice: BLAS must not start threads of its own. */
  openblas_set_num_threads (1);
  ws->pool = nn_threads_new (want, 2 * ws->n_layers, ws->plan->reduce_len, error);
  if (ws->pool == NULL)
    return FALSE;
  ws->nt = want;
  for (int t = 1; t < want; t++)
    {
      NnThread *th = &ws->threads[t];
      if (th->scratch == NULL)
        th->scratch = nn_alloc_floats (MAX (ws->plan->scratch_floats, 1));
      if (th->out_local == NULL && ws->plan->out_local_floats > 0)
        th->out_local = nn_alloc_floats (ws->plan->out_local_floats);
    }
  return TRUE;
}

/* A pass has no GError to report to (nn_model_forward): threads that cannot be
 * started leave the pass to the caller's thread, which gives the same results,
 * only later. nn_workspace_new_checked has reported it already. */
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

void
nn_workspace_run (NnWorkspace *ws, void (*job) (NnThread *t))
{
  pool_ensure (ws);
  /* A batch smaller than the pool runs on one thread; BN then skips the barrier. */
  ws->nt_eff = ws->n >= ws->nt ? ws->nt : 1;
  for (int t = 0; t < ws->nt_eff; t++)
    {
      ws->threads[t].n0 = (int) ((gint64) ws->n * t / ws->nt_eff);
      ws->threads[t].n = (int) ((gint64) ws->n * (t + 1) / ws->nt_eff) - ws->threads[t].n0;
      ws->threads[t].group_n0 = ws->threads[t].segment_n0 = ws->threads[t].n0;
      ws->threads[t].part = NN_WHOLE;
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
nn_workspace_run_parts (NnWorkspace *ws, void (*job) (NnThread *t))
{
  pool_ensure (ws);
  ws->nt_eff = ws->nt;
  for (int t = 0; t < ws->nt; t++)
    {
      ws->threads[t].n0 = ws->threads[t].group_n0 = ws->threads[t].segment_n0 = 0;
      ws->threads[t].n = ws->n;
      ws->threads[t].part = (NnPart){ t, ws->nt };
    }
  if (ws->nt == 1)
    {
      job (&ws->threads[0]);
      return;
    }
  ws->job = job;
  nn_threads_run (ws->pool, run_job, ws);
}

void
nn_workspace_prepare_backward (NnWorkspace *ws)
{
  /* The pool may grow before the job starts: make the per-thread buffers first. */
  pool_ensure (ws);
  if (ws->grad_block == NULL)
    {
      alloc_grad_block (ws);
      if (ws->grad_block == NULL)
        g_error ("out of memory allocating the gradients of model “%s”", ws->m->name);
    }
  if ((size_t) ws->n_tmp * ws->tmp_floats > ws->tmp_alloc)
    {
      for (int t = 0; t < NN_MAX_THREADS; t++)
        {
          nn_free (ws->threads[t].tmp);
          ws->threads[t].tmp = NULL;
        }
      ws->tmp_alloc = (size_t) ws->n_tmp * ws->tmp_floats;
    }
  for (int t = 0; t < ws->nt; t++)
    {
      NnThread *th = &ws->threads[t];
      if (t > 0 && th->grads == NULL)
        th->grads = nn_alloc_floats (ws->n_params);
      if (ws->tmp_alloc > 0 && th->tmp == NULL)
        th->tmp = nn_alloc_floats (ws->tmp_alloc);
      if (ws->plan->grad_local_floats > 0 && th->grad_local == NULL)
        th->grad_local = nn_alloc_floats (ws->plan->grad_local_floats);
    }
}

/* ---- making and freeing ------------------------------------------------------- */

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
  NnPlan *p = nn_plan_new (m, mode, max_batch);
  double bytes = nn_plan_bytes (p, m, pool_threads (m));
  nn_plan_free (p);
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
  double bytes = nn_plan_bytes (ws->plan, m, pool_threads (m));
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

void
nn_workspace_free (NnWorkspace *ws)
{
  if (ws == NULL)
    return;
  pool_stop (ws);
  for (int i = 0; i < ws->n_layers; i++)
    {
      if (ws->plan->out_of[i] == i)
        nn_free (ws->out[i]);
      nn_free (ws->z[i]);
      nn_free (ws->aux[i]);
      nn_free (ws->fuse_scale[i]);
      nn_free (ws->fuse_shift[i]);
      nn_free (ws->wino_u[i]);
      nn_free (ws->wino_src[i]);
    }
  for (int t = 0; t < NN_MAX_THREADS; t++)
    {
      nn_free (ws->threads[t].scratch);
      nn_free (ws->threads[t].grads);
      nn_free (ws->threads[t].tmp);
      nn_free (ws->threads[t].grad_local);
      nn_free (ws->threads[t].out_local);
    }
  nn_free (ws->grad_block);
  nn_free (ws->stats);
  g_free (ws->wino_u);
  g_free (ws->wino_src);
  g_free (ws->fuse_scale);
  g_free (ws->fuse_shift);
  g_free (ws->shapes);
  g_free (ws->out);
  g_free (ws->z);
  g_free (ws->aux);
  g_free (ws->grad);
  g_free (ws->up);
  g_free (ws->writer);
  g_free (ws->profile);
  nn_plan_free (ws->plan);
  g_free (ws);
}

/* ---- what passes read -------------------------------------------------------- */

gboolean
nn_workspace_fits (const NnWorkspace *ws, const NnModel *m)
{
  if (m->n_layers != ws->n_layers || m->n_params != ws->n_params)
    return FALSE;
  for (int i = 0; i < m->n_layers; i++)
    if (!nn_shape_equal (m->layers[i].out_shape, ws->shapes[i]))
      return FALSE;
  return TRUE;
}

/* The layers whose Winograd kernels a pass redoes, shared out over the threads
 * by blocks of kernels (nn_winograd4_kernel_part): in a two-thread training step
 * the first thread did them alone while the other waited. */
typedef struct {
  NnWorkspace *ws;
  const NnModel *m;
  const int *redo;    /* the layers to redo */
  int n_redo, blocks; /* how many, and their blocks of kernels in all */
} WinogradJob;

static int
winograd_blocks (const NnModel *m, int layer)
{
  const NnVar *v = &m->layers[layer].vars[0];
  return nn_winograd4_kernel_blocks (v->dims[2], v->dims[3]);
}

/* Thread tid's share of the blocks, counted over the layers one after another. */
static void
winograd_job (void *data, int tid, int nt)
{
  const WinogradJob *j = data;
  int lo = (int) ((gint64) j->blocks * tid / nt), hi = (int) ((gint64) j->blocks * (tid + 1) / nt);
  for (int k = 0, first = 0; k < j->n_redo && first < hi; k++)
    {
      int i = j->redo[k], n = winograd_blocks (j->m, i);
      int b0 = MAX (lo - first, 0), b1 = MIN (hi - first, n);
      const NnVar *v = &j->m->layers[i].vars[0];
      if (b0 < b1)
        nn_winograd4_kernel_part (j->ws->wino_u[i], j->m->params + v->offset, v->dims[2],
                                  v->dims[3], b0, b1);
      first += n;
    }
}

/* Redoes the Winograd kernels whose weights changed since the last pass. The
 * model's params_version says whether any did: comparing the kernels themselves
 * read 370 KB of the advanced model per pass, 20 µs of a one-image prediction's
 * 160. Where assertions are on, the kernels are compared all the same, so that a
 * write to the weights that did not call nn_model_params_changed is caught. */
void
nn_workspace_prepare_winograd (NnWorkspace *ws, const NnModel *m)
{
  gboolean on = nn_kernels_level () != NN_KERNELS_GENERIC;
  gboolean same_version = m->params_version != 0 && m->params_version == ws->wino_version;
  ws->wino_on = on;
  if (!on)
    return;
#ifdef NDEBUG
  if (same_version)
    return;
#endif
  int *redo = g_newa (int, m->n_layers);
  WinogradJob job = { .ws = ws, .m = m, .redo = redo };
  for (int i = 1; i < m->n_layers; i++)
    {
      if (ws->wino_u[i] == NULL)
        continue;
      const NnVar *v = &m->layers[i].vars[0];
      const float *w = m->params + v->offset;
      if (memcmp (w, ws->wino_src[i], v->size * sizeof (float)) == 0)
        continue;
      if (same_version)
        g_error ("the weights of layer “%s” of model “%s” changed, but its params_version did "
                 "not: whatever wrote them must call nn_model_params_changed ()",
                 m->layers[i].name, m->name);
      memcpy (ws->wino_src[i], w, v->size * sizeof (float));
      redo[job.n_redo++] = i;
      job.blocks += winograd_blocks (m, i);
    }
  if (job.n_redo > 0)
    nn_workspace_share_out (ws, winograd_job, &job);
  ws->wino_version = m->params_version;
}

/* scale and shift of conv i followed by BN j (inference): y = conv * scale + shift. */
void
nn_workspace_fuse_coefficients (NnWorkspace *ws, const NnModel *m)
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

/* ---- the public accessors ------------------------------------------------------ */

typedef struct {
  NnWorkspaceJob job;
  void *data;
  int nt;
} SharedJob;

static void
shared_job (void *data, int tid)
{
  SharedJob *s = data;
  s->job (s->data, tid, s->nt);
}

void
nn_workspace_share_out (NnWorkspace *ws, NnWorkspaceJob job, void *data)
{
  g_return_if_fail (ws != NULL && job != NULL);
  if (ws->pool == NULL)
    job (data, 0, 1);
  else
    nn_threads_run (ws->pool, shared_job, &(SharedJob){ job, data, ws->nt });
}

void
nn_workspace_share_range (size_t n, int tid, int n_threads, size_t *lo, size_t *hi)
{
  size_t lines = (n + 15) / 16;
  *lo = MIN (lines * tid / n_threads * 16, n);
  *hi = MIN (lines * (tid + 1) / n_threads * 16, n);
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
  return layer > 0 && ws->up[layer] && ws->grad_block && !ws->plan->grad_shared[layer]
         ? ws->grad[layer] : NULL;
}
