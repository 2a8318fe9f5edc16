//! The organisation's vocabularies: station kinds, deputy levels, deadline tiers.
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }
        }

        impl FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($text => Ok($name::$variant),)+ _ => Err(()) }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use text_enum;

text_enum! {
    /// 联络站 / 联络点 / 网格
    StationKind {
        Station => "station", "联络站", "station";
        Point => "point", "联络点", "point";
        Grid => "grid", "网格", "grid";
    }
}

text_enum! {
    /// 五级人大代表
    DeputyLevel {
        National => "national", "全国人大代表", "national";
        Provincial => "provincial", "省人大代表", "provincial";
        Municipal => "municipal", "市人大代表", "municipal";
        County => "county", "县（区）人大代表", "county";
        Township => "township", "乡镇（街道）人大代表", "township";
    }
}

text_enum! {
    /// 即收即办 / 即收周办 / 即收月办
    TierCode {
        Immediate => "immediate", "即收即办", "same working day";
        Week => "week", "即收周办", "within a week";
        Month => "month", "即收月办", "within a month";
    }
}

impl StationKind {
    /// Which kinds may sit directly above this one: a station is the top, a point hangs
    /// under a station, a grid under a point or directly under a station.
    pub fn allowed_parent(self, parent: Option<StationKind>) -> bool {
        match (self, parent) {
            (StationKind::Station, None) => true,
            (StationKind::Station, Some(_)) => false,
            (StationKind::Point, Some(StationKind::Station)) => true,
            (StationKind::Grid, Some(StationKind::Station | StationKind::Point)) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hierarchy_is_station_point_grid() {
        assert!(StationKind::Station.allowed_parent(None));
        assert!(!StationKind::Station.allowed_parent(Some(StationKind::Station)));
        assert!(StationKind::Point.allowed_parent(Some(StationKind::Station)));
        assert!(!StationKind::Point.allowed_parent(None));
        assert!(!StationKind::Point.allowed_parent(Some(StationKind::Grid)));
        assert!(StationKind::Grid.allowed_parent(Some(StationKind::Point)));
        assert!(!StationKind::Grid.allowed_parent(Some(StationKind::Grid)));
    }

    #[test]
    fn vocabularies_parse_their_own_text() {
        for level in DeputyLevel::ALL {
            assert_eq!(level.as_str().parse::<DeputyLevel>(), Ok(*level));
        }
        assert_eq!("week".parse::<TierCode>(), Ok(TierCode::Week));
        assert!("fortnight".parse::<TierCode>().is_err());
    }
}
