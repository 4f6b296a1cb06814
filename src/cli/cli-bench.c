/* digits-cli bench: inference throughput and latency beside the PyTorch peer.
 *
 * Throughput: nn_model_predict on the 10,000 MNIST test images in batches (the
 * peer uses 256), median over repeats. Latency: one image at a time through
 * nn_model_forward plus the softmax, median and 95th percentile over many images.
 * The models are models/mnist_{cnn,advanced}.keras when present, else the zoo
 * architectures with seeded random weights (the speed is the same).
 * "bench --train" is the training benchmark, in cli-bench-train.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "cli-common.h"
#include "nn-dataset.h"
#include "nn-keras.h"
#include "nn-keras-isolated.h"
#include "nn-zoo.h"

/* ../shared/bench/README.md: PyTorch 1.13 on this machine, best configuration. */
typedef struct {
  const char *arch;
  const char *file;
  double peer_img_s;   /* 10k test images */
  double peer_us;      /* batch-1 latency */
  double goal;         /* throughput ratio the foundation issue asks for */
} PeerFigures;

static const PeerFigures peers[] = {
  { "cnn", "models/mnist_cnn.keras", 7822.0, 429.0, 1.3 },
  { "advanced", "models/mnist_advanced.keras", 8185.0, 705.0, 1.5 },
};

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static NnModel *
bench_model (const PeerFigures *p, gboolean zoo_only, const char **source)
{
  if (!zoo_only && g_file_test (p->file, G_FILE_TEST_EXISTS))
    {
      g_autoptr (GError) error = NULL;
      NnModel *m = nn_keras_load_isolated (p->file, &error);
      if (m)
        {
          *source = p->file;
          return m;
        }
      fprintf (stderr, "digits-cli bench: %s (using random weights)\n", error->message);
    }
  *source = "random weights";
  NnModel *m = nn_zoo_build (p->arch);
  nn_model_init_weights (m, 1);
  return m;
}

/* CPU seconds used by the process so far (all threads, user + system). */
static double
process_cpu_seconds (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec
         + ru.ru_stime.tv_usec * 1e-6;
}

typedef struct {
  double img_s;
  double cpu_img_s;    /* images per CPU second times threads: the rate with the cores to ourselves */
  double median_us, p95_us;
  int correct;
} BenchResult;

static BenchResult
bench_one (NnModel *m, const float *x, const guint8 *labels, int n, int batch, int reps,
           int latency_n)
{
  BenchResult r = { 0 };
  NnWorkspace *ws = nn_workspace_new (m, batch, NN_MODE_INFERENCE);
  float *probs = nn_alloc_floats ((size_t) n * m->n_classes);
  double *rates = g_new (double, reps), *cpu_rates = g_new (double, reps);
  for (int k = -1; k < reps; k++) /* k = -1 warms caches and the thread pool up */
    {
      gint64 t0 = g_get_monotonic_time ();
      double c0 = process_cpu_seconds ();
      nn_model_predict (m, ws, x, n, probs);
      if (k >= 0)
        {
          rates[k] = n / ((g_get_monotonic_time () - t0) / 1e6);
          cpu_rates[k] = n * m->n_threads / MAX (process_cpu_seconds () - c0, 1e-9);
        }
    }
  qsort (rates, reps, sizeof *rates, cmp_double);
  qsort (cpu_rates, reps, sizeof *cpu_rates, cmp_double);
  r.img_s = rates[reps / 2];
  r.cpu_img_s = cpu_rates[reps / 2];
  g_free (cpu_rates);
  for (int i = 0; i < n; i++)
    {
      int best = 0;
      for (int c = 1; c < m->n_classes; c++)
        if (probs[i * m->n_classes + c] > probs[i * m->n_classes + best])
          best = c;
      r.correct += best == labels[i];
    }

  /* Batch of one, the canvas case: a workspace of max batch 1, as the app uses. */
  NnWorkspace *ws1 = nn_workspace_new (m, 1, NN_MODE_INFERENCE);
  double *us = g_new (double, latency_n);
  float p1[64];
  for (int i = -50; i < latency_n; i++)
    {
      const float *xi = x + (size_t) ((i + 50) % n) * NN_IMAGE_PIXELS;
      gint64 t0 = g_get_monotonic_time ();
      nn_model_predict (m, ws1, xi, 1, m->n_classes <= 64 ? p1 : probs);
      if (i >= 0)
        us[i] = (double) (g_get_monotonic_time () - t0);
    }
  qsort (us, latency_n, sizeof *us, cmp_double);
  r.median_us = us[latency_n / 2];
  r.p95_us = us[(int) (latency_n * 0.95)];
  g_free (us);
  g_free (rates);
  nn_free (probs);
  nn_workspace_free (ws1);
  nn_workspace_free (ws);
  return r;
}

