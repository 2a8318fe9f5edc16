//! What staff ask to do to a case, parsed from a request into something the service can
//! carry out without further checks of form.
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::case_state::CaseAction;
use super::field::{FieldError, Problem, Problems};
use super::org::TierCode;
use super::text;

pub const MAX_NOTE_CHARS: usize = 1000;
pub const MAX_REPLY_CHARS: usize = 2000;
pub const MAX_EXTENSION_DAYS: u32 = 60;

/// The standard reasons for not accepting a case (不予受理).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// A personal grievance belongs with 信访.
    PersonalGrievance,
    /// Before a court or arbitration.
    Litigation,
    /// Outside what the station can take up.
    OutsideRemit,
    /// Nothing that can be acted on (empty, abusive, unintelligible).
    NotActionable,
    Other,
}

impl RejectReason {
    pub const ALL: [RejectReason; 5] = [
        RejectReason::PersonalGrievance,
        RejectReason::Litigation,
        RejectReason::OutsideRemit,
        RejectReason::NotActionable,
        RejectReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::PersonalGrievance => "personal_grievance",
            RejectReason::Litigation => "litigation",
            RejectReason::OutsideRemit => "outside_remit",
            RejectReason::NotActionable => "not_actionable",
            RejectReason::Other => "other",
        }
    }

    /// What the resident reads.
    pub fn label_zh(self) -> &'static str {
        match self {
            RejectReason::PersonalGrievance => "属于个人诉求，请通过信访渠道反映",
            RejectReason::Litigation => "已进入诉讼或仲裁程序，依法由司法机关处理",
            RejectReason::OutsideRemit => "不属于联络站受理范围",
            RejectReason::NotActionable => "内容无法办理",
            RejectReason::Other => "其他原因",
        }
    }
}

impl FromStr for RejectReason {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        RejectReason::ALL.into_iter().find(|r| r.as_str() == s).ok_or(())
    }
}

/// A flag beside the state, set or cleared by a manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseFlag {
    /// 重点督办
    KeySupervision,
    /// 四公开: commitment, plan, progress and result published, personal data masked.
    Disclosed,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CaseCommand {
    Accept {
        note: Option<String>,
    },
    Reject {
        reason: RejectReason,
        note: Option<String>,
    },
    /// To a handling unit and/or another deputy; a new tier recomputes the deadline.
    Assign {
        unit_id: Option<i32>,
        deputy_id: Option<i32>,
        tier: Option<TierCode>,
        note: Option<String>,
    },
    Start {
        note: Option<String>,
    },
    Progress {
        note: String,
        percent: Option<i32>,
        public: bool,
    },
    /// Ask for more working days (granted at once when a manager asks).
    RequestExtension {
        days: u32,
        reason: String,
    },
    DecideExtension {
        grant: bool,
        note: Option<String>,
    },
    Return {
        reason: String,
    },
    Reply {
        text: String,
    },
    Close {
        note: Option<String>,
    },
    Reopen {
        reason: String,
    },
    Merge {
        into: i32,
    },
    Archive,
    Flag {
        flag: CaseFlag,
        on: bool,
        note: Option<String>,
    },
}

impl CaseCommand {
    /// The state-machine action, or `None` for a flag (flags do not move the state).
    pub fn action(&self) -> Option<CaseAction> {
        Some(match self {
            CaseCommand::Accept { .. } => CaseAction::Accept,
            CaseCommand::Reject { .. } => CaseAction::Reject,
            CaseCommand::Assign { .. } => CaseAction::Assign,
            CaseCommand::Start { .. } => CaseAction::Start,
            CaseCommand::Progress { .. } => CaseAction::Progress,
            CaseCommand::RequestExtension { .. } | CaseCommand::DecideExtension { .. } => CaseAction::Extend,
            CaseCommand::Return { .. } => CaseAction::Return,
            CaseCommand::Reply { .. } => CaseAction::Reply,
            CaseCommand::Close { .. } => CaseAction::Close,
            CaseCommand::Reopen { .. } => CaseAction::Reopen,
            CaseCommand::Merge { .. } => CaseAction::Merge,
            CaseCommand::Archive => CaseAction::Archive,
            CaseCommand::Flag { .. } => return None,
        })
    }

    /// The name used in events and the API.
    pub fn name(&self) -> &'static str {
        match self {
            CaseCommand::RequestExtension { .. } => "extend",
            CaseCommand::DecideExtension { grant: true, .. } => "extension_granted",
            CaseCommand::DecideExtension { grant: false, .. } => "extension_refused",
            CaseCommand::Flag { flag: CaseFlag::KeySupervision, .. } => "key_supervision",
            CaseCommand::Flag { flag: CaseFlag::Disclosed, .. } => "disclose",
            other => other.action().map_or("flag", CaseAction::as_str),
        }
    }
}

