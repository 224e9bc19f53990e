//! Evidence files, shared by indicator submissions ([`crate::submissions`]) and key-task
//! progress reports ([`crate::tasks`]).
//!
//! - **Checks**: a plain file name (no path separators or control characters, at most 200
//!   characters), at most [`MAX_EVIDENCE_BYTES`] and not empty, and a declared type among PDF,
//!   PNG, JPEG, XLSX and DOCX that the file's leading bytes confirm. A type not accepted, or
//!   bytes not of the declared type, is [`Error::UnsupportedType`] (415); too large is
//!   [`Error::TooLarge`] (413).
//! - **Storage**: the bytes are stored once per content under
//!   `<evidence_dir>/<sha256[0..2]>/<sha256>` (`EngineConfig::evidence_dir`, i.e.
//!   `<data_dir>/evidence`), written to a temporary file, synced and renamed, so a crash never
//!   leaves a partial file under the final name. Records in the store name the file by its
//!   SHA-256 only.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::invalid;
use crate::{Engine, Error, Result};

/// Largest evidence file.
pub const MAX_EVIDENCE_BYTES: usize = 20 * 1024 * 1024;

/// Longest file name, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Accepted evidence types: MIME type, what the file starts with, and a label.
const EVIDENCE_TYPES: [(&str, &[u8], &str); 5] = [
    ("application/pdf", b"%PDF-", "PDF"),
    ("image/png", b"\x89PNG\r\n\x1a\n", "PNG"),
    ("image/jpeg", b"\xff\xd8\xff", "JPEG"),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04",
        "XLSX",
    ),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
        "DOCX",
    ),
];

/// An uploaded file that passed the checks: its trimmed name and its MIME type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedFile {
    pub(crate) file_name: String,
    pub(crate) content_type: &'static str,
}

/// Checks an upload's name, size and type (see the module docs).
pub(crate) fn check_upload(name: &str, content_type: &str, bytes: &[u8]) -> Result<CheckedFile> {
    let file_name = check_file_name(name)?;
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(Error::TooLarge(format!(
            "evidence of {} bytes exceeds the {} MiB limit (证明材料不能超过 20 MiB)",
            bytes.len(),
            MAX_EVIDENCE_BYTES >> 20
        )));
    }
    if bytes.is_empty() {
        return Err(invalid("body", "the file is empty"));
    }
    Ok(CheckedFile {
        file_name,
        content_type: evidence_type(content_type, bytes)?,
    })
}

/// The evidence type of `content_type` (parameters ignored), checked against the bytes.
fn evidence_type(content_type: &str, bytes: &[u8]) -> Result<&'static str> {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some((m, magic, label)) = EVIDENCE_TYPES.iter().find(|(m, _, _)| *m == mime) else {
        return Err(Error::UnsupportedType(format!(
            "evidence type {content_type:?} is not accepted: use PDF, PNG, JPEG, XLSX or DOCX \
             (证明材料仅支持 PDF、PNG、JPEG、XLSX、DOCX)"
        )));
    };
    if !bytes.starts_with(magic) {
        return Err(Error::UnsupportedType(format!(
            "the file is declared {label} ({m}) but is not one (文件内容与类型不符)"
        )));
    }
    Ok(m)
}

