//! Tail checkpoints: versioned JSON, written atomically (temp file, fsync,
//! rename, fsync of the directory), advanced only on acknowledgement.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Committed position in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCheckpoint {
    /// Path the file had when last seen.
    pub path: PathBuf,
    /// Where that path led, when it is a symlink (container logs): a file
    /// rotated while sluice was down is looked for next to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<PathBuf>,
    /// Device id.
    pub dev: u64,
    /// Inode number.
    pub inode: u64,
    /// Hash of the file's first `fingerprint_len` bytes: an inode number is
    /// reused as soon as a file is deleted, its first bytes are not.
    pub fingerprint: u64,
    /// How many leading bytes `fingerprint` covers (at most the configured
    /// length; fewer for a file that was shorter).
    pub fingerprint_len: u64,
    /// Every byte before this offset was delivered.
    pub offset: u64,
    /// Unix seconds when the file was last followed; an entry for a file
    /// that stays gone expires some time after this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<i64>,
}

/// Leading bytes that identify a file, unless configured otherwise.
pub const DEFAULT_FINGERPRINT_BYTES: u64 = 256;

/// The fingerprint of no bytes (FNV-1a's offset basis): what an empty or
/// just-truncated file has.
pub const EMPTY_FINGERPRINT: u64 = 0xcbf2_9ce4_8422_2325;

/// Fingerprints the first `len` bytes of `file` (FNV-1a), without moving its
/// read position. Returns the hash and how many bytes it covers, which is
/// less than `len` when the file is shorter.
///
/// # Errors
/// When the file cannot be read.
pub fn fingerprint(file: &File, len: u64) -> std::io::Result<(u64, u64)> {
    let head = read_head(file, len)?;
    Ok((hash_head(&head), head.len() as u64))
}

/// The first `len` bytes of `file` (fewer when it is shorter), without
/// moving its read position.
///
/// # Errors
/// When the file cannot be read.
pub fn read_head(file: &File, len: u64) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut head = vec![0; usize::try_from(len).unwrap_or(0)];
    let mut filled = 0;
    while filled < head.len() {
        match file.read_at(&mut head[filled..], filled as u64)? {
            0 => break,
            read => filled += read,
        }
    }
    head.truncate(filled);
    Ok(head)
}

/// The fingerprint hash (FNV-1a) of a file that begins with `head`.
pub fn hash_head(head: &[u8]) -> u64 {
    head.iter().fold(EMPTY_FINGERPRINT, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "version")]
enum CheckpointFile {
    #[serde(rename = "1")]
    V1 { files: Vec<FileCheckpoint> },
}

/// Reads a checkpoint file; a missing file is an empty checkpoint.
///
/// # Errors
/// When the file exists but cannot be read or parsed.
pub fn load(path: &Path) -> std::io::Result<Vec<FileCheckpoint>> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    match serde_json::from_slice(&text) {
        Ok(CheckpointFile::V1 { files }) => Ok(files),
        Err(err) => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, err)),
    }
}

/// Writes a checkpoint atomically.
///
/// # Errors
/// Any I/O failure; the previous checkpoint is then still intact.
pub fn save(path: &Path, files: &[FileCheckpoint]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // Compact: rewritten up to 20 times a second, with thousands of entries
    // on a busy node.
    let body = serde_json::to_vec(&CheckpointFile::V1 {
        files: files.to_vec(),
    })
    .map_err(std::io::Error::other)?;
    let temp = path.with_extension("json.tmp");
    {
        let mut file = File::create(&temp)?;
        file.write_all(&body)?;
        file.sync_all()?;
    }
    std::fs::rename(&temp, path)?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_absence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp/app.json");
        assert!(load(&path).unwrap().is_empty());
        let entries = vec![FileCheckpoint {
            path: "/var/log/a.log".into(),
            resolved: None,
            dev: 1,
            inode: 2,
            fingerprint: 4,
            fingerprint_len: 5,
            offset: 3,
            last_seen: Some(1_795_000_000),
        }];
        save(&path, &entries).unwrap();
        assert_eq!(load(&path).unwrap(), entries);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"version\":\"1\""), "{text}");
    }

    #[test]
    fn fingerprint_covers_at_most_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"hello").unwrap();
        let file = File::open(&path).unwrap();
        let (short, covered) = fingerprint(&file, DEFAULT_FINGERPRINT_BYTES).unwrap();
        assert_eq!(covered, 5);
        std::fs::write(&path, b"hellO").unwrap();
        assert_ne!(fingerprint(&file, 5).unwrap().0, short);
    }

    #[test]
    fn corrupt_checkpoint_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.json");
        std::fs::write(&path, b"{not json").unwrap();
        assert!(load(&path).is_err());
    }
}
