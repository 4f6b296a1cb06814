/* dg-application.h: the Digits application: app actions, About, Preferences,
 * the command-line options, and the test mode (see dg-test-hooks.h). */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DG_TYPE_APPLICATION (dg_application_get_type ())
G_DECLARE_FINAL_TYPE (DgApplication, dg_application, DG, APPLICATION, AdwApplication)

DgApplication *dg_application_new (void);

G_END_DECLS
