/* test-folder: the fine-tune folder reader on good images and a corpus of bad files. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nn-error.h"
#include "nn-folder.h"
#include "nn-image.h"
#include "test-data-util.h"
#include "test-image-util.h"

#define PER_CLASS 3

/* A stroke per class, in a unit square; drawn at any size and polarity. */
static void
draw_digit (guint8 *canvas, int w, int h, int label, guint8 bg, guint8 ink)
{
  memset (canvas, bg, (size_t) w * h);
  double pts[8];
  double sx = w * 0.6, sy = h * 0.7, ox = w * 0.2, oy = h * 0.15;
  double unit[8] = { 0.1, 0.1, 0.9, 0.1 + 0.08 * label, 0.3 + 0.05 * label, 1.0, 0.5, 0.5 };
  for (int i = 0; i < 4; i++)
    {
      pts[2 * i] = ox + unit[2 * i] * sx;
      pts[2 * i + 1] = oy + unit[2 * i + 1] * sy;
    }
  test_draw_stroke (canvas, w, h, pts, 2 + label % 3, MAX (1.5, w / 40.0), ink);
}

static char *
class_dir (const char *root, int k)
{
  char name[2] = { (char) ('0' + k), 0 };
  return g_build_filename (root, name, NULL);
}

/* Three good images per class: a light PNG, a dark JPEG, an RGB PNG. */
static void
write_good (const char *root, int k)
{
  g_autofree char *dir = class_dir (root, k);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  int w = 90 + 10 * k, h = 120;
  g_autofree guint8 *c = g_malloc ((size_t) w * h);
  g_autofree guint8 *rgb = g_malloc ((size_t) w * h * 3);

  draw_digit (c, w, h, k, 255, 0);
  g_autofree char *p1 = g_build_filename (dir, "b-light.png", NULL);
  test_write_grey_png (p1, w, h, c);

  draw_digit (c, w, h, k, 10, 240);
  g_autofree char *p2 = g_build_filename (dir, "a-dark.jpg", NULL);
  test_write_jpeg (p2, w, h, 1, c, 95);

  draw_digit (c, w, h, k, 230, 20);
  for (int i = 0; i < w * h; i++)
    rgb[3 * i] = c[i], rgb[3 * i + 1] = c[i], rgb[3 * i + 2] = (guint8) (c[i] / 2 + 100);
  guint8 **rows = g_new (guint8 *, h);
  for (int y = 0; y < h; y++)
    rows[y] = rgb + (size_t) y * w * 3;
  g_autofree char *p3 = g_build_filename (dir, "c-colour.png", NULL);
  test_write_png (p3, w, h, PNG_COLOR_TYPE_RGB, 8, rows, NULL, 0, NULL, 0, FALSE);
  g_free (rows);
}

typedef struct {
  const char *rel;    /* path relative to the root */
  const char *reason; /* a piece of the expected reason */
} BadFile;

static const BadFile bad_files[] = {
  { "readme.txt",           "not in a class folder" },
  { "foo",                  "unexpected folder (class folders are named 0 ... 9), not read: 1 entry" },
  { "10",                   "unexpected folder" },
  { "loop",                 "symbolic link loop" },
  { "2/notes.txt",          "not a PNG or JPEG image" },
  { "2/zero.png",           "empty file" },
  { "3/cut.png",            "corrupt or truncated PNG" },
  { "3/cut.jpg",            "corrupt or truncated JPEG" },
  { "4/huge.png",           "larger than 4096 x 4096" },
  { "5/blank.png",          "blank image" },
  { "6/nested",             "a folder inside a class folder" },
  { "7/self-loop",          "symbolic link loop" },
  { "7/dangling",           "broken symbolic link" },
  { "8/pipe",               "not a regular file" },
};

