/* latency-bench.c: the Draw page's latency, from a pointer's point to the frame
 * that shows its prediction. Runs the app (the GUI library) itself:
 *
 *   xvfb-run -a build/bench/latency-bench 5 --model models/mnist_advanced.keras
 *
 * Replays a recorded "7" the way a pointer delivers it. A timer thread makes
 * each point arrive on its own clock, at rate_hz points per second with ±10 %
 * jitter (125 Hz by default, a common mouse), so points land at every phase of
 * the frame clock, as real ones do. GDK holds a motion event until the flush-events
 * phase of the next frame (gdkframeclockidle.c: that frame cannot start sooner
 * than one refresh interval after the previous one) and delivers it there; the
 * benchmark does the same: an arrived point is queued, the flush-events phase is
 * requested, and the queue goes to the canvas in that phase. The frame then
 * predicts (update phase), lays out and paints. With DIGITS_BENCH_RATE=0 the
 * points are paced instead: each arrives 0 to 2 refresh intervals (random) after
 * the frame that showed the previous one, so every frame holds exactly one point
 * and the work figures stay per point even when a busy machine delays the GUI
 * thread for many frames. Per point:
 *   e2e     arrival -> end of the paint that shows it: the figure
 *   wait    arrival -> start of that frame: the frame slot, set by GTK's clock
 *   work    start of that frame -> end of its paint: the app's part, split into
 *           preprocess, predict, Grad-CAM, show (handing results to widgets)
 *           and paint (everything else: events, layout, snapshot, render)
 *   cpu     the GUI thread's CPU time over work, split into the prediction's
 *           (preprocess to show) and the rest's: on a busy machine the wall-clock
 *           figures grow with the wait for a core, these do not
 *   next    shown by the first frame that began after it arrived
 *   within  e2e <= one refresh interval
 * With --inside the Inside view shows beside the page (its "show-inside" setting,
 * in GSettings' memory backend so the user's own settings stay as they are) and
 * inside_p50_ms / inside_p95_ms give its updates' cost (a forward pass and its
 * pictures, run in an idle between frames); with --method NAME the heat map uses
 * that method (gradcam, gradcam++, ig, occlusion).
 * With DIGITS_BENCH_DIGITS=N (2 to 6) the Draw page is in number mode and the
 * "7" is the last of N: N - 1 copies of it stand to its left, drawn again after
 * each Clear, so every frame reads a number of up to N digits; predict is then
 * the read (rendering the strokes and nn_number_read), show the number and its
 * chips, and Grad-CAM the selected digit's view with its map.
 */
#include "dg-config.h"
#include "dg-application.h"
#include <adwaita.h>
#include "dg-draw-page.h"
#include "dg-inside-view.h"
#include "dg-test-hooks.h"
#include "dg-window.h"

#include <locale.h>
#include <errno.h>
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
#define N_POINTS ((int) G_N_ELEMENTS (stroke_7))
#define PEN_UP_US 250000 /* between two repetitions */
#define DIGIT_STEP 120   /* canvas units between the 7s of a number: 6 fit in 840 */

typedef struct {
  gint64 arrival;  /* monotonic µs */
  int frames_then; /* frames begun before it arrived */
  int index;       /* into stroke_7 */
  int rep;
} Point;

typedef struct {
  DgWindow *window;
  DgDrawPage *page;
  DgCanvas *canvas;
  GdkFrameClock *clock;
  GThread *feeder;
  int repeats;
  double rate_hz;
  gint64 refresh_us;

  int frames;           /* frames begun (before-paint), read by the feeder */
  GArray *queued;       /* Point: arrived, waiting for the next flush-events */
  GArray *in_frame;     /* Point: delivered in the current frame */
  gint64 frame_start, frame_cpu;
  int shown;
  int paced;            /* points sent so far when paced (rate 0) */
  int digits;           /* 1, or the digits of the number read in number mode */
  GRand *rand;

  GArray *e2e, *wait, *work, *cpu, *pre, *predict, *cam, *show, *paint; /* of double, ms */
  GArray *predict_cpu, *paint_cpu; /* the frame's CPU time in the prediction and outside it */
  GArray *inside;       /* the Inside view's updates, ms */
  int next, within, frames_measured;
} Bench;

