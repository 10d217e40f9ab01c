//! What the loaders agree to read: regular files and folders only (a FIFO
//! would block, a device never ends, a socket is no file), and no file
//! larger than the memory its load would need (about 2.1x its size, measured
//! by `cargo bench --bench load`: see README's Benchmarks), refused with the
//! numbers before a byte is read.

use super::error::LoadError;
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// Peak memory of a load per byte of file, as a fraction (2.1x).
const PEAK_NUMERATOR: u64 = 21;
const PEAK_DENOMINATOR: u64 = 10;

/// The input's metadata (following symlinks), or an error when it is
/// neither a regular file nor a folder. Only `stat`s: never blocks.
pub(crate) fn check(path: &Path) -> Result<Metadata, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::io(path, e))?;
    if meta.is_file() || meta.is_dir() {
        return Ok(meta);
    }
    Err(LoadError::NotAFile {
        file: path.display().to_string(),
        what: file_type_name(&meta),
    })
}

/// Open a regular file for reading without ever blocking on a FIFO swapped
/// in after the check, and refuse it when loading it would not fit in memory.
pub(crate) fn open_regular(path: &Path) -> Result<(File, Metadata), LoadError> {
    check(path)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let f = options.open(path).map_err(|e| LoadError::io(path, e))?;
    let meta = f.metadata().map_err(|e| LoadError::io(path, e))?;
    if !meta.is_file() {
        return Err(LoadError::NotAFile {
            file: path.display().to_string(),
            what: file_type_name(&meta),
        });
    }
    check_memory(path, meta.len(), mem_available())?;
    Ok((f, meta))
}

/// The name `-` stands for: standard input, read whole (bounded like a
/// file) and never treated as a path.
pub const STDIN_NAME: &str = "standard input";

/// `-` as a FILE argument means standard input, as in other command-line
/// tools.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Read a stream to its end, refusing it once it holds more than a load of
/// it would fit in `available` bytes (read up to that bound and no further,
/// so an endless stream ends with the numbers, not with memory exhausted).
pub(crate) fn read_bounded(
    mut r: impl std::io::Read,
    name: &str,
    available: Option<u64>,
) -> Result<Vec<u8>, LoadError> {
    let limit = available.map(|a| a.saturating_mul(PEAK_DENOMINATOR) / PEAK_NUMERATOR);
    let mut bytes = Vec::new();
    let io = |reason| LoadError::Io {
        file: name.to_string(),
        reason,
    };
    match limit {
        Some(limit) => {
            (&mut r)
                .take(limit.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(io)?;
            if bytes.len() as u64 > limit {
                check_memory(Path::new(name), bytes.len() as u64, available)?;
            }
        }
        None => {
            r.read_to_end(&mut bytes).map_err(io)?;
        }
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(LoadError::Empty {
            file: name.to_string(),
        });
    }
    Ok(bytes)
}

/// Standard input, read whole and bounded by the memory available.
pub(crate) fn read_stdin() -> Result<Vec<u8>, LoadError> {
    read_bounded(std::io::stdin().lock(), STDIN_NAME, mem_available())
}

/// Refuse a file whose load would need more than `available` bytes (no
/// check when the machine does not say what is available).
pub(crate) fn check_memory(
    path: &Path,
    size: u64,
    available: Option<u64>,
) -> Result<(), LoadError> {
    let Some(available) = available else {
        return Ok(());
    };
    let needed = size.saturating_mul(PEAK_NUMERATOR) / PEAK_DENOMINATOR;
    if needed > available {
        return Err(LoadError::TooLarge {
            file: path.display().to_string(),
            size,
            needed,
            available,
        });
    }
    Ok(())
}

/// `MemAvailable` from `/proc/meminfo` (Linux), in bytes.
fn mem_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_mem_available(&text)
}

fn parse_mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

/// What a non-regular file is, in words.
pub fn file_type_name(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "folder";
    }
    if t.is_file() {
        return "regular file";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "character device";
        }
        if t.is_block_device() {
            return "block device";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    "special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_is_read_up_to_its_bound_and_refused_past_it() {
        // 2.1x of 1000 bytes is 2100: a 2100-byte budget reads 1000 bytes.
        let ok = read_bounded(&b"{}"[..], "standard input", Some(2100)).unwrap();
        assert_eq!(ok, b"{}");
        let endless = std::io::repeat(b' ').take(u64::MAX);
        let e = read_bounded(
            std::io::Read::chain(&b"["[..], endless),
            "standard input",
            Some(2100),
        )
        .unwrap_err();
        assert!(matches!(e, LoadError::TooLarge { size: 1001, .. }), "{e}");
        assert!(
            e.to_string().starts_with("standard input: too large"),
            "{e}"
        );
        let empty = read_bounded(&b" \n"[..], "standard input", Some(2100)).unwrap_err();
        assert!(matches!(empty, LoadError::Empty { .. }), "{empty}");
    }

    #[test]
    fn mem_available_is_read_from_meminfo() {
        let text = "MemTotal:       16336800 kB\nMemFree:          417332 kB\nMemAvailable:    8123456 kB\n";
        assert_eq!(parse_mem_available(text), Some(8_123_456 * 1024));
        assert_eq!(parse_mem_available("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn a_file_needing_more_than_is_available_is_refused_with_the_numbers() {
        let p = Path::new("big.json");
        assert!(check_memory(p, 1000, Some(2100)).is_ok());
        let e = check_memory(p, 1000, Some(2099)).unwrap_err();
        assert!(matches!(
            e,
            LoadError::TooLarge {
                size: 1000,
                needed: 2100,
                available: 2099,
                ..
            }
        ));
        let text = e.to_string();
        assert!(text.starts_with("big.json: too large"), "{text}");
        assert!(
            text.contains("(1000 bytes)") && text.contains("(2100 bytes)"),
            "{text}"
        );
        assert!(
            check_memory(p, u64::MAX, None).is_ok(),
            "no figure, no check"
        );
    }
}
