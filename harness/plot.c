/* plot.c - the summary.svg writer (plot.h). */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "taskinfo.h"

/* Escapes text for SVG character data. */
static void out_text(strbuf *b, const char *s) {
  for (; *s; s++) {
    switch (*s) {
      case '<': strbuf_printf(b, "&lt;"); break;
      case '>': strbuf_printf(b, "&gt;"); break;
      case '&': strbuf_printf(b, "&amp;"); break;
      case '"': strbuf_printf(b, "&quot;"); break;
      default: strbuf_printf(b, "%c", *s);
    }
  }
}

static double nice_step(double range) {
  double raw = range / 4.0, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
  return (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0) * mag;
}

enum { PANEL_W = 320, PANEL_H = 240, COLS = 3, M_LEFT = 52, M_RIGHT = 16, M_TOP = 34, M_BOTTOM = 40 };

char *plot_summary_svg(const summary *s, const reference_card *ref, const char *ref_model) {
  strbuf b = {0};
  const reference_model *rm = NULL;
  if (ref) rm = reference_find_model(ref, ref_model ? ref_model : ref->default_model);
  /* Tasks in summary order (cells are sorted by task, then shots). */
  const char *tasks[64];
  int n_tasks = 0;
  for (size_t i = 0; i < s->n_cells && n_tasks < 64; i++)
    if (!n_tasks || strcmp(tasks[n_tasks - 1], s->cells[i].task) != 0) tasks[n_tasks++] = s->cells[i].task;
  int rows = n_tasks ? (n_tasks + COLS - 1) / COLS : 1;
  int cols = n_tasks < COLS ? (n_tasks ? n_tasks : 1) : COLS;
  int width = cols * PANEL_W, height = rows * PANEL_H + 30;
  strbuf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  strbuf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
          "font-family=\"sans-serif\" font-size=\"11\">\n", width, height, width, height);
  strbuf_printf(&b, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  if (!n_tasks) strbuf_printf(&b, "<text x=\"10\" y=\"20\">no results yet</text>\n");
  for (int t = 0; t < n_tasks; t++) {
    const taskinfo *ti = taskinfo_lookup(tasks[t]);
    int ox = (t % COLS) * PANEL_W, oy = (t / COLS) * PANEL_H;
    /* Shots of this task (ours and the card's), ascending, placed evenly. */
    int shots[32], n_shots = 0;
    double lo = INFINITY, hi = -INFINITY;
    const char *metric = "score";
    for (size_t i = 0; i < s->n_cells; i++) {
      const summary_cell *c = &s->cells[i];
      if (strcmp(c->task, tasks[t]) != 0) continue;
      metric = c->metric;
      if (n_shots < 32) shots[n_shots++] = c->shots;
      for (size_t k = 0; k < c->n_trials; k++) {
        double v = c->trials[k].score;
        if (isfinite(v)) lo = fmin(lo, v), hi = fmax(hi, v);
      }
      if (isfinite(c->mean)) {
        double sd = isfinite(c->stddev) ? c->stddev : 0.0;
        lo = fmin(lo, c->mean - sd), hi = fmax(hi, c->mean + sd);
      }
      double rv;
      if (rm && reference_lookup(rm, c->task, c->shots, &rv) && isfinite(rv)) lo = fmin(lo, rv), hi = fmax(hi, rv);
    }
    if (!isfinite(lo)) lo = 0.0, hi = 1.0;
    if (hi - lo < 1e-9) lo -= 1.0, hi += 1.0;
    double step = nice_step(hi - lo);
    lo = floor(lo / step) * step;
    hi = ceil(hi / step) * step;
    double px0 = ox + M_LEFT, px1 = ox + PANEL_W - M_RIGHT, py0 = oy + PANEL_H - M_BOTTOM, py1 = oy + M_TOP;
#define XPOS(i) (n_shots > 1 ? px0 + 20 + (px1 - px0 - 40) * (double)(i) / (n_shots - 1) : (px0 + px1) / 2)
#define YPOS(v) (py0 - (py0 - py1) * ((v)-lo) / (hi - lo))
    strbuf_printf(&b, "<g>\n<text x=\"%g\" y=\"%d\" font-size=\"13\" font-weight=\"bold\">", px0, oy + 18);
    out_text(&b, ti ? ti->title : tasks[t]);
    strbuf_printf(&b, "</text><text x=\"%g\" y=\"%d\" fill=\"#555\" text-anchor=\"end\">", px1, oy + 18);
    out_text(&b, strcmp(metric, "vqa_accuracy") == 0 ? "VQA accuracy (%)" : strcmp(metric, "cider") == 0 ? "CIDEr x 100" : metric);
    strbuf_printf(&b, "</text>\n");
    strbuf_printf(&b, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"#999\"/>\n", px0, py1,
        px1 - px0, py0 - py1);
    for (double v = lo; v <= hi + step * 1e-6; v += step) {
      double y = YPOS(v);
      strbuf_printf(&b, "<line x1=\"%g\" y1=\"%.2f\" x2=\"%g\" y2=\"%.2f\" stroke=\"#eee\"/>", px0, y, px1, y);
      strbuf_printf(&b, "<text x=\"%g\" y=\"%.2f\" text-anchor=\"end\" fill=\"#555\">%g</text>\n", px0 - 4, y + 4, v);
    }
    for (int i = 0; i < n_shots; i++)
      strbuf_printf(&b, "<text x=\"%.2f\" y=\"%g\" text-anchor=\"middle\" fill=\"#555\">%d</text>\n", XPOS(i), py0 + 14, shots[i]);
    strbuf_printf(&b, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\" fill=\"#555\">shots</text>\n", (px0 + px1) / 2, py0 + 30);
    /* Reference line (dashed), then our mean line, std bars, and each seed's point. */
    if (rm) {
      int started = 0;
      for (int i = 0; i < n_shots; i++) {
        double rv;
        if (!reference_lookup(rm, tasks[t], shots[i], &rv) || !isfinite(rv)) continue;
        if (!started) strbuf_printf(&b, "<polyline fill=\"none\" stroke=\"#d95f02\" stroke-dasharray=\"5,3\" points=\"");
        strbuf_printf(&b, "%.2f,%.2f ", XPOS(i), YPOS(rv));
        started = 1;
      }
      if (started) strbuf_printf(&b, "\"/>\n");
      for (int i = 0; i < n_shots; i++) {
        double rv;
        if (!reference_lookup(rm, tasks[t], shots[i], &rv) || !isfinite(rv)) continue;
        double x = XPOS(i), y = YPOS(rv);
        strbuf_printf(&b, "<path d=\"M%.2f %.2f l4 7 h-8 z\" fill=\"#d95f02\"><title>card %s: %g</title></path>\n", x, y - 4,
            rm->name, rv);
      }
    }
    int started = 0;
    for (int i = 0; i < n_shots; i++) {
      const summary_cell *c = NULL;
      for (size_t k = 0; k < s->n_cells; k++)
        if (s->cells[k].shots == shots[i] && strcmp(s->cells[k].task, tasks[t]) == 0) c = &s->cells[k];
      if (!c || !isfinite(c->mean)) continue;
      if (!started) strbuf_printf(&b, "<polyline fill=\"none\" stroke=\"#1b6ac9\" stroke-width=\"2\" points=\"");
      strbuf_printf(&b, "%.2f,%.2f ", XPOS(i), YPOS(c->mean));
      started = 1;
    }
    if (started) strbuf_printf(&b, "\"/>\n");
    for (int i = 0; i < n_shots; i++) {
      const summary_cell *c = NULL;
      for (size_t k = 0; k < s->n_cells; k++)
        if (s->cells[k].shots == shots[i] && strcmp(s->cells[k].task, tasks[t]) == 0) c = &s->cells[k];
      if (!c) continue;
      double x = XPOS(i);
      if (isfinite(c->mean)) {
        double sd = isfinite(c->stddev) ? c->stddev : 0.0;
        strbuf_printf(&b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#1b6ac9\"/>", x, YPOS(c->mean - sd), x,
            YPOS(c->mean + sd));
        strbuf_printf(&b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#1b6ac9\"/>", x - 5, YPOS(c->mean - sd),
            x + 5, YPOS(c->mean - sd));
        strbuf_printf(&b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#1b6ac9\"/>\n", x - 5, YPOS(c->mean + sd),
            x + 5, YPOS(c->mean + sd));
        strbuf_printf(&b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"4\" fill=\"#1b6ac9\"><title>mean %.4g +- %.3g over %zu seeds</title></circle>\n",
            x, YPOS(c->mean), c->mean, sd, c->n_trials);
      }
      for (size_t k = 0; k < c->n_trials; k++) {
        double v = c->trials[k].score;
        if (!isfinite(v)) continue;
        double dx = 10.0 + 3.0 * (double)(k % 4);
        strbuf_printf(&b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" fill=\"#444\" fill-opacity=\"0.6\"><title>seed %lld: %.4g</title></circle>\n",
            x + dx, YPOS(v), c->trials[k].seed, v);
      }
    }
    strbuf_printf(&b, "</g>\n");
#undef XPOS
#undef YPOS
  }
  /* Legend. */
  int ly = height - 12;
  strbuf_printf(&b, "<g font-size=\"11\"><circle cx=\"14\" cy=\"%d\" r=\"4\" fill=\"#1b6ac9\"/><text x=\"22\" y=\"%d\">", ly - 4, ly);
  out_text(&b, s->label ? s->label : "run");
  strbuf_printf(&b, ": mean ± std over seeds</text>");
  strbuf_printf(&b, "<circle cx=\"230\" cy=\"%d\" r=\"2.5\" fill=\"#444\"/><text x=\"238\" y=\"%d\">one seed</text>", ly - 4, ly);
  if (rm) {
    strbuf_printf(&b, "<line x1=\"310\" y1=\"%d\" x2=\"330\" y2=\"%d\" stroke=\"#d95f02\" stroke-dasharray=\"5,3\"/><text x=\"336\" y=\"%d\">card: ", ly - 4, ly - 4, ly);
    out_text(&b, rm->name);
    strbuf_printf(&b, "</text>");
  }
  strbuf_printf(&b, "</g>\n</svg>\n");
  return strbuf_finish(&b);
}