typedef struct {
  Bench *bench;
  Point point;
} Arrival;

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
sleep_until (gint64 t_us)
{
  struct timespec ts = { .tv_sec = t_us / 1000000, .tv_nsec = (t_us % 1000000) * 1000 };

  /* g_get_monotonic_time() is CLOCK_MONOTONIC on Linux */
  while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
    ;
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
add (GArray *values, double ms)
{
  g_array_append_val (values, ms);
}

/* ---- the GUI thread ------------------------------------------------------------ */

static gboolean on_arrival (gpointer data);

/* rate 0: the next point arrives now */
static gboolean
paced_arrival (gpointer data)
{
  Bench *b = data;
  Arrival *a = g_new0 (Arrival, 1);

  a->bench = b;
  a->point.arrival = g_get_monotonic_time ();
  a->point.frames_then = g_atomic_int_get (&b->frames);
  a->point.index = b->paced % N_POINTS;
  a->point.rep = b->paced / N_POINTS;
  b->paced++;
  on_arrival (a);
  return G_SOURCE_REMOVE;
}

static gboolean
on_arrival (gpointer data)
{
  Arrival *a = data;
  Bench *b = a->bench;

  /* what GDK does with a motion event: queue it, ask for the next frame's flush */
  g_array_append_val (b->queued, a->point);
  gdk_frame_clock_request_phase (b->clock, GDK_FRAME_CLOCK_PHASE_FLUSH_EVENTS);
  g_free (a);
  return G_SOURCE_REMOVE;
}

static void
on_flush_events (GdkFrameClock *clock, Bench *b)
{
  if (b->queued->len == 0)
    return;
  b->frame_start = g_get_monotonic_time ();
  b->frame_cpu = thread_cpu_us ();
  for (guint i = 0; i < b->queued->len; i++)
    {
      Point *p = &g_array_index (b->queued, Point, i);
      const float *xy = stroke_7[p->index];
      double dx = (b->digits - 1) * DIGIT_STEP;

      if (p->index == 0)
        {
          if (!dg_canvas_is_empty (b->canvas))
            {
              dg_canvas_stroke_end (b->canvas);
              dg_canvas_clear (b->canvas);
            }
          for (int d = 0; d + 1 < b->digits; d++)
            {
              dg_canvas_stroke_begin (b->canvas, stroke_7[0][0] + d * DIGIT_STEP, stroke_7[0][1]);
              for (int k = 1; k < N_POINTS; k++)
                dg_canvas_stroke_add (b->canvas, stroke_7[k][0] + d * DIGIT_STEP, stroke_7[k][1]);
              dg_canvas_stroke_end (b->canvas);
            }
          dg_canvas_stroke_begin (b->canvas, xy[0] + dx, xy[1]);
        }
      else
        dg_canvas_stroke_add (b->canvas, xy[0] + dx, xy[1]);
      g_array_append_val (b->in_frame, *p);
    }
  g_array_set_size (b->queued, 0);
}

static void
on_before_paint (GdkFrameClock *clock, Bench *b)
{
  g_atomic_int_inc (&b->frames);
}

static void finish (Bench *b);

static void
on_after_paint (GdkFrameClock *clock, Bench *b)
{
  gint64 now = g_get_monotonic_time ();
  double work = (now - b->frame_start) / 1000.0;
  int frame = g_atomic_int_get (&b->frames);
  DgPredictTimings t;
  double parts;

  if (b->in_frame->len == 0)
    return;
  dg_draw_page_get_last_timings (b->page, &t);
  parts = (t.preprocess_us + t.predict_us + t.gradcam_us + t.show_us) / 1000.0;
  add (b->work, work);
  add (b->cpu, (thread_cpu_us () - b->frame_cpu) / 1000.0);
  add (b->predict_cpu, t.cpu_us / 1000.0);
  add (b->paint_cpu, (thread_cpu_us () - b->frame_cpu - t.cpu_us) / 1000.0);
  add (b->pre, t.preprocess_us / 1000.0);
  add (b->predict, t.predict_us / 1000.0);
  add (b->cam, t.gradcam_us / 1000.0);
  add (b->show, t.show_us / 1000.0);
  add (b->paint, work - parts);
  b->frames_measured++;
  for (guint i = 0; i < b->in_frame->len; i++)
    {
      Point *p = &g_array_index (b->in_frame, Point, i);
      gint64 e2e = now - p->arrival;

      add (b->e2e, e2e / 1000.0);
      add (b->wait, (b->frame_start - p->arrival) / 1000.0);
      b->next += frame == p->frames_then + 1;
      b->within += e2e <= b->refresh_us;
      b->shown++;
    }
  g_array_set_size (b->in_frame, 0);
  if (b->shown == b->repeats * N_POINTS)
    finish (b);
  else if (b->rate_hz == 0)
    {
      gint64 delay = g_rand_int_range (b->rand, 0, (gint32) (2 * b->refresh_us));
      if (b->paced % N_POINTS == 0)
        delay += PEN_UP_US;
      g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) (delay / 1000), paced_arrival, b, NULL);
    }
}

