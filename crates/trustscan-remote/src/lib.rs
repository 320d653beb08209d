//! Remote model repositories without downloading the weights.
//!
//! [`http`] is the client (ranges, retries, per-host limits, token hygiene, byte accounting);
//! [`range_zip`] reads a zip's directory and one member through any [`range_zip::RangedReader`], so
//! a torch checkpoint's `data.pkl` costs a few small range requests. Nothing here knows about hubs
//! yet: the hub APIs and the `Snapshot` implementation come next.

pub mod endpoints;
pub mod http;
pub mod range_zip;
pub mod remote_file;

pub use endpoints::{Endpoint, Platform, Secret};
pub use http::{
    ByteRange, Client, ClientConfig, Clock, FetchError, Fetched, HubHeaders, SystemClock,
};
pub use range_zip::{RangedReader, ZipEntry, ZipError, ZipIndex, ZipLimits};
pub use remote_file::RemoteFile;