static void
write_bad (const char *root)
{
  g_autofree char *p = NULL;
#define AT(rel) (g_free (p), p = g_build_filename (root, rel, NULL))
  g_assert_true (g_file_set_contents (AT ("readme.txt"), "digits\n", -1, NULL));
  g_assert_cmpint (g_mkdir (AT ("foo"), 0700), ==, 0);
  g_assert_cmpint (g_mkdir (AT ("10"), 0700), ==, 0);
  guint8 c[40 * 40];
  draw_digit (c, 40, 40, 1, 255, 0);
  test_write_grey_png (AT ("foo/one.png"), 40, 40, c);
  test_write_grey_png (AT ("10/one.png"), 40, 40, c);
  g_assert_cmpint (symlink ("loop", AT ("loop")), ==, 0);

  g_assert_true (g_file_set_contents (AT ("2/notes.txt"), "not a digit", -1, NULL));
  g_assert_true (g_file_set_contents (AT ("2/zero.png"), "", 0, NULL));

  g_autofree char *png = NULL, *jpg = NULL;
  gsize plen, jlen;
  g_autofree char *good_png = g_build_filename (root, "3", "b-light.png", NULL);
  g_autofree char *good_jpg = g_build_filename (root, "3", "a-dark.jpg", NULL);
  g_assert_true (g_file_get_contents (good_png, &png, &plen, NULL));
  g_assert_true (g_file_get_contents (good_jpg, &jpg, &jlen, NULL));
  g_assert_true (g_file_set_contents (AT ("3/cut.png"), png, (gssize) plen / 2, NULL));
  g_assert_true (g_file_set_contents (AT ("3/cut.jpg"), jpg, (gssize) jlen / 2, NULL));

  /* A real PNG header, patched to claim 100000 x 100000 (CRC not checked first). */
  char *huge = g_memdup2 (png, plen);
  guint8 big[8] = { 0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0 };
  memcpy (huge + 16, big, 8);
  g_assert_true (g_file_set_contents (AT ("4/huge.png"), huge, (gssize) plen, NULL));
  g_free (huge);

  memset (c, 255, sizeof c);
  test_write_grey_png (AT ("5/blank.png"), 40, 40, c);
  g_assert_cmpint (g_mkdir (AT ("6/nested"), 0700), ==, 0);
  test_write_grey_png (AT ("6/nested/deep.png"), 40, 40, c);
  g_assert_cmpint (symlink ("self-loop", AT ("7/self-loop")), ==, 0);
  g_assert_cmpint (symlink ("no-such-file.png", AT ("7/dangling")), ==, 0);
  g_assert_cmpint (mkfifo (AT ("8/pipe"), 0600), ==, 0);
#undef AT
}

