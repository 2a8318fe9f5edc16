//! What a resident sends: parsed into a `Submission` or a list of field problems, all at
//! once, so the form can show every problem beside its field.
use super::field::{FieldError, Problem, Problems};
use super::person;
use super::phone::Phone;
use super::text;

pub const MIN_CONTENT_CHARS: usize = 5;
pub const MAX_CONTENT_CHARS: usize = 2000;
pub const MAX_LOCATION_CHARS: usize = 200;
pub const MAX_PHOTOS: usize = 4;
pub const MAX_COMMENT_CHARS: usize = 500;

/// The version of the data-use notice a resident agrees to; each case records it.
pub const CONSENT_VERSION: &str = "2026-11";

/// How a case reached the station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A deputy's or a station's QR code.
    Qr,
    /// A walk-in visit written down at a reception.
    Reception,
    /// A deputy's visit to voters.
    Visit,
    Phone,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Qr => "qr",
            Channel::Reception => "reception",
            Channel::Visit => "visit",
            Channel::Phone => "phone",
        }
    }
}

impl std::str::FromStr for Channel {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "qr" => Ok(Channel::Qr),
            "reception" => Ok(Channel::Reception),
            "visit" => Ok(Channel::Visit),
            "phone" => Ok(Channel::Phone),
            _ => Err(()),
        }
    }
}

/// What happened, in the resident's words: 5–2,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseContent(String);

