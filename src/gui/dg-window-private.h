/* dg-window-private.h: the window's fields, shared with dg-window-actions.c.
 * Grouped as in GNOME Text Editor: template children, borrowed, owned. */
#pragma once

#include "dg-window.h"
#include "dg-model.h"
#include "dg-model-list.h"
#include "dg-prediction-view.h"

G_BEGIN_DECLS

struct _DgWindow {
  AdwApplicationWindow parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  GtkDropDown *model_dropdown;
  GtkWidget *open_button;
  GtkMenuButton *info_button;
  GtkMenuButton *menu_button;
  GtkLabel *info_title;
  GtkLabel *info_summary;
  GtkGrid *info_layers;
  AdwViewStack *view_stack;
  GtkStack *draw_stack;
  AdwStatusPage *no_model_page;
  DgCanvas *canvas;
  GtkWidget *undo_button;
  GtkWidget *redo_button;
  GtkWidget *clear_button;
  GtkWidget *brush_scale;
  GtkAdjustment *brush_adjustment;
  GtkWidget *dark_toggle;
  GtkWidget *heat_toggle;
  GtkWidget *predict_button;
  GtkWidget *save_button;
  DgPredictionView *prediction_view;

  /* owned */
  DgSettings *settings;
  DgModelList *models;
  DgModel *model;
  guint load_serial;       /* a load's result counts only if no newer one started */
  guint selecting;         /* > 0 while the code, not the user, moves the selection */
  guint update_tick;       /* the pending prediction, run in the next frame */
  gint64 change_time;      /* monotonic µs of the oldest change not yet predicted */
  int prediction;          /* top class shown, or -1 */
  float input[28 * 28];    /* the last model input */
  gboolean first_frame_seen;
  gint64 last_predict_us;  /* time spent in the last prediction, for the benchmark */
  DgPredictTimings timings; /* and its parts */
};

void dg_window_install_actions (GtkWidgetClass *widget_class);
void dg_window_update_actions (DgWindow *self);
/* what: "READY" after the first frame, "LAYOUT" after a page appeared */
void dg_window_report_ready (DgWindow *self, const char *what);

G_END_DECLS
