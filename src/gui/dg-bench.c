/* dg-bench.c
 *
 * Each step adds one point and waits for the frame that shows it: its update
 * phase runs the prediction, then layout and paint. Two figures per event:
 *   e2e    from the stroke_add call (the pointer event) to the end of that paint;
 *   frame  from the start of the frame's update phase to the end of its paint,
 *          the part the app controls (e2e also holds the wait for the frame slot);
 *   cpu    the GUI thread's CPU time over e2e: the work itself, which on a
 *          loaded machine can be far below the wall-clock figures.
 */
#include "dg-config.h"
#include "dg-bench.h"
#include "dg-test-hooks.h"

#include <stdio.h>
#include <time.h>

/* A "7" as recorded from a mouse at about 125 Hz, in canvas units. */
static const float stroke_7[][2] = {
  { 62, 58 }, { 74, 57 }, { 88, 56 }, { 103, 55 }, { 119, 55 }, { 135, 54 }, { 151, 54 },
  { 166, 54 }, { 180, 54 }, { 193, 55 }, { 204, 56 }, { 212, 58 }, { 216, 62 }, { 214, 70 },
  { 209, 80 }, { 203, 92 }, { 196, 105 }, { 189, 119 }, { 182, 133 }, { 175, 148 },
  { 168, 163 }, { 162, 178 }, { 156, 193 }, { 151, 207 }, { 147, 220 }, { 144, 231 },
  { 142, 240 }, { 141, 246 },
};

typedef struct {
  DgWindow *window;
  DgCanvas *canvas;
  GdkFrameClock *clock;
  int repeats, rep;
  guint step;
  gint64 event_time, update_time, event_cpu;
  GArray *e2e, *frame, *predict, *cpu; /* of double, ms */
  gint64 startup_rss_kb;
} Bench;

static gboolean next_step (gpointer data);

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
percentile (GArray *values, double q)
{
  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, (guint) (q * (values->len - 1) + 0.5));
}

static void
finish (Bench *b)
{
  g_signal_handlers_disconnect_by_data (b->clock, b);
  printf ("BENCH latency events=%u e2e_p50_ms=%.2f e2e_p95_ms=%.2f e2e_max_ms=%.2f "
          "frame_p50_ms=%.2f frame_p95_ms=%.2f cpu_p50_ms=%.2f cpu_p95_ms=%.2f "
          "predict_p50_ms=%.3f predict_p95_ms=%.3f rss_kb=%" G_GINT64_FORMAT "\n",
          b->e2e->len, percentile (b->e2e, 0.5), percentile (b->e2e, 0.95),
          percentile (b->e2e, 1.0), percentile (b->frame, 0.5), percentile (b->frame, 0.95),
          percentile (b->cpu, 0.5), percentile (b->cpu, 0.95),
          percentile (b->predict, 0.5), percentile (b->predict, 0.95), dg_test_rss_kb ());
  fflush (stdout);
  g_array_unref (b->e2e);
  g_array_unref (b->frame);
  g_array_unref (b->predict);
  g_array_unref (b->cpu);
  gtk_window_close (GTK_WINDOW (b->window));
  g_object_unref (b->window);
  g_free (b);
}

static void
on_update (GdkFrameClock *clock, Bench *b)
{
  if (b->event_time && !b->update_time)
    b->update_time = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock, Bench *b)
{
  gint64 now = g_get_monotonic_time ();
  double e2e, frame, predict, cpu;

  if (!b->event_time)
    return;
  e2e = (now - b->event_time) / 1000.0;
  frame = (now - (b->update_time ? b->update_time : b->event_time)) / 1000.0;
  predict = dg_window_get_last_predict_us (b->window) / 1000.0;
  cpu = (thread_cpu_us () - b->event_cpu) / 1000.0;
  g_array_append_val (b->cpu, cpu);
  g_array_append_val (b->e2e, e2e);
  g_array_append_val (b->frame, frame);
  g_array_append_val (b->predict, predict);
  b->event_time = b->update_time = 0;
  g_idle_add (next_step, b);
}

static gboolean
next_step (gpointer data)
{
  Bench *b = data;

  if (b->step == G_N_ELEMENTS (stroke_7))
    {
      dg_canvas_stroke_end (b->canvas);
      b->step = 0;
      if (++b->rep == b->repeats)
        {
          finish (b);
          return G_SOURCE_REMOVE;
        }
      dg_canvas_clear (b->canvas);
    }
  b->event_time = g_get_monotonic_time ();
  b->event_cpu = thread_cpu_us ();
  if (b->step == 0)
    dg_canvas_stroke_begin (b->canvas, stroke_7[0][0], stroke_7[0][1]);
  else
    dg_canvas_stroke_add (b->canvas, stroke_7[b->step][0], stroke_7[b->step][1]);
  b->step++;
  return G_SOURCE_REMOVE;
}

static gboolean
wait_for_model (gpointer data)
{
  Bench *b = data;

  if (!gtk_widget_get_mapped (GTK_WIDGET (b->window)) || !dg_window_has_model (b->window))
    return G_SOURCE_CONTINUE;
  b->clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (b->window)));
  g_signal_connect (b->clock, "update", G_CALLBACK (on_update), b);
  g_signal_connect (b->clock, "after-paint", G_CALLBACK (on_after_paint), b);
  g_idle_add (next_step, b);
  return G_SOURCE_REMOVE;
}

void
dg_bench_latency_start (DgWindow *window, int repeats)
{
  Bench *b = g_new0 (Bench, 1);

  b->window = g_object_ref (window);
  b->canvas = dg_window_get_canvas (window);
  b->repeats = MAX (repeats, 1);
  b->e2e = g_array_new (FALSE, FALSE, sizeof (double));
  b->frame = g_array_new (FALSE, FALSE, sizeof (double));
  b->predict = g_array_new (FALSE, FALSE, sizeof (double));
  b->cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_timeout_add (20, wait_for_model, b);
}
