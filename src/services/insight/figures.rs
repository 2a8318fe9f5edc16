//! The sets of cases the statistics count, as SQL conditions: the counts of `services::stats`
//! are sums of these, and the drill-down from a figure to its cases filters by the same
//! condition, so a list behind a number always holds exactly that many cases.
use chrono::{DateTime, Utc};
use sea_orm::Condition;
use sea_orm::sea_query::{Expr, SimpleExpr};

use crate::services::cases::deadlines::{open_statuses, overdue_condition};

/// Accepted (see `domain::rates`): reached accepted or later, not rejected (also after
/// acceptance, or rejected and then archived — archived without ever being closed),
/// not withdrawn, not merged away.
pub const ACCEPTED: &str = "\"accepted_at\" IS NOT NULL AND \"merged_into_id\" IS NULL AND \"status\" <> 'rejected' \
     AND NOT (\"status\" = 'archived' AND \"closed_at\" IS NULL) \
     AND (\"close_reason\" IS NULL OR \"close_reason\" <> 'withdrawn')";

/// A figure of the statistics whose cases can be listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Figure {
    /// Every case received (the list of a group, without a condition).
    Received,
    Rejected,
    Merged,
    Withdrawn,
    /// The reply rate's denominator.
    Accepted,
    Replied,
    /// Accepted and not (yet) replied: the rest of the reply rate's denominator.
    Unreplied,
    /// The on-time rate's denominator.
    Closed,
    ClosedOnTime,
    ClosedLate,
    /// The resolution and satisfaction rates' denominator.
    Rated,
    Solved,
    Unsolved,
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
    OverdueNow,
    KeySupervisionNow,
}

impl Figure {
    pub const ALL: [Figure; 18] = [
        Figure::Received,
        Figure::Rejected,
        Figure::Merged,
        Figure::Withdrawn,
        Figure::Accepted,
        Figure::Replied,
        Figure::Unreplied,
        Figure::Closed,
        Figure::ClosedOnTime,
        Figure::ClosedLate,
        Figure::Rated,
        Figure::Solved,
        Figure::Unsolved,
        Figure::Satisfied,
        Figure::BasicallySatisfied,
        Figure::Dissatisfied,
        Figure::OverdueNow,
        Figure::KeySupervisionNow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Figure::Received => "received",
            Figure::Rejected => "rejected",
            Figure::Merged => "merged",
            Figure::Withdrawn => "withdrawn",
            Figure::Accepted => "accepted",
            Figure::Replied => "replied",
            Figure::Unreplied => "unreplied",
            Figure::Closed => "closed",
            Figure::ClosedOnTime => "closed_on_time",
            Figure::ClosedLate => "closed_late",
            Figure::Rated => "rated",
            Figure::Solved => "solved",
            Figure::Unsolved => "unsolved",
            Figure::Satisfied => "satisfied",
            Figure::BasicallySatisfied => "basically_satisfied",
            Figure::Dissatisfied => "dissatisfied",
            Figure::OverdueNow => "overdue_now",
            Figure::KeySupervisionNow => "key_supervision_now",
        }
    }

    pub fn parse(raw: &str) -> Option<Figure> {
        Figure::ALL.into_iter().find(|f| f.as_str() == raw.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Figure::Received => "收到",
            Figure::Rejected => "不予受理",
            Figure::Merged => "已合并",
            Figure::Withdrawn => "已撤回",
            Figure::Accepted => "已受理",
            Figure::Replied => "已答复",
            Figure::Unreplied => "受理未答复",
            Figure::Closed => "已办结",
            Figure::ClosedOnTime => "按期办结",
            Figure::ClosedLate => "超期办结",
            Figure::Rated => "已评价",
            Figure::Solved => "已解决",
            Figure::Unsolved => "未解决",
            Figure::Satisfied => "满意",
            Figure::BasicallySatisfied => "基本满意",
            Figure::Dissatisfied => "不满意",
            Figure::OverdueNow => "当前超期",
            Figure::KeySupervisionNow => "当前重点督办",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Figure::Received => "Received",
            Figure::Rejected => "Rejected",
            Figure::Merged => "Merged away",
            Figure::Withdrawn => "Withdrawn",
            Figure::Accepted => "Accepted",
            Figure::Replied => "Replied",
            Figure::Unreplied => "Accepted, not replied",
            Figure::Closed => "Closed",
            Figure::ClosedOnTime => "Closed on time",
            Figure::ClosedLate => "Closed late",
            Figure::Rated => "Rated",
            Figure::Solved => "Solved",
            Figure::Unsolved => "Not solved",
            Figure::Satisfied => "Satisfied",
            Figure::BasicallySatisfied => "Basically satisfied",
            Figure::Dissatisfied => "Dissatisfied",
            Figure::OverdueNow => "Overdue now",
            Figure::KeySupervisionNow => "Key supervision now",
        }
    }

    /// The condition a case received in the period meets to count in this figure, at `now`
    /// (only the "now" figures depend on it). `None` for every case.
    pub fn condition(self, now: DateTime<Utc>) -> Option<SimpleExpr> {
        let rated = format!("{ACCEPTED} AND \"rated_at\" IS NOT NULL AND \"satisfaction\" IS NOT NULL");
        let closed = format!("{ACCEPTED} AND \"closed_at\" IS NOT NULL");
        let sql = match self {
            Figure::Received => return None,
            Figure::OverdueNow => return Some(Condition::all().add(overdue_condition(now)).into()),
            Figure::Rejected => "\"status\" = 'rejected'".to_string(),
            Figure::Merged => "\"merged_into_id\" IS NOT NULL".to_string(),
            Figure::Withdrawn => "\"close_reason\" = 'withdrawn'".to_string(),
            Figure::Accepted => ACCEPTED.to_string(),
            Figure::Replied => format!("{ACCEPTED} AND \"replied_at\" IS NOT NULL"),
            Figure::Unreplied => format!("{ACCEPTED} AND \"replied_at\" IS NULL"),
            Figure::Closed => closed,
            Figure::ClosedOnTime => format!("{closed} AND \"closed_at\" <= \"due_at\""),
            Figure::ClosedLate => format!("{closed} AND \"closed_at\" > \"due_at\""),
            Figure::Rated => rated,
            Figure::Solved => format!("{rated} AND \"solved\" = TRUE"),
            Figure::Unsolved => format!("{rated} AND (\"solved\" IS NULL OR \"solved\" = FALSE)"),
            Figure::Satisfied => format!("{rated} AND \"satisfaction\" = 'satisfied'"),
            Figure::BasicallySatisfied => format!("{rated} AND \"satisfaction\" = 'basically_satisfied'"),
            Figure::Dissatisfied => format!("{rated} AND \"satisfaction\" = 'dissatisfied'"),
            Figure::KeySupervisionNow => {
                let open = open_statuses().iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
                format!("\"status\" IN ({open}) AND \"key_supervision\" = TRUE")
            }
        };
        Some(Expr::cust(sql))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_reads_back_from_its_name() {
        for figure in Figure::ALL {
            assert_eq!(Figure::parse(figure.as_str()), Some(figure));
        }
        assert_eq!(Figure::parse("everything"), None);
    }

    #[test]
    fn only_received_has_no_condition() {
        let now = Utc::now();
        for figure in Figure::ALL {
            assert_eq!(figure.condition(now).is_none(), figure == Figure::Received, "{figure:?}");
        }
    }
}
