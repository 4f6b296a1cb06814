/* dg-page-util.h: small helpers shared by the Train and Evaluate pages. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The user's models folder, $XDG_DATA_HOME/digits/models, created. Free with g_free. */
char      *dg_page_models_dir (void);
/* "1:23" or "1:02:03" for seconds. Free with g_free. */
char      *dg_page_format_duration (double seconds);
/* Sorted frame-time statistics over samples (µs): " frames=N p50_ms= p95_ms= max_ms=". */
char      *dg_page_frame_stats (GArray *samples_us);

/* Measures the GUI frame time (before-paint to after-paint) of widget's window
 * while started; dg_frame_meter_stop returns the samples (µs, free with
 * g_array_unref). */
typedef struct _DgFrameMeter DgFrameMeter;
DgFrameMeter *dg_frame_meter_start (GtkWidget *widget);
GArray       *dg_frame_meter_stop (DgFrameMeter *meter);

/* The AdwViewStack page that holds page, which may sit inside a scroller the
 * window put around it; NULL when it is in no view stack. */
AdwViewStackPage *dg_page_stack_page (GtkWidget *page);

G_END_DECLS
