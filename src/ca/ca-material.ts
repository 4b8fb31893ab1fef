// The checks a CA's material passes before the authority signs with it, whatever store or
// directory it came from. Each refusal names where the piece came from and why: unreadable or
// malformed PEM, a key that does not match its certificate, a CA certificate outside its validity,
// a signing certificate that is not a CA, a chain that does not verify up to a root.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { type CaLoadError, loadError, type Sourced } from './ca-store.js';
import { type CertInfo, readCertificate } from './cert-info.js';
import { describeKey, type SignatureScheme, signatureSchemeFor } from './keys.js';
import { readPem, readPemOf } from './pem.js';

export interface CaMaterialText {
  /** The certificate that signs leaves (`ca-cert.pem`). */
  readonly signingCert: Sourced;
  readonly signingKey: Sourced;
  /** `cert-chain.pem`: the signing certificate, then intermediates, maybe the root at the end. */
  readonly certChain?: Sourced;
  /** Every trusted root (`root-cert.pem`). */
  readonly roots: Sourced;
}

/** A certificate and the place it was read from. */
export interface SourcedCert extends CertInfo {
  readonly source: string;
}

export interface ValidatedCa {
  readonly signing: SourcedCert;
  readonly signingKey: KeyObject;
  readonly scheme: SignatureScheme;
  /** Between the signing certificate and the root, closest to the signing one first. */
  readonly intermediates: readonly SourcedCert[];
  /** The root the chain verifies to, first; then every other trusted root. */
  readonly roots: readonly SourcedCert[];
}

type Checked<T> = { ok: true; value: T } | { ok: false; errors: CaLoadError[] };
const refuse = (source: string, reason: string): { ok: false; errors: CaLoadError[] } => ({
  ok: false,
  errors: [loadError(source, reason)],
});

export function readCertificates(piece: Sourced): Checked<SourcedCert[]> {
  const pem = readPemOf(piece.text, 'CERTIFICATE');
  if ('error' in pem) return refuse(piece.source, `malformed PEM: ${pem.error}`);
  const certs: SourcedCert[] = [];
  for (const [i, der] of pem.ders.entries()) {
    const where =
      pem.ders.length > 1 ? `${piece.source} (certificate ${i + 1} of ${pem.ders.length})` : piece.source;
    const info = readCertificate(der);
    if (typeof info === 'string') return refuse(where, info);
    certs.push({ ...info, source: where });
  }
  return { ok: true, value: certs };
}

export function readPrivateKey(piece: Sourced): Checked<KeyObject> {
  const pem = readPem(piece.text, 4);
  if ('error' in pem) return refuse(piece.source, `malformed PEM: ${pem.error}`);
  const labels = pem.blocks.map((b) => b.label);
  if (labels.length !== 1 || !/^(|EC |RSA )PRIVATE KEY$/.test(labels[0]!))
    return refuse(
      piece.source,
      `expected one PRIVATE KEY (PKCS#8), EC PRIVATE KEY or RSA PRIVATE KEY block, found ${labels.join(', ') || 'none'}`,
    );
  try {
    return { ok: true, value: createPrivateKey({ key: piece.text, format: 'pem' }) };
  } catch (err) {
    return refuse(piece.source, `not a usable private key: ${(err as Error).message}`);
  }
}

function checkCa(cert: SourcedCert, role: string, nowMs: number): CaLoadError[] {
  const errors: CaLoadError[] = [];
  if (!cert.isCa)
    errors.push(
      loadError(
        cert.source,
        `the ${role} certificate "${cert.subject}" is not a CA (basicConstraints CA:true missing)`,
      ),
    );
  else if (!cert.mayCertSign)
    errors.push(
      loadError(
        cert.source,
        `the ${role} certificate "${cert.subject}" may not sign certificates (keyCertSign missing)`,
      ),
    );
  if (cert.notAfter.getTime() <= nowMs)
    errors.push(
      loadError(
        cert.source,
        `the ${role} certificate "${cert.subject}" expired at ${cert.notAfter.toISOString()}`,
      ),
    );
  if (cert.notBefore.getTime() > nowMs)
    errors.push(
      loadError(
        cert.source,
        `the ${role} certificate "${cert.subject}" is not valid until ${cert.notBefore.toISOString()}`,
      ),
    );
  return errors;
}

