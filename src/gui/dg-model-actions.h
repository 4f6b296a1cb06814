/* dg-model-actions.h: the window's actions on the current model's file:
 * win.rename-model (F2, a dialog that checks the name as it is typed),
 * win.delete-model (to the trash, with an Undo toast) and
 * win.restore-model('PATH') (that toast's Undo). Only the user's own models
 * (those in $XDG_DATA_HOME/digits/models, where the app trains them) can be
 * renamed or deleted: the actions are disabled for the others. */
#pragma once

#include "dg-window.h"

G_BEGIN_DECLS

void dg_model_actions_install (GtkWidgetClass *widget_class);
/* Keeps the actions' enabled state with the window's current model. */
void dg_model_actions_attach (DgWindow *window);

G_END_DECLS
