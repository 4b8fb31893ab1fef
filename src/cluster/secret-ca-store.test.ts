import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeApiServer, startFakeApiServer } from '../../test/kube-api/fake-api-server.js';
import { fakeResource } from '../../test/kube-api/resources.js';
import { SecretCaStore } from './secret-ca-store.js';

const NS = 'trellis-system';

describe('SecretCaStore', () => {
  let fake: FakeApiServer;

  beforeAll(async () => {
    fake = await startFakeApiServer({ resources: [fakeResource('Secret')] });
  });

  afterAll(async () => {
    await fake.stop();
  });

  it('gives two replicas starting at the same moment one CA: the loser of the create takes the winner’s', async () => {
    const name = 'race';
    const [a, b] = [
      new SecretCaStore(fake.kubeConfig(), NS, name),
      new SecretCaStore(fake.kubeConfig(), NS, name),
    ];
    const [heldA, heldB] = await Promise.all([
      a.init({ rootCertsPem: 'ROOT A\n', rootKeyPem: 'KEY A\n' }),
      b.init({ rootCertsPem: 'ROOT B\n', rootKeyPem: 'KEY B\n' }),
    ]);
    if (!heldA.ok || !heldB.ok) throw new Error('init failed');
    expect(heldA.value.rootCerts.text).toBe(heldB.value.rootCerts.text);
    expect(heldA.value.rootKey.text).toBe(heldB.value.rootKey.text);
    const creates = fake.writes({ method: 'POST', pathIncludes: '/secrets' });
    expect(creates.filter((w) => w.code === 201)).toHaveLength(1);
    expect(heldA.value.rootCerts.source).toBe(`secret ${NS}/${name} key root-certs.pem`);
  });

  it('refuses to overwrite a Secret changed by someone else since it was read', async () => {
    const name = 'stale';
    const a = new SecretCaStore(fake.kubeConfig(), NS, name);
    const b = new SecretCaStore(fake.kubeConfig(), NS, name);
    await a.init({ rootCertsPem: 'ROOT\n', rootKeyPem: 'KEY\n' });
    await b.load();
    await a.save({ rootCertsPem: 'ROOT 2\n', rootKeyPem: 'KEY 2\n' });
    await expect(b.save({ rootCertsPem: 'ROOT 3\n', rootKeyPem: 'KEY 3\n' })).rejects.toThrow(
      /secret trellis-system\/stale was changed by someone else/,
    );
    const loaded = await b.load();
    expect(loaded.ok && loaded.value?.rootCerts.text).toBe('ROOT 2\n');
  });

  it('names the Secret and the keys when what it holds cannot be a CA', async () => {
    fake.store.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'broken', namespace: NS },
      data: { 'root-certs.pem': Buffer.from('ROOT').toString('base64') },
    });
    const loaded = await new SecretCaStore(fake.kubeConfig(), NS, 'broken').load();
    expect(loaded).toEqual({
      ok: false,
      errors: [
        expect.objectContaining({
          message: expect.stringMatching(
            /^secret trellis-system\/broken: must have both root-certs.pem and root-key.pem/,
          ),
        }),
      ],
    });
  });
});