/* ---- the pointer ----------------------------------------------------------------- */

static gpointer
feeder_thread (gpointer data)
{
  Bench *b = data;
  GRand *rand = g_rand_new_with_seed (7);
  double period = 1e6 / b->rate_hz;
  gint64 t = g_get_monotonic_time () + 100000;

  for (int rep = 0; rep < b->repeats; rep++)
    {
      for (int i = 0; i < N_POINTS; i++)
        {
          Arrival *a = g_new0 (Arrival, 1);

          t += (gint64) (period * g_rand_double_range (rand, 0.9, 1.1));
          sleep_until (t);
          a->bench = b;
          a->point.arrival = g_get_monotonic_time ();
          a->point.frames_then = g_atomic_int_get (&b->frames);
          a->point.index = i;
          a->point.rep = rep;
          g_idle_add_full (G_PRIORITY_DEFAULT, on_arrival, a, NULL);
        }
      t += PEN_UP_US;
    }
  g_rand_free (rand);
  return NULL;
}

static void
finish (Bench *b)
{
  int n = b->e2e->len;

  g_signal_handlers_disconnect_by_data (b->clock, b);
  if (b->feeder)
    g_thread_join (b->feeder);
  g_rand_free (b->rand);
  printf ("BENCH latency rate_hz=%.0f refresh_ms=%.1f events=%d frames=%d "
          "e2e_p50_ms=%.2f e2e_p95_ms=%.2f e2e_max_ms=%.2f "
          "wait_p50_ms=%.2f wait_p95_ms=%.2f "
          "work_p50_ms=%.2f work_p95_ms=%.2f work_max_ms=%.2f cpu_p50_ms=%.2f cpu_p95_ms=%.2f "
          "preprocess_p50_ms=%.2f predict_p50_ms=%.2f predict_p95_ms=%.2f "
          "gradcam_p50_ms=%.2f gradcam_p95_ms=%.2f show_p50_ms=%.2f "
          "paint_p50_ms=%.2f paint_p95_ms=%.2f "
          "cpu_prediction_p50_ms=%.2f cpu_prediction_p95_ms=%.2f cpu_rest_p50_ms=%.2f cpu_rest_p95_ms=%.2f "
          "next_frame_pct=%.1f within_frame_pct=%.1f inside_updates=%u inside_p50_ms=%.2f "
          "inside_p95_ms=%.2f rss_kb=%" G_GINT64_FORMAT " renderer=%s%s\n",
          b->rate_hz, b->refresh_us / 1000.0, n, b->frames_measured,
          percentile (b->e2e, 0.5), percentile (b->e2e, 0.95), percentile (b->e2e, 1.0),
          percentile (b->wait, 0.5), percentile (b->wait, 0.95),
          percentile (b->work, 0.5), percentile (b->work, 0.95), percentile (b->work, 1.0),
          percentile (b->cpu, 0.5), percentile (b->cpu, 0.95),
          percentile (b->pre, 0.5), percentile (b->predict, 0.5), percentile (b->predict, 0.95),
          percentile (b->cam, 0.5), percentile (b->cam, 0.95), percentile (b->show, 0.5),
          percentile (b->paint, 0.5), percentile (b->paint, 0.95),
          percentile (b->predict_cpu, 0.5), percentile (b->predict_cpu, 0.95),
          percentile (b->paint_cpu, 0.5), percentile (b->paint_cpu, 0.95),
          100.0 * b->next / MAX (n, 1), 100.0 * b->within / MAX (n, 1), b->inside->len,
          percentile (b->inside, 0.5), percentile (b->inside, 0.95), dg_test_rss_kb (),
          G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (b->window))),
          b->rate_hz == 0 ? " paced=1" : "");
  fflush (stdout);
  g_array_unref (b->queued);
  g_array_unref (b->in_frame);
  g_array_unref (b->e2e);
  g_array_unref (b->wait);
  g_array_unref (b->work);
  g_array_unref (b->cpu);
  g_array_unref (b->pre);
  g_array_unref (b->predict);
  g_array_unref (b->cam);
  g_array_unref (b->show);
  g_array_unref (b->paint);
  g_array_unref (b->predict_cpu);
  g_array_unref (b->paint_cpu);
  g_array_unref (b->inside);
  gtk_window_close (GTK_WINDOW (b->window));
  g_object_unref (b->window);
  g_free (b);
}

