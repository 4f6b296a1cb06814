/* dg-window.h: the main window: the model selector and the Draw / Train / Evaluate
 * pages, which share one DgContext. */
#pragma once

#include <adwaita.h>
#include "dg-context.h"
#include "dg-settings.h"

G_BEGIN_DECLS

#define DG_TYPE_WINDOW (dg_window_get_type ())
G_DECLARE_FINAL_TYPE (DgWindow, dg_window, DG, WINDOW, AdwApplicationWindow)

DgWindow  *dg_window_new (AdwApplication *app, DgSettings *settings);
DgContext *dg_window_get_context (DgWindow *self);
/* The page called name ("draw", "train", "evaluate"), or NULL. */
GtkWidget *dg_window_get_page (DgWindow *self, const char *name);
/* Loads path in the background and selects it when it loads; on failure a toast
 * shows the engine's message and the current model stays. */
void       dg_window_open_model (DgWindow *self, const char *path);
/* Shows the Draw page and reads the PNG or JPEG at path_or_uri there
 * (draw.open-image); a file that is no picture gets a toast naming it. */
void       dg_window_open_image (DgWindow *self, const char *path_or_uri);

G_END_DECLS
