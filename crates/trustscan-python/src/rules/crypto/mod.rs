//! Rules of the crypto group (one rule per file in this directory): TLS and certificate
//! checks, weak hashes and keys, HTTP timeouts, SSH host keys, SNMP versions, and unsafe
//! model loading and downloading.

use super::Rule;

mod pyval;

mod b113_request_without_timeout;
mod b324_hashlib;
mod b501_request_with_no_cert_validation;
mod b502_ssl_with_bad_version;
mod b503_ssl_with_bad_defaults;
mod b504_ssl_with_no_version;
mod b505_weak_cryptographic_key;
mod b507_ssh_no_host_key_verification;
mod b508_snmp_insecure_version;
mod b509_snmp_weak_cryptography;
mod b614_pytorch_load;
mod b615_huggingface_unsafe_download;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(b113_request_without_timeout::RequestWithoutTimeout),
        Box::new(b324_hashlib::Hashlib),
        Box::new(b501_request_with_no_cert_validation::RequestWithNoCertValidation),
        Box::new(b502_ssl_with_bad_version::SslWithBadVersion),
        Box::new(b503_ssl_with_bad_defaults::SslWithBadDefaults),
        Box::new(b504_ssl_with_no_version::SslWithNoVersion),
        Box::new(b505_weak_cryptographic_key::WeakCryptographicKey),
        Box::new(b507_ssh_no_host_key_verification::SshNoHostKeyVerification),
        Box::new(b508_snmp_insecure_version::SnmpInsecureVersion),
        Box::new(b509_snmp_weak_cryptography::SnmpWeakCryptography),
        Box::new(b614_pytorch_load::PytorchLoad),
        Box::new(b615_huggingface_unsafe_download::HuggingfaceUnsafeDownload),
    ]
}
