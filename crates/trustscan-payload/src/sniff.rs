//! The one content sniffer: every magic number, the order they are tried in, what a file's
//! name decides for formats that have none, and which bytes each format's reader needs. Load
//! planning, payload inspection and the remote fetch planner all ask here, so a new format is
//! one edit.
//!
//! The order, first match wins:
//!
//! 1. [`by_magic`]: a magic number in the first [`HEAD`] bytes (the inspector passes the
//!    whole file, so the HDF5 signature is searched as far as libhdf5 searches it). Strong
//!    magic numbers first; the weak ones of zlib and LZMA last, as candidates the caller
//!    confirms by inflating.
//! 2. A zip archive found by its end record in the last [`TAIL`] bytes, whatever comes
//!    before it, as Python's `zipfile` finds one ([`has_zip_end_record`]).
//! 3. A headerless (protocol 0 or 1) pickle, recognised by parsing: only content whose first
//!    byte [`may_start_headerless_pickle`] is parsed, by the inspector, which owns the pickle
//!    VM (the VM asks this module whether a constant carries a payload, so the parse cannot
//!    live here without a circle).
//! 4. [`by_name`]: formats without a magic number, chosen by name as their loaders choose
//!    them, and names whose loader unpickles whatever they hold ([`unpickler`]).
//!
//! A loader that looks only at the first bytes and never at the name (`torch.load` tests
//! four, the safetensors library its header) is modelled by [`sniff`], step 1 alone.

use crate::compress::Wrapper;

/// The first bytes sniffing looks at: every magic number at a fixed offset (tar's at 257),
/// and the HDF5 signature behind a user block of up to 4 KiB.
pub const HEAD: usize = 8 << 10;

/// The last bytes that can hold a zip's end record: 22 bytes and a comment of up to 65,535
/// (APPNOTE.TXT 4.3.16).
pub const TAIL: usize = 22 + 0xffff;

/// Pickles at the start of torch's legacy format that `torch.load` unpickles (magic number,
/// protocol version, sys_info, the object, the storage keys; `torch/serialization.py`
/// `_legacy_load`); raw storage bytes follow, which torch reads itself.
pub const TORCH_LEGACY_PICKLES: usize = 5;

/// Magic numbers, one copy each for the whole workspace; readers parse with them too.
pub mod magic {
    /// Zip record signatures, "PK" and two bytes (APPNOTE.TXT 4.3.7, 4.3.12, 4.3.14-16),
    /// little-endian as readers compare them.
    pub const ZIP_LOCAL_HEADER: u32 = 0x0403_4b50;
    pub const ZIP_CENTRAL_HEADER: u32 = 0x0201_4b50;
    pub const ZIP_END: u32 = 0x0605_4b50;
    pub const ZIP64_END: u32 = 0x0606_4b50;
    pub const ZIP64_LOCATOR: u32 = 0x0706_4b50;
    /// The two bytes every zip record signature starts with.
    pub const ZIP_PREFIX: &[u8] = b"PK";
    /// POSIX ustar and GNU tar headers carry "ustar" in their `magic` field at byte 257
    /// (POSIX.1-1988; GNU writes "ustar  \0", POSIX "ustar\000").
    pub const TAR_USTAR: &[u8] = b"ustar";
    pub const TAR_USTAR_AT: usize = 257;
    /// 7z signature header (7-Zip's `7zFormat.txt`).
    pub const SEVEN_Z: &[u8] = b"7z\xbc\xaf\x27\x1c";
    /// torch's legacy format opens with `MAGIC_NUMBER = 0x1950a86a20f9469cfc6c` pickled with
    /// protocol 2: PROTO 2, LONG1 of 10 bytes (`torch/serialization.py`).
    pub const TORCH_LEGACY: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
    /// `numpy/lib/format.py` `MAGIC_PREFIX`.
    pub const NPY: &[u8] = b"\x93NUMPY";
    /// The HDF5 format signature that opens the superblock (HDF5 File Format Specification,
    /// "Superblock", "Format Signature").
    pub const HDF5: &[u8] = b"\x89HDF\r\n\x1a\n";
    /// `GGUF_MAGIC` (ggml `docs/gguf.md`).
    pub const GGUF: &[u8] = b"GGUF";
    /// A Git LFS pointer file's first line (git-lfs `docs/spec.md`).
    pub const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/";
}

