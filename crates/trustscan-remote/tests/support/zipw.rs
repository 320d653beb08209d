//! A minimal zip writer for tests: stored or deflated members, members of zeros that are never
//! materialised (a 200 MB "tensor" costs nothing), optional zip64 end records. CRCs are written
//! as computed for real bytes and 0 for zero runs: the reader under test does not check them.

use std::io::Write;

use super::Resource;

pub enum Content {
    Stored(Vec<u8>),
    Deflated(Vec<u8>),
    Zeros(u64),
}

enum Seg {
    Bytes(Vec<u8>),
    Zeros(u64),
}

/// The archive as segments: real bytes and runs of zeros.
pub struct SparseZip {
    segs: Vec<(u64, Seg)>,
    len: u64,
}

impl SparseZip {
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = vec![0u8; self.len as usize];
        self.read(0, &mut v);
        v
    }
}

impl Resource for SparseZip {
    fn len(&self) -> u64 {
        self.len
    }
    fn read(&self, offset: u64, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = 0;
            let pos = offset + i as u64;
            // Few segments: a linear search is fine.
            if let Some((start, Seg::Bytes(bytes))) =
                self.segs.iter().rev().find(|(s, _)| *s <= pos)
                && let Some(x) = bytes.get((pos - start) as usize)
            {
                *b = *x;
            }
        }
    }
}

fn crc(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

pub fn build(entries: &[(&str, Content)], zip64: bool) -> SparseZip {
    let mut segs: Vec<(u64, Seg)> = Vec::new();
    let mut pos = 0u64;
    let mut cd = Vec::new();
    for (name, content) in entries {
        let (method, crc32, data, usize_): (u16, u32, Seg, u64) = match content {
            Content::Stored(d) => (0, crc(d), Seg::Bytes(d.clone()), d.len() as u64),
            Content::Deflated(d) => {
                let mut e =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(d).unwrap();
                (8, crc(d), Seg::Bytes(e.finish().unwrap()), d.len() as u64)
            }
            Content::Zeros(n) => (0, 0, Seg::Zeros(*n), *n),
        };
        let csize = match &data {
            Seg::Bytes(b) => b.len() as u64,
            Seg::Zeros(n) => *n,
        };
        let offset = pos;
        let mut lfh = Vec::new();
        lfh.extend(0x0403_4b50u32.to_le_bytes());
        lfh.extend(20u16.to_le_bytes());
        lfh.extend(0u16.to_le_bytes()); // flags
        lfh.extend(method.to_le_bytes());
        lfh.extend([0u8; 4]); // time, date
        lfh.extend(crc32.to_le_bytes());
        lfh.extend((csize as u32).to_le_bytes());
        lfh.extend((usize_ as u32).to_le_bytes());
        lfh.extend((name.len() as u16).to_le_bytes());
        // Torch pads local extra fields so tensor data is 64-byte aligned; mimic a non-empty extra.
        let extra = vec![0u8; 12];
        let mut extra_field = Vec::new();
        extra_field.extend(0x4650u16.to_le_bytes()); // "PF"-style padding id, unknown to readers
        extra_field.extend((extra.len() as u16).to_le_bytes());
        extra_field.extend(&extra);
        lfh.extend((extra_field.len() as u16).to_le_bytes());
        lfh.extend(name.as_bytes());
        lfh.extend(&extra_field);
        pos += lfh.len() as u64;
        segs.push((offset, Seg::Bytes(lfh)));
        segs.push((pos, data));
        pos += csize;

        let mut z64 = Vec::new();
        let (cs32, us32, off32) = if zip64 {
            z64.extend(usize_.to_le_bytes());
            z64.extend(csize.to_le_bytes());
            z64.extend(offset.to_le_bytes());
            (u32::MAX, u32::MAX, u32::MAX)
        } else {
            (csize as u32, usize_ as u32, offset as u32)
        };
        cd.extend(0x0201_4b50u32.to_le_bytes());
        cd.extend(45u16.to_le_bytes());
        cd.extend(45u16.to_le_bytes());
        cd.extend(0u16.to_le_bytes());
        cd.extend(method.to_le_bytes());
        cd.extend([0u8; 4]);
        cd.extend(crc32.to_le_bytes());
        cd.extend(cs32.to_le_bytes());
        cd.extend(us32.to_le_bytes());
        cd.extend((name.len() as u16).to_le_bytes());
        let extra_len = if zip64 { 4 + z64.len() } else { 0 };
        cd.extend((extra_len as u16).to_le_bytes());
        cd.extend(0u16.to_le_bytes()); // comment
        cd.extend(0u16.to_le_bytes()); // disk
        cd.extend(0u16.to_le_bytes()); // internal attrs
        cd.extend(0u32.to_le_bytes()); // external attrs
        cd.extend(off32.to_le_bytes());
        cd.extend(name.as_bytes());
        if zip64 {
            cd.extend(1u16.to_le_bytes());
            cd.extend((z64.len() as u16).to_le_bytes());
            cd.extend(&z64);
        }
    }
    let cd_off = pos;
    let cd_len = cd.len() as u64;
    let mut tail = cd;
    let n = entries.len() as u64;
    if zip64 {
        let rec_off = cd_off + cd_len;
        tail.extend(0x0606_4b50u32.to_le_bytes());
        tail.extend(44u64.to_le_bytes());
        tail.extend(45u16.to_le_bytes());
        tail.extend(45u16.to_le_bytes());
        tail.extend(0u32.to_le_bytes());
        tail.extend(0u32.to_le_bytes());
        tail.extend(n.to_le_bytes());
        tail.extend(n.to_le_bytes());
        tail.extend(cd_len.to_le_bytes());
        tail.extend(cd_off.to_le_bytes());
        tail.extend(0x0706_4b50u32.to_le_bytes());
        tail.extend(0u32.to_le_bytes());
        tail.extend(rec_off.to_le_bytes());
        tail.extend(1u32.to_le_bytes());
    }
    let (n16, cdl32, cdo32) = if zip64 {
        (u16::MAX, u32::MAX, u32::MAX)
    } else {
        (n as u16, cd_len as u32, cd_off as u32)
    };
    tail.extend(0x0605_4b50u32.to_le_bytes());
    tail.extend(0u16.to_le_bytes());
    tail.extend(0u16.to_le_bytes());
    tail.extend(n16.to_le_bytes());
    tail.extend(n16.to_le_bytes());
    tail.extend(cdl32.to_le_bytes());
    tail.extend(cdo32.to_le_bytes());
    tail.extend(0u16.to_le_bytes());
    let len = pos + tail.len() as u64;
    segs.push((pos, Seg::Bytes(tail)));
    SparseZip { segs, len }
}

/// Real bytes followed by `zeros` zero bytes, never materialised.
pub struct SparseFile {
    head: Vec<u8>,
    zeros: u64,
}

impl SparseFile {
    pub fn new(head: Vec<u8>, zeros: u64) -> SparseFile {
        SparseFile { head, zeros }
    }
}

impl Resource for SparseFile {
    fn len(&self) -> u64 {
        self.head.len() as u64 + self.zeros
    }
    fn read(&self, offset: u64, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self
                .head
                .get((offset + i as u64) as usize)
                .copied()
                .unwrap_or(0);
        }
    }
}
