// The rendered rules against the real tools, in throwaway network namespaces: iptables-restore
// accepts them, iptables-save reads back exactly what we meant (chain by chain, in order), the init
// script (deploy/proxy-init/trellis-init.sh) applies them and re-runs cleanly, and real TCP
// connections go where the rules say.
//
// Needs root, iproute2 and iptables (Debian's `iptables` package; .ci/run installs it). Without
// them, or where `ip netns add` is refused (a container without CAP_SYS_ADMIN), the suite is skipped
// and says why. The packet test also needs python3 (the C-core tests' interpreter).
//
// Backend: Debian's `iptables` is iptables-nft; iptables-legacy is the same package. Both load and
// read back these rules identically inside a netns on this CI's kernel (6.x, checked by hand), so
// the test uses nft, Debian's default and what the init image runs, and falls back to legacy only
// where nft cannot load a nat table. The backend is printed.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redirectRules } from '../../src/injector/iptables-render.js';
import { TRELLIS_CHAINS } from '../../src/injector/iptables-rules.js';

const COMMAND_TIMEOUT_MS = 10_000;
const SCRIPT = path.resolve(import.meta.dirname, '../../deploy/proxy-init/trellis-init.sh');

interface Run {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], input?: string, env?: NodeJS.ProcessEnv): Run {
  const r = spawnSync(command, args, {
    input,
    env: env ? { ...process.env, ...env } : process.env,
    encoding: 'utf8',
    timeout: COMMAND_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  const stderr = r.error ? `${r.error.message}\n${r.stderr ?? ''}` : (r.stderr ?? '');
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr };
}

const inNs = (
  ns: string,
  command: string,
  args: readonly string[],
  input?: string,
  env?: NodeJS.ProcessEnv,
): Run => run('ip', ['netns', 'exec', ns, command, ...args], input, env);

function must(r: Run, what: string): string {
  if (!r.ok) throw new Error(`${what} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

const suffix = `${process.pid}-${randomBytes(3).toString('hex')}`;
const POD = `trellis-pod-${suffix}`;
const PEER = `trellis-peer-${suffix}`;

/** Why the suite cannot run here, or the iptables backend it will use. */
function probe(): { skip: string } | { backend: 'nft' | 'legacy' } {
  if (process.platform !== 'linux') return { skip: 'not Linux' };
  if (process.getuid?.() !== 0) return { skip: 'not root' };
  if (!run('ip', ['-V']).ok) return { skip: 'iproute2 (`ip`) is not installed' };
  const name = `trellis-probe-${suffix}`;
  const added = run('ip', ['netns', 'add', name]);
  if (!added.ok) return { skip: `\`ip netns add\` failed: ${added.stderr.trim()}` };
  try {
    for (const backend of ['nft', 'legacy'] as const)
      if (inNs(name, `iptables-${backend}-restore`, ['--test'], '*nat\n:TRELLIS_PROBE - [0:0]\nCOMMIT\n').ok)
        return { backend };
    return { skip: 'neither iptables-nft-restore nor iptables-legacy-restore loads a nat table here' };
  } finally {
    run('ip', ['netns', 'delete', name]);
  }
}

const probed = probe();
const backend = 'backend' in probed ? probed.backend : 'nft';
if ('skip' in probed) console.log(`iptables-netns: skipped: ${probed.skip}`);
else console.log(`iptables-netns: using iptables-${backend}`);
const hasPython = run('python3', ['--version']).ok;

const created: string[] = [];
const children: ChildProcess[] = [];
function cleanUp(): void {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const ns of created.splice(0)) run('ip', ['netns', 'delete', ns]);
}
// afterAll is the cleanup; this catches a run that dies before it.
process.once('exit', cleanUp);

const tool = (family: 'ipv4' | 'ipv6'): string =>
  `${family === 'ipv4' ? 'iptables' : 'ip6tables'}-${backend}`;