static void
test_good_and_bad (void)
{
  g_autofree char *root = test_tmp_dir ();
  for (int k = 0; k < 10; k++)
    write_good (root, k);
  write_bad (root);

  NnFolderReport report = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_folder_load (root, TRUE, &report, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  for (guint i = 0; i < report.skipped->len; i++)
    {
      NnSkippedFile *s = report.skipped->pdata[i];
      g_test_message ("skipped %s: %s", s->path, s->reason);
      g_assert_null (strchr (s->reason, '\n'));
    }
  g_assert_cmpint (ds->n, ==, 10 * PER_CLASS);
  for (int k = 0; k < 10; k++)
    g_assert_cmpint (report.per_class[k], ==, PER_CLASS);

  /* Each bad file is skipped once, with its reason. */
  g_assert_cmpuint (report.skipped->len, ==, G_N_ELEMENTS (bad_files));
  for (gsize b = 0; b < G_N_ELEMENTS (bad_files); b++)
    {
      g_autofree char *path = g_build_filename (root, bad_files[b].rel, NULL);
      gboolean found = FALSE;
      for (guint i = 0; i < report.skipped->len; i++)
        {
          NnSkippedFile *s = report.skipped->pdata[i];
          if (strcmp (s->path, path) == 0)
            {
              if (strstr (s->reason, bad_files[b].reason) == NULL)
                g_error ("%s: reason '%s' lacks '%s'", path, s->reason, bad_files[b].reason);
              found = TRUE;
            }
        }
      if (!found)
        g_error ("%s was not reported as skipped", path);
    }

  /* Classes in order, files sorted within each, paths kept, MNIST-style pixels. */
  for (int i = 0; i < ds->n; i++)
    {
      g_assert_cmpint (ds->labels[i], ==, i / PER_CLASS);
      static const char *order[PER_CLASS] = { "a-dark.jpg", "b-light.png", "c-colour.png" };
      g_autofree char *base = g_path_get_basename (ds->paths[i]);
      g_assert_cmpstr (base, ==, order[i % PER_CLASS]);
      const guint8 *img = ds->images + (size_t) i * NN_IMAGE_PIXELS;
      int maxv = 0, corner = img[0] + img[27] + img[27 * 28] + img[NN_IMAGE_PIXELS - 1];
      for (int p = 0; p < NN_IMAGE_PIXELS; p++)
        maxv = MAX (maxv, img[p]);
      g_assert_cmpint (maxv, ==, 255);
      g_assert_cmpint (corner, ==, 0);
    }
  g_assert_null (ds->paths[ds->n]);

  /* The three polarities and formats of one drawing agree closely, up to the
   * whole-pixel shift that centring may round either way. */
  for (int k = 0; k < 10; k++)
    {
      const guint8 *a = ds->images + (size_t) (k * PER_CLASS) * NN_IMAGE_PIXELS;
      for (int j = 1; j < PER_CLASS; j++)
        {
          const guint8 *b = a + (size_t) j * NN_IMAGE_PIXELS;
          double best = 1e9;
          for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
              {
                long diff = 0;
                for (int y = 0; y < 28; y++)
                  for (int x = 0; x < 28; x++)
                    {
                      int xs = x + dx, ys = y + dy;
                      int bv = xs >= 0 && xs < 28 && ys >= 0 && ys < 28 ? b[ys * 28 + xs] : 0;
                      diff += labs ((long) a[y * 28 + x] - bv);
                    }
                best = MIN (best, diff / (double) NN_IMAGE_PIXELS);
              }
          g_test_message ("class %d image %d: mean abs difference %.2f", k, j, best);
          g_assert_cmpfloat (best, <, 4.0);
        }
    }

  /* The same folder gives the same dataset. */
  g_autoptr (NnDataset) again = nn_folder_load (root, TRUE, &report, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again->n, ==, ds->n);
  g_assert_cmpmem (again->images, (gsize) ds->n * NN_IMAGE_PIXELS, ds->images,
                   (gsize) ds->n * NN_IMAGE_PIXELS);
  g_assert_cmpuint (report.skipped->len, ==, G_N_ELEMENTS (bad_files));

  /* report may be NULL. */
  g_autoptr (NnDataset) quiet = nn_folder_load (root, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (quiet->n, ==, ds->n);

  nn_folder_report_clear (&report);
  g_assert_null (report.skipped);
  test_rm_rf (root);
}

static void
test_missing_classes (void)
{
  g_autofree char *root = test_tmp_dir ();
  for (int k = 0; k < 10; k++)
    if (k != 4)
      write_good (root, k);
  NnFolderReport report = { 0 };
  g_autoptr (GError) error = NULL;

  /* Class 4 missing entirely. */
  NnDataset *ds = nn_folder_load (root, TRUE, &report, &error);
  g_assert_null (ds);
  g_assert_error (error, NN_ERROR, NN_ERROR_NO_DATA);
  g_test_message ("%s", error->message);
  g_autofree char *four = class_dir (root, 4);
  g_assert_nonnull (strstr (error->message, four));
  g_assert_nonnull (strstr (error->message, "missing"));
  g_clear_error (&error);

  /* Class 4 present but empty, class 7 holding only a file that is not an image. */
  g_assert_cmpint (g_mkdir (four, 0700), ==, 0);
  g_autofree char *seven = class_dir (root, 7);
  test_rm_rf (seven);
  g_assert_cmpint (g_mkdir (seven, 0700), ==, 0);
  g_autofree char *junk = g_build_filename (seven, "x.png", NULL);
  g_assert_true (g_file_set_contents (junk, "junk", -1, NULL));
  ds = nn_folder_load (root, TRUE, &report, &error);
  g_assert_null (ds);
  g_assert_error (error, NN_ERROR, NN_ERROR_NO_DATA);
  g_test_message ("%s", error->message);
  g_autofree char *want4 = g_strdup_printf ("%s (no usable images)", four);
  g_autofree char *want7 = g_strdup_printf ("%s (no usable images)", seven);
  g_assert_nonnull (strstr (error->message, want4));
  g_assert_nonnull (strstr (error->message, want7));
  g_assert_cmpuint (report.skipped->len, ==, 1);
  g_clear_error (&error);

  /* Evaluating a partial folder is allowed. */
  g_autoptr (NnDataset) partial = nn_folder_load (root, FALSE, &report, &error);
  g_assert_no_error (error);
  g_assert_cmpint (partial->n, ==, 8 * PER_CLASS);
  g_assert_cmpint (report.per_class[4], ==, 0);

  /* ... but not an empty one, nor a missing one. */
  g_autofree char *empty = g_build_filename (root, "5", NULL);
  ds = nn_folder_load (empty, FALSE, &report, &error); /* files, no class folders */
  g_assert_null (ds);
  g_assert_error (error, NN_ERROR, NN_ERROR_NO_DATA);
  g_assert_nonnull (strstr (error->message, empty));
  g_clear_error (&error);
  g_autofree char *nowhere = g_build_filename (root, "nowhere", NULL);
  ds = nn_folder_load (nowhere, FALSE, &report, &error);
  g_assert_null (ds);
  g_assert_error (error, NN_ERROR, NN_ERROR_NO_DATA);
  g_assert_nonnull (strstr (error->message, nowhere));
  g_assert_nonnull (strstr (error->message, "no such folder"));

  nn_folder_report_clear (&report);
  test_rm_rf (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/folder/good-and-bad", test_good_and_bad);
  g_test_add_func ("/folder/missing-classes", test_missing_classes);
  return g_test_run ();
}
