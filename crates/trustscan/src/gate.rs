//! CI gating: which results make `scan` and `check` exit non-zero. By default the verdict
//! decides (REVIEW fails); `--fail-on` gates on findings instead, by severity and, for
//! `scan`, by whether the code runs at load.

use clap::ValueEnum;
use std::collections::BTreeSet;
use trustscan_core::{Judgement, Level, Reachability, Verdict};

#[derive(clap::Args, Clone, Debug)]
pub struct GateArgs {
    /// Exit 1 only for findings at or above this severity (and dangerous payloads, which
    /// always exit 4), instead of for every REVIEW verdict.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<crate::Severity>,
    /// `scan` with `--fail-on`: which findings count, by where their code runs:
    /// `runs-at-load`, `reachable` (runs at load or is called from what runs; the default),
    /// or `any`.
    #[arg(long, value_enum)]
    pub fail_on_reachability: Option<ReachGate>,
    /// With `--fail-on`: a suspicious payload (a global off the allowlist) fails too.
    #[arg(long)]
    pub strict: bool,
    /// What an inconclusive result does when nothing else fails: `fail` (exit 3; the
    /// default) or `pass`.
    #[arg(long, value_enum)]
    pub inconclusive: Option<OnInconclusive>,
    /// `scan`, `cache`: exit 1 when loading runs repository code, installs packages or
    /// fetches code that the baseline does not allow, whatever the findings (with
    /// `--fail-on`, a repository that runs arbitrary code with no finding passes otherwise).
    #[arg(long)]
    pub fail_on_code: bool,
}

impl GateArgs {
    /// The gate: flags first, then the configuration file, then the defaults.
    pub fn resolve(&self, c: &crate::config::Config) -> Gate {
        Gate {
            fail_on: self.fail_on.or(c.fail_on).map(Level::from),
            reachability: self
                .fail_on_reachability
                .or(c.fail_on_reachability)
                .unwrap_or(ReachGate::Reachable),
            strict: self.strict || c.strict == Some(true),
            inconclusive: self
                .inconclusive
                .or(c.inconclusive)
                .unwrap_or(OnInconclusive::Fail),
            fail_on_code: self.fail_on_code || c.fail_on_code == Some(true),
        }
    }
}

