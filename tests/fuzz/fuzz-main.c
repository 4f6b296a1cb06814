/* fuzz-main.c: the regression runner built when not fuzzing. Runs the target once
 * on every file named on the command line, and on every file in every folder named
 * (sorted, not recursive), so a corpus runs as a plain test under any compiler.
 * Exits 0 when every input ran; a crash is the test's failure. */
#include "fuzz-util.h"

#include <stdio.h>
#include <string.h>

static int
compare (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
collect (const char *arg, GPtrArray *files)
{
  if (!g_file_test (arg, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (files, g_strdup (arg));
      return;
    }
  GError *error = NULL;
  GDir *d = g_dir_open (arg, 0, &error);
  if (d == NULL)
    g_error ("%s", error->message);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (name[0] != '.' && strcmp (name, "README.md") != 0)
      g_ptr_array_add (names, g_build_filename (arg, name, NULL));
  g_dir_close (d);
  g_ptr_array_sort (names, compare);
  for (guint i = 0; i < names->len; i++)
    if (g_file_test (names->pdata[i], G_FILE_TEST_IS_REGULAR))
      g_ptr_array_add (files, g_strdup (names->pdata[i]));
  g_ptr_array_unref (names);
}

int
main (int argc, char **argv)
{
  LLVMFuzzerInitialize (&argc, &argv);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  for (int i = 1; i < argc; i++)
    collect (argv[i], files);
  if (files->len == 0)
    {
      fprintf (stderr, "usage: %s FILE|DIR...: runs the fuzz target on each input\n", argv[0]);
      return 2;
    }
  for (guint i = 0; i < files->len; i++)
    {
      char *data = NULL;
      gsize len = 0;
      GError *error = NULL;
      if (!g_file_get_contents (files->pdata[i], &data, &len, &error))
        g_error ("%s", error->message);
      /* A copy of exactly len bytes, so ASan sees a read past the end. */
      guint8 *exact = g_memdup2 (data, len);
      g_free (data);
      LLVMFuzzerTestOneInput (exact, len);
      g_free (exact);
    }
  printf ("%s: %u inputs ran\n", argv[0], files->len);
  g_ptr_array_unref (files);
  return 0;
}
