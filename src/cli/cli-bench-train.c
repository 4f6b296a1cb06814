/* digits-cli bench --train: training throughput and its share of the FMA peak.
 *
 * One training step is what the PyTorch peer times: forward in training mode,
 * softmax cross-entropy, backward, Adam update, on batches of MNIST (no
 * augmentation). Repeats are timed separately and the median is reported,
 * because the machine is shared and identical runs move by 10-20%. The peer is
 * measured beside the engine by bench/compare.sh, never taken from a table: a
 * figure from another machine or thread count gives a wrong ratio.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli-common.h"
#include "cli-fma-peak.h"
#include "nn-error.h"
#include "nn-fit.h"
#include "nn-loss.h"
#include "nn-zoo.h"

/* The models measured; without --arch, those the PyTorch peer also has. */
typedef struct {
  const char *arch;
  gboolean peer_has;
} BenchedModel;

static const BenchedModel models[] = {
  { "cnn", TRUE },
  { "advanced", TRUE },
  { "quick", FALSE }, /* the quick recipe's model */
};

/* A training step costs about three forward passes: forward, dX and dW. */
#define TRAIN_FLOPS_PER_FORWARD 3.0

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Images per second of one architecture: median over reps of `batches` steps. */
static double
bench_arch (const char *arch, const NnDataset *ds, int batch, int threads, int batches,
            int reps, double *train_flops)
{
  g_autoptr (NnModel) m = nn_zoo_build (arch);
  *train_flops = TRAIN_FLOPS_PER_FORWARD * nn_model_forward_flops (m);
  nn_model_set_threads (m, threads);
  NnWorkspace *ws = nn_workspace_new (m, batch, NN_MODE_TRAINING);
  NnOptimizerConfig oc = nn_optimizer_config_default (NN_OPTIMIZER_ADAM);
  g_autoptr (NnOptimizer) opt = nn_optimizer_new (&oc, m);
  float *x = nn_alloc_floats ((size_t) batch * NN_IMAGE_PIXELS);
  float *dlogits = nn_alloc_floats ((size_t) batch * m->n_classes);
  guint8 *y = g_new (guint8, batch);
  int *idx = g_new (int, batch);
  double *rates = g_new (double, reps);
  int next = 0;

  for (int r = -1; r < reps; r++) // r = -1 warms caches and the thread pool up
    {
      gint64 t0 = g_get_monotonic_time ();
      int steps = r < 0 ? 3 : batches;
      for (int s = 0; s < steps; s++)
        {
          for (int i = 0; i < batch; i++)
            idx[i] = (next + i) % ds->n;
          next = (next + batch) % ds->n;
          nn_fit_gather (ds, idx, batch, x, y);
          nn_workspace_set_seed (ws, (guint64) s + 1);
          const float *logits = nn_model_forward (m, ws, x, batch);
          nn_loss_sparse_ce (logits, y, batch, m->n_classes, 0.0f, dlogits, NULL);
          nn_model_backward (m, ws, dlogits, batch, NULL);
          nn_optimizer_step (opt, m, ws, 1e-3f);
        }
      if (r >= 0)
        rates[r] = (double) steps * batch / ((g_get_monotonic_time () - t0) / 1e6);
    }
  qsort (rates, reps, sizeof *rates, cmp_double);
  double median = rates[reps / 2];
  g_free (rates);
  g_free (idx);
  g_free (y);
  nn_free (dlogits);
  nn_free (x);
  nn_workspace_free (ws);
  return median;
}

