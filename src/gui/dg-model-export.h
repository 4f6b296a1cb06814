/* dg-model-export.h: win.export-model, "Export Model…" in the main menu: the current
 * model written to a file the user names, as ONNX (.onnx, the default) or Keras
 * (.keras), in a worker thread; a toast says how it went. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Installs win.export-model on the window class (a DgWindow). */
void dg_model_export_install_action (GtkWidgetClass *widget_class);

G_END_DECLS
