use crate::literal::{Lit, Raise, arg_at};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{High, Medium};

rule! {
    /// B103 set_bad_file_permissions.
    ///
    /// ## What it does
    /// Reports calls of a function whose name contains `chmod` with exactly two positional
    /// arguments, the second an integer literal that grants group or others write or execute
    /// permission (`0o777`, `0o775`, `0x1ff`…). World-writable modes are high severity, the others
    /// medium.
    ///
    /// ## Why is this bad?
    /// A file others can write can be replaced or altered by any local user; one they can execute
    /// is a ready-made place to plant code that a privileged process later runs.
    pub struct SetBadFilePermissions {
        id: "B103",
        name: "set_bad_file_permissions",
        cwe: 732,
        severity: High,
        confidence: High,
        kinds: [Call],
        example: "os.chmod('/etc/app.conf', 0o777)",
    }
}

const S_IWOTH: u64 = 0o2;
const S_IXOTH: u64 = 0o1;
const S_IWGRP: u64 = 0o20;
const S_IXGRP: u64 = 0o10;

impl Rule for SetBadFilePermissions {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if !ctx.name().contains("chmod") || call.arguments.args.len() != 2 {
            return None;
        }
        check_mode(call).ok().flatten()
    }
}

fn check_mode(call: &trustscan_pyparse::syntax::ExprCall) -> Result<Option<Issue>, Raise> {
    let Lit::Int(mode) = arg_at(call, 1)? else {
        return Ok(None);
    };
    let bits = mode.low();
    if bits & (S_IWOTH | S_IWGRP | S_IXGRP | S_IXOTH) == 0 {
        return Ok(None);
    }
    let severity = if bits & S_IWOTH != 0 { High } else { Medium };
    let filename = match arg_at(call, 0)? {
        Lit::None => "NOT PARSED".to_string(),
        v => v.py_str(),
    };
    Ok(Some(Issue::new(
        severity,
        High,
        format!(
            "Chmod setting a permissive mask {} on file ({filename}).",
            mode.oct()
        ),
    )))
}

#[cfg(test)]
mod tests {
    fn findings(src: &str) -> Vec<(u32, String, String)> {
        crate::rules::findings_of(&["B103"], src)
            .into_iter()
            .map(|f| (f.location.line, f.severity.to_string(), f.message))
            .collect()
    }

    #[test]
    fn modes() {
        let f = findings(
            "import os\nos.chmod(p, 0o777)\nos.chmod(p, 0o700)\nos.chmod(p, 0o710)\n\
             os.chmod(p, mode=0o777)\nos.chmod(p, 0o777, x)\nos.fchmod(1, 0o1_0000_0000_0000_0000_0000_0777)\n\
             os.chmod(f(), 0o7)\nos.chmod(p, {[1]})\nos.chmod({[1]}, 0o777)\n",
        );
        assert_eq!(f.len(), 4, "{f:?}");
        assert_eq!(f[0].0, 2);
        assert!(f[0].2.contains("0o777 on file (p)"), "{}", f[0].2);
        assert_eq!(f[1].0, 4);
        assert_eq!(f[1].1.to_lowercase(), "medium");
        assert_eq!(
            f[2].0, 7,
            "an integer beyond 64 bits is still an int to Python"
        );
        assert!(f[3].2.contains("(NOT PARSED)"), "{}", f[3].2);
    }
}
