/* make-test-models OUTDIR SHIPPED_CNN: models for the GUI tests, written with the
 * core's Keras writer (folders keep the corrupt file out of the model selector):
 *   models/logreg.keras          Flatten + Dense, untrained: no spatial layer, so the app
 *                         shows its Grad-CAM note; its predictions differ from the CNN's
 *   bench/advanced.keras  the advanced architecture with initial weights, for the
 *                         latency benchmark when the shipped model is absent
 *   corrupt.keras         the first 3000 bytes of logreg.keras: a truncated zip
 *   fallback/             a corrupt mnist_advanced.keras (the default) and
 *                         z_logreg.keras: the app must fall back to the second
 *   cnn/mnist_cnn.keras   a link to the shipped CNN, alone in its folder
 *   test-models.stamp     written last, for meson */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#include "nn-keras.h"
#include "nn-zoo.h"

static gboolean
save (NnModel *model, const char *dir, const char *sub, const char *name)
{
  g_autofree char *folder = g_build_filename (dir, sub, NULL);
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (folder, 0755);
  if (!nn_keras_save (model, path, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(NnModel) logreg = NULL;
  g_autoptr(NnModel) advanced = NULL;
  g_autofree char *logreg_path = NULL;
  g_autofree char *corrupt_path = NULL;
  g_autofree char *bytes = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  if (argc != 3)
    {
      fprintf (stderr, "usage: %s OUTDIR SHIPPED_CNN\n", argv[0]);
      return 2;
    }
  g_mkdir_with_parents (argv[1], 0755);
  logreg = nn_zoo_logreg ();
  advanced = nn_zoo_advanced ();
  if (!logreg || !advanced || !save (logreg, argv[1], "models", "logreg.keras")
      || !save (advanced, argv[1], "bench", "advanced.keras"))
    return 1;

  logreg_path = g_build_filename (argv[1], "models", "logreg.keras", NULL);
  corrupt_path = g_build_filename (argv[1], "corrupt.keras", NULL);
  if (!g_file_get_contents (logreg_path, &bytes, &len, &error)
      || !g_file_set_contents (corrupt_path, bytes, MIN (len, 3000), &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  {
    g_autofree char *dir = g_build_filename (argv[1], "fallback", NULL);
    g_autofree char *bad = g_build_filename (dir, "mnist_advanced.keras", NULL);

    g_mkdir_with_parents (dir, 0755);
    if (!g_file_set_contents (bad, bytes, MIN (len, 3000), &error)
        || !save (logreg, argv[1], "fallback", "z_logreg.keras"))
      {
        fprintf (stderr, "%s\n", error ? error->message : "cannot write the fallback models");
        return 1;
      }
  }
  {
    /* OUTDIR/cnn: a folder with only the shipped CNN, for tests that start from it */
    g_autofree char *dir = g_build_filename (argv[1], "cnn", NULL);
    g_autofree char *link = g_build_filename (dir, "mnist_cnn.keras", NULL);

    g_mkdir_with_parents (dir, 0755);
    g_unlink (link);
    if (symlink (argv[2], link) != 0)
      {
        fprintf (stderr, "%s: %s\n", link, g_strerror (errno));
        return 1;
      }
  }
  {
    g_autofree char *stamp = g_build_filename (argv[1], "test-models.stamp", NULL);
    if (!g_file_set_contents (stamp, "", 0, NULL))
      return 1;
  }
  return 0;
}
