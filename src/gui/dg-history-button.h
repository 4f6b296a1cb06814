/* dg-history-button.h: the Draw page's history: the last 50 drawings since the app
 * started, each with the digit read and how sure the model was, in a popover.
 * Choosing one opens it on the canvas as its raster layer, in one step of history
 * (Undo brings back what was there).
 *
 * A drawing enters the history when it leaves the canvas: cleared, replaced by a
 * picture, or replaced by an older drawing from the history. Its picture is taken
 * when a stroke ends, and after other changes once the drawing has been still for
 * a moment, so drawing costs no extra work per pointer event.
 *
 * Signals: "changed" (entries), "reopened" (position, digit).
 */
#pragma once

#include <gtk/gtk.h>
#include "dg-canvas.h"
#include "dg-context.h"

G_BEGIN_DECLS

#define DG_HISTORY_MAX 50

#define DG_TYPE_HISTORY_BUTTON (dg_history_button_get_type ())
G_DECLARE_FINAL_TYPE (DgHistoryButton, dg_history_button, DG, HISTORY_BUTTON, GtkWidget)

/* Once, by the page: page emits "predicted" and "image-opened" (DgDrawPage). */
void dg_history_button_attach (DgHistoryButton *self, GtkWidget *page, DgContext *context,
                               DgCanvas *canvas);
guint dg_history_button_get_n_entries (DgHistoryButton *self);
/* The digit read of entry position (0: the newest), or -1. */
int   dg_history_button_get_digit (DgHistoryButton *self, guint position);
/* Opens entry position on the canvas, as choosing it in the popover does. */
void  dg_history_button_reopen (DgHistoryButton *self, guint position);

G_END_DECLS
