// The fast path for leaves. A leaf differs from the next one only in its serial, validity, key,
// key id and SAN; everything else (version, signature algorithm, issuer name, key usage, EKU, basic
// constraints, authority key id) is serialised once per issuer by asn1-x509 (x509-build.ts) and
// reused as bytes. The changing parts are framed with der.ts. `leaf-template.test.ts` holds the
// result byte-equal to asn1-x509 serialising the whole TBSCertificate.
import type { KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import type { Extension } from '@peculiar/asn1-x509';
import { sequence, TAG, tlv, unsignedInteger, x509Time } from './der.js';
import type { KeyKind, SignatureScheme } from './keys.js';
import {
  authorityKeyIdentifier,
  keyIdOf,
  leafBasicConstraints,
  leafExtendedKeyUsage,
  leafKeyUsage,
  type SubjectAltNames,
  signTbs,
} from './x509-build.js';

/** What signs: the issuer's subject (as DER), its key id, its key and scheme. */
export interface SigningIssuer {
  readonly nameDer: Buffer;
  readonly keyId: Buffer;
  readonly key: KeyObject;
  readonly scheme: SignatureScheme;
}

export interface LeafFields {
  /** Unsigned magnitude; made positive and minimal here. */
  readonly serial: Uint8Array;
  /** Whole seconds: the caller truncates, so what it reports is what is encoded. */
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spkiDer: Buffer;
  readonly keyKind: KeyKind;
  readonly san: SubjectAltNames;
}

const VERSION_3 = tlv(0xa0, unsignedInteger(Buffer.from([2])));
const EMPTY_NAME = sequence();
const ser = (ext: Extension): Buffer => Buffer.from(AsnConvert.serialize(ext));
const KEY_USAGE: Record<KeyKind, Buffer> = { ec: ser(leafKeyUsage('ec')), rsa: ser(leafKeyUsage('rsa')) };
const EXT_KEY_USAGE = ser(leafExtendedKeyUsage());
const BASIC_CONSTRAINTS = ser(leafBasicConstraints());
// Extension headers: OID and, for the SAN, critical TRUE; DER of each OID written out once.
const OID_SKI = Buffer.from('0603551d0e', 'hex'); // 2.5.29.14
const OID_SAN = Buffer.from('0603551d11', 'hex'); // 2.5.29.17
const CRITICAL = Buffer.from('0101ff', 'hex');
const GENERAL_NAME_DNS = 0x82; // [2] IMPLICIT IA5String
const GENERAL_NAME_URI = 0x86; // [6] IMPLICIT IA5String

export class LeafTemplate {
  private readonly authorityKeyId: Buffer;

  constructor(readonly issuer: SigningIssuer) {
    this.authorityKeyId = ser(authorityKeyIdentifier(issuer.keyId));
  }

  tbs(fields: LeafFields): Buffer {
    const { issuer } = this;
    return sequence(
      VERSION_3,
      unsignedInteger(fields.serial),
      issuer.scheme.algorithmDer,
      issuer.nameDer,
      sequence(x509Time(fields.notBefore), x509Time(fields.notAfter)),
      EMPTY_NAME,
      fields.spkiDer,
      tlv(
        0xa3,
        sequence(
          KEY_USAGE[fields.keyKind],
          EXT_KEY_USAGE,
          BASIC_CONSTRAINTS,
          sequence(OID_SKI, tlv(TAG.octetString, tlv(TAG.octetString, keyIdOf(fields.spkiDer)))),
          this.authorityKeyId,
          sequence(OID_SAN, CRITICAL, tlv(TAG.octetString, sanValue(fields.san))),
        ),
      ),
    );
  }

  /** The signed certificate, DER. */
  certificate(fields: LeafFields): Buffer {
    return signTbs(this.tbs(fields), this.issuer.scheme, this.issuer.key);
  }
}

function sanValue(san: SubjectAltNames): Buffer {
  if ('uri' in san) return sequence(tlv(GENERAL_NAME_URI, Buffer.from(san.uri, 'ascii')));
  return sequence(...san.dns.map((name) => tlv(GENERAL_NAME_DNS, Buffer.from(name, 'ascii'))));
}