function resetNat(ns: string, family: 'ipv4' | 'ipv6'): void {
  must(inNs(ns, tool(family), ['-t', 'nat', '-F']), 'flush nat');
  must(inNs(ns, tool(family), ['-t', 'nat', '-X']), 'delete chains');
}

/** `-A` lines per chain, in order, and the declared chains: what iptables-save and we can agree on. */
function parseNat(text: string): { chains: Set<string>; rules: Map<string, string[]> } {
  const chains = new Set<string>();
  const rules = new Map<string, string[]>();
  let inNat = false;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line.startsWith('*')) inNat = line === '*nat';
    if (!inNat) continue;
    if (line.startsWith(':')) chains.add(line.slice(1).split(' ')[0]!);
    if (line.startsWith('-A ')) {
      const chain = line.split(' ')[1]!;
      rules.set(chain, [...(rules.get(chain) ?? []), line]);
    }
  }
  return { chains, rules };
}

function loadAndReadBack(family: 'ipv4' | 'ipv6', text: string): void {
  resetNat(POD, family);
  must(inNs(POD, `${tool(family)}-restore`, ['--test', '--noflush'], text), `${tool(family)}-restore --test`);
  must(inNs(POD, `${tool(family)}-restore`, ['--noflush'], text), `${tool(family)}-restore`);
  const saved = parseNat(must(inNs(POD, `${tool(family)}-save`, ['-t', 'nat']), `${tool(family)}-save`));
  const meant = parseNat(text);
  for (const chain of TRELLIS_CHAINS) expect(saved.chains).toContain(chain);
  expect(Object.fromEntries(saved.rules)).toEqual(Object.fromEntries(meant.rules));
}

