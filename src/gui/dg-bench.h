/* dg-bench.h: "digits --bench-latency": replays a recorded stroke through the
 * canvas's stroke functions (the path the drag gesture takes) and measures, per
 * pointer event, the time until the frame showing its prediction, probability
 * bars and Grad-CAM has been painted. Prints one BENCH line and quits. */
#pragma once

#include "dg-window.h"

G_BEGIN_DECLS

void dg_bench_latency_start (DgWindow *window, int repeats);

G_END_DECLS
