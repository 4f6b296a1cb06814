/* fuzz-keras.c: a whole .keras file through the in-process reader (zip, JSON, HDF5).
 * libhdf5 crashes on some structurally corrupt files; that is why the app and the
 * CLI read untrusted models in a separate process. scripts/fuzz.sh tells those
 * crashes apart from crashes in our own code.
 *
 * Most mutations of a stored zip only break an entry's CRC, and the reader stops
 * there; so the mutator (when fuzzing) mostly mutates one entry and rebuilds the zip
 * with correct CRCs, and sometimes mutates the raw bytes to test the zip layer. */
#include "fuzz-util.h"
#include "nn-keras.h"

#include <string.h>

#ifdef FUZZING
size_t LLVMFuzzerMutate (uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator (uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#define MAX_ENTRIES 8

static guint32
get32 (const uint8_t *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

/* Splits a stored zip into its entries by the local headers; the count, or 0. */
static int
split_zip (const uint8_t *data, size_t size, char **names, const uint8_t **parts, size_t *lens)
{
  int n = 0;
  size_t at = 0;
  while (n < MAX_ENTRIES && at + 30 <= size && get32 (data + at) == 0x04034b50)
    {
      guint method = data[at + 8] | (data[at + 9] << 8);
      size_t csize = get32 (data + at + 18), usize = get32 (data + at + 22);
      size_t nl = data[at + 26] | (data[at + 27] << 8), xl = data[at + 28] | (data[at + 29] << 8);
      if (method != 0 || csize != usize || at + 30 + nl + xl + csize > size)
        break;
      names[n] = g_strndup ((const char *) data + at + 30, nl);
      parts[n] = data + at + 30 + nl + xl;
      lens[n] = csize;
      n++;
      at += 30 + nl + xl + csize;
    }
  return n;
}

size_t
LLVMFuzzerCustomMutator (uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
  char *names[MAX_ENTRIES] = { 0 };
  const uint8_t *parts[MAX_ENTRIES];
  size_t lens[MAX_ENTRIES];
  int n = seed % 8 == 0 ? 0 : split_zip (data, size, names, parts, lens);
  if (n == 0)
    return LLVMFuzzerMutate (data, size, max_size);
  int pick = (int) ((seed / 8) % (guint) n);
  /* Room to grow the picked entry by up to 1 KB. */
  size_t cap = lens[pick] + 1024;
  uint8_t *entry = g_malloc (cap);
  memcpy (entry, parts[pick], lens[pick]);
  size_t new_len = LLVMFuzzerMutate (entry, lens[pick], cap);
  uint8_t *copies[MAX_ENTRIES];
  for (int i = 0; i < n; i++)
    copies[i] = i == pick ? entry : g_memdup2 (parts[i], lens[i]);
  lens[pick] = new_len;
  size_t zip_len = 0;
  guint8 *zip = fuzz_zip_stored (n, (const char *const *) names, (const guint8 *const *) copies,
                                 lens, &zip_len);
  size_t out = zip_len <= max_size ? zip_len : LLVMFuzzerMutate (data, size, max_size);
  if (zip_len <= max_size)
    memcpy (data, zip, zip_len);
  g_free (zip);
  for (int i = 0; i < n; i++)
    g_free (copies[i]), g_free (names[i]);
  return out;
}
#endif

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
