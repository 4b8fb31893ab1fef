import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMeshConfigFlags } from './mesh-config-flags.js';
import { validateCommand } from './validate.js';

describe('--trust-domain and --root-namespace', () => {
  it('reads both, leaves absent ones out, and names the flag that is wrong', () => {
    expect(readMeshConfigFlags({})).toEqual({ ok: true, value: {} });
    expect(readMeshConfigFlags({ 'trust-domain': 'example.org', 'root-namespace': 'mesh' })).toEqual({
      ok: true,
      value: { trustDomain: 'example.org', rootNamespace: 'mesh' },
    });
    const bad = readMeshConfigFlags({ 'trust-domain': 'Example.ORG' });
    expect(bad.ok ? '' : bad.errors.join()).toMatch(/^--trust-domain: /);
    const badNs = readMeshConfigFlags({ 'root-namespace': 'Not_A_Name' });
    expect(badNs.ok ? '' : badNs.errors.join()).toMatch(/^--root-namespace: /);
  });

  it('trellis validate reads policies against the root namespace it is given', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-mesh-flags-'));
    fs.writeFileSync(
      path.join(dir, 'pa.yaml'),
      'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: { name: web, namespace: mesh }\nspec: { selector: { matchLabels: { app: web } } }\n',
    );
    const lines = async (rootNamespace?: string) => {
      let text = '';
      const write = (chunk: string): boolean => {
        text += chunk;
        return true;
      };
      const out = { write } as unknown as NodeJS.WritableStream;
      await validateCommand(dir, out, rootNamespace ? { meshConfig: { rootNamespace } } : {});
      return text;
    };
    expect(await lines()).not.toContain('root namespace');
    expect(await lines('mesh')).toContain(
      'a policy in the root namespace "mesh" with a selector is not mesh-wide',
    );
    fs.rmSync(dir, { recursive: true });
  });
});
