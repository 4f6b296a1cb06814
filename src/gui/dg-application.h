/* dg-application.h: the Digits application: app actions, About, Preferences,
 * the command-line options, and the test mode (see dg-test-hooks.h). */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DG_TYPE_APPLICATION (dg_application_get_type ())
G_DECLARE_FINAL_TYPE (DgApplication, dg_application, DG, APPLICATION, AdwApplication)

DgApplication *dg_application_new (void);
/* Call before the application runs: without a GPU, and unless the user chose a
 * renderer (GSK_RENDERER, GDK_DEBUG), start GTK without OpenGL and render with
 * Cairo. Returns TRUE if it did so. */
gboolean       dg_application_choose_renderer (void);
/* Call first in main: frame-sized buffers stay in the heap (see the .c file). */
void           dg_application_keep_frame_buffers_in_heap (void);

G_END_DECLS
