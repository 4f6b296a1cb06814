/* dg-test-hooks.c */
#include "dg-config.h"
#include "dg-test-hooks.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static gint64 main_time_us;

gboolean
dg_test_mode (void)
{
  static int mode = -1;

  if (mode < 0)
    mode = g_strcmp0 (g_getenv ("DIGITS_TEST_MODE"), "1") == 0;
  return mode;
}

void
dg_test_print (const char *format, ...)
{
  va_list args;

  if (!dg_test_mode ())
    return;
  va_start (args, format);
  vfprintf (stdout, format, args);
  va_end (args);
  fputc ('\n', stdout);
  fflush (stdout);
}

void
dg_test_mark_main (void)
{
  main_time_us = g_get_monotonic_time ();
  dg_test_stamp ("main");
}

/* Field 22 of /proc/self/stat is the start time in clock ticks after boot; the
 * process's comm (field 2) may hold spaces, so count from its closing bracket. */
gint64
dg_test_process_age_us (void)
{
  g_autofree char *stat = NULL;
  struct timespec now;
  const char *p;
  unsigned long long start_ticks = 0;

  if (g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL) && (p = strrchr (stat, ')')))
    {
      int field = 2;
      for (p++; *p && field < 22; p++)
        if (*p == ' ')
          field++;
      if (field == 22 && sscanf (p, "%llu", &start_ticks) == 1
          && clock_gettime (CLOCK_BOOTTIME, &now) == 0)
        {
          double start_s = (double) start_ticks / (double) sysconf (_SC_CLK_TCK);
          double now_s = now.tv_sec + now.tv_nsec * 1e-9;
          return (gint64) ((now_s - start_s) * 1e6);
        }
    }
  return g_get_monotonic_time () - main_time_us;
}

gint64
dg_test_main_age_us (void)
{
  return g_get_monotonic_time () - main_time_us;
}

gint64
dg_test_process_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

gint64
dg_test_thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct { const char *name; gint64 wall_us, cpu_us; } stamps[32];
static int n_stamps; /* slots taken; the model loader stamps from its thread */

void
dg_test_stamp (const char *name)
{
  int i;

  if (!dg_test_mode ())
    return;
  i = g_atomic_int_add (&n_stamps, 1);
  if (i >= (int) G_N_ELEMENTS (stamps))
    return;
  stamps[i].wall_us = dg_test_process_age_us ();
  stamps[i].cpu_us = dg_test_process_cpu_us ();
  g_atomic_pointer_set (&stamps[i].name, name);
}

char *
dg_test_stamps (void)
{
  GString *out = g_string_new (NULL);
  int n = MIN (g_atomic_int_get (&n_stamps), (int) G_N_ELEMENTS (stamps));

  for (int i = 0; i < n; i++)
    if (g_atomic_pointer_get (&stamps[i].name))
    g_string_append_printf (out, " %s=%.1f/%.1f", stamps[i].name, stamps[i].wall_us / 1000.0,
                            stamps[i].cpu_us / 1000.0);
  return g_string_free (out, FALSE);
}

gint64
dg_test_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  p = strstr (status, "VmRSS:");
  return p ? g_ascii_strtoll (p + 6, NULL, 10) : -1;
}

char *
dg_test_widget_geometry (GtkWidget *widget)
{
  GtkNative *native = gtk_widget_get_native (widget);
  graphene_rect_t b;
  double tx, ty;

  if (!native || !gtk_widget_compute_bounds (widget, GTK_WIDGET (native), &b))
    return g_strdup ("0,0,0,0");
  gtk_native_get_surface_transform (native, &tx, &ty);
  return g_strdup_printf ("%d,%d,%d,%d", (int) (b.origin.x + tx), (int) (b.origin.y + ty),
                          (int) b.size.width, (int) b.size.height);
}

typedef struct {
  GtkWidget *window;
  char *path;
  GFunc done;
  gpointer user_data;
} Shot;

static gboolean
save_png_idle (gpointer data)
{
  Shot *shot = data;
  GtkWidget *w = shot->window;
  int W = gtk_widget_get_width (w), H = gtk_widget_get_height (w);
  GdkPaintable *paintable = gtk_widget_paintable_new (w);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;

  gdk_paintable_snapshot (paintable, snapshot, W, H);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node)
    {
      GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (w));
      GdkTexture *texture = gsk_renderer_render_texture (renderer, node,
                                                         &GRAPHENE_RECT_INIT (0, 0, W, H));
      if (!gdk_texture_save_to_png (texture, shot->path))
        g_printerr ("Could not save %s\n", shot->path);
      g_object_unref (texture);
      gsk_render_node_unref (node);
    }
  g_object_unref (paintable);
  if (shot->done)
    shot->done (shot->path, shot->user_data);
  g_object_unref (shot->window);
  g_free (shot->path);
  g_free (shot);
  return G_SOURCE_REMOVE;
}

static void
shot_after_paint (GdkFrameClock *clock, Shot *shot)
{
  g_signal_handlers_disconnect_by_func (clock, shot_after_paint, shot);
  g_idle_add (save_png_idle, shot);
}

void
dg_test_screenshot_after_next_frame (GtkWidget *window, const char *path, GFunc done,
                                     gpointer user_data)
{
  GdkFrameClock *clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (window)));
  Shot *shot = g_new0 (Shot, 1);

  shot->window = g_object_ref (window);
  shot->path = g_strdup (path);
  shot->done = done;
  shot->user_data = user_data;
  g_signal_connect (clock, "after-paint", G_CALLBACK (shot_after_paint), shot);
  gtk_widget_queue_draw (window);
}