/// What fails, resolved.
#[derive(Clone, Copy, Debug)]
pub struct Gate {
    pub fail_on: Option<Level>,
    pub reachability: ReachGate,
    pub strict: bool,
    pub inconclusive: OnInconclusive,
    pub fail_on_code: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReachGate {
    RunsAtLoad,
    Reachable,
    Any,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnInconclusive {
    Fail,
    Pass,
}

/// What one or more targets produced, as far as gating cares.
#[derive(Default)]
pub struct Outcome {
    pub dangerous: bool,
    /// The verdict asks for review (repository code runs, a suspicious payload, ...).
    pub review: bool,
    pub inconclusive: bool,
    /// Nothing loadable was found (an empty or unrecognised target).
    pub unrecognised: bool,
    /// A cache snapshot lacks files loading needs (a partial download).
    pub partial_download: bool,
    /// Loading runs code that the baseline does not allow.
    pub unallowed_code: bool,
    pub suspicious_payload: bool,
    /// Severity and reachability of every finding (`None`: not computed, as in `check`).
    pub findings: Vec<(Level, Option<Reachability>)>,
}

impl Outcome {
    /// What a scan means for gating (`allowed`: the fingerprints a baseline records).
    pub fn of_scan(s: &trustscan_audit::Scan, allowed: &BTreeSet<String>) -> Outcome {
        let payload = |v| s.payloads.iter().any(|p| p.verdict == v);
        Outcome {
            dangerous: s.verdict == Verdict::Dangerous,
            review: s.verdict == Verdict::Review,
            inconclusive: s.verdict == Verdict::Inconclusive
                || s.plan.is_inconclusive()
                || payload(Judgement::Inconclusive),
            partial_download: !s.not_downloaded.is_empty(),
            unrecognised: s.verdict == Verdict::Unrecognised,
            unallowed_code: s
                .code_at_load
                .iter()
                .any(|c| !allowed.contains(&c.fingerprint)),
            suspicious_payload: payload(Judgement::Suspicious),
            findings: s
                .findings()
                .map(|f| (f.severity, Some(f.reachability)))
                .collect(),
        }
    }

    pub fn merge(&mut self, other: Outcome) {
        self.dangerous |= other.dangerous;
        self.review |= other.review;
        self.inconclusive |= other.inconclusive;
        self.unrecognised |= other.unrecognised;
        self.partial_download |= other.partial_download;
        self.unallowed_code |= other.unallowed_code;
        self.suspicious_payload |= other.suspicious_payload;
        self.findings.extend(other.findings);
    }
}

/// The exit code (README, "Exit codes").
pub fn exit_code(o: &Outcome, g: &Gate) -> u8 {
    use crate::exit;
    if o.dangerous {
        return exit::DANGEROUS;
    }
    let fails = match g.fail_on {
        None => o.review,
        Some(level) => {
            let counts = |r: &Option<Reachability>| match (g.reachability, r) {
                (_, None) | (ReachGate::Any, _) => true,
                (ReachGate::Reachable, Some(r)) => *r != Reachability::NotReached,
                (ReachGate::RunsAtLoad, Some(r)) => *r == Reachability::RunsAtLoad,
            };
            o.findings.iter().any(|(s, r)| *s >= level && counts(r))
                || (g.strict && o.suspicious_payload)
        }
    };
    if fails || (g.fail_on_code && o.unallowed_code) {
        exit::REVIEW
    } else if (o.inconclusive && g.inconclusive == OnInconclusive::Fail) || o.partial_download {
        // A partial download is never passed: what it lacks is what runs.
        exit::INCONCLUSIVE
    } else if o.unrecognised {
        // Not an inconclusive result a gate may pass: a wrong path must not pass green.
        exit::UNRECOGNISED
    } else {
        exit::CLEAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(fail_on: Option<Level>, reach: ReachGate, strict: bool) -> Gate {
        Gate {
            fail_on,
            reachability: reach,
            strict,
            inconclusive: OnInconclusive::Fail,
            fail_on_code: false,
        }
    }

    #[test]
    fn flags_win_over_the_configuration() {
        let config: crate::config::Config = toml::from_str(
            "fail-on = \"low\"\nfail-on-reachability = \"any\"\nstrict = true\ninconclusive = \"pass\"\n\
             fail-on-code = true",
        )
        .unwrap();
        let g = GateArgs {
            fail_on: None,
            fail_on_reachability: None,
            strict: false,
            inconclusive: None,
            fail_on_code: false,
        }
        .resolve(&config);
        assert!(g.fail_on_code);
        assert_eq!(g.fail_on, Some(Level::Low));
        assert_eq!(g.reachability, ReachGate::Any);
        assert!(g.strict);
        assert_eq!(g.inconclusive, OnInconclusive::Pass);
        let g = GateArgs {
            fail_on: Some(crate::Severity::High),
            fail_on_reachability: Some(ReachGate::RunsAtLoad),
            strict: false,
            inconclusive: Some(OnInconclusive::Fail),
            fail_on_code: false,
        }
        .resolve(&config);
        assert_eq!(g.fail_on, Some(Level::High));
        assert_eq!(g.reachability, ReachGate::RunsAtLoad);
        assert_eq!(g.inconclusive, OnInconclusive::Fail);
        let g = GateArgs {
            fail_on: None,
            fail_on_reachability: None,
            strict: false,
            inconclusive: None,
            fail_on_code: false,
        }
        .resolve(&Default::default());
        assert!(!g.fail_on_code);
        assert_eq!(g.fail_on, None);
        assert_eq!(g.reachability, ReachGate::Reachable);
        assert!(!g.strict);
        assert_eq!(g.inconclusive, OnInconclusive::Fail);
    }

    #[test]
    fn findings_gate_by_severity_and_reachability() {
        let o = Outcome {
            review: true,
            findings: vec![
                (Level::High, Some(Reachability::NotReached)),
                (Level::Medium, Some(Reachability::ReachableFromLoad)),
            ],
            ..Default::default()
        };
        assert_eq!(exit_code(&o, &gate(None, ReachGate::Reachable, false)), 1);
        let high = Some(Level::High);
        let medium = Some(Level::Medium);
        assert_eq!(exit_code(&o, &gate(high, ReachGate::Reachable, false)), 0);
        assert_eq!(exit_code(&o, &gate(high, ReachGate::Any, false)), 1);
        assert_eq!(exit_code(&o, &gate(medium, ReachGate::Reachable, false)), 1);
        assert_eq!(
            exit_code(&o, &gate(medium, ReachGate::RunsAtLoad, false)),
            0
        );
    }

    #[test]
    fn dangerous_always_fails_and_inconclusive_can_pass() {
        let o = Outcome {
            dangerous: true,
            ..Default::default()
        };
        let high = Some(Level::High);
        assert_eq!(exit_code(&o, &gate(high, ReachGate::RunsAtLoad, false)), 4);
        let o = Outcome {
            inconclusive: true,
            suspicious_payload: true,
            ..Default::default()
        };
        assert_eq!(exit_code(&o, &gate(high, ReachGate::Any, false)), 3);
        assert_eq!(exit_code(&o, &gate(high, ReachGate::Any, true)), 1);
        let mut pass = gate(high, ReachGate::Any, false);
        pass.inconclusive = OnInconclusive::Pass;
        assert_eq!(exit_code(&o, &pass), 0);
        // Nothing loadable is never passed, whatever the gate.
        let o = Outcome {
            unrecognised: true,
            ..Default::default()
        };
        assert_eq!(exit_code(&o, &pass), 5);
        assert_eq!(exit_code(&o, &gate(high, ReachGate::Any, false)), 5);
    }

    #[test]
    fn code_the_baseline_does_not_allow_fails_when_asked() {
        let o = Outcome {
            review: true,
            unallowed_code: true,
            ..Default::default()
        };
        let mut g = gate(Some(Level::Medium), ReachGate::Reachable, false);
        assert_eq!(exit_code(&o, &g), 0);
        g.fail_on_code = true;
        assert_eq!(exit_code(&o, &g), 1);
        let allowed = Outcome {
            unallowed_code: false,
            ..o
        };
        assert_eq!(exit_code(&allowed, &g), 0);
    }
}
