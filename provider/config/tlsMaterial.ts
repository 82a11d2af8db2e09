import { createPrivateKey, KeyObject, X509Certificate } from "crypto";
import { ConfigError, GivenText, SECRET_GIVEN } from "./errors";

// A Domain's certificate and key are checked where they enter, so material that cannot work never
// reaches the proxy (which would refuse to start): the certificate and key must parse as PEM, belong
// together and be valid now. A certificate that does not name the hostname may still be wanted
// (a client that skips verification), so that is a warning.

export interface TlsCheck {
    /** Problems that do not stop the deployment, e.g. the hostname is not covered. */
    warnings: string[];
}

/** Throws a ConfigError for a certificate or key that cannot work; never shows the key. */
export function checkTlsMaterial(certificatePem: string, privateKeyPem: string, hostname: string, resource: string, now = new Date()): TlsCheck {
    const certificate = parseCertificate(certificatePem, resource);
    const key = parseKey(privateKeyPem, resource);
    if (!certificate.checkPrivateKey(key)) {
        throw new ConfigError(resource, "tls.privateKey", SECRET_GIVEN, `the private key of the certificate given in tls.certificate (subject ${certificate.subject.replace(/\n/g, ", ")}); this key belongs to another certificate`);
    }
    const validTo = new Date(certificate.validTo);
    if (validTo.getTime() <= now.getTime()) {
        throw new ConfigError(resource, "tls.certificate", new GivenText(`a certificate that expired on ${validTo.toISOString()}`), "a certificate valid now (renew it)");
    }
    const warnings: string[] = [];
    const validFrom = new Date(certificate.validFrom);
    if (validFrom.getTime() > now.getTime()) warnings.push(`${resource}: tls.certificate is not valid before ${validFrom.toISOString()}; clients refuse it until then`);
    if (certificate.checkHost(hostname) === undefined) {
        warnings.push(`${resource}: tls.certificate does not cover ${hostname} (it names ${certificate.subjectAltName ?? certificate.subject.replace(/\n/g, ", ")}); browsers will refuse the connection`);
    }
    return { warnings };
}

function parseCertificate(pem: string, resource: string): X509Certificate {
    if (!/-----BEGIN CERTIFICATE-----/.test(pem)) {
        throw new ConfigError(resource, "tls.certificate", new GivenText(`text without a PEM certificate block (${pem.length} characters)`), "a PEM certificate chain: -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----, the hostname's certificate first");
    }
    try {
        return new X509Certificate(pem);
    } catch (e) {
        throw new ConfigError(resource, "tls.certificate", new GivenText(`a PEM block that does not parse as a certificate (${reason(e)})`), "a PEM certificate chain, the hostname's certificate first");
    }
}

function parseKey(pem: string, resource: string): KeyObject {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
        throw new ConfigError(resource, "tls.privateKey", SECRET_GIVEN, "a PEM private key: -----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY) ... -----END ...-----, unencrypted");
    }
    try {
        return createPrivateKey({ key: pem, format: "pem" });
    } catch (e) {
        const encrypted = /ENCRYPTED/.test(pem) || /passphrase/i.test(reason(e));
        throw new ConfigError(resource, "tls.privateKey", SECRET_GIVEN, encrypted ? "an unencrypted PEM private key (the proxy cannot ask for a passphrase)" : "a PEM private key that parses (RSA, EC or Ed25519)");
    }
}

/** The crypto library's reason, without any of the input. */
function reason(e: unknown): string {
    const code = (e as { code?: string })?.code;
    return code ?? "not parseable";
}