int
cli_bench_train (int argc, char **argv)
{
  int batch = 128, threads = 2, batches = 30, reps = 5;
  char *arch = NULL, *mnist = NULL;
  g_autofree char *batch_text = NULL, *threads_text = NULL, *batches_text = NULL, *reps_text = NULL;
  gboolean train_flag = FALSE;
  GOptionEntry entries[] = {
    { "train", 0, 0, G_OPTION_ARG_NONE, &train_flag, "Training throughput (this benchmark)", NULL },
    { "arch", 'a', 0, G_OPTION_ARG_STRING, &arch, "cnn, advanced or quick (default cnn and advanced)", "NAME" },
    { "batch", 0, 0, G_OPTION_ARG_STRING, &batch_text, "Batch size (default 128)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text, "Threads (default 2)", "N" },
    { "batches", 0, 0, G_OPTION_ARG_STRING, &batches_text, "Timed steps per repeat (default 30)", "N" },
    { "reps", 0, 0, G_OPTION_ARG_STRING, &reps_text, "Repeats, median reported (default 5)", "N" },
    { "mnist", 0, 0, G_OPTION_ARG_FILENAME, &mnist, "MNIST folder (default: $DIGITS_MNIST_DIR, else ~/.local/share/digits/mnist and others)", "DIR" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("--train - training throughput");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error ("bench --train", "%s", error->message);
  struct { const char *option, *text; gint64 max; int *value; } numbers[] = {
    { "--batch", batch_text, 4096, &batch },
    { "--threads", threads_text, 256, &threads },
    { "--batches", batches_text, 100000, &batches },
    { "--reps", reps_text, 1000, &reps },
  };
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      gint64 v;
      int status;
      if (numbers[i].text == NULL)
        continue;
      if (!cli_parse_int ("bench --train", numbers[i].option, numbers[i].text, 1,
                          numbers[i].max, &v, &status))
        return status;
      *numbers[i].value = (int) v;
    }
  g_autofree char *found = cli_find_mnist (mnist);
  if (found == NULL)
    return 1;
  g_autoptr (NnDataset) ds = nn_mnist_load (found, NN_MNIST_TRAIN, &error);
  if (!ds)
    return cli_error_gerror (NULL, error);

  CliFmaPeak peak;
  cli_fma_peak_measure (threads, &peak);
  printf ("Training throughput: batch %d, %d threads, Adam, no augmentation, "
          "median of %d x %d steps\n", batch, threads, reps, batches);
  printf ("Kernels: %s%s\n", nn_kernels_level_name (peak.level),
          peak.level == NN_KERNELS_AMX    ? " (the convolutions multiply in bf16 on AMX tiles)"
          : peak.level == NN_KERNELS_BF16 ? " (the 1 x 1 convolutions multiply in bf16)"
                                          : "");
  printf ("fp32 FMA peak measured here: %.0f GFLOP/s on one core, %.0f on %d threads\n\n",
          peak.one_core, peak.all, peak.threads);
  printf ("%-9s %10s %12s %10s %9s\n", "model", "images/s", "s/60k epoch", "GFLOP/s",
          "of peak");
  int ran = 0;
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      if (arch ? strcmp (arch, models[i].arch) != 0 : !models[i].peer_has)
        continue;
      double flops;
      double ips = bench_arch (models[i].arch, ds, batch, threads, batches, reps, &flops);
      double gflops = ips * flops / 1e9;
      printf ("%-9s %10.0f %12.1f %10.1f %8.0f%%\n", models[i].arch, ips, 60000.0 / ips, gflops,
              100.0 * gflops / peak.all);
      ran++;
      fflush (stdout);
    }
  g_free (arch);
  g_free (mnist);
  if (!ran)
    {
      fprintf (stderr, "digits-cli bench --train: --arch must be cnn, advanced or quick\n");
      return 2;
    }
  printf ("\nGoals: training >= 2x PyTorch and >= 60%% of the FMA peak for both models.\n"
          "GFLOP/s counts a step as three forward passes of the convolutions and Dense\n"
          "layers; \"of peak\" divides it by the peak measured above on %d threads.\n"
          "Winograd 3x3 layers do fewer multiply-adds than that count, and bf16\n"
          "products (AMX tiles, AVX-512 BF16) do more per cycle than the FMA units,\n"
          "so a share above 100%% is possible.\n"
          "NN_KERNELS=avx512 runs the step in fp32 throughout; NN_KERNELS=bf16\n"
          "multiplies the 1x1 convolutions in bf16 where the CPU has AVX-512 BF16.\n"
          "The PyTorch peer runs beside the engine, alternately in the same minutes, in\n"
          "sh bench/compare.sh BUILD_DIR 1 torch, which prints the ratio.\n", peak.threads);
  return 0;
}
