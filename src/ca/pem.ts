// PEM (RFC 7468) in and out. Reading is strict and bounded because PEM reaches the CA from files a
// user supplies and from CSRs a workload sends: only whitespace outside the blocks, strict base64
// inside, and every failure is a reason naming the block, never an exception.

export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

export function toPem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  let body = '';
  for (let i = 0; i < base64.length; i += 64) body += `${base64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 ]{1,64})-----$/;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Every block of `text`, in order, or the first reason it is not PEM. `maxBlocks` bounds the work
 * on hostile input.
 */
export function readPem(text: string, maxBlocks = 64): { blocks: PemBlock[] } | { error: string } {
  const lines = text.split(/\r?\n/);
  const blocks: PemBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!.trim();
    i++;
    if (line === '') continue;
    const begin = BEGIN.exec(line);
    if (!begin) return { error: `line ${i}: text outside a PEM block (expected "-----BEGIN ...-----")` };
    const label = begin[1]!;
    if (blocks.length >= maxBlocks) return { error: `more than ${maxBlocks} PEM blocks` };
    const start = i;
    const body: string[] = [];
    let ended = false;
    while (i < lines.length) {
      const inner = lines[i]!.trim();
      i++;
      if (inner === `-----END ${label}-----`) {
        ended = true;
        break;
      }
      if (inner.startsWith('-----'))
        return {
          error: `line ${i}: "${inner.slice(0, 80)}" inside the ${label} block begun at line ${start}`,
        };
      if (!BASE64_LINE.test(inner)) return { error: `line ${i}: not base64 inside the ${label} block` };
      body.push(inner);
    }
    if (!ended) return { error: `the ${label} block begun at line ${start} has no END line (truncated?)` };
    const base64 = body.join('');
    if (base64.length === 0) return { error: `the ${label} block begun at line ${start} is empty` };
    if (base64.length % 4 !== 0 || /=[^=]/.test(base64))
      return { error: `the ${label} block begun at line ${start} has base64 of a broken length or padding` };
    blocks.push({ label, der: Buffer.from(base64, 'base64') });
  }
  return { blocks };
}

/** Exactly the blocks of one label, at least one; anything else is a reason. */
export function readPemOf(
  text: string,
  label: string,
  maxBlocks = 64,
): { ders: Buffer[] } | { error: string } {
  const read = readPem(text, maxBlocks);
  if ('error' in read) return read;
  if (read.blocks.length === 0) return { error: `no PEM block (expected ${label})` };
  const other = read.blocks.find((b) => b.label !== label);
  if (other) return { error: `a ${other.label} block where only ${label} is expected` };
  return { ders: read.blocks.map((b) => b.der) };
}