impl CaseContent {
    pub fn parse(raw: &str) -> Result<CaseContent, FieldError> {
        text::required_text("content", raw, MIN_CONTENT_CHARS, MAX_CONTENT_CHARS).map(CaseContent)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub text: Option<String>,
    /// (latitude, longitude) from the phone's location button.
    pub coordinates: Option<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Contact {
    /// Nothing that identifies the resident is kept.
    Anonymous,
    Given {
        name: Option<String>,
        phone: Option<Phone>,
        wants_callback: bool,
    },
}

impl Contact {
    pub fn name(&self) -> Option<&str> {
        match self {
            Contact::Given { name, .. } => name.as_deref(),
            Contact::Anonymous => None,
        }
    }

    pub fn phone(&self) -> Option<&Phone> {
        match self {
            Contact::Given { phone, .. } => phone.as_ref(),
            Contact::Anonymous => None,
        }
    }

    pub fn wants_callback(&self) -> bool {
        matches!(self, Contact::Given { wants_callback: true, .. })
    }
}

/// The form as typed, every field text (as a browser sends it).
#[derive(Debug, Clone, Default)]
pub struct RawSubmission {
    pub category_id: String,
    pub content: String,
    pub location: String,
    pub latitude: String,
    pub longitude: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub anonymous: bool,
    pub wants_callback: bool,
    pub consent: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub category_id: i32,
    pub content: CaseContent,
    pub place: Place,
    pub contact: Contact,
}

impl Submission {
    /// What a one-time submission key is bound to: the code it was issued for (station and
    /// deputy) and every field of the body. A resend of the same form has the same
    /// fingerprint; the same key with anything else is another submission. Photos are left
    /// out: a browser may shrink them again on a retry.
    pub fn fingerprint(&self, station_id: i32, deputy_id: Option<i32>) -> String {
        use sha2::{Digest, Sha256};
        let (name, phone, anonymous, callback) = match &self.contact {
            Contact::Anonymous => (None, None, true, false),
            Contact::Given { name, phone, wants_callback } => {
                (name.as_deref(), phone.as_ref().map(ToString::to_string), false, *wants_callback)
            }
        };
        // JSON: every string delimited and escaped, so no two bodies encode alike.
        let canonical = serde_json::json!([
            1,
            station_id,
            deputy_id,
            self.category_id,
            self.content.as_str(),
            self.place.text,
            self.place.coordinates.map(|(lat, lng)| [lat.to_string(), lng.to_string()]),
            name,
            phone,
            anonymous,
            callback,
        ]);
        let digest = Sha256::digest(canonical.to_string().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn coordinate(field: &'static str, raw: &str, limit: f64) -> Result<Option<f64>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<f64>() {
        Ok(value) if value.is_finite() && value.abs() <= limit => Ok(Some(value)),
        _ => Err(FieldError::invalid(field, "a coordinate in degrees")),
    }
}

pub fn parse_submission(raw: &RawSubmission) -> Result<Submission, Vec<FieldError>> {
    let mut problems = Problems::new();
    let category_id = match raw.category_id.trim() {
        "" => {
            problems.push(FieldError::required("category_id"));
            None
        }
        value => problems.check(value.parse::<i32>().map_err(|_| FieldError::unknown("category_id"))),
    };
    let content = problems.check(CaseContent::parse(&raw.content));
    let location = problems.check(text::optional_line("location", Some(&raw.location), MAX_LOCATION_CHARS));
    let latitude = problems.check(coordinate("latitude", &raw.latitude, 90.0));
    let longitude = problems.check(coordinate("longitude", &raw.longitude, 180.0));
    let coordinates = match (latitude.flatten(), longitude.flatten()) {
        (Some(lat), Some(lng)) => Some((lat, lng)),
        _ => None,
    };
    let contact = if raw.anonymous {
        if raw.wants_callback {
            problems.push(FieldError::new(
                "wants_callback",
                Problem::Described(
                    "an anonymous case cannot be called back; leave a phone number or untick anonymous".into(),
                ),
            ));
        }
        Some(Contact::Anonymous)
    } else {
        let name = problems.check(match raw.contact_name.trim() {
            "" => Ok(None),
            value => person::parse_name("contact_name", value).map(Some),
        });
        let phone = problems.check(match raw.contact_phone.trim() {
            "" if raw.wants_callback => Err(FieldError::required("contact_phone")),
            "" => Ok(None),
            value => Phone::parse("contact_phone", value).map(Some),
        });
        match (name, phone) {
            (Some(name), Some(phone)) => Some(Contact::Given { name, phone, wants_callback: raw.wants_callback }),
            _ => None,
        }
    };
    if !raw.consent {
        problems.push(FieldError::required("consent"));
    }
    problems.into_result()?;
    match (category_id, content, location, contact) {
        (Some(category_id), Some(content), Some(text), Some(contact)) => {
            Ok(Submission { category_id, content, place: Place { text, coordinates }, contact })
        }
        // Unreachable: every `None` above recorded a problem.
        _ => Err(vec![FieldError::required("form")]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_names_the_target_and_every_field() {
        let submission = parse_submission(&valid()).unwrap();
        let same = parse_submission(&valid()).unwrap();
        let print = submission.fingerprint(1, Some(2));
        assert_eq!(print.len(), 64);
        assert_eq!(print, same.fingerprint(1, Some(2)));
        assert_ne!(print, submission.fingerprint(1, Some(3)), "another deputy's code");
        assert_ne!(print, submission.fingerprint(2, Some(2)), "another station");
        assert_ne!(print, submission.fingerprint(1, None), "the station's own code");
        for change in [
            RawSubmission { content: "另一件事情，写得不一样。".into(), ..valid() },
            RawSubmission { category_id: "4".into(), ..valid() },
            RawSubmission { location: "西门".into(), ..valid() },
            RawSubmission { contact_phone: "13912345678".into(), ..valid() },
            RawSubmission { contact_name: String::new(), ..valid() },
            RawSubmission { wants_callback: true, ..valid() },
        ] {
            assert_ne!(parse_submission(&change).unwrap().fingerprint(1, Some(2)), print, "{change:?}");
        }
    }

    fn valid() -> RawSubmission {
        RawSubmission {
            category_id: "3".into(),
            content: "小区门口的路灯坏了一个多月，晚上很黑。".into(),
            location: "幸福小区东门".into(),
            contact_name: "张三".into(),
            contact_phone: "138 1234 1234".into(),
            consent: true,
            ..RawSubmission::default()
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<(&'static str, &'static str)> {
        errors.iter().map(|e| (e.field, e.code())).collect()
    }

    #[test]
    fn a_complete_submission_parses() {
        let submission = parse_submission(&valid()).unwrap();
        assert_eq!(submission.category_id, 3);
        assert_eq!(submission.contact.name(), Some("张三"));
        assert_eq!(submission.contact.phone().unwrap().to_string(), "13812341234");
        assert_eq!(submission.place.text.as_deref(), Some("幸福小区东门"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let raw = RawSubmission {
            category_id: "".into(),
            content: "太短".into(),
            contact_phone: "123".into(),
            latitude: "91".into(),
            consent: false,
            ..RawSubmission::default()
        };
        assert_eq!(
            fields(parse_submission(&raw).unwrap_err()),
            vec![
                ("category_id", "required"),
                ("content", "too_short"),
                ("latitude", "invalid"),
                ("contact_phone", "invalid"),
                ("consent", "required")
            ]
        );
    }

    #[test]
    fn content_has_an_upper_limit() {
        let raw = RawSubmission { content: "字".repeat(MAX_CONTENT_CHARS + 1), ..valid() };
        assert_eq!(fields(parse_submission(&raw).unwrap_err()), vec![("content", "too_long")]);
        let raw = RawSubmission { content: "字".repeat(MAX_CONTENT_CHARS), ..valid() };
        assert!(parse_submission(&raw).is_ok());
    }

    #[test]
    fn a_callback_needs_a_phone_and_an_anonymous_case_keeps_nothing() {
        let raw = RawSubmission { contact_phone: "".into(), wants_callback: true, ..valid() };
        assert_eq!(fields(parse_submission(&raw).unwrap_err()), vec![("contact_phone", "required")]);
        let raw = RawSubmission { anonymous: true, ..valid() };
        let submission = parse_submission(&raw).unwrap();
        assert_eq!(submission.contact, Contact::Anonymous);
        let raw = RawSubmission { anonymous: true, wants_callback: true, ..valid() };
        assert_eq!(fields(parse_submission(&raw).unwrap_err()), vec![("wants_callback", "invalid")]);
    }

    #[test]
    fn coordinates_come_in_pairs() {
        let raw = RawSubmission { latitude: "30.27".into(), longitude: "120.15".into(), ..valid() };
        assert_eq!(parse_submission(&raw).unwrap().place.coordinates, Some((30.27, 120.15)));
        let raw = RawSubmission { latitude: "30.27".into(), ..valid() };
        assert_eq!(parse_submission(&raw).unwrap().place.coordinates, None);
        let raw = RawSubmission { longitude: "NaN".into(), ..valid() };
        assert!(parse_submission(&raw).is_err());
    }
}
