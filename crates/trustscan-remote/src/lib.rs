//! Remote model repositories without downloading the weights.
//!
//! - [`http`]: the client (ranges, redirects handled here so tokens stay on their origin,
//!   retries with backoff and `Retry-After`, per-host limits, byte caps and accounting).
//! - [`remote_file`]: one remote file as a [`RangedReader`], pinned to its ETag and commit.
//! - [`range_zip`]: a zip's directory and one member through a [`RangedReader`], so a torch
//!   checkpoint's `data.pkl` costs two small range requests.
//! - [`prefix`]: headers at the start of a file (safetensors; growing prefixes for GGUF).
//! - [`endpoints`]: where each platform lives and which token goes with it.
//!
//! Nothing here knows the hub APIs yet: listing a repository and the `Snapshot` implementation
//! come next; no other crate depends on this one yet.

pub mod endpoints;
pub mod http;
pub mod hub;
pub mod prefix;
pub mod range_zip;
pub mod remote_file;

pub use endpoints::{Endpoint, Platform, Secret};
pub use http::{
    ByteRange, Client, ClientConfig, Clock, FetchError, Fetched, HubHeaders, SystemClock,
};
pub use range_zip::{RangedReader, ZipEntry, ZipError, ZipIndex, ZipLimits};
pub use remote_file::RemoteFile;
