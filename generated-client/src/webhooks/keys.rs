//! The RSA public keys webhook signatures are checked with: the vendor's
//! current key, and PEM/DER parsing for keys the app supplies (rotation).

use std::fmt;

use base64::Engine as _;

/// The vendor's webhook signing key, as published in its webhook
/// authentication guide (a 4096-bit RSA key, SubjectPublicKeyInfo PEM).
pub const VENDOR_PUBLIC_KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSC
Frm602qYV0MaAiNnX9O8KxMbiyRKWeL9JpCpVpt4XHIcBOK4u3cLSqJGOLaPuXw6
dO0t6Q/ZVdAV5Phz+ZtzPL16iCGeK9po6D6JHBpbi989mmzMryUnQJezlYJ3DVfB
csedpinheNnyYeFXolrJvcsjDtfAeRx5ByHQmTnSdFUzuAnC9/GepgLT9SM4nCpv
uxmZMxrJt5Rw+VUaQ9B8JSvbMPpez4peKaJPZHBbU3OdeCVx5klVXXZQGNHOs8gF
3kvoV5rTnXV0IknLBXlcKKAQLZcY/Q9rG6Ifi9c+5vqlvHPCUJFT5XUGG5RKgOKU
J062fRtN+rLYZUV+BjafxQauvC8wSWeYja63VSUruvmNj8xkx2zE/Juc+yjLjTXp
IocmaiFeAO6fUtNjDeFVkhf5LNb59vECyrHD2SQIrhgXpO4Q3dVNA5rw576PwTzN
h/AMfHKIjE4xQA1SZuYJmNnmVZLIZBlQAF9Ntd03rfadZ+yDiOXCCs9FkHibELhC
HULgCsnuDJHcrGNd5/Ddm5hxGQ0ASitgHeMZ0kcIOwKDOzOU53lDza6/Y09T7sYJ
PQe7z0cvj7aE4B+Ax1ZoZGPzpJlZtGXCsu9aTEGEnKzmsFqwcSsnw3JB31IGKAyk
T1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ==
-----END PUBLIC KEY-----
";

/// DER of the rsaEncryption algorithm identifier's OID (1.2.840.113549.1.1.1).
const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// ASN.1 DER tags this module reads.
const SEQUENCE: u8 = 0x30;
const OBJECT_IDENTIFIER: u8 = 0x06;
const BIT_STRING: u8 = 0x03;
const INTEGER: u8 = 0x02;

/// An RSA public key that webhook signatures are checked against.
///
/// Public keys are not secret; `Debug` shows the key's size only, which is
/// enough to tell keys apart in a configuration dump.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The key as PKCS#1 `RSAPublicKey` DER, the form `ring` verifies with.
    rsa_public_key: Vec<u8>,
    /// Size of the modulus in bits.
    bits: usize,
}

impl PublicKey {
    /// The vendor's current key ([`VENDOR_PUBLIC_KEY_PEM`]).
    pub fn vendor() -> Self {
        // A constant that `webhooks::keys::vendor_key_is_4096_bit_rsa` in
        // the tests parses: this cannot fail at run time.
        Self::from_pem(VENDOR_PUBLIC_KEY_PEM).expect("the vendor's published key parses")
    }

