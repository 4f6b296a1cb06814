/* nn-layer-bench: where the time of one forward pass goes, per layer, measured in
 * thread CPU time so that a busy machine disturbs it less than wall time.
 *   nn-layer-bench [cnn|advanced] [batch] [passes] [generic|avx2|avx512] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nn-private.h"
#include "nn-kernels.h"
#include "nn-zoo.h"

static double
cpu_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int
main (int argc, char **argv)
{
  const char *arch = argc > 1 ? argv[1] : "cnn";
  int batch = argc > 2 ? atoi (argv[2]) : 64;
  int passes = argc > 3 ? atoi (argv[3]) : 20;
  if (argc > 4)
    for (int l = 0; l <= NN_KERNELS_AMX; l++)
      if (strcmp (argv[4], nn_kernels_level_name (l)) == 0)
        nn_kernels_set_level (l);
  NnModel *m = nn_zoo_build (arch);
  if (m == NULL || batch < 1 || passes < 1)
    {
      fprintf (stderr, "usage: nn-layer-bench [cnn|advanced] [batch] [passes] [level]\n");
      return 2;
    }
  NnWorkspace *ws = nn_workspace_new (m, batch, NN_MODE_INFERENCE);
  float *x = nn_alloc_floats ((size_t) batch * 784);
  for (int i = 0; i < batch * 784; i++)
    x[i] = (float) ((i * 2654435761u) >> 24) / 255.0f;
  float *probs = nn_alloc_floats ((size_t) batch * m->n_classes);
  nn_model_forward (m, ws, x, batch);
  /* Totals unprofiled (reading the thread clock costs about a microsecond). */
  double t0 = cpu_now ();
  for (int p = 0; p < passes; p++)
    nn_model_forward (m, ws, x, batch);
  double total = cpu_now () - t0;
  t0 = cpu_now ();
  for (int p = 0; p < passes; p++)
    nn_model_predict (m, ws, x, batch, probs);
  double fused = cpu_now () - t0;
  printf ("%s, batch %d, kernels %s: forward %.1f µs of CPU per image (%.0f images/s per core), "
          "predict %.1f µs (%.0f/s)\n", arch, batch, nn_kernels_level_name (nn_kernels_level ()),
          total / passes / batch * 1e6, passes * batch / total, fused / passes / batch * 1e6,
          passes * batch / fused);
  nn_workspace_set_profiling (ws, TRUE);
  t0 = cpu_now ();
  for (int p = 0; p < passes; p++)
    nn_model_forward (m, ws, x, batch);
  total = cpu_now () - t0;
  const double *prof = nn_workspace_profile (ws);
  double *layer_forward = g_new (double, m->n_layers);
  memcpy (layer_forward, prof, m->n_layers * sizeof (double));
  /* The same per layer in predict's fused pass: a fused conv's time covers the
   * BatchNormalization and relu it absorbs (shown as 0). */
  nn_workspace_set_profiling (ws, TRUE);
  t0 = cpu_now ();
  for (int p = 0; p < passes; p++)
    nn_model_predict (m, ws, x, batch, probs);
  fused = cpu_now () - t0;
  prof = nn_workspace_profile (ws);
  printf ("  %-24s %14s %14s\n", "layer", "forward", "predict");
  for (int i = 1; i < m->n_layers; i++)
    printf ("  %-24s %7.2f µs %4.1f%% %7.2f µs %4.1f%%\n", m->layers[i].name,
            layer_forward[i] / passes / batch * 1e6, 100 * layer_forward[i] / total,
            prof[i] / passes / batch * 1e6, 100 * prof[i] / fused);
  g_free (layer_forward);
  nn_workspace_free (ws);

  /* A training step: forward in training mode and backward, as the fit loop does. */
  ws = nn_workspace_new (m, batch, NN_MODE_TRAINING);
  float *dl = nn_alloc_floats ((size_t) batch * m->n_classes);
  for (int i = 0; i < batch * m->n_classes; i++)
    dl[i] = ((i * 7) % 10 - 4.5f) / batch;
  nn_model_forward (m, ws, x, batch);
  nn_model_backward (m, ws, dl, batch, NULL);
  t0 = cpu_now ();
  for (int p = 0; p < passes; p++)
    {
      nn_model_forward (m, ws, x, batch);
      nn_model_backward (m, ws, dl, batch, NULL);
    }
  total = cpu_now () - t0;
  printf ("training step: %.1f µs of CPU per image (%.0f images/s per core)\n",
          total / passes / batch * 1e6, passes * batch / total);
  nn_workspace_set_profiling (ws, TRUE);
  t0 = cpu_now ();
  for (int p = 0; p < passes; p++)
    {
      nn_model_forward (m, ws, x, batch);
      nn_model_backward (m, ws, dl, batch, NULL);
    }
  total = cpu_now () - t0;
  prof = nn_workspace_profile (ws);
  printf ("  %-24s %12s %12s\n", "layer", "forward", "backward");
  for (int i = 1; i < m->n_layers; i++)
    printf ("  %-24s %8.2f µs %8.2f µs %5.1f%%\n", m->layers[i].name,
            prof[i] / passes / batch * 1e6, prof[m->n_layers + i] / passes / batch * 1e6,
            100 * (prof[i] + prof[m->n_layers + i]) / total);
  nn_workspace_free (ws);
  nn_free (dl);
  nn_free (probs);
  nn_free (x);
  nn_model_free (m);
  return 0;
}
