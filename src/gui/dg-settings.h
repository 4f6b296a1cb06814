/* dg-settings.h: the app's GSettings behind typed properties.
 *
 * Widgets bind to these properties (g_object_bind_property); the properties are
 * bound to the GSettings keys (g_settings_bind), so a change from either side,
 * or from dconf, reaches everything.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DG_TYPE_SETTINGS (dg_settings_get_type ())
G_DECLARE_FINAL_TYPE (DgSettings, dg_settings, DG, SETTINGS, GObject)

#define DG_BRUSH_MIN     6
#define DG_BRUSH_MAX     40
#define DG_BRUSH_DEFAULT 14

DgSettings *dg_settings_new (void);
GSettings  *dg_settings_get_gsettings (DgSettings *self);

int         dg_settings_get_brush_size (DgSettings *self);
void        dg_settings_set_brush_size (DgSettings *self, int size);
gboolean    dg_settings_get_dark_canvas (DgSettings *self);
void        dg_settings_set_dark_canvas (DgSettings *self, gboolean dark);
gboolean    dg_settings_get_show_gradcam (DgSettings *self);
void        dg_settings_set_show_gradcam (DgSettings *self, gboolean show);
gboolean    dg_settings_get_gradcam_on_canvas (DgSettings *self);
void        dg_settings_set_gradcam_on_canvas (DgSettings *self, gboolean on);
const char *dg_settings_get_last_model (DgSettings *self);
void        dg_settings_set_last_model (DgSettings *self, const char *path);
/* The samples folder, with the default ($XDG_DATA_HOME/digits/my_digits) filled in.
 * Free with g_free. */
char       *dg_settings_dup_samples_folder (DgSettings *self);
void        dg_settings_set_samples_folder (DgSettings *self, const char *path);

G_END_DECLS
