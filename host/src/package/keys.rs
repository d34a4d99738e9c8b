//! Signing keys (`exthost keygen`), package signatures (`SIGNATURE`) and the trusted public keys in
//! `$EXTHOST_HOME/trusted-keys/`.
//!
//! Formats (text, one line each, base64 standard alphabet with padding):
//! private key `ed25519-private <32-byte seed>`, public key `ed25519 <32-byte key>`, `SIGNATURE` the
//! signer's public key line then the 64-byte signature of `CHECKSUMS` on the second line.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

use super::PackageError;

const PRIVATE_PREFIX: &str = "ed25519-private ";
const PUBLIC_PREFIX: &str = "ed25519 ";

/// Who signed a package whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageSigner {
    /// A key in `trusted-keys/`: the key file's name.
    Trusted(String),
    /// A key that is not trusted: its public key line.
    Untrusted(String),
}

/// The public key file that goes with private key file `key` (`KEY.pub`).
pub fn public_key_path(key: &Path) -> PathBuf {
    let mut name = key.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Writes a new key pair: the private key to `out` (mode 0600; an existing file is not overwritten) and
/// the public key to `out.pub`. Answers the public key file.
pub fn keygen(out: &Path) -> Result<PathBuf, PackageError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|error| PackageError::Key {
        file: out.to_path_buf(),
        reason: format!("no randomness for a key: {error}"),
    })?;
    let key = SigningKey::from_bytes(&seed);
    let private = format!("{PRIVATE_PREFIX}{}\n", STANDARD.encode(seed));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(out).map_err(PackageError::io(out))?;
    std::io::Write::write_all(&mut file, private.as_bytes()).map_err(PackageError::io(out))?;
    file.sync_all().map_err(PackageError::io(out))?;
    let public_path = public_key_path(out);
    std::fs::write(&public_path, public_line(&key.verifying_key()) + "\n")
        .map_err(PackageError::io(&public_path))?;
    Ok(public_path)
}

/// `ed25519 <base64>` for a public key.
pub fn public_line(key: &VerifyingKey) -> String {
    format!("{PUBLIC_PREFIX}{}", STANDARD.encode(key.to_bytes()))
}

/// Reads a private key file written by [`keygen`].
pub fn read_signing_key(file: &Path) -> Result<SigningKey, PackageError> {
    let text = std::fs::read_to_string(file).map_err(PackageError::io(file))?;
    let invalid = |reason: &str| PackageError::Key {
        file: file.to_path_buf(),
        reason: reason.to_owned(),
    };
    let encoded = text.trim().strip_prefix(PRIVATE_PREFIX).ok_or_else(|| {
        invalid("not an exthost private key (expected `ed25519-private <base64>`)")
    })?;
    let seed: [u8; 32] = STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| invalid("the key is not 32 bytes of base64"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Parses a public key line `ed25519 <base64>`.
pub fn parse_public_line(line: &str) -> Result<VerifyingKey, String> {
    let encoded = line
        .trim()
        .strip_prefix(PUBLIC_PREFIX)
        .ok_or("not an ed25519 public key line (expected `ed25519 <base64>`)")?;
    let bytes: [u8; 32] = STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or("the public key is not 32 bytes of base64")?;
    VerifyingKey::from_bytes(&bytes).map_err(|error| format!("not a valid ed25519 key: {error}"))
}

/// The `SIGNATURE` file's text for `checksums` signed with `key`.
pub fn sign(key: &SigningKey, checksums: &[u8]) -> String {
    let signature = key.sign(checksums);
    format!(
        "{}\n{}\n",
        public_line(&key.verifying_key()),
        STANDARD.encode(signature.to_bytes())
    )
}

/// Verifies `signature_text` over `checksums`. A signature that does not verify (or is malformed) is an
/// error whatever the trust policy; one that verifies names its signer, trusted when its key is one of
/// the files in `trusted_dir`.
pub fn verify(
    signature_text: &str,
    checksums: &[u8],
    trusted_dir: &Path,
) -> Result<PackageSigner, PackageError> {
    let bad = |reason: String| PackageError::BadSignature { reason };
    let mut lines = signature_text.lines();
    let key_line = lines.next().unwrap_or_default();
    let key = parse_public_line(key_line).map_err(bad)?;
    let signature_bytes: [u8; 64] = lines
        .next()
        .and_then(|line| STANDARD.decode(line.trim()).ok())
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| bad("the second line is not a 64-byte base64 signature".to_owned()))?;
    let signature = Signature::from_bytes(&signature_bytes);
    key.verify(checksums, &signature)
        .map_err(|_| bad(format!("the signature by {} is not valid", key_line.trim())))?;
    Ok(trusted_key_name(&key, trusted_dir).map_or_else(
        || PackageSigner::Untrusted(public_line(&key)),
        PackageSigner::Trusted,
    ))
}

/// The name of the file in `trusted_dir` holding `key`, if any. Files that are not public keys are
/// skipped with a warning.
fn trusted_key_name(key: &VerifyingKey, trusted_dir: &Path) -> Option<String> {
    let entries = std::fs::read_dir(trusted_dir).ok()?;
    let mut names: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    names.into_iter().find_map(|path| {
        let text = std::fs::read_to_string(&path).ok()?;
        match parse_public_line(&text) {
            Ok(trusted) if trusted == *key => Some(
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            Ok(_) => None,
            Err(reason) => {
                tracing::warn!(file = %path.display(), %reason, "not a trusted key; skipped");
                None
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sign_and_verify_and_trust_follows_the_trusted_folder() {
        let folder = tempfile::tempdir().unwrap();
        let key_file = folder.path().join("publisher.key");
        let public = keygen(&key_file).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(
            keygen(&key_file).is_err(),
            "an existing key is not overwritten"
        );
        let key = read_signing_key(&key_file).unwrap();
        let signature = sign(&key, b"checksums");
        let trusted = folder.path().join("trusted");
        std::fs::create_dir(&trusted).unwrap();
        assert!(matches!(
            verify(&signature, b"checksums", &trusted).unwrap(),
            PackageSigner::Untrusted(_)
        ));
        std::fs::copy(&public, trusted.join("publisher.pub")).unwrap();
        assert_eq!(
            verify(&signature, b"checksums", &trusted).unwrap(),
            PackageSigner::Trusted("publisher.pub".into())
        );
        let error = verify(&signature, b"tampered", &trusted).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("signature: SIGNATURE does not verify")
        );
    }
}
