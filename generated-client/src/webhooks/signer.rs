//! Signing webhook bodies with a key pair of your own, to test a receiver
//! without the vendor.

use std::fmt;

use base64::Engine as _;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};

use super::keys::{pem_block, KeyError, PublicKey};

/// Signs webhook bodies as the vendor does (RSA PKCS#1 v1.5 over SHA-256
/// of the raw body, base64), with a key pair of your own: a receiver's
/// tests post signed deliveries to it, its [`Verifier`](super::Verifier)
/// trusting [`Signer::public_key`] instead of the vendor's key.
///
/// Make a test key pair once with
/// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out test_key.pem`
/// and keep it with the tests; it protects nothing.
///
/// ```
/// use leadconnector::webhooks::{Signer, Verifier};
///
/// # async fn run(test_key_pem: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), Box<dyn std::error::Error>> {
/// let signer = Signer::from_pkcs8_pem(test_key_pem)?;
/// let verifier = Verifier::new().with_keys([signer.public_key()]);
/// let body = br#"{"type":"ContactCreate","timestamp":"2025-01-28T14:35:00Z","webhookId":"test-1","id":"abc"}"#;
/// let signature = signer.sign(body); // the x-wh-signature header
/// verifier.verify(body, Some(signature.as_bytes()), now).await?;
/// # Ok(())
/// # }
/// ```
pub struct Signer {
    pair: RsaKeyPair,
    public: PublicKey,
}

impl Signer {
    /// A signer from an RSA private key in PKCS#8 PEM
    /// (`-----BEGIN PRIVATE KEY-----`), 2048 to 8192 bits.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = pem_block(pem)?;
        if label != "PRIVATE KEY" {
            return Err(KeyError::BadPrivateKey);
        }
        let pair = RsaKeyPair::from_pkcs8(&der).map_err(|_| KeyError::BadPrivateKey)?;
        let public = PublicKey::from_pkcs1_der(pair.public().as_ref())
            .map_err(|_| KeyError::BadPrivateKey)?;
        Ok(Self { pair, public })
    }

    /// The public key of the pair: what the receiver's verifier trusts.
    pub fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    /// The `x-wh-signature` value for `body` (PKCS#1 v1.5 signatures are
    /// deterministic: the vendor's key would give the same bytes as the
    /// vendor's signature).
    ///
    /// # Panics
    ///
    /// If the operating system's random source fails (ring blinds the
    /// private-key operation with random numbers); the buffer is sized
    /// from the key, the only other way signing can fail.
    pub fn sign(&self, body: &[u8]) -> String {
        let mut signature = vec![0; self.pair.public().modulus_len()];
        let signed = self.pair.sign(
            &RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            body,
            &mut signature,
        );
        assert!(signed.is_ok(), "the system's random source failed");
        base64::engine::general_purpose::STANDARD.encode(signature)
    }
}

impl fmt::Debug for Signer {
    /// The key's size only: never the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer(RSA {} bits)", self.public.bits())
    }
}