/// A request as it arrives: every field optional, all text.
#[derive(Debug, Clone, Default)]
pub struct RawCommand {
    pub action: String,
    pub note: Option<String>,
    pub text: Option<String>,
    pub reason: Option<String>,
    pub unit_id: Option<i32>,
    pub deputy_id: Option<i32>,
    pub tier: Option<String>,
    pub days: Option<i64>,
    pub percent: Option<i64>,
    pub decision: Option<String>,
    pub into_case_id: Option<i32>,
    pub on: Option<bool>,
    pub public: Option<bool>,
}

fn note(raw: &Option<String>) -> Result<Option<String>, FieldError> {
    text::optional_text("note", raw.as_deref(), MAX_NOTE_CHARS)
}

fn required(field: &'static str, raw: &Option<String>, max: usize) -> Result<String, FieldError> {
    text::required_text(field, raw.as_deref().unwrap_or(""), 1, max)
}

pub const ACTIONS: &str = "accept, reject, assign, start, progress, extend, return, reply, close, reopen, merge, \
                           archive, key_supervision or disclose";

pub fn parse_command(raw: &RawCommand) -> Result<CaseCommand, Vec<FieldError>> {
    let mut problems = Problems::new();
    let command = match raw.action.trim() {
        "accept" => problems.check(note(&raw.note)).map(|note| CaseCommand::Accept { note }),
        "reject" => {
            let reason = problems.check(match raw.reason.as_deref().map(str::trim) {
                None | Some("") => Err(FieldError::required("reason")),
                Some(value) => value.parse::<RejectReason>().map_err(|_| {
                    FieldError::invalid(
                        "reason",
                        "personal_grievance, litigation, outside_remit, not_actionable or other",
                    )
                }),
            });
            let note = problems.check(note(&raw.note));
            if reason == Some(RejectReason::Other) && note.as_ref().is_some_and(Option::is_none) {
                problems.push(FieldError::new("note", Problem::Described("say why when the reason is other".into())));
            }
            reason.zip(note).map(|(reason, note)| CaseCommand::Reject { reason, note })
        }
        "assign" => {
            let tier = match raw.tier.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(value) => problems
                    .check(
                        value.parse::<TierCode>().map_err(|_| FieldError::invalid("tier", "immediate, week or month")),
                    )
                    .map(Some),
                None => Some(None),
            };
            if raw.unit_id.is_none() && raw.deputy_id.is_none() {
                problems
                    .push(FieldError::new("unit_id", Problem::Described("name a handling unit or a deputy".into())));
            }
            let note = problems.check(note(&raw.note));
            tier.zip(note).map(|(tier, note)| CaseCommand::Assign {
                unit_id: raw.unit_id,
                deputy_id: raw.deputy_id,
                tier,
                note,
            })
        }
        "start" => problems.check(note(&raw.note)).map(|note| CaseCommand::Start { note }),
        "progress" => {
            let text = problems.check(required("note", &raw.note, MAX_NOTE_CHARS));
            let percent = match raw.percent {
                None => Some(None),
                Some(p) if (0..=100).contains(&p) => Some(Some(p as i32)),
                Some(_) => {
                    problems.push(FieldError::new("percent", Problem::OutOfRange { min: 0, max: 100 }));
                    None
                }
            };
            text.zip(percent).map(|(note, percent)| CaseCommand::Progress {
                note,
                percent,
                public: raw.public.unwrap_or(true),
            })
        }
        "extend" => match raw.decision.as_deref().map(str::trim) {
            Some("grant") | Some("refuse") => problems.check(note(&raw.note)).map(|note| {
                CaseCommand::DecideExtension { grant: raw.decision.as_deref().map(str::trim) == Some("grant"), note }
            }),
            Some(_) => {
                problems.push(FieldError::invalid("decision", "grant or refuse"));
                None
            }
            None => {
                let reason = problems.check(required("reason", &raw.reason, MAX_NOTE_CHARS));
                let days = match raw.days {
                    Some(d) if d >= 1 && d <= i64::from(MAX_EXTENSION_DAYS) => Some(d as u32),
                    Some(_) => {
                        problems.push(FieldError::new(
                            "days",
                            Problem::OutOfRange { min: 1, max: i64::from(MAX_EXTENSION_DAYS) },
                        ));
                        None
                    }
                    None => {
                        problems.push(FieldError::required("days"));
                        None
                    }
                };
                reason.zip(days).map(|(reason, days)| CaseCommand::RequestExtension { days, reason })
            }
        },
        "return" => {
            problems.check(required("reason", &raw.reason, MAX_NOTE_CHARS)).map(|reason| CaseCommand::Return { reason })
        }
        "reply" => problems.check(required("text", &raw.text, MAX_REPLY_CHARS)).map(|text| CaseCommand::Reply { text }),
        "close" => problems.check(note(&raw.note)).map(|note| CaseCommand::Close { note }),
        "reopen" => {
            problems.check(required("reason", &raw.reason, MAX_NOTE_CHARS)).map(|reason| CaseCommand::Reopen { reason })
        }
        "merge" => match raw.into_case_id {
            Some(into) => Some(CaseCommand::Merge { into }),
            None => {
                problems.push(FieldError::required("into_case_id"));
                None
            }
        },
        "archive" => Some(CaseCommand::Archive),
        "key_supervision" | "disclose" => {
            let flag = if raw.action.trim() == "disclose" { CaseFlag::Disclosed } else { CaseFlag::KeySupervision };
            problems.check(note(&raw.note)).map(|note| CaseCommand::Flag { flag, on: raw.on.unwrap_or(true), note })
        }
        "" => {
            problems.push(FieldError::required("action"));
            None
        }
        _ => {
            problems.push(FieldError::invalid("action", ACTIONS));
            None
        }
    };
    problems.into_result()?;
    command.ok_or_else(|| vec![FieldError::required("action")])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(action: &str) -> RawCommand {
        RawCommand { action: action.into(), ..RawCommand::default() }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<&'static str> {
        errors.iter().map(|e| e.field).collect()
    }

    #[test]
    fn simple_actions() {
        assert_eq!(parse_command(&raw("accept")).unwrap(), CaseCommand::Accept { note: None });
        assert_eq!(parse_command(&raw("archive")).unwrap(), CaseCommand::Archive);
        assert_eq!(fields(parse_command(&raw("dance")).unwrap_err()), vec!["action"]);
        assert_eq!(fields(parse_command(&raw("")).unwrap_err()), vec!["action"]);
    }

    #[test]
    fn a_rejection_needs_a_standard_reason() {
        assert_eq!(fields(parse_command(&raw("reject")).unwrap_err()), vec!["reason"]);
        let ok = RawCommand { reason: Some("personal_grievance".into()), ..raw("reject") };
        assert_eq!(
            parse_command(&ok).unwrap(),
            CaseCommand::Reject { reason: RejectReason::PersonalGrievance, note: None }
        );
        let other = RawCommand { reason: Some("other".into()), ..raw("reject") };
        assert_eq!(fields(parse_command(&other).unwrap_err()), vec!["note"]);
    }

    #[test]
    fn assignments_name_someone() {
        assert_eq!(fields(parse_command(&raw("assign")).unwrap_err()), vec!["unit_id"]);
        let ok = RawCommand { unit_id: Some(3), tier: Some("week".into()), ..raw("assign") };
        assert_eq!(
            parse_command(&ok).unwrap(),
            CaseCommand::Assign { unit_id: Some(3), deputy_id: None, tier: Some(TierCode::Week), note: None }
        );
        let bad_tier = RawCommand { unit_id: Some(3), tier: Some("year".into()), ..raw("assign") };
        assert_eq!(fields(parse_command(&bad_tier).unwrap_err()), vec!["tier"]);
    }

    #[test]
    fn extensions_are_requested_or_decided() {
        let request = RawCommand { days: Some(5), reason: Some("需要协调多个部门".into()), ..raw("extend") };
        assert_eq!(
            parse_command(&request).unwrap(),
            CaseCommand::RequestExtension { days: 5, reason: "需要协调多个部门".into() }
        );
        let too_long = RawCommand { days: Some(61), reason: Some("x".into()), ..raw("extend") };
        assert_eq!(fields(parse_command(&too_long).unwrap_err()), vec!["days"]);
        let grant = RawCommand { decision: Some("grant".into()), ..raw("extend") };
        assert_eq!(parse_command(&grant).unwrap(), CaseCommand::DecideExtension { grant: true, note: None });
    }

    #[test]
    fn texts_are_required_and_bounded() {
        assert_eq!(fields(parse_command(&raw("reply")).unwrap_err()), vec!["text"]);
        let long = RawCommand { text: Some("字".repeat(MAX_REPLY_CHARS + 1)), ..raw("reply") };
        assert_eq!(fields(parse_command(&long).unwrap_err()), vec!["text"]);
        assert_eq!(fields(parse_command(&raw("return")).unwrap_err()), vec!["reason"]);
        assert_eq!(fields(parse_command(&raw("reopen")).unwrap_err()), vec!["reason"]);
        let percent = RawCommand { note: Some("已进场施工".into()), percent: Some(140), ..raw("progress") };
        assert_eq!(fields(parse_command(&percent).unwrap_err()), vec!["percent"]);
        assert_eq!(fields(parse_command(&raw("merge")).unwrap_err()), vec!["into_case_id"]);
    }

    #[test]
    fn flags_default_to_on() {
        assert_eq!(
            parse_command(&raw("disclose")).unwrap(),
            CaseCommand::Flag { flag: CaseFlag::Disclosed, on: true, note: None }
        );
        let off = RawCommand { on: Some(false), ..raw("key_supervision") };
        assert_eq!(
            parse_command(&off).unwrap(),
            CaseCommand::Flag { flag: CaseFlag::KeySupervision, on: false, note: None }
        );
    }
}
