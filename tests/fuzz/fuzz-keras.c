/* fuzz-keras.c: a whole .keras file through the in-process reader (zip, JSON, HDF5).
 * libhdf5 crashes on some structurally corrupt files; that is why the app and the
 * CLI read untrusted models in a separate process. scripts/fuzz.sh tells those
 * crashes apart from crashes in our own code. */
#include "fuzz-util.h"
#include "nn-keras.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  NnModel *m = nn_keras_load (fuzz_memfd_path (0, data, size), &error);
  /* Either a model or an error, never both or neither. */
  g_assert ((m == NULL) != (error == NULL));
  fuzz_report ("keras", error);
  if (m)
    nn_model_free (m);
  g_clear_error (&error);
  return 0;
}