static gint64
refresh_interval_us (DgWindow *window)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  GdkMonitor *monitor = gdk_display_get_monitor_at_surface (gdk_surface_get_display (surface),
                                                            surface);
  int mhz = monitor ? gdk_monitor_get_refresh_rate (monitor) : 0;

  return mhz > 0 ? (gint64) (1e9 / mhz) : 16667; /* GDK's default without a rate */
}

static void
on_inside_updated (DgInsideView *view, int grids, int bars, int softmax, gint64 cost_us, Bench *b)
{
  double ms = cost_us / 1000.0;

  if (grids > 0)
    g_array_append_val (b->inside, ms);
}

static gboolean
wait_for_model (gpointer data)
{
  Bench *b = data;

  if (!gtk_widget_get_mapped (GTK_WIDGET (b->window)) || !dg_context_get_model (dg_window_get_context (b->window)))
    return G_SOURCE_CONTINUE;
  b->page = DG_DRAW_PAGE (dg_window_get_page (b->window, "draw"));
  b->canvas = dg_draw_page_get_canvas (b->page);
  {
    GtkWidget *flap = gtk_widget_get_ancestor (GTK_WIDGET (b->page), ADW_TYPE_FLAP);
    if (flap)
      g_signal_connect (adw_flap_get_flap (ADW_FLAP (flap)), "updated",
                        G_CALLBACK (on_inside_updated), b);
  }
  if (b->digits > 1)
    g_action_group_activate_action (dg_draw_page_get_actions (b->page), "number", NULL);
  b->clock = gdk_surface_get_frame_clock (gtk_native_get_surface (GTK_NATIVE (b->window)));
  b->refresh_us = refresh_interval_us (b->window);
  g_signal_connect (b->clock, "flush-events", G_CALLBACK (on_flush_events), b);
  g_signal_connect (b->clock, "before-paint", G_CALLBACK (on_before_paint), b);
  g_signal_connect (b->clock, "after-paint", G_CALLBACK (on_after_paint), b);
  if (b->rate_hz > 0)
    b->feeder = g_thread_new ("bench-pointer", feeder_thread, b);
  else
    g_timeout_add_full (G_PRIORITY_DEFAULT, 100, paced_arrival, b, NULL);
  return G_SOURCE_REMOVE;
}

