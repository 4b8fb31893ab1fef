// The CA benchmark of issue 12: workload certificates per second on one core, for the libraries
// that could build them. Each candidate issues the same leaf (one SPIFFE URI SAN, critical; key
// usage; EKU serverAuth + clientAuth; CA:false; subject and authority key ids; a random 128-bit
// serial; 24 h), signed by a CA of the same key type, and outputs the certificate as PEM and the
// private key as PKCS#8 PEM, as a workload needs them.
//
//   node dist/bench/ca-issue.js [--seconds 3] [--count 5000] [--json FILE] [--no-pin]
//   npm run bench -- --ca [same flags]    (the same, through bench/run.ts)
//
// "Key generation included" makes a fresh key pair per certificate; "excluded" cycles through
// 64 keys made beforehand. Each row runs until --count certificates or --seconds, whichever comes
// first, after a short warm-up. One certificate is in flight at a time, and the process re-runs
// itself under `taskset -c 0` with UV_THREADPOOL_SIZE=1 when taskset exists (unless --no-pin), so
// the asynchronous WebCrypto candidates cannot spread over cores either. The first certificate of every row is
// verified against its CA key with node:crypto, so a row measures real certificates. Figures are
// printed, never asserted.
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Algorithm, type Candidate, candidates, SPIFFE } from './ca-candidates.js';

export interface CaBenchRow {
  readonly library: string;
  readonly algorithm: Algorithm;
  readonly keygen: 'included' | 'excluded';
  readonly count: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly verified: boolean;
}

async function measure(
  candidate: Candidate,
  withKeygen: boolean,
  maxSeconds: number,
  maxCount: number,
): Promise<CaBenchRow> {
  const { issue, caPublicKey } = await candidate.setup();
  const first = await issue(withKeygen);
  const leaf = new X509Certificate(first.certPem);
  const verified =
    leaf.verify(caPublicKey) &&
    leaf.subjectAltName === `URI:${SPIFFE}` &&
    leaf.checkPrivateKey(createPrivateKey(first.keyPem)) &&
    createPublicKey(first.keyPem).equals(leaf.publicKey);
  const slow = candidate.algorithm === 'RSA 2048' && withKeygen;
  for (let i = 0; i < (slow ? 1 : 50); i++) await issue(withKeygen); // warm-up
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(maxSeconds * 1e9));
  let count = 0;
  let now = start;
  while (count < maxCount && now < deadline) {
    await issue(withKeygen);
    count++;
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - start) / 1e9;
  return {
    library: candidate.library,
    algorithm: candidate.algorithm,
    keygen: withKeygen ? 'included' : 'excluded',
    count,
    seconds,
    perSecond: count / seconds,
    verified,
  };
}

export function formatCaRows(rows: readonly CaBenchRow[]): string {
  const lines = [
    '| library | key | key generation | certificates/s | count | seconds | verified |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.library} | ${r.algorithm} | ${r.keygen} | ${r.perSecond >= 100 ? Math.round(r.perSecond).toLocaleString('en-US') : r.perSecond.toFixed(1)} | ${r.count} | ${r.seconds.toFixed(2)} | ${r.verified ? 'yes' : 'NO'} |`,
    );
  return lines.join('\n');
}

export async function runCaBenchmark(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seconds: { type: 'string', default: '3' },
      count: { type: 'string', default: '5000' },
      json: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
    },
  });
  const seconds = Number(values.seconds);
  const count = Number(values.count);
  if (!(seconds > 0) || !Number.isInteger(count) || count < 1)
    throw new Error('--seconds and --count must be positive');
  process.stdout.write(
    `CA issuance, one core: ${os.cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, ` +
      `pinned: ${process.env.TRELLIS_CA_BENCH_PINNED === '1' ? 'taskset -c 0, UV_THREADPOOL_SIZE=1' : 'no'}; ${new Date().toISOString()}\n`,
  );
  const rows: CaBenchRow[] = [];
  for (const candidate of candidates())
    for (const withKeygen of [true, false]) {
      const row = await measure(candidate, withKeygen, seconds, count);
      rows.push(row);
      process.stdout.write(
        `  ${row.library}, ${row.algorithm}, keygen ${row.keygen}: ${row.perSecond.toFixed(1)}/s (${row.count} in ${row.seconds.toFixed(2)} s)\n`,
      );
    }
  process.stdout.write(`\n${formatCaRows(rows)}\n`);
  if (values.json) await writeFile(values.json, `${JSON.stringify(rows, null, 2)}\n`);
}

/** Runs the benchmark pinned to one core when taskset exists: itself again, under taskset. */
export function runCaBenchmarkPinned(argv: readonly string[]): number {
  const self = fileURLToPath(import.meta.url);
  if (!existsSync('/usr/bin/taskset') || argv.includes('--no-pin')) return -1;
  const child = spawnSync('/usr/bin/taskset', ['-c', '0', process.execPath, self, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, TRELLIS_CA_BENCH_PINNED: '1', UV_THREADPOOL_SIZE: '1' },
  });
  return child.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  if (process.env.TRELLIS_CA_BENCH_PINNED !== '1' && runCaBenchmarkPinned(argv) >= 0) {
    // the pinned child did the work
  } else
    runCaBenchmark(argv).catch((err: unknown) => {
      process.stderr.write(`ca-issue: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
