/* dg-preferences.h: the Preferences window, a view of DgSettings. */
#pragma once

#include <adwaita.h>
#include "dg-settings.h"

G_BEGIN_DECLS

#define DG_TYPE_PREFERENCES (dg_preferences_get_type ())
G_DECLARE_FINAL_TYPE (DgPreferences, dg_preferences, DG, PREFERENCES, AdwPreferencesWindow)

DgPreferences *dg_preferences_new (GtkWindow *parent, DgSettings *settings);

G_END_DECLS