fn check_file_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("name", "the file name is required (?name=…)"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(
            "name",
            format!("at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == '/' || c == '\\')
        || name == "."
        || name == ".."
    {
        return Err(invalid(
            "name",
            "a plain file name without path separators or control characters",
        ));
    }
    Ok(name.to_string())
}

/// Writes `bytes` under `dir/<sha[0..2]>/<sha>` atomically (temporary file, sync, rename);
/// content already stored is kept.
fn write_file(dir: &Path, sha: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let sub = dir.join(&sha[..2]);
    std::fs::create_dir_all(&sub)?;
    let dest = sub.join(sha);
    if dest.is_file() {
        return Ok(());
    }
    let tmp = sub.join(format!(".{sha}.{:016x}.tmp", rand::random::<u64>()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &dest)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    if let Ok(d) = std::fs::File::open(&sub) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Where the file of `sha256` lives under `dir` (`None` for a malformed hash, which no record
/// written here has).
fn path_of(dir: &Path, sha256: &str) -> Option<PathBuf> {
    (sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| dir.join(&sha256[..2]).join(sha256))
}

impl Engine {
    fn evidence_dir(&self) -> Result<&PathBuf> {
        self.inner.cfg.evidence_dir.as_ref().ok_or_else(|| {
            Error::Unavailable("evidence storage is not configured (no data directory)".into())
        })
    }

    /// Stores `bytes` by content; returns their hex SHA-256.
    pub(crate) async fn store_evidence_bytes(&self, bytes: &[u8]) -> Result<String> {
        let dir = self.evidence_dir()?.clone();
        let sha = hex::encode(Sha256::digest(bytes));
        let (s, b) = (sha.clone(), bytes.to_vec());
        tokio::task::spawn_blocking(move || write_file(&dir, &s, &b))
            .await
            .map_err(|e| Error::Unavailable(format!("evidence writer: {e}")))?
            .map_err(|e| {
                tracing::error!(error = %e, "evidence write failed");
                Error::Unavailable(format!("could not store the evidence file: {e}"))
            })?;
        Ok(sha)
    }

    /// The stored bytes of `sha256`; `what` names the record in the error.
    pub(crate) async fn read_evidence_bytes(&self, sha256: &str, what: &str) -> Result<Vec<u8>> {
        let dir = self.evidence_dir()?;
        let missing = || Error::NotFound(format!("the file of {what} is missing"));
        let path = path_of(dir, sha256).ok_or_else(missing)?;
        tokio::fs::read(&path).await.map_err(|e| {
            tracing::error!(error = %e, path = %path.display(), "evidence file unreadable");
            missing()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_types_are_checked_against_the_bytes() {
        assert_eq!(
            evidence_type("application/pdf", b"%PDF-1.7 ...").unwrap(),
            "application/pdf"
        );
        assert_eq!(
            evidence_type("Image/PNG; charset=x", b"\x89PNG\r\n\x1a\nxx").unwrap(),
            "image/png"
        );
        assert!(matches!(
            evidence_type("application/pdf", b"hello"),
            Err(Error::UnsupportedType(_))
        ));
        assert!(matches!(
            evidence_type("text/plain", b"%PDF-"),
            Err(Error::UnsupportedType(_))
        ));
        assert!(check_file_name("../x.pdf").is_err());
        assert!(check_file_name("  ").is_err());
        assert_eq!(check_file_name(" 证明.pdf ").unwrap(), "证明.pdf");
    }

    #[test]
    fn uploads_are_checked_name_then_size_then_type() {
        let ok = check_upload(" a.pdf", "application/pdf", b"%PDF-1.4").unwrap();
        assert_eq!(
            ok,
            CheckedFile {
                file_name: "a.pdf".into(),
                content_type: "application/pdf"
            }
        );
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_EVIDENCE_BYTES + 1, b' ');
        assert!(matches!(
            check_upload("big.pdf", "application/pdf", &big),
            Err(Error::TooLarge(_))
        ));
        big.truncate(MAX_EVIDENCE_BYTES);
        assert!(check_upload("big.pdf", "application/pdf", &big).is_ok());
        assert!(matches!(
            check_upload("e.pdf", "application/pdf", b""),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            check_upload("", "application/pdf", b"%PDF-"),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            check_upload("a.txt", "text/plain", b"hello"),
            Err(Error::UnsupportedType(_))
        ));
    }

    #[test]
    fn evidence_is_written_once_per_content() {
        let dir = tempfile_dir();
        let sha = "ab".repeat(32);
        write_file(&dir, &sha, b"one").unwrap();
        write_file(&dir, &sha, b"one").unwrap();
        let sub = dir.join("ab");
        let names: Vec<_> = std::fs::read_dir(&sub)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(&sha)]);
        assert_eq!(std::fs::read(sub.join(&sha)).unwrap(), b"one");
        assert_eq!(path_of(&dir, &sha), Some(sub.join(&sha)));
        assert_eq!(path_of(&dir, "../../etc/passwd"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("zc-evidence-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