int
cli_bench (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--train") == 0)
      return cli_bench_train (argc, argv);
    else if (g_str_has_prefix (argv[i], "--time-to-accuracy"))
      return cli_bench_time_to_accuracy (argc, argv);

  int threads = 2, batch = 256, reps = 7, latency_n = 2000;
  char *arch = NULL, *mnist = NULL;
  g_autofree char *threads_text = NULL, *batch_text = NULL, *reps_text = NULL, *latency_text = NULL;
  g_autofree char *tta_recipe = NULL; /* in --help only: handled above */
  gboolean zoo_only = FALSE, train_flag = FALSE;
  GOptionEntry entries[] = {
    { "train", 0, 0, G_OPTION_ARG_NONE, &train_flag, "Training throughput instead (see bench --train --help)", NULL },
    { "time-to-accuracy", 0, 0, G_OPTION_ARG_STRING, &tta_recipe, "Wall time of a recipe to 99.0, 99.5 and 99.65% test accuracy instead (see bench --time-to-accuracy cnn --help)", "RECIPE" },
    { "arch", 'a', 0, G_OPTION_ARG_STRING, &arch, "cnn or advanced (default both)", "NAME" },
    { "threads", 't', 0, G_OPTION_ARG_STRING, &threads_text, "Threads for batches (default 2, 0 = every core)", "N" },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch_text, "Inference batch size (default 256, as the peer)", "N" },
    { "reps", 0, 0, G_OPTION_ARG_STRING, &reps_text, "Repeats of the 10k pass, median reported (default 7)", "N" },
    { "latency-images", 0, 0, G_OPTION_ARG_STRING, &latency_text, "Single images timed (default 2000)", "N" },
    { "random-weights", 0, 0, G_OPTION_ARG_NONE, &zoo_only, "Do not load models/*.keras", NULL },
    { "mnist", 0, 0, G_OPTION_ARG_FILENAME, &mnist, "MNIST folder (default: $DIGITS_MNIST_DIR, else ~/.local/share/digits/mnist and others)", "DIR" },
    { NULL }
  };
  int status;
  if (!cli_parse_options ("bench", NULL, "Inference throughput and latency beside PyTorch 1.13",
                          entries, &argc, &argv, &status))
    return status;
  struct { const char *option, *text; gint64 min, max; int *value; } numbers[] = {
    { "--threads", threads_text, 0, 256, &threads },
    { "--batch", batch_text, 1, 10000, &batch },
    { "--reps", reps_text, 1, 1000, &reps },
    { "--latency-images", latency_text, 1, 1000000, &latency_n },
  };
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      gint64 v;
      if (numbers[i].text == NULL)
        continue;
      if (!cli_parse_int ("bench", numbers[i].option, numbers[i].text, numbers[i].min,
                          numbers[i].max, &v, &status))
        return status;
      *numbers[i].value = (int) v;
    }
  threads = cli_threads (threads);

  g_autoptr (GError) error = NULL;
  g_autofree char *found = cli_find_mnist (mnist);
  if (found == NULL)
    return 1;
  g_autoptr (NnDataset) ds = nn_mnist_load (found, NN_MNIST_TEST, &error);
  if (ds == NULL)
    return cli_error_gerror (NULL, error);
  float *x = nn_alloc_floats ((size_t) ds->n * NN_IMAGE_PIXELS);
  nn_dataset_get_batch (ds, 0, ds->n, x);

  printf ("Inference: %d MNIST test images, batch %d, %d thread%s, median of %d; "
          "batch-1 latency over %d images\n\n", ds->n, batch, threads, threads > 1 ? "s" : "",
          reps, latency_n);
  printf ("%-9s %9s %9s %7s %9s   %9s %9s %9s %7s   %s\n", "model", "images/s", "PyTorch",
          "ratio", "CPU-time", "1-img med", "p95", "PyTorch", "ratio", "weights (accuracy)");
  int ran = 0;
  for (guint i = 0; i < G_N_ELEMENTS (peers); i++)
    {
      const PeerFigures *p = &peers[i];
      if (arch && strcmp (arch, p->arch) != 0)
        continue;
      const char *source;
      g_autoptr (NnModel) m = bench_model (p, zoo_only, &source);
      nn_model_set_threads (m, threads);
      BenchResult r = bench_one (m, x, ds->labels, ds->n, batch, reps, latency_n);
      printf ("%-9s %9.0f %9.0f %6.2fx %9.0f   %6.0f µs %6.0f µs %6.0f µs %6.2fx   %s (%.2f%%)\n",
              p->arch, r.img_s, p->peer_img_s, r.img_s / p->peer_img_s, r.cpu_img_s, r.median_us,
              r.p95_us, p->peer_us, p->peer_us / r.median_us, source, 100.0 * r.correct / ds->n);
      fflush (stdout);
      ran++;
    }
  nn_free (x);
  g_free (arch);
  g_free (mnist);
  if (!ran)
    return cli_usage_error ("bench", "--arch must be cnn or advanced");
  double load[1] = { 0 };
  getloadavg (load, 1);
  printf ("\nGoals: throughput >= 1.3x PyTorch on cnn and >= 1.5x on advanced; one image "
          "under 150 µs.\nPeer figures from ../shared/bench/README.md; run bench/compare.sh "
          "to measure the peer beside the engine.\nCPU-time: images per CPU-second times "
          "threads, the rate if the cores were ours alone\n(load average now %.1f on %d "
          "cores).\n", load[0], g_get_num_processors ());
  return 0;
}
