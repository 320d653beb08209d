//! Rules of the misc group (one rule per file in this directory): file permissions, bind
//! addresses, hard-coded passwords and temporary paths, swallowed exceptions, Flask debug
//! mode, tar extraction, YAML loading, Trojan Source characters, and template escaping.

use super::Rule;

mod except_body;
mod password;
mod pyast;
pub(crate) mod pylit;

mod b103_set_bad_file_permissions;
mod b104_hardcoded_bind_all_interfaces;
mod b105_hardcoded_password_string;
mod b106_hardcoded_password_funcarg;
mod b107_hardcoded_password_default;
mod b108_hardcoded_tmp_directory;
mod b110_try_except_pass;
mod b112_try_except_continue;
mod b201_flask_debug_true;
mod b202_tarfile_unsafe_members;
mod b506_yaml_load;
mod b613_trojansource;
mod b701_jinja2_autoescape_false;
mod b702_use_of_mako_templates;
mod b703_django_mark_safe;
mod b704_markupsafe_markup_xss;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(b103_set_bad_file_permissions::SetBadFilePermissions),
        Box::new(b104_hardcoded_bind_all_interfaces::HardcodedBindAllInterfaces),
        Box::new(b105_hardcoded_password_string::HardcodedPasswordString),
        Box::new(b106_hardcoded_password_funcarg::HardcodedPasswordFuncarg),
        Box::new(b107_hardcoded_password_default::HardcodedPasswordDefault),
        Box::new(b108_hardcoded_tmp_directory::HardcodedTmpDirectory),
        Box::new(b110_try_except_pass::TryExceptPass),
        Box::new(b112_try_except_continue::TryExceptContinue),
        Box::new(b201_flask_debug_true::FlaskDebugTrue),
        Box::new(b202_tarfile_unsafe_members::TarfileUnsafeMembers),
        Box::new(b506_yaml_load::YamlLoad),
        Box::new(b613_trojansource::Trojansource),
        Box::new(b701_jinja2_autoescape_false::Jinja2AutoescapeFalse),
        Box::new(b702_use_of_mako_templates::UseOfMakoTemplates),
        Box::new(b703_django_mark_safe::DjangoMarkSafe),
        Box::new(b704_markupsafe_markup_xss::MarkupsafeMarkupXss),
    ]
}
