//! Content-addressed, crash-safe storage of processed photos on the local disk:
//! `root/ab/cd/<sha256>.jpg` and `<sha256>.thumb.jpg`, where `abcd…` is the photo's hash.
//!
//! A submission is acknowledged only after its photos are saved, so `save` returns only once the
//! bytes and the directory entries are on disk (written to a temporary name, fsynced, renamed,
//! and the directory fsynced). Readers never see a half-written file under a final name.
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::process::{ProcessedPhoto, sha256_hex};

/// Which file of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Full,
    Thumb,
}

impl Variant {
    fn suffix(self) -> &'static str {
        match self {
            Variant::Full => "jpg",
            Variant::Thumb => "thumb.jpg",
        }
    }

    /// Both variants are JPEGs made by `process`.
    pub fn content_type(self) -> &'static str {
        "image/jpeg"
    }
}

/// What to record about a saved photo (e.g. in the case's photo row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPhoto {
    /// SHA-256 of the full-size JPEG, 64 lowercase hex digits.
    pub hash: String,
    pub width: u32,
    pub height: u32,
    /// Size of the full-size JPEG in bytes.
    pub size: u64,
}

/// True for exactly 64 lowercase hex digits: the only names the store hands out or accepts.
pub fn is_valid_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn invalid_hash() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a photo hash (64 lowercase hex digits)")
}

#[derive(Debug, Clone)]
pub struct PhotoStore {
    root: PathBuf,
}

impl PhotoStore {
    /// `root` is usually `data_dir/photos`; it is created on the first save.
    pub fn new(root: PathBuf) -> Self {
        PhotoStore { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self, hash: &str) -> PathBuf {
        self.root.join(&hash[..2]).join(&hash[2..4])
    }

    /// Where a photo's file lives (whether or not it exists), e.g. to serve it with `NamedFile`.
    /// Refuses anything but a well-formed hash, so no input can name a path outside the store.
    pub fn path(&self, hash: &str, variant: Variant) -> io::Result<PathBuf> {
        if !is_valid_hash(hash) {
            return Err(invalid_hash());
        }
        Ok(self.dir(hash).join(format!("{hash}.{}", variant.suffix())))
    }

    /// Saves both files and returns once they are durable. Saving the same photo again (the same
    /// bytes: the same hash) finds it there and writes nothing.
    pub fn save(&self, photo: &ProcessedPhoto) -> io::Result<StoredPhoto> {
        // The name is computed here, not trusted from the struct: the store stays content-addressed.
        let hash = sha256_hex(&photo.jpeg);
        if photo.sha256 != hash {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "photo hash does not match its content"));
        }
        let dir = self.make_dirs(&hash)?;
        // The thumbnail first: once the full photo exists, the pair is complete.
        write_durably(&dir, &format!("{hash}.{}", Variant::Thumb.suffix()), &photo.thumb)?;
        write_durably(&dir, &format!("{hash}.{}", Variant::Full.suffix()), &photo.jpeg)?;
        Ok(StoredPhoto { hash, width: photo.width, height: photo.height, size: photo.jpeg.len() as u64 })
    }

    /// The bytes of a stored photo; `NotFound` if there is none by that hash.
    pub fn open(&self, hash: &str, variant: Variant) -> io::Result<Vec<u8>> {
        fs::read(self.path(hash, variant)?)
    }

    pub fn exists(&self, hash: &str) -> io::Result<bool> {
        self.path(hash, Variant::Full)?.try_exists()
    }

    /// Deletes both files. Identical photos share one file, so call this only when no case
    /// refers to the hash any more.
    pub fn remove(&self, hash: &str) -> io::Result<()> {
        for variant in [Variant::Full, Variant::Thumb] {
            match fs::remove_file(self.path(hash, variant)?) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        match sync_dir(&self.dir(hash)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// [`save`](Self::save) on tokio's blocking pool (fsync can take tens of milliseconds).
    pub async fn save_async(&self, photo: ProcessedPhoto) -> io::Result<StoredPhoto> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.save(&photo)).await.map_err(io::Error::other)?
    }

    /// [`open`](Self::open) on tokio's blocking pool.
    pub async fn open_async(&self, hash: String, variant: Variant) -> io::Result<Vec<u8>> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.open(&hash, variant)).await.map_err(io::Error::other)?
    }

    /// Creates `root/ab/cd` and makes each new directory entry durable in its parent.
    fn make_dirs(&self, hash: &str) -> io::Result<PathBuf> {
        fs::create_dir_all(&self.root)?;
        let mut dir = self.root.clone();
        for part in [&hash[..2], &hash[2..4]] {
            let parent = dir.clone();
            dir.push(part);
            match fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
            // Also when it already existed: another save may have made it and not synced yet.
            sync_dir(&parent)?;
        }
        Ok(dir)
    }
}

/// Writes `name` in `dir` through a temporary file, unless it is already there.
fn write_durably(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let target = dir.join(name);
    if target.try_exists()? {
        // A concurrent save of the same photo may have renamed it but not yet synced the directory.
        return sync_dir(dir);
    }
    let temp = dir.join(format!(".{name}.{:016x}.tmp", rand::random::<u64>()));
    let written = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, &target)?;
        sync_dir(dir)
    })();
    if written.is_err() {
        // Best effort: the temporary name is never read, only the space would be lost.
        let _ = fs::remove_file(&temp);
    }
    written
}

