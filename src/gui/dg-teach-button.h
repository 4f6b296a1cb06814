/* dg-teach-button.h: "It's a…" on the Draw page: ten digits to correct the reading
 * with (and the keys 0 … 9 while the page shows a drawing), the personal model's
 * state, and Reset Personal Model. The work is a DgTeacher's (dg-teacher.h).
 *
 * Actions, on this widget: teach.correct(i) for digit i, teach.reset. Correcting
 * needs a drawing, a model and the page showing.
 */
#pragma once

#include <gtk/gtk.h>
#include "dg-canvas.h"
#include "dg-context.h"
#include "dg-teacher.h"

G_BEGIN_DECLS

#define DG_TYPE_TEACH_BUTTON (dg_teach_button_get_type ())
G_DECLARE_FINAL_TYPE (DgTeachButton, dg_teach_button, DG, TEACH_BUTTON, GtkWidget)

/* Once, by the page that holds it: the context and the canvas whose drawing is taught. */
void       dg_teach_button_attach (DgTeachButton *self, DgContext *context, DgCanvas *canvas);
DgTeacher *dg_teach_button_get_teacher (DgTeachButton *self);

G_END_DECLS
