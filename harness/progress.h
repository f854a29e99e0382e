/* progress.h - a progress bar with rate and ETA on stderr (design.md §6: quiet when stderr is not a
 * terminal unless asked). On a terminal it redraws one line at most 10 times a second; when forced
 * on something else (a log file) it writes a plain line at most every 10 seconds. */
#ifndef FEWSHOT_PROGRESS_H
#define FEWSHOT_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
  PROGRESS_AUTO = 0, /* on when the stream is a terminal */
  PROGRESS_ON = 1,   /* always */
  PROGRESS_OFF = 2   /* never */
} progress_mode;

typedef struct {
  FILE *out;         /* stderr unless set otherwise */
  int enabled;       /* drawing at all */
  int tty;           /* redraw in place (1) or print plain lines (0) */
  char label[160];   /* what is running, e.g. "[3/18] vqav2 4-shot seed 42" */
  size_t total;      /* units of work of this bar */
  size_t done;       /* units finished, including those found done on resume */
  size_t start_done; /* units already done when the bar began (not counted in the rate) */
  double start;      /* monotonic seconds when the bar began */
  double last_draw;  /* monotonic seconds of the last draw */
  int dirty;         /* a partial line is on the terminal */
} progress;

/* Sets p up for `out` (NULL: stderr) in the given mode. Draws nothing. */
void progress_init(progress *p, FILE *out, progress_mode mode);

/* Starts a bar: `label` (copied, truncated to fit), `total` units, `already_done` of them finished
 * before (a resumed run). Draws it. */
void progress_begin(progress *p, const char *label, size_t total, size_t already_done);

/* Sets the number of finished units and redraws when enough time has passed. */
void progress_update(progress *p, size_t done);

/* Draws the final state with the elapsed time and ends the line. */
void progress_end(progress *p);

/* Writes "12.3s", "4m05s" or "2h03m" for `seconds` into buf (a formatting helper, also used by the
 * run loop's messages). */
void progress_format_duration(double seconds, char *buf, size_t size);

#endif
