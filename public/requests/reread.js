// @ts-check
/**
 * Reading something again when the activity log moves (seats.js,
 * mineLicenses.js): entries come in bursts (a bulk decision, a replay after a
 * reconnection), and one read after the burst says what each would have.
 * `soon` reads after a pause in the calls, and at the latest `maxWaitMs` after
 * the first of them, so a steady stream still reads now and then. One read at
 * a time: a call while one is on its way makes one more follow it (that
 * entry may have committed after the read's answer was made), so the last
 * answer shown is never older than the last entry.
 */

/**
 * @param {() => Promise<void>} read reads and shows the answer
 * @param {(error: unknown) => void} onError what a read after entries does with its failure
 * @param {{ pauseMs?: number, maxWaitMs?: number }} [options]
 */
export function rereader(read, onError, { pauseMs = 250, maxWaitMs = 2_000 } = {}) {
  let reading = false;
  let again = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {number | null} */
  let waitingSince = null;

  /** Reads now, or after the read on its way. */
  const now = async () => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      await read();
    } finally {
      reading = false;
      if (again) {
        again = false;
        now().catch(onError);
      }
    }
  };

  return {
    /**
     * Reads now (or right after the read on its way); its own failure rejects.
     * @returns {Promise<void>}
     */
    now,
    /** Something may have changed: reads once the calls pause. */
    soon() {
      const at = Date.now();
      waitingSince ??= at;
      clearTimeout(timer);
      timer = setTimeout(
        () => {
          timer = undefined;
          waitingSince = null;
          now().catch(onError);
        },
        Math.max(0, Math.min(pauseMs, waitingSince + maxWaitMs - at)),
      );
    },
    /** Forgets a read asked for and not yet started (signing out). */
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      waitingSince = null;
      again = false;
    },
  };
}
