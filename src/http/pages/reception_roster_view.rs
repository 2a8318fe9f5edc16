//! The roster as pages show it: one line per day and slot, with the deputies' names.
use chrono::{Datelike, NaiveDate};

use crate::domain::reception::Slot;
use crate::http::shared::i18n::Lang;
use crate::services::books::reception_roster::DutyView;

pub struct RosterLine {
    pub day: String,
    pub today: bool,
    pub slot: String,
    pub names: String,
}

const WEEKDAYS_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

pub fn day_label(day: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Zh => {
            format!("{}月{}日 {}", day.month(), day.day(), WEEKDAYS_ZH[day.weekday().num_days_from_monday() as usize])
        }
        Lang::En => day.format("%a %-d %b").to_string(),
    }
}

pub fn slot_label(slot: Slot, lang: Lang) -> String {
    match lang {
        Lang::Zh => slot.label_zh().to_string(),
        Lang::En => slot.label_en().to_string(),
    }
}

/// Groups sorted duties by day and slot.
pub fn lines(duties: &[DutyView], today: NaiveDate, lang: Lang) -> Vec<RosterLine> {
    let mut out: Vec<(NaiveDate, Slot, Vec<String>)> = Vec::new();
    for view in duties {
        match out.last_mut() {
            Some((day, slot, names)) if *day == view.duty.date && *slot == view.duty.slot => {
                names.push(view.deputy_name.clone())
            }
            _ => out.push((view.duty.date, view.duty.slot, vec![view.deputy_name.clone()])),
        }
    }
    let separator = if lang == Lang::Zh { "、" } else { ", " };
    out.into_iter()
        .map(|(day, slot, names)| RosterLine {
            day: day_label(day, lang),
            today: day == today,
            slot: slot_label(slot, lang),
            names: names.join(separator),
        })
        .collect()
}
