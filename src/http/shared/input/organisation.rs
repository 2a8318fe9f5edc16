//! Request bodies of organisation, shared by the pages and the API.
use crate::domain::field::FieldError;
use crate::domain::org::{DeputyLevel, StationKind};
use crate::domain::{person, text};
use crate::error::AppResult;
use crate::http::shared::input::{Parser, choice, optional_phone};
use crate::services::organisation::deputies::{NewDeputy, RosterDetails};
use crate::services::organisation::stations::NewStation;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema, Default)]
pub struct CreateStation {
    pub name: String,
    #[schema(value_type = StationKind)]
    pub kind: String,
    pub parent_id: Option<i32>,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// e.g. 每月10日、25日上午
    pub reception_days: Option<String>,
}

impl CreateStation {
    pub fn parse(&self) -> AppResult<NewStation> {
        let mut p = Parser::default();
        let name = p.take(text::required_line("name", &self.name, 100));
        let kind = p.take(choice("kind", &self.kind, "station, point or grid"));
        let address = p.take(text::optional_line("address", self.address.as_deref(), 200));
        let contact_name = p.take(text::optional_line("contact_name", self.contact_name.as_deref(), 50));
        let contact_phone = p.take(optional_phone("contact_phone", self.contact_phone.as_deref()));
        let reception_days = p.take(text::optional_line("reception_days", self.reception_days.as_deref(), 200));
        p.finish(|| {
            Some(NewStation {
                name: name?,
                kind: kind?,
                parent_id: self.parent_id,
                address: address?,
                contact_name: contact_name?,
                contact_phone: contact_phone?,
                reception_days: reception_days?,
            })
        })
    }
}

#[derive(Deserialize, ToSchema, Default)]
pub struct CreateDeputy {
    pub name: String,
    #[schema(value_type = DeputyLevel)]
    pub level: String,
    pub station_id: i32,
    pub phone: Option<String>,
    pub gender: Option<String>,
    pub ethnicity: Option<String>,
    pub birth_month: Option<String>,
    pub party: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
    pub employer: Option<String>,
    pub post: Option<String>,
    pub term: Option<String>,
    pub card_number: Option<String>,
    pub constituency: Option<String>,
    pub address: Option<String>,
    pub remarks: Option<String>,
}

impl CreateDeputy {
    pub fn parse(&self) -> AppResult<NewDeputy> {
        let mut p = Parser::default();
        let line = |field, value: &Option<String>, max| text::optional_line(field, value.as_deref(), max);
        let name = p.take(person::parse_name("name", &self.name));
        let level = p.take(choice("level", &self.level, "national, provincial, municipal, county or township"));
        let phone = p.take(optional_phone("phone", self.phone.as_deref()));
        let gender = p.take(line("gender", &self.gender, 10));
        let ethnicity = p.take(line("ethnicity", &self.ethnicity, 20));
        let birth = p.take(birth_month(self.birth_month.as_deref()));
        let party = p.take(line("party", &self.party, 50));
        let education = p.take(line("education", &self.education, 50));
        let occupation = p.take(line("occupation", &self.occupation, 100));
        let employer = p.take(line("employer", &self.employer, 100));
        let post = p.take(line("post", &self.post, 100));
        let term = p.take(line("term", &self.term, 50));
        let card_number = p.take(line("card_number", &self.card_number, 50));
        let constituency = p.take(line("constituency", &self.constituency, 100));
        let address = p.take(line("address", &self.address, 200));
        let remarks = p.take(text::optional_text("remarks", self.remarks.as_deref(), 2000));
        p.finish(|| {
            Some(NewDeputy {
                name: name?,
                level: level?,
                station_id: self.station_id,
                phone: phone?,
                details: RosterDetails {
                    gender: gender?,
                    ethnicity: ethnicity?,
                    birth_month: birth?,
                    party: party?,
                    education: education?,
                    occupation: occupation?,
                    employer: employer?,
                    post: post?,
                    term: term?,
                    card_number: card_number?,
                    constituency: constituency?,
                    address: address?,
                    remarks: remarks?,
                },
            })
        })
    }
}

pub fn birth_month(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    chrono::NaiveDate::parse_from_str(&format!("{value}-01"), "%Y-%m-%d")
        .map(|_| Some(value.to_string()))
        .map_err(|_| FieldError::invalid("birth_month", "a month as YYYY-MM"))
}
