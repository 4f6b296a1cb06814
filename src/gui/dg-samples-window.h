/* dg-samples-window.h: the samples folder at a glance: every sample as a thumbnail,
 * one section per digit, each with a Delete button. A deleted sample disappears at
 * once and goes to the trash when its toast goes (Undo, or Ctrl+Z, brings it back
 * until then); closing the window trashes what is still pending.
 *
 * Signals: "shown" (samples shown) after every (re)load and deletion;
 * "deleted" (path), "restored" (path), "trashed" (path, ok).
 */
#pragma once

#include <adwaita.h>
#include "dg-settings.h"

G_BEGIN_DECLS

#define DG_TYPE_SAMPLES_WINDOW (dg_samples_window_get_type ())
G_DECLARE_FINAL_TYPE (DgSamplesWindow, dg_samples_window, DG, SAMPLES_WINDOW, AdwWindow)

DgSamplesWindow *dg_samples_window_new (GtkWindow *parent, DgSettings *settings);
/* Samples listed now (deleted ones not counted). */
int              dg_samples_window_get_n_shown (DgSamplesWindow *self);

G_END_DECLS