/// What a file is, as far as sniffing tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// No bytes at all (only [`sniff`] says so; the inspector goes on to the name).
    Empty,
    Zip,
    Tar,
    SevenZ,
    Compressed(Wrapper),
    /// torch's legacy stream: its first pickle is the magic number.
    TorchLegacy,
    /// A pickle stream: a protocol 2+ header, a headerless stream recognised by parsing, or
    /// any content under a name that only pickles have.
    Pickle,
    Npy,
    Hdf5,
    Gguf,
    Safetensors,
    LfsPointer,
    /// Formats without a magic number, chosen by name.
    Onnx,
    Jinja,
    TokenizerConfig,
    /// A `.json` that Keras would read as a model config, if its content says so.
    KerasConfig,
    Other,
}

/// Which bytes of a file a format's reader needs: what a remote scan fetches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Every byte (a plain pickle, `.npy`, tar, 7z, compressed streams, name-chosen formats).
    Whole,
    /// The end records and central directory, then every member but torch's tensor
    /// storages (`<archive>/data/<n>`), which no loader unpickles.
    ZipIndex,
    /// A prefix growing until the GGUF header parser finishes (metadata and tensor infos).
    GgufHeader,
    /// The 8-byte length and the JSON header of this many bytes it announces.
    SafetensorsHeader(u64),
    /// The first pickles of the stream, this many at most (torch's legacy format).
    LeadingPickles(usize),
    /// HDF5 metadata blocks, fetched as the reader asks for them.
    Hdf5Metadata,
    /// Nothing beyond the bytes sniffing read.
    Head,
}

impl Format {
    /// The format's name in reports when nothing more specific is known (readers refine it:
    /// a zip may be `torch-zip`, a tar `torch-legacy-tar`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Empty | Format::Other => "other",
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::SevenZ => "7z",
            Format::Compressed(w) => w.name(),
            Format::TorchLegacy => "torch-legacy",
            Format::Pickle => "pickle",
            Format::Npy => "npy",
            Format::Hdf5 => "hdf5",
            Format::Gguf => "gguf",
            Format::Safetensors => "safetensors",
            Format::LfsPointer => "lfs-pointer",
            Format::Onnx => "onnx",
            Format::Jinja => "jinja",
            Format::TokenizerConfig => "tokenizer_config",
            Format::KerasConfig => "keras",
        }
    }

    /// Whether content of this format carries a magic number; the others are chosen by name
    /// alone, so their first bytes say nothing.
    pub fn has_magic_number(self) -> bool {
        !matches!(
            self,
            Format::Empty
                | Format::Onnx
                | Format::Jinja
                | Format::TokenizerConfig
                | Format::KerasConfig
                | Format::Other
        )
    }

    /// Which bytes this format's reader needs; `head` and `size` as given to [`by_magic`].
    pub fn needs(self, head: &[u8], size: u64) -> Needs {
        match self {
            Format::Zip => Needs::ZipIndex,
            Format::Gguf => Needs::GgufHeader,
            Format::Safetensors => match safetensors_header(head, size) {
                Some(n) => Needs::SafetensorsHeader(n),
                // Chosen by name though the header is not one: the first bytes show why.
                None => Needs::Head,
            },
            Format::TorchLegacy => Needs::LeadingPickles(TORCH_LEGACY_PICKLES),
            Format::Hdf5 => Needs::Hdf5Metadata,
            Format::Tar
            | Format::SevenZ
            | Format::Compressed(_)
            | Format::Pickle
            | Format::Npy
            | Format::Onnx
            | Format::Jinja
            | Format::TokenizerConfig
            | Format::KerasConfig => Needs::Whole,
            Format::Empty | Format::LfsPointer | Format::Other => Needs::Head,
        }
    }
}

/// What a loader that reads only the first bytes sees (step 1): a magic number, no bytes at
/// all, or something else. `head` holds the first [`HEAD`] bytes (or the whole file), `size`
/// is the file's length.
pub fn sniff(head: &[u8], size: u64) -> Format {
    if size == 0 {
        return Format::Empty;
    }
    by_magic(head, size).unwrap_or(Format::Other)
}

