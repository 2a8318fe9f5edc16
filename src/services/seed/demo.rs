//! `liaison demo`: fills an empty database with a realistic district, so a newcomer can sign
//! in and look around. Goes through the same services as the API.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, Set, TransactionTrait};

use crate::domain::account::{NewPassword, Username};
use crate::domain::org::{DeputyLevel, StationKind};
use crate::domain::phone::Phone;
use crate::domain::role::Role;
use crate::entities::{category, station};
use crate::error::{AppError, AppResult};
use crate::services::organisation::{
    accounts::{self, NewUser},
    actor::Actor,
    auth::PasswordHasher,
    deputies::{self, NewDeputy, RosterDetails},
    stations::{self, NewStation},
    units::{self, NewUnit},
};

pub const DEMO_PASSWORD: &str = "liaison-demo-2026";

pub struct DemoAccount {
    pub username: &'static str,
    pub role: Role,
    pub scope: String,
}

pub struct DemoSummary {
    pub stations: usize,
    pub deputies: usize,
    pub units: usize,
    pub accounts: Vec<DemoAccount>,
}

const UNITS: &[&str] = &[
    "区住房和城乡建设局",
    "区交通运输局",
    "区生态环境分局",
    "区教育局",
    "区卫生健康局",
    "区民政局",
    "区农业农村局",
    "区市场监督管理局",
    "城关街道办事处",
    "河西镇人民政府",
];

/// category name → index into UNITS of its default handling unit
const CATEGORY_UNITS: &[(&str, usize)] =
    &[("财政经济", 7), ("农业农村", 6), ("城建环保交通", 0), ("教科文卫", 3), ("社会建设", 5)];

struct DemoDeputy {
    name: &'static str,
    gender: &'static str,
    level: DeputyLevel,
    station: usize,
    post: &'static str,
    employer: &'static str,
    phone: &'static str,
}

const DEPUTIES: &[DemoDeputy] = &[
    DemoDeputy {
        name: "王建国",
        gender: "男",
        level: DeputyLevel::National,
        station: 0,
        post: "党委书记",
        employer: "示范区城关街道幸福社区",
        phone: "13800010001",
    },
    DemoDeputy {
        name: "李秀英",
        gender: "女",
        level: DeputyLevel::Provincial,
        station: 0,
        post: "校长",
        employer: "示范区实验小学",
        phone: "13800010002",
    },
    DemoDeputy {
        name: "张伟",
        gender: "男",
        level: DeputyLevel::Municipal,
        station: 1,
        post: "主治医师",
        employer: "示范区人民医院",
        phone: "13800010003",
    },
    DemoDeputy {
        name: "刘芳",
        gender: "女",
        level: DeputyLevel::County,
        station: 2,
        post: "网格员",
        employer: "幸福社区居委会",
        phone: "13800010004",
    },
    DemoDeputy {
        name: "陈明",
        gender: "男",
        level: DeputyLevel::County,
        station: 3,
        post: "村党支部书记",
        employer: "河西镇杨柳村",
        phone: "13800010005",
    },
    DemoDeputy {
        name: "杨丽",
        gender: "女",
        level: DeputyLevel::Township,
        station: 3,
        post: "合作社理事长",
        employer: "杨柳村果蔬专业合作社",
        phone: "13800010006",
    },
    DemoDeputy {
        name: "赵强",
        gender: "男",
        level: DeputyLevel::Township,
        station: 4,
        post: "个体工商户",
        employer: "河西镇",
        phone: "13800010007",
    },
    DemoDeputy {
        name: "周敏",
        gender: "女",
        level: DeputyLevel::Township,
        station: 5,
        post: "教师",
        employer: "河西镇中心小学",
        phone: "13800010008",
    },
];

