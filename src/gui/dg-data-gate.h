/* dg-data-gate.h: a page's content, or what to do when MNIST is missing.
 *
 * The Train and Evaluate pages put their content in a DgDataGate. While the
 * context finds no MNIST ("data-dir" NULL) the gate shows a status page instead:
 * where Digits looked, "Download MNIST" (nn_mnist_download in a DG_JOB_DOWNLOAD
 * job, with its progress and Cancel) and "Choose Folder…" (checked with
 * nn_mnist_folder_check, then stored in the "mnist-folder" setting). One download
 * runs at a time; every gate shows it. Once MNIST is found the content shows.
 *
 * Signals, for the test probe: "download-finished" (message, NULL on success, ""
 * when cancelled) and "folder-rejected" (path, message).
 */
#pragma once

#include <gtk/gtk.h>
#include "dg-context.h"

G_BEGIN_DECLS

#define DG_TYPE_DATA_GATE (dg_data_gate_get_type ())
G_DECLARE_FINAL_TYPE (DgDataGate, dg_data_gate, DG, DATA_GATE, GtkWidget)

void       dg_data_gate_set_context (DgDataGate *self, DgContext *context);
/* TRUE while the status page shows instead of the content. */
gboolean   dg_data_gate_get_missing (DgDataGate *self);

G_END_DECLS
