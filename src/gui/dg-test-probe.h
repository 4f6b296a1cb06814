/* dg-test-probe.h: the state lines of the test mode (see dg-test-hooks.h).
 *
 * Created only in test mode, for the main window. It watches the window, its
 * pages and dialogs through their properties, signals and template children,
 * and prints the lines the GUI tests wait for; nothing in the product prints
 * them or behaves differently for them.
 */
#pragma once

#include "dg-window.h"

G_BEGIN_DECLS

void dg_test_probe_attach (DgWindow *window);

G_END_DECLS