/// Makes the directory's entries (a rename, a new file) durable.
#[cfg(unix)]
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Windows cannot open a directory as a file; NTFS journals the rename itself.
#[cfg(not(unix))]
pub(crate) fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photos::limits::PhotoLimits;
    use crate::photos::process::process;
    use crate::photos::testdata;

    fn photo(width: u32, height: u32) -> ProcessedPhoto {
        process(&testdata::jpeg(width, height), &PhotoLimits::default()).unwrap()
    }

    fn files_under(dir: &Path) -> Vec<String> {
        let mut names = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                names.extend(files_under(&path));
            } else {
                names.push(path.display().to_string());
            }
        }
        names.sort();
        names
    }

    #[test]
    fn a_saved_photo_reads_back_from_its_content_address() {
        let tmp = tempfile::tempdir().unwrap();
        let store = PhotoStore::new(tmp.path().join("photos"));
        let photo = photo(120, 80);
        let stored = store.save(&photo).unwrap();
        assert_eq!(
            stored,
            StoredPhoto { hash: photo.sha256.clone(), width: 120, height: 80, size: photo.jpeg.len() as u64 }
        );

        let hash = &stored.hash;
        let full = tmp.path().join("photos").join(&hash[..2]).join(&hash[2..4]).join(format!("{hash}.jpg"));
        assert_eq!(store.path(hash, Variant::Full).unwrap(), full);
        assert_eq!(store.open(hash, Variant::Full).unwrap(), photo.jpeg);
        assert_eq!(store.open(hash, Variant::Thumb).unwrap(), photo.thumb);
        assert!(store.exists(hash).unwrap());
        // Nothing but the two files: no temporary file left behind.
        let names: Vec<String> = fs::read_dir(full.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn saving_twice_is_harmless() {
        let tmp = tempfile::tempdir().unwrap();
        let store = PhotoStore::new(tmp.path().to_path_buf());
        let photo = photo(64, 64);
        let first = store.save(&photo).unwrap();
        let files = files_under(tmp.path());
        let written = fs::metadata(store.path(&first.hash, Variant::Full).unwrap()).unwrap().modified().unwrap();
        let second = store.save(&photo).unwrap();
        assert_eq!(first, second);
        assert_eq!(files_under(tmp.path()), files);
        let again = fs::metadata(store.path(&first.hash, Variant::Full).unwrap()).unwrap().modified().unwrap();
        assert_eq!(written, again, "the existing file was not rewritten");

        // A second photo lands beside it.
        let other = store.save(&self::photo(65, 64)).unwrap();
        assert_ne!(other.hash, first.hash);
        assert_eq!(files_under(tmp.path()).len(), 4);
    }

    #[test]
    fn a_missing_thumbnail_is_written_on_the_next_save() {
        let tmp = tempfile::tempdir().unwrap();
        let store = PhotoStore::new(tmp.path().to_path_buf());
        let photo = photo(64, 64);
        store.save(&photo).unwrap();
        fs::remove_file(store.path(&photo.sha256, Variant::Thumb).unwrap()).unwrap();
        store.save(&photo).unwrap();
        assert_eq!(store.open(&photo.sha256, Variant::Thumb).unwrap(), photo.thumb);
    }

    #[test]
    fn only_well_formed_hashes_name_files() {
        let tmp = tempfile::tempdir().unwrap();
        let store = PhotoStore::new(tmp.path().to_path_buf());
        let good = "a".repeat(64);
        assert!(is_valid_hash(&good));
        for bad in [
            "../etc/passwd".to_string(),
            format!("../{}", "a".repeat(61)),
            format!("ab/{}", "a".repeat(61)),
            "A".repeat(64),
            "a".repeat(63),
            "a".repeat(65),
            "g".repeat(64),
            format!("{}\0", "a".repeat(63)),
            String::new(),
            "é".repeat(32),
        ] {
            assert!(!is_valid_hash(&bad), "{bad:?}");
            for result in [
                store.path(&bad, Variant::Full).map(|_| ()),
                store.open(&bad, Variant::Thumb).map(|_| ()),
                store.remove(&bad),
            ] {
                assert_eq!(result.unwrap_err().kind(), io::ErrorKind::InvalidInput, "{bad:?}");
            }
            assert!(store.exists(&bad).is_err());
        }
        assert_eq!(store.open(&good, Variant::Full).unwrap_err().kind(), io::ErrorKind::NotFound);
        assert!(!store.exists(&good).unwrap());
    }

    #[test]
    fn a_photo_whose_hash_does_not_match_is_not_saved() {
        let tmp = tempfile::tempdir().unwrap();
        let store = PhotoStore::new(tmp.path().to_path_buf());
        let mut photo = photo(32, 32);
        photo.sha256 = "../../../tmp/x".into();
        assert_eq!(store.save(&photo).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        photo.jpeg.push(0);
        photo.sha256 = "0".repeat(64);
        assert_eq!(store.save(&photo).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        assert!(files_under(tmp.path()).is_empty());
    }

    #[test]
    fn removed_photos_are_gone() {
        let tmp = tempfile::tempdir().unwrap();
        let store = PhotoStore::new(tmp.path().to_path_buf());
        let stored = store.save(&photo(40, 40)).unwrap();
        store.remove(&stored.hash).unwrap();
        assert!(!store.exists(&stored.hash).unwrap());
        assert_eq!(store.open(&stored.hash, Variant::Thumb).unwrap_err().kind(), io::ErrorKind::NotFound);
        store.remove(&stored.hash).unwrap();
        store.remove(&"b".repeat(64)).unwrap();
    }

    #[tokio::test]
    async fn async_wrappers_round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        let store = PhotoStore::new(tmp.path().to_path_buf());
        let photo = photo(50, 30);
        let stored = store.save_async(photo.clone()).await.unwrap();
        assert_eq!(store.open_async(stored.hash.clone(), Variant::Full).await.unwrap(), photo.jpeg);
        let err = store.open_async("../x".into(), Variant::Full).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
