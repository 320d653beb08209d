//! A tiny HTTP/1.1 server on 127.0.0.1 for tests: one thread per connection, `Connection: close`
//! on every answer, every request recorded, every body byte written counted.

#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `bytes=a-b` → `(a, Some(b+1))`, `bytes=a-` → `(a, None)`, `bytes=-n` → suffix.
    pub fn range(&self) -> Option<RangeSpec> {
        let v = self.header("range")?.strip_prefix("bytes=")?;
        let (a, b) = v.split_once('-')?;
        if a.is_empty() {
            return Some(RangeSpec::Suffix(b.parse().ok()?));
        }
        let start = a.parse().ok()?;
        let end = if b.is_empty() {
            None
        } else {
            Some(b.parse::<u64>().ok()? + 1)
        };
        Some(RangeSpec::Span(start, end))
    }
}

#[derive(Debug, Clone, Copy)]
pub enum RangeSpec {
    Span(u64, Option<u64>),
    Suffix(u64),
}

impl RangeSpec {
    /// `[start, end)` within a resource of `len` bytes, or None if unsatisfiable.
    pub fn resolve(self, len: u64) -> Option<(u64, u64)> {
        match self {
            RangeSpec::Span(s, e) => {
                let e = e.unwrap_or(len).min(len);
                (s < e).then_some((s, e))
            }
            RangeSpec::Suffix(n) => (n > 0 && len > 0).then(|| (len.saturating_sub(n), len)),
        }
    }
}

/// The writing side of one connection.
pub struct Conn {
    stream: TcpStream,
    written: Arc<AtomicU64>,
}

impl Conn {
    /// Status line and headers (adds `Connection: close`).
    pub fn head(&mut self, status: u16, headers: &[(&str, String)]) -> io::Result<()> {
        let mut s = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
        for (k, v) in headers {
            s.push_str(&format!("{k}: {v}\r\n"));
        }
        s.push_str("\r\n");
        self.stream.write_all(s.as_bytes())
    }

    /// Body bytes, counted.
    pub fn body(&mut self, b: &[u8]) -> io::Result<()> {
        self.stream.write_all(b)?;
        self.written.fetch_add(b.len() as u64, Ordering::SeqCst);
        Ok(())
    }

    pub fn respond(
        &mut self,
        status: u16,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> io::Result<()> {
        let mut h = headers.to_vec();
        h.push(("Content-Length", body.len().to_string()));
        self.head(status, &h)?;
        self.body(body)
    }

    /// Serves `res`, honouring Range (206) or ignoring it (200), streaming in 64 KiB chunks so a
    /// client that hangs up stops the server early.
    pub fn serve(
        &mut self,
        req: &Request,
        res: &dyn Resource,
        honour_range: bool,
        extra: &[(&str, String)],
    ) -> io::Result<()> {
        let len = res.len();
        let mut headers = extra.to_vec();
        let (status, start, end) = match req.range().filter(|_| honour_range) {
            Some(spec) => match spec.resolve(len) {
                Some((s, e)) => {
                    headers.push(("Content-Range", format!("bytes {}-{}/{}", s, e - 1, len)));
                    (206, s, e)
                }
                None => {
                    headers.push(("Content-Range", format!("bytes */{len}")));
                    return self.respond(416, &headers, b"");
                }
            },
            None => (200, 0, len),
        };
        headers.push(("Content-Length", (end - start).to_string()));
        self.head(status, &headers)?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut pos = start;
        while pos < end {
            let n = ((end - pos) as usize).min(buf.len());
            res.read(pos, &mut buf[..n]);
            self.body(&buf[..n])?;
            pos += n as u64;
        }
        Ok(())
    }
}

/// A resource generated on demand (so a 200 MB file costs no memory).
pub trait Resource: Send + Sync {
    fn len(&self) -> u64;
    fn read(&self, offset: u64, buf: &mut [u8]);
}

impl Resource for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }
    fn read(&self, offset: u64, buf: &mut [u8]) {
        let s = offset as usize;
        buf.copy_from_slice(&self[s..s + buf.len()]);
    }
}

/// Bytes that depend only on their offset: a lazily generated large body whose content is checkable.
pub struct Pattern(pub u64);

pub fn pattern_byte(offset: u64) -> u8 {
    (offset.wrapping_mul(31) ^ (offset >> 8)) as u8
}

impl Resource for Pattern {
    fn len(&self) -> u64 {
        self.0
    }
    fn read(&self, offset: u64, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = pattern_byte(offset + i as u64);
        }
    }
}

pub type Handler = dyn Fn(&Request, &mut Conn) -> io::Result<()> + Send + Sync;

pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    written: Arc<AtomicU64>,
    active: Arc<AtomicUsize>,
    max_active: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
}

impl Server {
    pub fn start(
        handler: impl Fn(&Request, &mut Conn) -> io::Result<()> + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let handler: Arc<Handler> = Arc::new(handler);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let written = Arc::new(AtomicU64::new(0));
        let active = Arc::new(AtomicUsize::new(0));
        let max_active = Arc::new(AtomicUsize::new(0));
        let closed = Arc::new(AtomicUsize::new(0));
        let s = Server {
            addr,
            requests: requests.clone(),
            written: written.clone(),
            active: active.clone(),
            max_active: max_active.clone(),
            closed: closed.clone(),
        };
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (handler, requests, written) =
                    (handler.clone(), requests.clone(), written.clone());
                let (active, max_active, closed) =
                    (active.clone(), max_active.clone(), closed.clone());
                std::thread::spawn(move || {
                    let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                    max_active.fetch_max(now, Ordering::SeqCst);
                    if let Some(req) = read_request(&stream) {
                        requests.lock().unwrap().push(req.clone());
                        let mut conn = Conn { stream, written };
                        let _ = handler(&req, &mut conn);
                        let _ = conn.stream.flush();
                    }
                    active.fetch_sub(1, Ordering::SeqCst);
                    closed.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        s
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn body_bytes_written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }

    pub fn max_concurrent(&self) -> usize {
        self.max_active.load(Ordering::SeqCst)
    }

    /// Waits until `n` connections have been fully handled (the handler returned), so counters are final.
    pub fn wait_handled(&self, n: usize) {
        for _ in 0..500 {
            if self.closed.load(Ordering::SeqCst) >= n {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!(
            "server handled only {} of {n} connections",
            self.closed.load(Ordering::SeqCst)
        );
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    Some(Request {
        method,
        path,
        headers,
    })
}
pub mod zipw;
