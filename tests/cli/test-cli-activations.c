/* digits-cli activations as a user runs it: the real binary on the shipped
 * advanced model and a rendered 7. The PNG holds the grids (viridis maps), the
 * lines name every layer with the section it gets (a grid for each layer with a
 * spatial output, bars for flat ones, the softmax last). Paths come from the
 * environment: DIGITS_CLI, MAKE_DIGIT, DIGITS_SOURCE_DIR (set by meson). */
#include <stdio.h>
#include <string.h>
#include <cairo.h>
#include <glib.h>
#include "../test-models.h"

static const char *cli, *make_digit;
static char *advanced, *tmp;

typedef struct {
  int status;
  char *out, *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
run_argv (Run *r, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int wait_status;

  g_ptr_array_add (argv, (char *) cli);
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (char *) *args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &r->out, &r->err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  r->status = WEXITSTATUS (wait_status);
  g_test_message ("exit %d\nstdout:\n%s\nstderr:\n%s", r->status, r->out, r->err);
}

static char *
render_digit (const char *text, const char *name)
{
  char *path = g_build_filename (tmp, name, NULL);
  const char *argv[] = { make_digit, text, path, "light", NULL };
  g_autoptr (GError) error = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return path;
}

/* Pixels near viridis's ends: its dark purple (68, 1, 84) and its yellow (253, 231, 37). */
static void
count_viridis_ends (cairo_surface_t *s, int *dark, int *yellow)
{
  unsigned char *data = cairo_image_surface_get_data (s);
  int w = cairo_image_surface_get_width (s), h = cairo_image_surface_get_height (s);
  int stride = cairo_image_surface_get_stride (s);

  *dark = *yellow = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint32 p = *(guint32 *) (data + (size_t) y * stride + x * 4);
        int r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
        *dark += ABS (r - 68) < 12 && g < 20 && ABS (b - 84) < 12;
        *yellow += r > 230 && g > 210 && b < 70;
      }
}

static void
test_png (void)
{
  g_autofree char *seven = render_digit ("7", "seven.png");
  g_autofree char *out = g_build_filename (tmp, "act.png", NULL);
  const char *args[] = { "activations", advanced, seven, "--png", out, NULL };
  g_auto (Run) r = { 0 };
  g_auto (GStrv) lines = NULL;
  int grids = 0, bars = 0, softmax = 0, spatial = 0, n_lines = 0, dark, yellow, reported;
  cairo_surface_t *s;

  run_argv (&r, args);
  g_assert_cmpint (r.status, ==, 0);
  lines = g_strsplit (r.out, "\n", -1);
  for (int i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      char name[128], kind[64], section[16];
      int h, w, c;
      if (sscanf (lines[i], "%127s %63s (%d, %d, %d) %15s", name, kind, &h, &w, &c, section) != 6)
        continue;
      n_lines++;
      /* a layer with a grid of values, other than the input and a reshaping, gets a grid */
      gboolean grid = (h > 1 || w > 1) && strcmp (kind, "InputLayer") != 0
                      && strcmp (kind, "Flatten") != 0 && strcmp (kind, "Reshape") != 0;
      spatial += grid;
      if (grid)
        g_assert_cmpstr (section, ==, "grid");
      grids += strcmp (section, "grid") == 0;
      bars += strcmp (section, "bars") == 0;
      softmax += strcmp (section, "softmax") == 0;
    }
  g_assert_cmpint (n_lines, >=, 25);  /* the advanced model's layers */
  g_assert_cmpint (grids, ==, spatial);
  g_assert_cmpint (grids, >=, 20);
  g_assert_cmpint (bars, >=, 1);
  g_assert_cmpint (softmax, ==, 1);
  g_assert_nonnull (strstr (r.out, ": 7 at "));
  g_assert_nonnull (strstr (r.out, "grids ("));
  g_assert_cmpint (sscanf (strstr (r.out, "%; ") + 3, "%d grids", &reported), ==, 1);
  g_assert_cmpint (reported, ==, grids);

  s = cairo_image_surface_create_from_png (out);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, 720);
  g_assert_cmpint (cairo_image_surface_get_height (s), >, 2000);
  count_viridis_ends (s, &dark, &yellow);
  g_test_message ("viridis ends: %d dark, %d yellow pixels", dark, yellow);
  /* every map runs from its own minimum to its own maximum */
  g_assert_cmpint (dark, >, 5000);
  g_assert_cmpint (yellow, >, 500);
  cairo_surface_destroy (s);

  /* --width */
  {
    const char *narrow[] = { "activations", advanced, seven, "-o", out, "--width", "400", NULL };
    g_auto (Run) n = { 0 };
    run_argv (&n, narrow);
    g_assert_cmpint (n.status, ==, 0);
    s = cairo_image_surface_create_from_png (out);
    g_assert_cmpint (cairo_image_surface_get_width (s), ==, 400);
    cairo_surface_destroy (s);
  }
}

static void
test_errors (void)
{
  g_autofree char *seven = render_digit ("7", "seven2.png");
  g_autofree char *blank = render_digit ("", "blank.png");
  g_autofree char *out = g_build_filename (tmp, "err.png", NULL);
  g_autofree char *missing = g_build_filename (tmp, "missing.png", NULL);
  const char *no_png[] = { "activations", advanced, seven, NULL };
  const char *narrow[] = { "activations", advanced, seven, "-o", out, "--width", "10", NULL };
  const char *no_image[] = { "activations", advanced, missing, "-o", out, NULL };
  const char *nothing[] = { "activations", advanced, blank, "-o", out, NULL };
  const char *help[] = { "activations", "--help", NULL };
  g_auto (Run) a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 }, e = { 0 };

  run_argv (&a, no_png);
  g_assert_cmpint (a.status, ==, 2);
  g_assert_nonnull (strstr (a.err, "--png"));
  run_argv (&b, narrow);
  g_assert_cmpint (b.status, ==, 2);
  g_assert_nonnull (strstr (b.err, "--width"));
  run_argv (&c, no_image);
  g_assert_cmpint (c.status, ==, 1);
  g_assert_nonnull (strstr (c.err, "missing.png"));
  run_argv (&d, nothing);
  g_assert_cmpint (d.status, ==, 1);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  run_argv (&e, help);
  g_assert_cmpint (e.status, ==, 0);
  g_assert_nonnull (strstr (e.out, "softmax"));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  cli = g_getenv ("DIGITS_CLI");
  make_digit = g_getenv ("MAKE_DIGIT");
  if (cli == NULL || make_digit == NULL || g_getenv ("DIGITS_SOURCE_DIR") == NULL)
    {
      g_printerr ("DIGITS_CLI, MAKE_DIGIT and DIGITS_SOURCE_DIR must be set (meson test does)\n");
      return 1;
    }
  advanced = test_shipped_model ("mnist_advanced.keras");
  tmp = g_dir_make_tmp ("digits-cli-activations-XXXXXX", NULL);
  g_assert_nonnull (tmp);
  g_test_add_func ("/cli/activations/png", test_png);
  g_test_add_func ("/cli/activations/errors", test_errors);
  status = g_test_run ();
  if (status == 0)
    {
      const char *rm[] = { "rm", "-rf", tmp, NULL };
      g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                    NULL);
    }
  g_free (advanced);
  g_free (tmp);
  return status;
}
