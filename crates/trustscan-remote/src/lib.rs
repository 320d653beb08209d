//! Remote model repositories without downloading the weights.
//!
//! - [`http`]: the client (ranges, redirects handled here so tokens stay on their origin,
//!   retries with backoff and `Retry-After`, per-host limits, byte caps and accounting).
//! - [`endpoints`]: where each platform lives and which token goes with it.
//! - [`hub`]: each platform's listing API (revision to commit, every file) and file URLs;
//!   [`zoo`]: OpenMMLab model-zoo names looked up in a package repository's metafiles.
//! - [`snapshot`]: a listed revision as a `trustscan_source::Snapshot`, read lazily through
//!   [`cache`] (keyed by platform, repository and commit), weights by [`fetch_plan`], which
//!   uses [`range_zip`]'s directory reader and [`prefix`]'s growing prefix.
//! - For reading one file by URL without a snapshot: [`remote_file`] (a [`RangedReader`]
//!   pinned to its ETag and commit), [`range_zip::read_member`] and
//!   [`prefix::safetensors_header`].

pub mod cache;
pub mod endpoints;
pub mod fetch_plan;
pub mod http;
pub mod hub;
pub mod prefix;
pub mod range_zip;
pub mod remote_file;
pub mod snapshot;
pub mod zoo;

pub use endpoints::{Endpoint, Secret, token_vars};
pub use http::{
    ByteRange, Client, ClientConfig, Clock, FetchError, Fetched, HubHeaders, SystemClock,
};
pub use range_zip::{RangedReader, ZipEntry, ZipError, ZipIndex, ZipLimits};
pub use remote_file::RemoteFile;
pub use snapshot::{OpenError, RemoteOptions, RemoteSnapshot};