function rulesFor(annotations: Record<string, string>, podIps: string[]): { ipv4: string; ipv6?: string } {
  const r = redirectRules(annotations, podIps);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

const CASES: Record<string, Record<string, string>> = {
  'a plain pod': {},
  'every exclusion': {
    'trellis.dev/exclude-inbound-ports': '8080,9090',
    'trellis.dev/exclude-outbound-ports': '3306,5432',
    'trellis.dev/exclude-outbound-ip-ranges':
      '10.1.2.3/8,169.254.169.254,fd00::1/8,2001:db8:0:0:1:0:0:1/128,::ffff:10.1.2.3/128,::1:2',
  },
  'include ranges': { 'trellis.dev/include-outbound-ip-ranges': '10.96.0.0/12,10.0.0.0/16,fd00:10::/64' },
  'no inbound capture, no outbound capture': {
    'trellis.dev/exclude-inbound-ports': '*',
    'trellis.dev/exclude-outbound-ip-ranges': '*',
  },
};

describe.skipIf('skip' in probed)(`iptables rules in a network namespace (iptables-${backend})`, () => {
  beforeAll(() => {
    for (const ns of [POD, PEER]) {
      must(run('ip', ['netns', 'add', ns]), `ip netns add ${ns}`);
      created.push(ns);
      must(inNs(ns, 'ip', ['link', 'set', 'lo', 'up']), 'lo up');
    }
  });
  afterAll(cleanUp);

  it.each(Object.entries(CASES))(
    'loads %s, and iptables-save reads back exactly the rendered rules',
    (_, annotations) => {
      const { ipv4, ipv6 } = rulesFor(annotations, ['10.0.0.5', 'fd00::5']);
      loadAndReadBack('ipv4', ipv4);
      loadAndReadBack('ipv6', ipv6 ?? '');
    },
  );

  it('the init script applies both families, and a re-run replaces the rules instead of adding to them', () => {
    resetNat(POD, 'ipv4');
    resetNat(POD, 'ipv6');
    const env = (rules: { ipv4: string; ipv6?: string }) => ({
      TRELLIS_IPTABLES_RULES: rules.ipv4,
      TRELLIS_IP6TABLES_RULES: rules.ipv6 ?? '',
      TRELLIS_IPTABLES_BACKEND: backend,
    });
    const first = rulesFor(CASES['every exclusion']!, ['10.0.0.5', 'fd00::5']);
    must(inNs(POD, 'sh', [SCRIPT], undefined, env(first)), 'trellis-init');
    must(inNs(POD, 'sh', [SCRIPT], undefined, env(first)), 'trellis-init, again');
    const second = rulesFor(CASES['no inbound capture, no outbound capture']!, ['10.0.0.5', 'fd00::5']);
    must(inNs(POD, 'sh', [SCRIPT], undefined, env(second)), 'trellis-init, new rules');
    for (const family of ['ipv4', 'ipv6'] as const) {
      const saved = parseNat(must(inNs(POD, `${tool(family)}-save`, ['-t', 'nat']), 'save'));
      expect(Object.fromEntries(saved.rules)).toEqual(
        Object.fromEntries(parseNat(second[family] ?? '').rules),
      );
    }
    expect(must(inNs(POD, 'ip', ['-6', 'addr', 'show', 'dev', 'lo']), 'ip addr')).toContain('::6/128');
  });

  it('the init script refuses to run without IPv4 rules, and changes nothing on rules iptables refuses', () => {
    const none = inNs(POD, 'sh', [SCRIPT], undefined, {
      TRELLIS_IPTABLES_BACKEND: backend,
      TRELLIS_IPTABLES_RULES_FILE: '/nonexistent',
    });
    expect(none.ok).toBe(false);
    expect(none.stderr).toContain('no IPv4 rules');
    const before = must(inNs(POD, `${tool('ipv4')}-save`, ['-t', 'nat']), 'save');
    const bad = inNs(POD, 'sh', [SCRIPT], undefined, {
      TRELLIS_IPTABLES_BACKEND: backend,
      TRELLIS_IPTABLES_RULES: '*nat\n-A TRELLIS_NOWHERE -j RETURN\nCOMMIT',
    });
    expect(bad.ok).toBe(false);
    const after = must(inNs(POD, `${tool('ipv4')}-save`, ['-t', 'nat']), 'save');
    expect(parseNat(after).rules).toEqual(parseNat(before).rules);
  });

  describe.skipIf(!hasPython)('real connections (python3 listeners and clients)', () => {
    // Each listener answers "<tag>:<port> <original destination>" and closes; a client prints the
    // answer, or "timeout"/"refused". SO_ORIGINAL_DST (80) says where a redirected connection was
    // going; "-" when it was not redirected (no NAT, or the original is the listener itself).
    const SERVER = `
import socket, sys, threading
tag = sys.argv[1]
def serve(s):
    while True:
        c, _ = s.accept()
        try:
            raw = c.getsockopt(socket.SOL_IP, 80, 16)
            dst = socket.inet_ntoa(raw[4:8]) + ':' + str(int.from_bytes(raw[2:4], 'big'))
        except OSError:
            dst = '-'
        local = c.getsockname()
        if dst == local[0] + ':' + str(local[1]):
            dst = '-'
        c.sendall((tag + ':' + str(local[1]) + ' ' + dst + '\\n').encode())
        c.close()
for port in sys.argv[2:]:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', int(port))); s.listen(16)
    threading.Thread(target=serve, args=(s,), daemon=True).start()
print('ready', flush=True)
threading.Event().wait()
`;
    const CLIENT = `
import os, socket, sys
host, port, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
os.setgid(gid); os.setuid(uid)
s = socket.socket(); s.settimeout(2)
try:
    s.connect((host, port)); print(s.recv(200).decode().strip())
except socket.timeout:
    print('timeout')
except ConnectionRefusedError:
    print('refused')
`;

    function startServer(ns: string, tag: string, ports: number[]): Promise<void> {
      const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', SERVER, tag, ...ports.map(String)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${tag} server did not start`)), COMMAND_TIMEOUT_MS);
        child.stdout?.once('data', () => {
          clearTimeout(timer);
          resolve();
        });
        child.once('exit', (code) => reject(new Error(`${tag} server exited with ${code}`)));
      });
    }

    const connect = (ns: string, host: string, port: number, uid = 0, gid = 0): string =>
      must(
        inNs(ns, 'python3', ['-c', CLIENT, host, String(port), String(uid), String(gid)]),
        'client',
      ).trim();

    beforeAll(async () => {
      // pod 10.200.0.5 ── veth ── peer 10.200.0.1 and 10.200.1.1 (an excluded range)
      must(
        inNs(POD, 'ip', ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', PEER]),
        'veth',
      );
      must(inNs(POD, 'ip', ['addr', 'add', '10.200.0.5/24', 'dev', 'eth0']), 'pod address');
      must(inNs(POD, 'ip', ['link', 'set', 'eth0', 'up']), 'pod eth0 up');
      must(inNs(POD, 'ip', ['route', 'add', '10.200.1.0/24', 'via', '10.200.0.1']), 'pod route');
      must(inNs(PEER, 'ip', ['addr', 'add', '10.200.0.1/24', 'dev', 'eth0']), 'peer address');
      must(inNs(PEER, 'ip', ['addr', 'add', '10.200.1.1/24', 'dev', 'eth0']), 'peer address 2');
      must(inNs(PEER, 'ip', ['link', 'set', 'eth0', 'up']), 'peer eth0 up');
      const rules = rulesFor(
        {
          'trellis.dev/exclude-inbound-ports': '9090',
          'trellis.dev/exclude-outbound-ports': '3306',
          'trellis.dev/exclude-outbound-ip-ranges': '10.200.1.0/24',
        },
        ['10.200.0.5'],
      );
      loadAndReadBack('ipv4', rules.ipv4);
      await startServer(POD, 'sidecar', [15001, 15006, 15021]);
      await startServer(POD, 'app', [8080, 9090]);
      await startServer(PEER, 'peer', [80, 3306, 8080]);
    });

    it('captures the app outbound to 15001, keeping the original destination', () => {
      expect(connect(POD, '10.200.0.1', 80)).toBe('sidecar:15001 10.200.0.1:80');
      expect(connect(POD, '10.200.0.1', 8080, 1000, 1000)).toBe('sidecar:15001 10.200.0.1:8080');
    });

    it("lets the sidecar's own connections out, by UID or by GID", () => {
      expect(connect(POD, '10.200.0.1', 80, 1337, 1337)).toBe('peer:80 -');
      expect(connect(POD, '10.200.0.1', 80, 1000, 1337)).toBe('peer:80 -');
    });

    it('lets excluded outbound ports and ranges out, and loopback alone', () => {
      expect(connect(POD, '10.200.0.1', 3306)).toBe('peer:3306 -');
      expect(connect(POD, '10.200.1.1', 80)).toBe('peer:80 -');
      expect(connect(POD, '127.0.0.1', 8080)).toBe('app:8080 -');
    });

    it("captures inbound to 15006, except excluded ports and the sidecar's own", () => {
      expect(connect(PEER, '10.200.0.5', 8080)).toBe('sidecar:15006 10.200.0.5:8080');
      expect(connect(PEER, '10.200.0.5', 9090)).toBe('app:9090 -');
      expect(connect(PEER, '10.200.0.5', 15021)).toBe('sidecar:15021 -');
    });

    it("sends the sidecar's call to its own pod address to 15006, unless inbound does not capture the port", () => {
      expect(connect(POD, '10.200.0.5', 8080, 1337, 1337)).toBe('sidecar:15006 10.200.0.5:8080');
      expect(connect(POD, '10.200.0.5', 9090, 1337, 1337)).toBe('app:9090 -');
      // The app calling its own address directly is not the mesh's business.
      expect(connect(POD, '10.200.0.5', 8080)).toBe('app:8080 -');
    });
  });
});