/// Step 1: the format a magic number in the first bytes announces, `None` when none does.
/// `head` is at least the first [`HEAD`] bytes when the file has them; any longer prefix
/// lets the HDF5 signature be found further in. `size` is the whole file's length.
pub fn by_magic(head: &[u8], size: u64) -> Option<Format> {
    let starts = |m: &[u8]| head.starts_with(m);
    let format = if starts(&magic::ZIP_LOCAL_HEADER.to_le_bytes())
        || starts(&magic::ZIP_END.to_le_bytes())
    {
        Format::Zip
    } else if head.get(magic::TAR_USTAR_AT..magic::TAR_USTAR_AT + magic::TAR_USTAR.len())
        == Some(magic::TAR_USTAR)
    {
        Format::Tar
    } else if starts(magic::SEVEN_Z) {
        Format::SevenZ
    } else if let Some(w) = wrapper(head).filter(|&w| !weak_magic(w)) {
        Format::Compressed(w)
    } else if starts(magic::TORCH_LEGACY) {
        Format::TorchLegacy
    } else if matches!(head, [0x80, 2..=5, ..]) {
        // PROTO with a protocol only `pickle.dump` writes (2 to 5, `pickletools`).
        Format::Pickle
    } else if starts(magic::NPY) {
        Format::Npy
    } else if hdf5_signature_offsets(size)
        .take_while(|&at| at as usize + magic::HDF5.len() <= head.len())
        .any(|at| head[at as usize..].starts_with(magic::HDF5))
    {
        Format::Hdf5
    } else if starts(magic::GGUF) {
        Format::Gguf
    } else if safetensors_header(head, size).is_some() {
        Format::Safetensors
    } else if starts(magic::LFS_POINTER) {
        Format::LfsPointer
    } else if let Some(w) = wrapper(head) {
        // zlib's two bytes and LZMA's three also open other data: a candidate only.
        Format::Compressed(w)
    } else {
        return None;
    };
    Some(format)
}

/// Offsets at which libhdf5 looks for the superblock signature: 0, then 512 and every
/// doubling below the end of the file (HDF5 File Format Specification, "Superblock";
/// `H5FD_locate_signature`; hdf5-reader's `find_magic` does the same). A file may carry a
/// user block of any of those sizes before it.
pub fn hdf5_signature_offsets(size: u64) -> impl Iterator<Item = u64> {
    std::iter::once(0)
        .chain(std::iter::successors(Some(512u64), |at| at.checked_mul(2)))
        .take_while(move |at| at.saturating_add(magic::HDF5.len() as u64) <= size)
}

/// Where else than in the first `seen` bytes a file of this name may hold the HDF5 signature,
/// for a reader that pays a request per look: only `.h5` and `.hdf5` files, which Keras and
/// transformers open with h5py (and h5py searches the whole file); probing every file that
/// nothing else recognises would cost one request per doubling of its size.
pub fn hdf5_probes(name: &str, seen: usize, size: u64) -> impl Iterator<Item = u64> {
    let file = file_name(name).to_ascii_lowercase();
    let h5 = file.ends_with(".h5") || file.ends_with(".hdf5");
    hdf5_signature_offsets(size)
        .filter(move |&at| h5 && at + magic::HDF5.len() as u64 > seen as u64)
}

/// The header length of a safetensors file, when the first bytes pass the `safetensors`
/// library's own tests (`SafeTensors::read_metadata` in `safetensors/src/tensor.rs`): a
/// little-endian u64 `n` of at most 100,000,000 (`MAX_HEADER_SIZE`) with `8 + n` within
/// the file; and, since that is true of much else, a header whose first character other
/// than JSON white space opens an object, as serde_json requires of the library's header
/// type. Header bytes beyond `head` are not seen: white space up to its end still counts.
fn safetensors_header(head: &[u8], size: u64) -> Option<u64> {
    let n = u64::from_le_bytes(head.get(..8)?.try_into().ok()?);
    if n > crate::safetensors::MAX_HEADER || 8 + n > size {
        return None;
    }
    let header = &head[8..head.len().min(8 + n as usize)];
    let first = header
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    match first {
        Some(b'{') => Some(n),
        Some(_) => None,
        // All white space: an object may still open after the bytes seen.
        None if header.len() < n as usize => Some(n),
        None => None,
    }
}