pub async fn seed<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    hasher: &PasswordHasher,
    now: DateTime<Utc>,
) -> AppResult<DemoSummary> {
    if station::Entity::find().count(db).await? > 0 {
        return Err(AppError::conflict(
            "not_empty",
            "the database already has stations; the demo only fills an empty one",
        ));
    }
    let password = || NewPassword::parse("password", DEMO_PASSWORD);
    let username = |name: &str| Username::parse(name).map_err(AppError::field);

    let (admin, _) =
        accounts::ensure_admin(db, hasher, now, username("admin")?, password().map_err(AppError::field)?).await?;
    let admin = Actor::load(db, admin, "demo".into()).await?;

    let mut unit_ids = Vec::new();
    for name in UNITS {
        let unit =
            units::create(db, &admin, now, NewUnit { name: (*name).into(), contact_name: None, contact_phone: None })
                .await?;
        unit_ids.push(unit.id);
    }
    for (category_name, unit_index) in CATEGORY_UNITS {
        if let Some(found) = category::Entity::find().all(db).await?.into_iter().find(|c| c.name == *category_name) {
            let mut active: category::ActiveModel = found.into();
            active.default_unit_id = Set(Some(unit_ids[*unit_index]));
            active.updated_at = Set(now);
            active.update(db).await?;
        }
    }

    let phone = |raw: &str| Phone::parse("phone", raw).ok();
    let layout: [(&str, StationKind, Option<usize>, &str, &str); 6] = [
        (
            "城关街道人大代表联络站",
            StationKind::Station,
            None,
            "示范区城关街道人民路88号",
            "每月10日、25日上午9:00—11:30",
        ),
        ("幸福社区人大代表联络点", StationKind::Point, Some(0), "幸福社区党群服务中心一楼", "每周三下午"),
        ("幸福社区第三网格", StationKind::Grid, Some(1), "幸福小区5栋旁网格驿站", "每周五上午"),
        ("河西镇人大代表联络站", StationKind::Station, None, "示范区河西镇政府大院东侧", "每月15日全天"),
        ("杨柳村人大代表联络点", StationKind::Point, Some(3), "杨柳村村委会", "每周一上午"),
        ("杨柳村一组网格", StationKind::Grid, Some(4), "杨柳村一组文化广场", "农闲时每周二晚"),
    ];
    let mut station_ids: Vec<i32> = Vec::new();
    for (name, kind, parent, address, reception) in layout {
        let created = stations::create(
            db,
            &admin,
            now,
            NewStation {
                name: name.into(),
                kind,
                parent_id: parent.map(|i| station_ids[i]),
                address: Some(address.into()),
                contact_name: None,
                contact_phone: phone("0571-88001234"),
                reception_days: Some(reception.into()),
            },
        )
        .await?;
        station_ids.push(created.id);
    }

    let mut deputy_ids = Vec::new();
    for d in DEPUTIES {
        let created = deputies::create(
            db,
            &admin,
            now,
            NewDeputy {
                name: d.name.into(),
                level: d.level,
                station_id: station_ids[d.station],
                phone: phone(d.phone),
                details: RosterDetails {
                    gender: Some(d.gender.into()),
                    ethnicity: Some("汉族".into()),
                    post: Some(d.post.into()),
                    employer: Some(d.employer.into()),
                    term: Some("第十八届".into()),
                    ..RosterDetails::default()
                },
            },
        )
        .await?;
        deputy_ids.push(created.id);
    }

    let accounts = [
        (
            "manager",
            Role::Manager,
            vec![station_ids[0]],
            None,
            None,
            "城关街道人大代表联络站及其联络点、网格".to_string(),
        ),
        ("deputy", Role::Deputy, vec![], None, Some(deputy_ids[0]), format!("代表 {}", DEPUTIES[0].name)),
        ("handler", Role::Handler, vec![], Some(unit_ids[0]), None, UNITS[0].to_string()),
        ("viewer", Role::Viewer, vec![station_ids[0]], None, None, "城关街道人大代表联络站（只读）".to_string()),
    ];
    let mut summary_accounts = vec![DemoAccount { username: "admin", role: Role::Admin, scope: "全部".into() }];
    for (name, role, stations, unit_id, deputy_id, scope) in accounts {
        accounts::create(
            db,
            hasher,
            &admin,
            now,
            NewUser {
                username: username(name)?,
                password: password().map_err(AppError::field)?,
                role,
                display_name: None,
                station_ids: stations,
                unit_id,
                deputy_id,
            },
        )
        .await?;
        summary_accounts.push(DemoAccount { username: name, role, scope });
    }
    Ok(DemoSummary {
        stations: station_ids.len(),
        deputies: deputy_ids.len(),
        units: unit_ids.len(),
        accounts: summary_accounts,
    })
}