function issued(child: CertInfo, parent: CertInfo): boolean {
  return child.issuerDer.equals(parent.subjectDer) && child.x509.verify(parent.publicKey);
}

export function validateCaMaterial(material: CaMaterialText, nowMs: number): Checked<ValidatedCa> {
  const signingRead = readCertificates(material.signingCert);
  const keyRead = readPrivateKey(material.signingKey);
  const rootsRead = readCertificates(material.roots);
  const chainRead = material.certChain ? readCertificates(material.certChain) : undefined;
  const readErrors = [signingRead, keyRead, rootsRead, chainRead].flatMap((r) =>
    r && !r.ok ? r.errors : [],
  );
  if (!signingRead.ok || !keyRead.ok || !rootsRead.ok || (chainRead && !chainRead.ok))
    return { ok: false, errors: readErrors };
  if (signingRead.value.length !== 1)
    return refuse(
      material.signingCert.source,
      `holds ${signingRead.value.length} certificates; the signing certificate must be alone`,
    );
  const signing = signingRead.value[0]!;
  const key = keyRead.value;
  const roots = rootsRead.value;

  if (!signing.x509.checkPrivateKey(key))
    return refuse(
      material.signingKey.source,
      `the key (${describeKey(key)}) does not match the certificate in ${material.signingCert.source} (${describeKey(signing.publicKey)})`,
    );
  const scheme = signatureSchemeFor(key);
  if (typeof scheme === 'string') return refuse(material.signingKey.source, `unsupported CA key: ${scheme}`);

  // cert-chain.pem starts with the signing certificate; the roots at its end are dropped, they
  // come from root-cert.pem.
  let intermediates: SourcedCert[] = [];
  if (chainRead?.ok) {
    const chain = chainRead.value;
    if (!chain[0]?.der.equals(signing.der))
      return refuse(
        chain[0]?.source ?? material.certChain!.source,
        `does not begin with the signing certificate of ${signing.source}`,
      );
    let end = chain.length;
    while (end > 1 && roots.some((r) => r.der.equals(chain[end - 1]!.der))) end--;
    intermediates = chain.slice(1, end);
  }

  const errors: CaLoadError[] = [...checkCa(signing, 'signing', nowMs)];
  const path = [signing, ...intermediates];
  for (const cert of intermediates) errors.push(...checkCa(cert, 'intermediate', nowMs));
  for (let i = 0; i + 1 < path.length; i++) {
    if (!issued(path[i]!, path[i + 1]!))
      errors.push(
        loadError(
          path[i + 1]!.source,
          `"${path[i + 1]!.subject}" did not issue "${path[i]!.subject}" (${path[i]!.source}): the chain is broken`,
        ),
      );
  }
  const last = path[path.length - 1]!;
  const root = roots.find((r) => issued(last, r));
  if (!root)
    errors.push(
      loadError(
        last.source,
        `"${last.subject}" does not verify to any root in ${material.roots.source} (issuer and signature checked against ${roots.length})`,
      ),
    );
  else {
    errors.push(...checkCa(root, 'root', nowMs));
    if (!issued(root, root))
      errors.push(loadError(root.source, `the root "${root.subject}" is not self-signed`));
  }
  if (errors.length > 0 || !root) return { ok: false, errors };
  return {
    ok: true,
    value: {
      signing,
      signingKey: key,
      scheme,
      intermediates: path.slice(1).filter((c) => c !== root),
      roots: [root, ...roots.filter((r) => r !== root)],
    },
  };
}
