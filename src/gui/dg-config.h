/* dg-config.h: build configuration and i18n, included first by every GUI file. */
#pragma once

#include "dg-build-config.h"

#include <glib/gi18n.h>

G_BEGIN_DECLS

/* TRUE when this process is the binary in the build tree, not an installed one. */
gboolean    dg_running_uninstalled (void);
/* Where the .mo files are: the build tree's po/ when uninstalled, else LOCALEDIR. */
const char *dg_locale_dir (void);

G_END_DECLS
