// One linear, iterative pass over a JSON text before JSON.parse: where the first syntax error is,
// how deep the text nests and how many keys its widest object has, each with the path to it. No
// recursion, so any depth is measured without touching the stack, and no part of the text is quoted
// back: a syntax error names a position, never the text around it.

export type JsonPath = (string | number)[];

export interface JsonScan {
  readonly syntax?: { readonly offset: number; readonly message: string };
  /** The deepest nesting of objects and arrays. */
  readonly depth: number;
  /** The first object or array nested deeper than maxDepth: its offset and the path to it. */
  readonly tooDeep?: { readonly offset: number; readonly path: JsonPath };
  /** The first object with more than maxKeys members: how many it has, and the path to it. */
  readonly tooWide?: { readonly keys: number; readonly path: JsonPath };
}

interface Frame {
  readonly object: boolean;
  /** Members of an object, or the index of the current element of an array. */
  count: number;
  /** Offsets of the current member's key, quotes included (objects only). */
  keyStart: number;
  keyEnd: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function scanJson(text: string, maxDepth: number, maxKeys: number): JsonScan {
  const frames: Frame[] = [];
  let depth = 0;
  let tooDeep: JsonScan['tooDeep'];
  let tooWide: { keys: number; path: JsonPath; frame: Frame } | undefined;
  const pathOf = (upTo: number): JsonPath =>
    frames.slice(0, upTo).map((f) => (f.object ? decodeKey(text, f.keyStart, f.keyEnd) : f.count));
  const result = (syntax?: JsonScan['syntax']): JsonScan => {
    if (tooWide) tooWide.keys = tooWide.frame.count;
    return {
      depth,
      ...(syntax ? { syntax } : {}),
      ...(tooDeep ? { tooDeep } : {}),
      ...(tooWide ? { tooWide: { keys: tooWide.keys, path: tooWide.path } } : {}),
    };
  };
  const error = (offset: number, message: string): JsonScan =>
    result({ offset, message: offset >= text.length ? 'unexpected end of input' : message });

  /** Reads a key and its colon at i; returns the offset after the colon, or -1 (error at `failedAt`). */
  let failedAt = 0;
  const key = (frame: Frame, at: number): number => {
    let i = skipSpace(text, at);
    if (text.charCodeAt(i) !== QUOTE) {
      failedAt = i;
      return -1;
    }
    const end = scanString(text, i);
    if (end < 0) {
      failedAt = -end - 1;
      return -1;
    }
    frame.keyStart = i;
    frame.keyEnd = end;
    frame.count++;
    if (frame.count > maxKeys && !tooWide)
      tooWide = { keys: frame.count, path: pathOf(frames.length - 1), frame };
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== 0x3a) {
      failedAt = i;
      return -1;
    }
    return i + 1;
  };

  let i = 0;
  for (;;) {
    // A value starts at i.
    i = skipSpace(text, i);
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      const frame: Frame = { object: c === 0x7b, count: 0, keyStart: 0, keyEnd: 0 };
      frames.push(frame);
      if (frames.length > depth) depth = frames.length;
      if (frames.length > maxDepth && !tooDeep) tooDeep = { offset: i, path: pathOf(frames.length - 1) };
      i = skipSpace(text, i + 1);
      if (text.charCodeAt(i) === (frame.object ? 0x7d : 0x5d)) {
        frames.pop();
        i++;
      } else if (frame.object) {
        i = key(frame, i);
        if (i < 0) return error(failedAt, 'expected a string key');
        continue;
      } else {
        continue;
      }
    } else if (c === QUOTE) {
      const end = scanString(text, i);
      if (end < 0) return error(-end - 1, 'invalid string');
      i = end;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const end = scanNumber(text, i);
      if (end < 0) return error(-end - 1, 'invalid number');
      i = end;
    } else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else return error(i, 'expected a value');

    // After a value: close containers, or move to the next member or element.
    for (;;) {
      i = skipSpace(text, i);
      const frame = frames.at(-1);
      if (!frame) return i < text.length ? error(i, 'unexpected text after the value') : result();
      const ch = text.charCodeAt(i);
      if (ch === 0x2c) {
        if (frame.object) {
          i = key(frame, i + 1);
          if (i < 0) return error(failedAt, 'expected a string key');
        } else {
          frame.count++;
          i++;
        }
        break;
      }
      if (ch === (frame.object ? 0x7d : 0x5d)) {
        frames.pop();
        i++;
        continue;
      }
      return error(i, frame.object ? 'expected "," or "}"' : 'expected "," or "]"');
    }
  }
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** The offset after a string starting at i (a quote), or -(offset of the fault) - 1. */
function scanString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c < 0x20) return -j - 1;
    if (c === BACKSLASH) {
      const e = text.charCodeAt(j + 1);
      if (e === 0x75) {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) return -j - 1;
        j += 5;
      } else if ('"\\/bfnrt'.includes(text.charAt(j + 1)) && j + 1 < text.length) j++;
      else return -j - 1;
    }
  }
  return -text.length - 1;
}

/** The offset after a number starting at i, or -(offset of the fault) - 1. */
function scanNumber(text: string, i: number): number {
  let j = i;
  const digits = (): boolean => {
    const start = j;
    while (text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x39) j++;
    return j > start;
  };
  if (text.charCodeAt(j) === 0x2d) j++;
  if (text.charCodeAt(j) === 0x30) j++;
  else if (!digits()) return -j - 1;
  if (text.charCodeAt(j) === 0x2e) {
    j++;
    if (!digits()) return -j - 1;
  }
  const e = text.charCodeAt(j);
  if (e === 0x65 || e === 0x45) {
    j++;
    const sign = text.charCodeAt(j);
    if (sign === 0x2b || sign === 0x2d) j++;
    if (!digits()) return -j - 1;
  }
  return j;
}

function decodeKey(text: string, start: number, end: number): string {
  try {
    return String(JSON.parse(text.slice(start, end)));
  } catch {
    return '?';
  }
}
