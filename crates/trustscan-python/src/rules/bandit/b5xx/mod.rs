//! B5xx: cryptography, TLS and certificate checks, YAML loading, SSH host keys, SNMP.
//! One rule per file, named by its Bandit ID.

use crate::rules::Rule;

mod b501_request_with_no_cert_validation;
mod b502_ssl_with_bad_version;
mod b503_ssl_with_bad_defaults;
mod b504_ssl_with_no_version;
mod b505_weak_cryptographic_key;
mod b506_yaml_load;
mod b507_ssh_no_host_key_verification;
mod b508_snmp_insecure_version;
mod b509_snmp_weak_cryptography;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(b501_request_with_no_cert_validation::RequestWithNoCertValidation),
        Box::new(b502_ssl_with_bad_version::SslWithBadVersion),
        Box::new(b503_ssl_with_bad_defaults::SslWithBadDefaults),
        Box::new(b504_ssl_with_no_version::SslWithNoVersion),
        Box::new(b505_weak_cryptographic_key::WeakCryptographicKey),
        Box::new(b506_yaml_load::YamlLoad),
        Box::new(b507_ssh_no_host_key_verification::SshNoHostKeyVerification),
        Box::new(b508_snmp_insecure_version::SnmpInsecureVersion),
        Box::new(b509_snmp_weak_cryptography::SnmpWeakCryptography),
    ]
}
