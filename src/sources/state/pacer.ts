// Lets the event loop run during long synchronous work. Parsing a large manifest file, or building
// the state of a large directory, takes seconds of CPU; done in one go it would stall every xDS
// stream and the admin server for as long. Work is cut into steps, and between steps `pause()`
// yields (setImmediate, so I/O callbacks run) once a slice of time has been used.

/** About one frame of a busy server: long enough to amortise the yield, short enough not to be seen. */
const SLICE_MS = 10;

export class Pacer {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs = SLICE_MS) {}

  /** A promise to await when the slice is used up; undefined (go on) otherwise. */
  pause(): Promise<void> | undefined {
    if (performance.now() - this.sliceStart < this.sliceMs) return undefined;
    return new Promise((resolve) => {
      setImmediate(() => {
        this.sliceStart = performance.now();
        resolve();
      });
    });
  }
}