    /// Parses a PEM key: `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo,
    /// what the vendor publishes and `openssl pkey -pubout` writes) or
    /// `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = pem_block(pem)?;
        match label {
            "PUBLIC KEY" => Self::from_spki_der(&der),
            "RSA PUBLIC KEY" => Self::from_pkcs1_der(&der),
            _ => Err(KeyError::UnsupportedPemLabel),
        }
    }

    /// Parses a DER SubjectPublicKeyInfo holding an RSA key.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let spki = single(der, SEQUENCE)?;
        let (algorithm, rest) = read(spki, SEQUENCE)?;
        let (oid, _parameters) = read(algorithm, OBJECT_IDENTIFIER)?;
        if oid != RSA_ENCRYPTION_OID {
            return Err(KeyError::NotRsa);
        }
        let bits = single(rest, BIT_STRING)?;
        // The first byte of a BIT STRING counts unused bits: 0 for a key.
        match bits.split_first() {
            Some((0, key)) => Self::from_pkcs1_der(key),
            _ => Err(KeyError::BadDer),
        }
    }

    /// Parses a DER PKCS#1 `RSAPublicKey` (`SEQUENCE { n, e }`).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = single(der, SEQUENCE)?;
        let (modulus, rest) = read(key, INTEGER)?;
        // ring takes odd public exponents from 3 to 2^33 - 1 (65537 in
        // practice); checked here so a bad key fails now, not every check.
        let exponent = single(rest, INTEGER)?;
        let exponent = match exponent.split_first() {
            Some((0, rest)) => rest,
            _ => exponent,
        };
        let odd = exponent.last().is_some_and(|b| b & 1 == 1);
        let value = exponent
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        if exponent.len() > 5 || !odd || !(3..(1 << 33)).contains(&value) {
            return Err(KeyError::BadDer);
        }
        let modulus = match modulus.split_first() {
            // A positive INTEGER whose top bit is set carries a zero byte.
            Some((0, rest)) => rest,
            _ => modulus,
        };
        let bits = match modulus.first() {
            Some(&top) if top != 0 => modulus.len() * 8 - top.leading_zeros() as usize,
            _ => return Err(KeyError::BadDer),
        };
        // What `ring` verifies with RSA_PKCS1_2048_8192_SHA256.
        if !(2048..=8192).contains(&bits) {
            return Err(KeyError::UnsupportedSize { bits });
        }
        Ok(Self {
            rsa_public_key: der.to_vec(),
            bits,
        })
    }

    /// Size of the modulus in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Whether `signature` is an RSA PKCS#1 v1.5 SHA-256 signature of
    /// `message` by this key.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            &self.rsa_public_key,
        )
        .verify(message, signature)
        .is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(RSA {} bits)", self.bits)
    }
}

/// Why a public key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not PEM text (`-----BEGIN ...-----`, base64, `-----END ...-----`).
    #[error("the key is not PEM text (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)")]
    NotPem,
    /// A PEM block of another kind (a certificate, a private key, ...).
    #[error("the PEM block is not `PUBLIC KEY` or `RSA PUBLIC KEY`")]
    UnsupportedPemLabel,
    /// A public key of another algorithm.
    #[error("the public key is not an RSA key")]
    NotRsa,
    /// The DER structure is not a public key.
    #[error("the key's DER encoding is not a valid public key")]
    BadDer,
    /// Not an RSA private key in PKCS#8 (`-----BEGIN PRIVATE KEY-----`,
    /// what `openssl genpkey -algorithm RSA` writes) that can sign, for
    /// [`Signer`](super::Signer).
    #[error("the key is not a PKCS#8 RSA private key of 2048 to 8192 bits (-----BEGIN PRIVATE KEY-----)")]
    BadPrivateKey,
    /// The modulus is outside 2048..=8192 bits.
    #[error("RSA keys of {bits} bits are not accepted (2048 to 8192 bits are)")]
    UnsupportedSize {
        /// Size of the modulus.
        bits: usize,
    },
}

/// The label and DER contents of one PEM block
/// (`-----BEGIN {label}-----`, base64, `-----END {label}-----`).
pub(super) fn pem_block(pem: &str) -> Result<(&str, Vec<u8>), KeyError> {
    let pem = pem.trim();
    let (label, rest) = pem
        .strip_prefix("-----BEGIN ")
        .and_then(|r| r.split_once("-----"))
        .ok_or(KeyError::NotPem)?;
    let footer = format!("-----END {label}-----");
    let body = rest
        .trim_end()
        .strip_suffix(footer.as_str())
        .ok_or(KeyError::NotPem)?;
    let text: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| KeyError::NotPem)?;
    Ok((label, der))
}

/// Reads one DER element with tag `tag` from the start of `input`: its
/// contents and what follows it.
fn read(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), KeyError> {
    let (&found, rest) = input.split_first().ok_or(KeyError::BadDer)?;
    if found != tag {
        return Err(KeyError::BadDer);
    }
    let (&first, rest) = rest.split_first().ok_or(KeyError::BadDer)?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        // Long form: the low bits count the length bytes that follow; keys
        // need at most two (lengths under 64 KiB).
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 2 || rest.len() < count {
            return Err(KeyError::BadDer);
        }
        let (bytes, rest) = rest.split_at(count);
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest)
    };
    if rest.len() < len {
        return Err(KeyError::BadDer);
    }
    Ok(rest.split_at(len))
}

/// Reads a DER element that must fill `input` exactly.
fn single(input: &[u8], tag: u8) -> Result<&[u8], KeyError> {
    match read(input, tag)? {
        (contents, []) => Ok(contents),
        _ => Err(KeyError::BadDer),
    }
}