/// The compression wrapper the first bytes announce (joblib's compressors,
/// `joblib/compressor.py`, and what people wrap checkpoints in).
fn wrapper(head: &[u8]) -> Option<Wrapper> {
    match head {
        // RFC 1952.
        [0x1f, 0x8b, ..] => Some(Wrapper::Gzip),
        // "BZh" and the block size, '1' to '9'.
        [b'B', b'Z', b'h', b'1'..=b'9', ..] => Some(Wrapper::Bzip2),
        // xz file format, stream header magic.
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Some(Wrapper::Xz),
        // RFC 8878 frame magic 0xFD2FB528.
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Some(Wrapper::Zstd),
        // LZ4 frame format magic 0x184D2204.
        [0x04, 0x22, 0x4d, 0x18, ..] => Some(Wrapper::Lz4),
        // LZMA properties byte 0x5d (lc=3, lp=0, pb=2, what every encoder uses by default),
        // then a little-endian dictionary size; the header is 13 bytes.
        [0x5d, 0x00, 0x00, ..] if head.len() >= 13 => Some(Wrapper::Lzma),
        // RFC 1950: deflate with a 32 KiB window, and a check making CMF*256+FLG a
        // multiple of 31.
        [0x78, b, ..] if (0x7800u16 | *b as u16).is_multiple_of(31) => Some(Wrapper::Zlib),
        _ => None,
    }
}

/// Whether a wrapper's magic is too short to be sure of (zlib's two bytes, LZMA's three):
/// failing to inflate one means "not compressed" rather than "broken".
pub fn weak_magic(w: Wrapper) -> bool {
    matches!(w, Wrapper::Lzma | Wrapper::Zlib)
}

/// Step 2: whether the last bytes of a file hold a zip end record, by which Python's
/// `zipfile` finds an archive whatever precedes it. `tail` is the last [`TAIL`] bytes (or
/// the whole file); the archive's directory decides whether it is readable.
pub fn has_zip_end_record(tail: &[u8]) -> bool {
    memchr::memmem::find(tail, &magic::ZIP_END.to_le_bytes()).is_some()
}

/// Step 3: whether content without a magic number may be a headerless (protocol 0 or 1)
/// pickle, to be parsed: its first opcode can start a payload (MARK, GLOBAL, the EMPTY_*
/// containers, the constants pushed before a call, BINPUT) rather than fail at once.
pub fn may_start_headerless_pickle(head: &[u8]) -> bool {
    head.first()
        .is_some_and(|b| b"(c]}).NIJKLMFGSTUVXq".contains(b))
}

/// Who unpickles a file because of its name, whatever its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unpickler {
    /// `pickle.load`, `joblib.load`, `dill.load`: the whole file is one pickle stream (after
    /// joblib's compression, which content sniffing finds first).
    Pickle,
    /// `torch.load`: anything that is not a zip is unpickled as the legacy format. These
    /// names also hold other binary data, so content counts as a pickle only when parsing
    /// shows it looks a global up.
    TorchLoad,
}

/// The loader that unpickles a file by this name (loaders.md §10: `.pkl`, `.pickle`,
/// `.dill`, `.joblib`; torch's `.pt`, `.pth`, `.ckpt`, `.bin`). Case is ignored: the
/// loaders never look at the name, the users who pick the file do.
pub fn unpickler(name: &str) -> Option<Unpickler> {
    let file = file_name(name).to_ascii_lowercase();
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "pkl" | "pickle" | "dill" | "joblib" => Some(Unpickler::Pickle),
        "pt" | "pth" | "ckpt" | "bin" => Some(Unpickler::TorchLoad),
        _ => None,
    }
}

