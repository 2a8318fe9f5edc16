//! What a reply template is for: an answer, or a rejection text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    Reply,
    Reject,
}

impl TemplateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateKind::Reply => "reply",
            TemplateKind::Reject => "reject",
        }
    }
}

impl std::str::FromStr for TemplateKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "reply" => Ok(TemplateKind::Reply),
            "reject" => Ok(TemplateKind::Reject),
            _ => Err(()),
        }
    }
}
