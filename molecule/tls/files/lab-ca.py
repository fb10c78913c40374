#!/usr/bin/env python3
"""Make a lab CA chain and the `provided` certificate cases for the tls scenario.

Usage: lab-ca.py OUTPUT_DIR NAME [NAME...]
Writes root.pem (the lab root to trust) and, as extra-vars files for
ansible-playbook -e @FILE:
  provided.json     nginx_certificate_source provided, leaf + intermediate chain, its key
  bad-mismatch.json the same chain with another key
  bad-expired.json  a chain whose leaf expired yesterday, with its own key
All keys are ECDSA P-256 made here; they are lab-only and thrown away with the directory.
"""
import datetime
import json
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)


def key():
    return ec.generate_private_key(ec.SECP256R1())


def pem(obj):
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM).decode()
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def cert(subject_cn, subject_key, issuer_cert, issuer_key, ca, names=(), start=-1, days=90):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)])
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(issuer_cert.subject if issuer_cert else subject)
               .public_key(subject_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(NOW + datetime.timedelta(days=start))
               .not_valid_after(NOW + datetime.timedelta(days=start + days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = (builder
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
    return builder.sign(issuer_key or subject_key, hashes.SHA256())


def main(out, names):
    os.makedirs(out, exist_ok=True)
    root_key, inter_key, leaf_key, other_key, old_key = key(), key(), key(), key(), key()
    root = cert("pdd-lab TLS test root", root_key, None, None, True, days=3650)
    inter = cert("pdd-lab TLS test intermediate", inter_key, root, root_key, True, days=1825)
    leaf = cert(names[0], leaf_key, inter, inter_key, False, names)
    expired = cert(names[0], old_key, inter, inter_key, False, names, start=-91, days=90)
    with open(os.path.join(out, "root.pem"), "w", encoding="ascii") as f:
        f.write(pem(root))
    cases = {
        "provided": (pem(leaf) + pem(inter), pem(leaf_key)),
        "bad-mismatch": (pem(leaf) + pem(inter), pem(other_key)),
        "bad-expired": (pem(expired) + pem(inter), pem(old_key)),
    }
    for case, (chain, private_key) in cases.items():
        path = os.path.join(out, case + ".json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            json.dump({"nginx_certificate_source": "provided", "nginx_tls_certificate": chain,
                       "nginx_tls_private_key": private_key}, f)
    print(json.dumps({"root": root.subject.rfc4514_string(), "leaf_serial": leaf.serial_number}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
