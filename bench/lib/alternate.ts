/**
 * One uncounted warm-up of each side, then `reps` repetitions with the order swapped every time, so
 * a machine's drift hits both sides alike. `reset` drops what the warm-up recorded; `b` gets the
 * repetition's index (-1 for the warm-up).
 */
export async function alternate(reps: number, a: () => Promise<void>, b: (rep: number) => Promise<void>, reset: () => void): Promise<void> {
  await a();
  await b(-1);
  reset();
  for (let k = 0; k < reps; k++) {
    if (k % 2 === 0) {
      await a();
      await b(k);
    } else {
      await b(k);
      await a();
    }
  }
}
