// `trellis credential`: the sidecar's credential step as a command (the args sidecar-container.ts
// writes). Kept here, whole, so that the CLI only has to route the word `credential` to
// credentialCommand.
import { parseArgs } from 'node:util';
import type { Logger } from '../log.js';
import { fail, ok, type Result } from '../model/result.js';
import { type RunOptions, runCredentialAgent } from './credential-agent.js';

export type CredentialArgs = Omit<RunOptions, 'logger' | 'signal'>;

const REQUIRED = ['address', 'server-name', 'token-file', 'ca-root-file', 'out-dir'] as const;

export function parseCredentialArgs(argv: readonly string[]): Result<CredentialArgs, string> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    return fail([e instanceof Error ? e.message : String(e)]);
  }
  const v = parsed.values;
  const missing = REQUIRED.filter((name) => !v[name]);
  if (missing.length > 0) return fail(missing.map((name) => `--${name} is required`));
  const validity = v['validity-seconds'] === undefined ? undefined : Number(v['validity-seconds']);
  if (validity !== undefined && !(Number.isSafeInteger(validity) && validity > 0))
    return fail([`--validity-seconds: "${v['validity-seconds']}" is not a positive whole number`]);
  return ok({
    address: v.address!,
    serverName: v['server-name']!,
    tokenFile: v['token-file']!,
    caRootFile: v['ca-root-file']!,
    outDir: v['out-dir']!,
    once: v.once ?? false,
    ...(validity !== undefined ? { validitySeconds: validity } : {}),
  });
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      address: { type: 'string' },
      'server-name': { type: 'string' },
      'token-file': { type: 'string' },
      'ca-root-file': { type: 'string' },
      'out-dir': { type: 'string' },
      'validity-seconds': { type: 'string' },
      once: { type: 'boolean' },
    },
  });
}

/** Runs the step; the exit code: 0 when done (or stopped), 2 for a usage error, 1 when `--once` failed. */
export async function credentialCommand(
  argv: readonly string[],
  logger: Logger,
  signal?: AbortSignal,
): Promise<number> {
  const args = parseCredentialArgs(argv);
  if (!args.ok) {
    for (const error of args.errors) logger.error(`trellis credential: ${error}`);
    return 2;
  }
  try {
    await runCredentialAgent({ ...args.value, logger, ...(signal ? { signal } : {}) });
    return 0;
  } catch (err) {
    logger.error({ reason: err instanceof Error ? err.message : String(err) }, 'trellis credential failed');
    return 1;
  }
}
