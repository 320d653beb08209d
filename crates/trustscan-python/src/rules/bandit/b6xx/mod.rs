//! B6xx: injection (processes, shells, SQL, Django), logging listeners, Trojan Source
//! characters, unsafe model loading and downloading.
//! One rule per file, named by its Bandit ID.

use crate::rules::Rule;

mod shell;

mod b601_paramiko_calls;
mod b602_subprocess_popen_with_shell_equals_true;
mod b603_subprocess_without_shell_equals_true;
mod b604_any_other_function_with_shell_equals_true;
mod b605_start_process_with_a_shell;
mod b606_start_process_with_no_shell;
mod b607_start_process_with_partial_path;
mod b608_hardcoded_sql_expressions;
mod b609_linux_commands_wildcard_injection;
mod b610_django_extra_used;
mod b611_django_rawsql_used;
mod b612_logging_config_insecure_listen;
mod b613_trojansource;
mod b614_pytorch_load;
mod b615_huggingface_unsafe_download;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(b601_paramiko_calls::ParamikoCalls),
        Box::new(b602_subprocess_popen_with_shell_equals_true::SubprocessPopenWithShellEqualsTrue),
        Box::new(b603_subprocess_without_shell_equals_true::SubprocessWithoutShellEqualsTrue),
        Box::new(
            b604_any_other_function_with_shell_equals_true::AnyOtherFunctionWithShellEqualsTrue,
        ),
        Box::new(b605_start_process_with_a_shell::StartProcessWithAShell),
        Box::new(b606_start_process_with_no_shell::StartProcessWithNoShell),
        Box::new(b607_start_process_with_partial_path::StartProcessWithPartialPath),
        Box::new(b608_hardcoded_sql_expressions::HardcodedSqlExpressions),
        Box::new(b609_linux_commands_wildcard_injection::LinuxCommandsWildcardInjection),
        Box::new(b610_django_extra_used::DjangoExtraUsed),
        Box::new(b611_django_rawsql_used::DjangoRawsqlUsed),
        Box::new(b612_logging_config_insecure_listen::LoggingConfigInsecureListen),
        Box::new(b613_trojansource::Trojansource),
        Box::new(b614_pytorch_load::PytorchLoad),
        Box::new(b615_huggingface_unsafe_download::HuggingfaceUnsafeDownload),
    ]
}