/// Step 4: what the name says of content that nothing before recognised: the formats
/// without a magic number, chosen by name as their loaders choose them, and names whose
/// loader unpickles anything ([`Unpickler::Pickle`]).
pub fn by_name(name: &str) -> Format {
    let file = file_name(name);
    if file.ends_with(".safetensors") {
        Format::Safetensors
    } else if file.ends_with(".onnx") {
        Format::Onnx
    } else if file.ends_with(".jinja") || file.ends_with(".jinja2") {
        Format::Jinja
    } else if file == "tokenizer_config.json" {
        Format::TokenizerConfig
    } else if file.ends_with(".json") {
        Format::KerasConfig
    } else if unpickler(file) == Some(Unpickler::Pickle) {
        Format::Pickle
    } else {
        Format::Other
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether bytes carried inside a pickle (a bytes constant, a base64 string) start like a
/// payload of their own, by a strong magic number: a pickle with a protocol header, an
/// archive, a compressed stream.
pub fn embeds_payload(bytes: &[u8]) -> bool {
    match by_magic(bytes, bytes.len() as u64) {
        Some(Format::Zip) => bytes.starts_with(&magic::ZIP_LOCAL_HEADER.to_le_bytes()),
        Some(Format::Compressed(w)) => !weak_magic(w),
        Some(f) => matches!(
            f,
            Format::Pickle | Format::TorchLegacy | Format::Tar | Format::SevenZ
        ),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safetensors(n: u64, header: &[u8], size: usize) -> Vec<u8> {
        let mut v = n.to_le_bytes().to_vec();
        v.extend_from_slice(header);
        v.resize(size, 0);
        v
    }

    #[test]
    fn magic_numbers_decide_first() {
        let m = |b: &[u8]| by_magic(b, b.len() as u64);
        assert_eq!(m(b"PK\x03\x04rest"), Some(Format::Zip));
        assert_eq!(m(b"PK\x05\x06"), Some(Format::Zip));
        assert_eq!(
            m(b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."),
            Some(Format::TorchLegacy)
        );
        assert_eq!(m(b"\x80\x04N."), Some(Format::Pickle));
        assert_eq!(m(b"\x80\x01N."), None);
        assert_eq!(m(b"\x93NUMPY\x01\x00"), Some(Format::Npy));
        assert_eq!(m(b"GGUF\x03\x00"), Some(Format::Gguf));
        assert_eq!(m(b"7z\xbc\xaf\x27\x1c\x00\x04"), Some(Format::SevenZ));
        assert_eq!(
            m(b"version https://git-lfs.github.com/spec/v1\noid sha256:"),
            Some(Format::LfsPointer)
        );
        assert_eq!(
            m(b"\x1f\x8b\x08\x00"),
            Some(Format::Compressed(Wrapper::Gzip))
        );
        let mut tar = vec![0u8; 512];
        tar[257..263].copy_from_slice(b"ustar\0");
        assert_eq!(m(&tar), Some(Format::Tar));
        for other in [&b""[..], b"cat\ndog\n", b"{\"a\": 1}", b"(defun x)"] {
            assert_eq!(m(other), None, "{other:?}");
        }
    }

    #[test]
    fn hdf5_is_found_behind_user_blocks_as_libhdf5_finds_it() {
        for at in [0usize, 512, 1024, 2048, 4096, 65536] {
            let mut f = vec![b'u'; at + 4096];
            f[at..at + 8].copy_from_slice(b"\x89HDF\r\n\x1a\n");
            assert_eq!(by_magic(&f, f.len() as u64), Some(Format::Hdf5), "{at}");
            // The first HEAD bytes reach 4096, not 65536.
            let seen = by_magic(&f[..HEAD.min(f.len())], f.len() as u64);
            assert_eq!(seen == Some(Format::Hdf5), at < HEAD, "{at}");
        }
        // Not a power of two: libhdf5 does not look there.
        let mut f = vec![0u8; 2000];
        f[700..708].copy_from_slice(b"\x89HDF\r\n\x1a\n");
        assert_eq!(by_magic(&f, 2000), None);
        let offsets: Vec<u64> = hdf5_signature_offsets(5000).collect();
        assert_eq!(offsets, [0, 512, 1024, 2048, 4096]);
        let probes: Vec<u64> = hdf5_probes("tf_model.h5", HEAD, 40_000).collect();
        assert_eq!(probes, [8192, 16384, 32768]);
        assert_eq!(hdf5_probes("flax_model.msgpack", HEAD, 40_000).count(), 0);
    }

    #[test]
    fn safetensors_headers_are_tested_as_the_library_tests_them() {
        let yes = |b: &[u8]| by_magic(b, b.len() as u64) == Some(Format::Safetensors);
        assert!(yes(&safetensors(2, b"{}", 10)));
        // serde_json skips white space before the object.
        assert!(yes(&safetensors(4, b" \n{}", 12)));
        // The header must lie within the file: 8 + n <= size.
        assert!(yes(&safetensors(20, b"{}", 28)));
        assert!(!yes(&safetensors(21, b"{}", 28)));
        // At most MAX_HEADER_SIZE bytes.
        let big = safetensors(100_000_001, b"{}", 16);
        assert_eq!(by_magic(&big, 200_000_000), None);
        let ok = safetensors(100_000_000, b"{}", 16);
        assert_eq!(by_magic(&ok, 200_000_000), Some(Format::Safetensors));
        // Not an object.
        assert!(!yes(&safetensors(2, b"[]", 10)));
        assert!(!yes(&safetensors(0, b"", 10)));
        // White space up to the end of the bytes seen: the header may still open later.
        let mut ws = safetensors(20_000, b"", 8);
        ws.resize(HEAD, b' ');
        assert_eq!(by_magic(&ws, 50_000), Some(Format::Safetensors));
        assert_eq!(
            Format::Safetensors.needs(&ws, 50_000),
            Needs::SafetensorsHeader(20_000)
        );
    }

    #[test]
    fn weak_wrappers_yield_to_strong_magic_numbers() {
        // A safetensors header of 0x178 bytes starts with zlib's two bytes.
        let f = safetensors(0x178, b"{}", 0x178 + 8);
        assert_eq!(by_magic(&f, f.len() as u64), Some(Format::Safetensors));
        let z = [0x78, 0x9c, 0x03, 0x00];
        assert_eq!(by_magic(&z, 4), Some(Format::Compressed(Wrapper::Zlib)));
    }

    #[test]
    fn names_decide_only_without_magic() {
        assert_eq!(sniff(b"GGUF\x03", 5), Format::Gguf);
        assert_eq!(sniff(b"junk", 4), Format::Other);
        assert_eq!(sniff(b"", 0), Format::Empty);
        assert_eq!(by_name("model.pkl"), Format::Pickle);
        assert_eq!(by_name("dir/x.PICKLE"), Format::Pickle);
        assert_eq!(by_name("a.joblib"), Format::Pickle);
        assert_eq!(by_name("pytorch_model.bin"), Format::Other);
        assert_eq!(by_name("model.onnx"), Format::Onnx);
        assert_eq!(by_name("tokenizer_config.json"), Format::TokenizerConfig);
        assert_eq!(by_name("config.json"), Format::KerasConfig);
        assert_eq!(by_name("chat.jinja2"), Format::Jinja);
        assert_eq!(by_name("model.safetensors"), Format::Safetensors);
        assert_eq!(unpickler("a/b.pt"), Some(Unpickler::TorchLoad));
        assert_eq!(unpickler("a.pkl.gz"), None);
        assert_eq!(unpickler("pkl"), None);
    }

    #[test]
    fn embedded_payloads_need_strong_magic() {
        assert!(embeds_payload(b"\x80\x04N."));
        assert!(embeds_payload(b"PK\x03\x04...."));
        assert!(!embeds_payload(b"PK\x05\x06"));
        assert!(!embeds_payload(&[0x78, 0x9c, 0x03, 0x00]));
        assert!(embeds_payload(b"\x1f\x8b\x08\x00"));
        assert!(!embeds_payload(b"GGUF\x03\x00"));
        assert!(!embeds_payload(b"cos\nsystem\n"));
    }

    #[test]
    fn needs_follow_the_readers() {
        let h = b"";
        assert_eq!(Format::Zip.needs(h, 0), Needs::ZipIndex);
        assert_eq!(Format::TorchLegacy.needs(h, 0), Needs::LeadingPickles(5));
        assert_eq!(Format::Pickle.needs(h, 0), Needs::Whole);
        assert_eq!(Format::Hdf5.needs(h, 0), Needs::Hdf5Metadata);
        assert_eq!(Format::Gguf.needs(h, 0), Needs::GgufHeader);
        assert_eq!(Format::Other.needs(h, 0), Needs::Head);
        // Chosen by name, but no header: only the first bytes.
        assert_eq!(Format::Safetensors.needs(b"junkjunkjunk", 12), Needs::Head);
    }
}