/* rate_hz < 0: 125; 0: paced, one point per frame at a random phase */
static void
latency_start (DgWindow *window, int repeats, double rate_hz)
{
  Bench *b = g_new0 (Bench, 1);

  b->window = g_object_ref (window);
  b->repeats = MAX (repeats, 1);
  b->rate_hz = rate_hz >= 0 ? rate_hz : 125;
  b->digits = g_getenv ("DIGITS_BENCH_DIGITS") ? CLAMP (atoi (g_getenv ("DIGITS_BENCH_DIGITS")), 1, 6) : 1;
  b->rand = g_rand_new_with_seed (11);
  b->queued = g_array_new (FALSE, FALSE, sizeof (Point));
  b->in_frame = g_array_new (FALSE, FALSE, sizeof (Point));
  b->e2e = g_array_new (FALSE, FALSE, sizeof (double));
  b->wait = g_array_new (FALSE, FALSE, sizeof (double));
  b->work = g_array_new (FALSE, FALSE, sizeof (double));
  b->cpu = g_array_new (FALSE, FALSE, sizeof (double));
  b->pre = g_array_new (FALSE, FALSE, sizeof (double));
  b->predict = g_array_new (FALSE, FALSE, sizeof (double));
  b->cam = g_array_new (FALSE, FALSE, sizeof (double));
  b->show = g_array_new (FALSE, FALSE, sizeof (double));
  b->paint = g_array_new (FALSE, FALSE, sizeof (double));
  b->predict_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  b->paint_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  b->inside = g_array_new (FALSE, FALSE, sizeof (double));
  g_timeout_add (20, wait_for_model, b);
}

/* ---- the executable --------------------------------------------------------------- */

static int repeats = 5;
static gboolean show_inside;
static const char *method;

static void
on_window_added (GtkApplication *app, GtkWindow *window, gpointer data)
{
  const char *rate = g_getenv ("DIGITS_BENCH_RATE");

  if (DG_IS_WINDOW (window))
    {
      GSettings *gsettings = dg_settings_get_gsettings (dg_context_get_settings (
                               dg_window_get_context (DG_WINDOW (window))));
      g_settings_set_boolean (gsettings, "show-inside", show_inside);
      if (method)
        g_settings_set_string (gsettings, "explain-method", method);
    }
  if (DG_IS_WINDOW (window))
    latency_start (DG_WINDOW (window), repeats, rate ? g_ascii_strtod (rate, NULL) : -1);
}

int
main (int argc, char *argv[])
{
  g_autoptr(DgApplication) app = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  dg_test_mark_main ();
  dg_application_keep_frame_buffers_in_heap ();
  setlocale (LC_ALL, "");
  if (argc < 2 || (repeats = atoi (argv[1])) <= 0)
    {
      fprintf (stderr, "usage: %s REPEATS [--inside] [--method NAME] [--model FILE.keras]\n"
                       "  replays a recorded 7 REPEATS times and prints one BENCH line;\n"
                       "  DIGITS_BENCH_RATE=HZ sets the pointer rate (0: one point per frame)\n"
                       "  DIGITS_BENCH_DIGITS=N reads a number of N 7s in number mode\n",
               argv[0]);
      return 2;
    }
  /* the app's own options after the count: --model FILE */
  g_ptr_array_add (args, argv[0]);
  for (int i = 2; i < argc; i++)
    if (g_str_equal (argv[i], "--inside"))
      show_inside = TRUE;
    else if (g_str_equal (argv[i], "--method") && i + 1 < argc)
      method = argv[++i];
    else
      g_ptr_array_add (args, argv[i]);
  /* the settings the benchmark makes stay in memory, not in the user's */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_ptr_array_add (args, NULL);

  dg_application_choose_renderer ();
  app = dg_application_new ();
  /* its own instance, never a remote call into a running app */
  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "window-added", G_CALLBACK (on_window_added), NULL);
  return g_application_run (G_APPLICATION (app), (int) args->len - 1, (char **) args->pdata);
}
