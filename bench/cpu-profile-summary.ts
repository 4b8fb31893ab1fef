// Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and lists where the time went: the
// functions with the most self time, and Trellis's own functions with the most total time
// (callees included), which is what points at a cause rather than at a hot leaf.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly hitCount?: number;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
}

export interface ProfileEntry {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  readonly self: readonly ProfileEntry[];
  readonly total: readonly ProfileEntry[];
}

function label(frame: CallFrame): string {
  const file = frame.url.replace(/^file:\/\//, '');
  const at = file.indexOf('/dist/');
  const short =
    at >= 0
      ? file.slice(at + 6)
      : file.includes('node_modules/')
        ? file.slice(file.lastIndexOf('node_modules/') + 13)
        : file || '(native)';
  return `${frame.functionName || '(anonymous)'} ${short}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
}

function top(map: ReadonlyMap<string, number>, totalMs: number, n: number): ProfileEntry[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({ name, ms, share: totalMs > 0 ? ms / totalMs : 0 }));
}

export function summariseProfile(file: string, profile: CpuProfile, n = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const sampleCount =
    profile.samples?.length ?? profile.nodes.reduce((s, node) => s + (node.hitCount ?? 0), 0);
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const msPerHit = sampleCount > 0 ? totalMs / sampleCount : 0;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  // Inclusive time of each node, then credited once per function per stack (recursion not twice).
  const inclusive = new Map<number, number>();
  const visit = (id: number): number => {
    const node = byId.get(id)!;
    let sum = (node.hitCount ?? 0) * msPerHit;
    for (const child of node.children ?? []) sum += visit(child);
    inclusive.set(id, sum);
    return sum;
  };
  const root = profile.nodes[0];
  if (root) visit(root.id);
  const credit = (id: number, onStack: ReadonlySet<string>) => {
    const node = byId.get(id)!;
    const name = label(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + (node.hitCount ?? 0) * msPerHit);
    const ours = node.callFrame.url.includes('/dist/src/');
    if (ours && !onStack.has(name)) total.set(name, (total.get(name) ?? 0) + (inclusive.get(id) ?? 0));
    const next = ours ? new Set([...onStack, name]) : onStack;
    for (const child of node.children ?? []) credit(child, next);
  };
  if (root) credit(root.id, new Set());
  return { file, totalMs, self: top(self, totalMs, n), total: top(total, totalMs, n) };
}

/** Every profile in `dir`, summarised. */
export async function summariseProfiles(dir: string): Promise<ProfileSummary[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
  const summaries: ProfileSummary[] = [];
  for (const f of files.sort()) {
    const profile = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as CpuProfile;
    summaries.push(summariseProfile(path.join(dir, f), profile));
  }
  return summaries;
}

export function formatProfile(summary: ProfileSummary): string {
  const row = (e: ProfileEntry) =>
    `  ${(e.share * 100).toFixed(1).padStart(5)} %  ${(e.ms / 1000).toFixed(2).padStart(7)} s  ${e.name}`;
  return [
    `profile ${summary.file} (${(summary.totalMs / 1000).toFixed(1)} s wall)`,
    ' self time:',
    ...summary.self.map(row),
    ' total time (Trellis functions, callees included):',
    ...summary.total.map(row),
  ].join('\n');
}
