/* dg-test-hooks.h: state lines for tests and benchmarks (GUI_TESTING.md).
 *
 * With DIGITS_TEST_MODE=1 the app prints one line per state change on stdout:
 *   READY canvas=X,Y,W,H undo=... startup_ms=... rss_kb=...   after the first frame
 *   STARTUP main=WALL/CPU ... gui_thread_cpu_ms=...              right after READY: when
 *     start-up reached each stage, ms since the process started (dg_test_stamp)
 *   PREDICTION digit=7 confidence=0.93 ...                        after each update
 *   MODEL loaded name=... / MODEL error ...                       after each load
 *   TOAST ...                     SAMPLE saved path=...           EXIT rc=0
 * Geometry is in X-window coordinates, ready for xdotool --window. In normal use
 * nothing is printed and nothing is measured. The lines come from the test probe
 * (dg-test-probe.c), which watches the window and its pages; the product itself
 * only stamps its start-up stages (dg_test_stamp).
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean dg_test_mode (void);
void     dg_test_print (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* The microseconds since the process started (from /proc), or since main(). */
gint64   dg_test_process_age_us (void);
void     dg_test_mark_main (void);
/* Microseconds since main() started, and CPU time the process has used. */
gint64   dg_test_main_age_us (void);
gint64   dg_test_process_cpu_us (void);
/* CPU time the calling thread has used. */
gint64   dg_test_thread_cpu_us (void);
/* In test mode, remembers when (wall and CPU time since the process started) the
 * start-up reached NAME (a static string); dg_test_stamps() gives them all as
 * " name=wall/cpu" in ms, for the STARTUP line. */
void     dg_test_stamp (const char *name);
char    *dg_test_stamps (void);
/* VmRSS in KiB, or -1. */
gint64   dg_test_rss_kb (void);
/* "x,y,w,h" of widget in its window's X surface. Free with g_free. */
char    *dg_test_widget_geometry (GtkWidget *widget);
/* Saves the window's rendering to a PNG after its next frame, then calls done. */
void     dg_test_screenshot_after_next_frame (GtkWidget *window, const char *path,
                                              GFunc done, gpointer user_data);

G_END_DECLS
