/* fuzz-keras-weights.c: the input is model.weights.h5 alone, read into the graph of
 * models/mnist_baseline.keras's config.json (nn_keras_h5_read, HDF5 in memory). */
#include "fuzz-util.h"
#include "nn-keras-config.h"
#include "nn-keras-h5.h"

static NnKerasGraph graph;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autofree char *seed = g_build_filename (fuzz_source_dir (), "models",
                                            "mnist_baseline.keras", NULL);
  size_t len = 0;
  g_autofree guint8 *config = fuzz_zip_entry (seed, "config.json", &len);
  GError *error = NULL;
  if (!nn_keras_config_parse ("config.json", (const char *) config, len, &graph, &error))
    g_error ("%s", error->message);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  gboolean ok = nn_keras_h5_read ("fuzz.h5", data ? data : (const guint8 *) "", size,
                                  &graph, &error);
  g_assert (ok == (error == NULL));
  fuzz_report ("keras-weights", error);
  g_clear_error (&error);
  return 0;
}
