/* dg-window-private.h: the window's fields, shared with dg-window-actions.c.
 * Grouped as in GNOME Text Editor: template children, borrowed, owned. */
#pragma once

#include "dg-window.h"
#include "dg-draw-page.h"

G_BEGIN_DECLS

struct _DgWindow {
  AdwApplicationWindow parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  GtkDropDown *model_dropdown;
  GtkMenuButton *info_button;
  GtkLabel *info_title;
  GtkLabel *info_summary;
  GtkGrid *info_layers;
  AdwViewStack *view_stack;
  AdwViewSwitcherTitle *switcher_title;
  GtkRevealer *switcher_bar;

  /* borrowed: the pages, children of view_stack */
  DgDrawPage *draw_page;
  GtkWidget *train_page;
  GtkWidget *evaluate_page;

  /* owned */
  DgContext *context;
  guint selecting;         /* > 0 while the code, not the user, moves the selection */
  gboolean model_stamped;
  guint reveal_source;     /* the pending update of switcher_bar */
  GHashTable *toasts;      /* topic or text -> the toast showing about it */
  GHashTable *accuracies;  /* model path -> its stored test accuracy, once loaded */
};

void dg_window_install_actions (GtkWidgetClass *widget_class);

G_END_DECLS
