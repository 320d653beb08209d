//! Compression wrappers around payloads: gzip, bzip2, xz, LZMA ("alone"), zstd, LZ4 frames and
//! zlib — every compressor `joblib` writes, and what people wrap checkpoints in. Recognised by
//! content (`crate::sniff`), inflated into memory up to a cap: a decompression bomb ends as an
//! error the caller reports as inconclusive, never as a clean file.

use std::io::Read;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrapper {
    Gzip,
    Bzip2,
    Xz,
    /// The legacy `.lzma` format (joblib's `lzma` compressor).
    Lzma,
    Zstd,
    Lz4,
    /// A bare zlib stream (joblib's `zlib` compressor).
    Zlib,
}

impl Wrapper {
    pub fn name(self) -> &'static str {
        match self {
            Wrapper::Gzip => "gzip",
            Wrapper::Bzip2 => "bzip2",
            Wrapper::Xz => "xz",
            Wrapper::Lzma => "lzma",
            Wrapper::Zstd => "zstd",
            Wrapper::Lz4 => "lz4",
            Wrapper::Zlib => "zlib",
        }
    }
}

/// The inflated bytes, at most `cap` of them; more is an error that says so.
pub fn decompress(w: Wrapper, data: &[u8], cap: usize) -> Result<Vec<u8>, String> {
    let out = match w {
        Wrapper::Gzip => read_capped(flate2::read::MultiGzDecoder::new(data), cap),
        Wrapper::Zlib => read_capped(flate2::read::ZlibDecoder::new(data), cap),
        Wrapper::Bzip2 => read_capped(bzip2::read::MultiBzDecoder::new(data), cap),
        Wrapper::Lz4 => read_capped(lz4_flex::frame::FrameDecoder::new(data), cap),
        Wrapper::Zstd => match ruzstd::decoding::StreamingDecoder::new(data) {
            Ok(d) => read_capped(d, cap),
            Err(e) => Err(e.to_string()),
        },
        Wrapper::Xz | Wrapper::Lzma => {
            let mut sink = CappedSink {
                out: Vec::new(),
                cap,
            };
            let mut input = std::io::BufReader::new(data);
            let r = if w == Wrapper::Xz {
                lzma_rs::xz_decompress(&mut input, &mut sink)
            } else {
                let options = lzma_rs::decompress::Options {
                    memlimit: Some(cap),
                    ..Default::default()
                };
                lzma_rs::lzma_decompress_with_options(&mut input, &mut sink, &options)
            };
            match r {
                Ok(()) => Ok(sink.out),
                Err(lzma_rs::error::Error::IoError(e)) if e.kind() == std::io::ErrorKind::Other => {
                    Err(e.to_string())
                }
                Err(e) => Err(e.to_string()),
            }
        }
    };
    out.map_err(|e| format!("cannot inflate the {} stream: {e}", w.name()))
}

fn read_capped(r: impl Read, cap: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    r.take(limit)
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    if out.len() > cap {
        return Err(over_cap(cap));
    }
    Ok(out)
}

fn over_cap(cap: usize) -> String {
    format!(
        "it inflates to more than {} MiB (a decompression bomb or a payload too large to inspect)",
        cap >> 20
    )
}

/// A writer that refuses bytes past the cap (lzma-rs writes into a sink).
struct CappedSink {
    out: Vec<u8>,
    cap: usize,
}

impl std::io::Write for CappedSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + buf.len() > self.cap {
            return Err(std::io::Error::other(over_cap(self.cap)));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sniff::Format;

    fn sniffed(b: &[u8]) -> Option<Format> {
        crate::sniff::by_magic(b, b.len() as u64)
    }
    use std::io::Write;

    #[test]
    fn gzip_and_zlib_round_trip_and_bombs_stop_at_the_cap() {
        let payload = vec![b'a'; 1 << 20];
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&payload).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(sniffed(&gz), Some(Format::Compressed(Wrapper::Gzip)));
        assert_eq!(decompress(Wrapper::Gzip, &gz, 2 << 20).unwrap(), payload);
        let err = decompress(Wrapper::Gzip, &gz, 1000).unwrap_err();
        assert!(err.contains("more than 0 MiB"), "{err}");

        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(b"\x80\x04N.").unwrap();
        let z = z.finish().unwrap();
        assert_eq!(sniffed(&z), Some(Format::Compressed(Wrapper::Zlib)));
        assert_eq!(decompress(Wrapper::Zlib, &z, 100).unwrap(), b"\x80\x04N.");
    }

    #[test]
    fn truncated_and_garbage_streams_are_errors() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[7u8; 5000]).unwrap();
        let gz = gz.finish().unwrap();
        for cut in [2, 10, gz.len() / 2, gz.len() - 1] {
            assert!(
                decompress(Wrapper::Gzip, &gz[..cut], 1 << 20).is_err(),
                "cut {cut}"
            );
        }
        for w in [
            Wrapper::Bzip2,
            Wrapper::Xz,
            Wrapper::Lzma,
            Wrapper::Zstd,
            Wrapper::Lz4,
            Wrapper::Zlib,
        ] {
            assert!(decompress(w, b"\x00\x01garbage", 1 << 20).is_err(), "{w:?}");
        }
    }
}
