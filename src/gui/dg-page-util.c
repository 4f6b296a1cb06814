/* dg-page-util.c */
#include "dg-config.h"
#include "dg-page-util.h"

#include <adwaita.h>
#include <glib/gstdio.h>

char *
dg_page_models_dir (void)
{
  char *dir = g_build_filename (g_get_user_data_dir (), "digits", "models", NULL);
  g_mkdir_with_parents (dir, 0755);
  return dir;
}

char *
dg_page_format_duration (double seconds)
{
  long s = seconds > 0 ? (long) (seconds + 0.5) : 0;
  if (s >= 3600)
    return g_strdup_printf ("%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%ld:%02ld", s / 60, s % 60);
}

static int
cmp_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

char *
dg_page_frame_stats (GArray *samples)
{
  guint n = samples ? samples->len : 0;
  if (n == 0)
    return g_strdup (" frames=0");
  g_array_sort (samples, cmp_gint64);
  return g_strdup_printf (" frames=%u p50_ms=%.2f p95_ms=%.2f max_ms=%.2f", n,
                          g_array_index (samples, gint64, n / 2) / 1000.0,
                          g_array_index (samples, gint64, MIN (n - 1, n * 95 / 100)) / 1000.0,
                          g_array_index (samples, gint64, n - 1) / 1000.0);
}

struct _DgFrameMeter {
  GdkFrameClock *clock;
  gulong before_id, after_id;
  gint64 start;
  GArray *samples;
};

static void
on_before_paint (GdkFrameClock *clock, DgFrameMeter *m)
{
  m->start = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock, DgFrameMeter *m)
{
  if (m->start)
    {
      gint64 d = g_get_monotonic_time () - m->start;
      g_array_append_val (m->samples, d);
    }
  m->start = 0;
}

DgFrameMeter *
dg_frame_meter_start (GtkWidget *widget)
{
  DgFrameMeter *m = g_new0 (DgFrameMeter, 1);
  GtkNative *native = gtk_widget_get_native (widget);
  GdkSurface *surface = native ? gtk_native_get_surface (native) : NULL;

  m->samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (surface)
    {
      m->clock = g_object_ref (gdk_surface_get_frame_clock (surface));
      m->before_id = g_signal_connect (m->clock, "before-paint", G_CALLBACK (on_before_paint), m);
      m->after_id = g_signal_connect (m->clock, "after-paint", G_CALLBACK (on_after_paint), m);
    }
  return m;
}

GArray *
dg_frame_meter_stop (DgFrameMeter *m)
{
  GArray *samples;

  if (!m)
    return NULL;
  if (m->clock)
    {
      /* a clock whose window went away has dropped its handlers already */
      if (g_signal_handler_is_connected (m->clock, m->before_id))
        g_signal_handler_disconnect (m->clock, m->before_id);
      if (g_signal_handler_is_connected (m->clock, m->after_id))
        g_signal_handler_disconnect (m->clock, m->after_id);
      g_object_unref (m->clock);
    }
  samples = m->samples;
  g_free (m);
  return samples;
}

AdwViewStackPage *
dg_page_stack_page (GtkWidget *page)
{
  GtkWidget *stack = gtk_widget_get_ancestor (page, ADW_TYPE_VIEW_STACK);

  if (!stack)
    return NULL;
  for (GtkWidget *w = page; w && w != stack; w = gtk_widget_get_parent (w))
    if (gtk_widget_get_parent (w) == stack)
      return adw_view_stack_get_page (ADW_VIEW_STACK (stack), w);
  return NULL;
}
