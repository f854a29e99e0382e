/* progress.c - the stderr progress bar (progress.h). */
#include "progress.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void progress_init(progress *p, FILE *out, progress_mode mode) {
  memset(p, 0, sizeof *p);
  p->out = out ? out : stderr;
  p->tty = isatty(fileno(p->out));
  p->enabled = mode == PROGRESS_ON || (mode == PROGRESS_AUTO && p->tty);
}

void progress_format_duration(double seconds, char *buf, size_t size) {
  if (!isfinite(seconds) || seconds < 0) snprintf(buf, size, "?");
  else if (seconds < 60) snprintf(buf, size, "%.1fs", seconds);
  else if (seconds < 3600) snprintf(buf, size, "%dm%02ds", (int)(seconds / 60), (int)fmod(seconds, 60));
  else snprintf(buf, size, "%dh%02dm", (int)(seconds / 3600), (int)fmod(seconds / 60, 60));
}

static void draw(progress *p, int final) {
  double t = now_s(), elapsed = t - p->start;
  size_t fresh = p->done > p->start_done ? p->done - p->start_done : 0;
  double rate = elapsed > 0 ? (double)fresh / elapsed : 0.0;
  double frac = p->total ? (double)p->done / (double)p->total : 1.0;
  if (frac > 1.0) frac = 1.0;
  char eta[32], took[32];
  if (final) progress_format_duration(elapsed, took, sizeof took);
  else if (rate > 0) progress_format_duration((double)(p->total - (p->done < p->total ? p->done : p->total)) / rate, eta, sizeof eta);
  else snprintf(eta, sizeof eta, "?");
  enum { WIDTH = 24 };
  int fill = (int)(frac * WIDTH + 0.5);
  if (p->tty) fputs("\r\033[K", p->out);
  fprintf(p->out, "%s [", p->label);
  for (int i = 0; i < WIDTH; i++) fputs(i < fill ? (p->tty ? "█" : "#") : (p->tty ? "░" : "-"), p->out);
  fprintf(p->out, "] %zu/%zu %5.1f%% %.2f/s", p->done, p->total, 100.0 * frac, rate);
  if (final) fprintf(p->out, " in %s\n", took);
  else fprintf(p->out, " ETA %s%s", eta, p->tty ? "" : "\n");
  fflush(p->out);
  p->dirty = p->tty && !final;
  p->last_draw = t;
}

void progress_begin(progress *p, const char *label, size_t total, size_t already_done) {
  snprintf(p->label, sizeof p->label, "%s", label ? label : "");
  p->total = total;
  p->done = p->start_done = already_done;
  p->start = p->last_draw = now_s();
  if (p->enabled && p->tty) draw(p, 0);
}

void progress_update(progress *p, size_t done) {
  p->done = done;
  if (!p->enabled) return;
  double gap = p->tty ? 0.1 : 10.0;
  if (now_s() - p->last_draw >= gap) draw(p, 0);
}

void progress_end(progress *p) {
  if (!p->enabled) return;
  draw(p, 1);
}
