// A minimal DER writer and a strict DER structure check. The writer frames the few parts of a
// workload certificate that change per leaf (serial, validity, key, SAN, key id): building them
// through asn1-schema costs ~0.5 ms a leaf, a quarter of the 2,000 leaves/s budget, while the
// parts that never change are serialised once by asn1-x509 (see leaf-template.ts). The checker
// runs before asn1-schema parses untrusted bytes, because asn1js tolerates trailing bytes and
// some truncations that a precise error message must name.

/** Tag, length, value. Lengths are the definite, minimal DER form. */
export function tlv(tag: number, ...parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  return Buffer.concat([Buffer.from([tag]), lengthBytes(length), ...parts]);
}

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  sequence: 0x30,
  set: 0x31,
  utcTime: 0x17,
  generalizedTime: 0x18,
} as const;

export const sequence = (...parts: readonly Uint8Array[]): Buffer => tlv(TAG.sequence, ...parts);

/** A non-negative INTEGER from its unsigned big-endian magnitude, in the minimal encoding. */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const body = magnitude.subarray(start);
  const pad = body.length === 0 || (body[0]! & 0x80) !== 0 ? [Buffer.from([0])] : [];
  return tlv(TAG.integer, ...pad, body);
}

/** The minimal unsigned magnitude of a serial, as hex: what `openssl x509 -serial` prints, lower case. */
export function magnitudeHex(magnitude: Uint8Array): string {
  const hex = Buffer.from(magnitude)
    .toString('hex')
    .replace(/^(00)+/, '');
  return hex === '' ? '00' : hex;
}

/**
 * RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, both in whole seconds with
 * `Z`. The caller truncates to seconds first so the date it reports is the one encoded.
 */
export function x509Time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return date.getUTCFullYear() < 2050
    ? tlv(TAG.utcTime, Buffer.from(digits.slice(2), 'ascii'))
    : tlv(TAG.generalizedTime, Buffer.from(digits, 'ascii'));
}

export function bitString(bytes: Uint8Array): Buffer {
  return tlv(TAG.bitString, Buffer.from([0]), bytes);
}

/** One element of a DER buffer: where its header starts, its value, and where it ends. */
export interface DerElement {
  readonly tag: number;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

/** Reads the element at `offset`, or says precisely why it cannot be read. */
export function readElement(der: Uint8Array, offset: number): DerElement | string {
  if (offset >= der.length) return `expected an element at byte ${offset}, found the end of the data`;
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) return `multi-byte tag at byte ${offset} is not used by X.509`;
  if (offset + 1 >= der.length) return `element at byte ${offset} has no length (data ends)`;
  const first = der[offset + 1]!;
  let length: number;
  let valueStart: number;
  if (first < 0x80) {
    length = first;
    valueStart = offset + 2;
  } else if (first === 0x80) {
    return `indefinite length at byte ${offset + 1} is not DER`;
  } else {
    const count = first & 0x7f;
    if (count > 4) return `length of ${count} bytes at byte ${offset + 1} is too large`;
    if (offset + 2 + count > der.length) return `length at byte ${offset + 1} is cut off (data ends)`;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[offset + 2 + i]!;
    if (der[offset + 2] === 0 || length < 0x80) return `length at byte ${offset + 1} is not minimal DER`;
    valueStart = offset + 2 + count;
  }
  const end = valueStart + length;
  if (end > der.length)
    return `element at byte ${offset} claims ${length} bytes but only ${der.length - valueStart} remain (truncated)`;
  return { tag, start: offset, valueStart, end };
}

/** The children of a constructed element, each checked to fit exactly. */
export function children(der: Uint8Array, parent: DerElement): DerElement[] | string {
  const found: DerElement[] = [];
  for (let at = parent.valueStart; at < parent.end; ) {
    const child = readElement(der.subarray(0, parent.end), at);
    if (typeof child === 'string') return child;
    found.push(child);
    at = child.end;
  }
  return found;
}

/**
 * Checks that `der` is exactly one well-formed DER element, walking every constructed element
 * (and BIT/OCTET STRINGs are not entered: their contents are checked where they are parsed).
 * Bounded by the input: each element visited is at least two bytes.
 */
export function checkDer(der: Uint8Array, maxDepth = 32): string | undefined {
  const top = readElement(der, 0);
  if (typeof top === 'string') return top;
  if (top.end !== der.length) return `${der.length - top.end} bytes follow the end of the outer element`;
  const stack: { element: DerElement; depth: number }[] = [{ element: top, depth: 0 }];
  while (stack.length > 0) {
    const { element, depth } = stack.pop()!;
    if ((element.tag & 0x20) === 0) continue;
    if (depth >= maxDepth) return `elements nest deeper than ${maxDepth} levels`;
    const kids = children(der, element);
    if (typeof kids === 'string') return kids;
    for (const kid of kids) stack.push({ element: kid, depth: depth + 1 });
  }
  return undefined;
}
