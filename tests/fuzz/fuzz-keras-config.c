/* fuzz-keras-config.c: the input is config.json, inside a valid stored zip with the
 * metadata.json and model.weights.h5 of models/mnist_baseline.keras, so every input
 * reaches the config parser and, when it parses, the weights matching. */
#include "fuzz-util.h"
#include "nn-keras.h"

static guint8 *meta, *weights;
static size_t meta_len, weights_len;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autofree char *seed = g_build_filename (fuzz_source_dir (), "models",
                                            "mnist_baseline.keras", NULL);
  meta = fuzz_zip_entry (seed, "metadata.json", &meta_len);
  weights = fuzz_zip_entry (seed, "model.weights.h5", &weights_len);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *names[] = { "metadata.json", "config.json", "model.weights.h5" };
  const guint8 *parts[] = { meta, data ? data : (const guint8 *) "", weights };
  size_t lens[] = { meta_len, size, weights_len };
  size_t zip_len = 0;
  g_autofree guint8 *zip = fuzz_zip_stored (3, names, parts, lens, &zip_len);
  GError *error = NULL;
  NnModel *m = nn_keras_load (fuzz_memfd_path (0, zip, zip_len), &error);
  g_assert ((m == NULL) != (error == NULL));
  fuzz_report ("keras-config", error);
  if (m)
    nn_model_free (m);
  g_clear_error (&error);
  return 0;
}
