/* dg-bench.h: "digits --bench-latency N": replays a recorded
 * stroke N times through the canvas's stroke functions (the path the drag gesture
 * takes), with the points arriving at DIGITS_BENCH_RATE per second (default 125,
 * like a common mouse; 0: one per frame, paced) at every phase of the frame clock, and held
 * for the next frame as GDK holds motion events, and measures per point the time
 * from its arrival until the frame showing its prediction, probability bars and
 * Grad-CAM has been painted, and its parts. Prints one BENCH line and quits. */
#pragma once

#include "dg-window.h"
#include "dg-draw-page.h"

G_BEGIN_DECLS

/* rate_hz < 0: 125; 0: paced, one point per frame at a random phase */
void dg_bench_latency_start (DgWindow *window, int repeats, double rate_hz);

G_END_DECLS
