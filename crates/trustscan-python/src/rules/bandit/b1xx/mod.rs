//! B1xx: general checks (asserts, exec, file permissions, bind addresses, hard-coded
//! passwords and temporary paths, swallowed exceptions, HTTP timeouts).
//! One rule per file, named by its Bandit ID.

use crate::rules::Rule;

mod except_body;
mod password;

mod b101_assert_used;
mod b102_exec_used;
mod b103_set_bad_file_permissions;
mod b104_hardcoded_bind_all_interfaces;
mod b105_hardcoded_password_string;
mod b106_hardcoded_password_funcarg;
mod b107_hardcoded_password_default;
mod b108_hardcoded_tmp_directory;
mod b110_try_except_pass;
mod b112_try_except_continue;
mod b113_request_without_timeout;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(b101_assert_used::AssertUsed),
        Box::new(b102_exec_used::ExecUsed),
        Box::new(b103_set_bad_file_permissions::SetBadFilePermissions),
        Box::new(b104_hardcoded_bind_all_interfaces::HardcodedBindAllInterfaces),
        Box::new(b105_hardcoded_password_string::HardcodedPasswordString),
        Box::new(b106_hardcoded_password_funcarg::HardcodedPasswordFuncarg),
        Box::new(b107_hardcoded_password_default::HardcodedPasswordDefault),
        Box::new(b108_hardcoded_tmp_directory::HardcodedTmpDirectory),
        Box::new(b110_try_except_pass::TryExceptPass),
        Box::new(b112_try_except_continue::TryExceptContinue),
        Box::new(b113_request_without_timeout::RequestWithoutTimeout),
    ]
}
