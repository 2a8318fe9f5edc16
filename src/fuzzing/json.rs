//! JSON request bodies: the first byte picks the request type, the rest is the body. Each is
//! deserialised as actix's `Json` extractor does and then parsed into its domain type, as the
//! handler does.
use crate::domain::account::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, NewPassword};
use crate::domain::case_command::{ACTIONS, parse_command};
use crate::domain::intake::{self, RawSubmission};
use crate::domain::tracking::{parse_rating, parse_withdraw_reason};
use crate::http::api::auth::ChangePasswordRequest;
use crate::http::api::cases::BulkRequest;
use crate::http::api::public::{RatingRequest, SubmissionRequest, WithdrawRequest};
use crate::http::shared::input::cases::ActionRequest;

pub fn json_bodies(data: &[u8]) {
    let Some((&kind, body)) = data.split_first() else { return };
    match kind % 5 {
        0 => submission(body),
        1 => {
            if let Ok(request) = serde_json::from_slice::<ActionRequest>(body) {
                action(&request);
            }
        }
        2 => {
            if let Ok(request) = serde_json::from_slice::<BulkRequest>(body) {
                action(&request.action);
            }
        }
        3 => {
            if let Ok(request) = serde_json::from_slice::<ChangePasswordRequest>(body)
                && let Ok(password) = NewPassword::parse("new_password", &request.new_password)
            {
                let length = password.expose().chars().count();
                assert!((MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&length));
            }
        }
        _ => {
            if let Ok(request) = serde_json::from_slice::<RatingRequest>(body) {
                let _ = parse_rating(&request.satisfaction, Some(request.solved), request.comment.as_deref());
            }
            if let Ok(request) = serde_json::from_slice::<WithdrawRequest>(body)
                && let Ok(Some(reason)) = parse_withdraw_reason(request.reason.as_deref())
            {
                assert_eq!(reason, reason.trim());
            }
        }
    }
}

/// The handler's mapping of `POST /public/submissions` onto the form's fields; floats go
/// through text and must come back the same.
fn submission(body: &[u8]) {
    let Ok(request) = serde_json::from_slice::<SubmissionRequest>(body) else { return };
    let raw = RawSubmission {
        category_id: request.category_id.to_string(),
        content: request.content,
        location: request.location.unwrap_or_default(),
        latitude: request.latitude.map(|v| v.to_string()).unwrap_or_default(),
        longitude: request.longitude.map(|v| v.to_string()).unwrap_or_default(),
        contact_name: request.contact_name.unwrap_or_default(),
        contact_phone: request.contact_phone.unwrap_or_default(),
        anonymous: request.anonymous,
        wants_callback: request.wants_callback,
        consent: request.consent,
    };
    let Ok(submission) = intake::parse_submission(&raw) else { return };
    assert_eq!(submission.category_id, request.category_id);
    if let Some((lat, lng)) = submission.place.coordinates {
        assert_eq!(Some(lat), request.latitude);
        assert_eq!(Some(lng), request.longitude);
    }
}

fn action(request: &ActionRequest) {
    let Ok(command) = parse_command(&request.raw()) else { return };
    let name = command.name();
    assert!(ACTIONS.contains(name) || name.starts_with("extension_"), "unknown command name {name}");
}
