//! `liaison seed-cases`: fills a database with many plausible cases, for measuring the queues
//! and statistics at scale. Never for production data (it refuses in production).
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::seq::IndexedRandom;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionSession, TransactionTrait};

use crate::domain::case_decision::CloseReason;
use crate::domain::case_state::{CaseStatus, Satisfaction};
use crate::domain::intake::Channel;
use crate::domain::org::TierCode;
use crate::domain::tracking::TrackingCode;
use crate::entities::{case, category, deputy, station, unit};
use crate::error::{AppError, AppResult};

/// One kind of matter residents raise: several ways of saying what is wrong at `{p}` (the
/// place), what it causes and what they ask for. Texts are built from these pieces, so one
/// matter at one place reads differently from case to case, as residents write it.
struct Kind {
    said: &'static [&'static str],
    effects: &'static [&'static str],
    asks: &'static [&'static str],
}

const KINDS: &[Kind] = &[
    Kind {
        said: &[
            "{p}路面有个大坑",
            "{p}的路面坑坑洼洼",
            "{p}路面破损严重，有好几个坑",
            "{p}上有一个大坑一直没人修",
            "{p}的路被大车压坏了",
        ],
        effects: &[
            "电动车经过很危险",
            "晚上骑车差点摔倒",
            "下雨天积水看不见坑",
            "已经有人摔伤了",
            "汽车经过溅人一身泥",
        ],
        asks: &["请尽快修补", "希望有关部门把路修一下", "建议尽快填平"],
    },
    Kind {
        said: &["{p}的路灯坏了", "{p}路灯不亮", "{p}好几盏路灯都不亮了", "{p}的路灯晚上一闪一闪的", "{p}一直没有路灯"],
        effects: &["晚上一片漆黑", "老人出行不便", "孩子晚上放学回家很害怕", "晚上走路看不清", "存在安全隐患"],
        asks: &["请尽快维修路灯", "希望早日修好", "建议加装路灯"],
    },
    Kind {
        said: &[
            "{p}楼下烧烤店晚上噪音太大",
            "{p}广场舞音响声音太大",
            "{p}附近工地夜间施工噪音扰民",
            "{p}的酒吧半夜还在放音乐",
            "{p}附近商铺用大喇叭叫卖",
        ],
        effects: &["十点以后还很吵", "严重影响休息", "吵得睡不着觉", "老人孩子都休息不好", "白天上班晚上睡不好"],
        asks: &["希望有关部门管一管", "请执法部门处理", "请限制音量和时间"],
    },
    Kind {
        said: &[
            "{p}垃圾清运不及时",
            "{p}的垃圾站臭味太大",
            "{p}门口堆满垃圾",
            "{p}垃圾桶满了没人清理",
            "{p}有人乱倒建筑垃圾",
        ],
        effects: &["气味难闻", "苍蝇蚊子很多", "夏天臭气熏天", "影响环境卫生", "路过都要捂鼻子"],
        asks: &["请环卫部门及时清运", "希望增加清运次数", "建议整改垃圾站"],
    },
    Kind {
        said: &[
            "{p}停车位太少",
            "{p}车辆乱停乱放",
            "{p}经常有车占用消防通道",
            "{p}路边违停严重",
            "{p}的停车场收费太高",
        ],
        effects: &["早晚高峰堵得走不动", "救护车消防车进不来", "出行很不方便", "行人只能走机动车道"],
        asks: &["建议增设停车位", "请交警加强管理", "希望规划停车场"],
    },
    Kind {
        said: &["{p}经常停水", "{p}自来水水压太低", "{p}的自来水发黄有异味", "{p}水管爆裂", "{p}停水也不提前通知"],
        effects: &["高层住户用不上水", "不敢直接饮用", "生活很不方便", "做饭洗澡都成问题"],
        asks: &["请供水公司尽快处理", "希望彻底检修管网", "请提前通知停水"],
    },
    Kind {
        said: &[
            "{p}没有老年食堂",
            "希望在{p}增设养老服务站",
            "{p}的独居老人没人照顾",
            "{p}老年活动室长期关着",
            "{p}缺少适老化设施",
        ],
        effects: &["老人吃饭不方便", "子女不在身边", "老人没有地方活动", "行动不便的老人很难出门"],
        asks: &["建议增设老年食堂", "希望社区多关心老人", "请安排上门服务"],
    },
    Kind {
        said: &[
            "{p}学校门口上下学时段交通拥堵",
            "{p}附近的小学学位紧张",
            "{p}的幼儿园入园难",
            "{p}学校周边有流动摊贩",
            "{p}学校门口没有斑马线",
        ],
        effects: &["孩子过马路很危险", "家长接送很困难", "食品安全没有保障", "孩子要跑很远去上学"],
        asks: &["建议增加交警疏导", "希望增加学位", "请加强学校周边管理"],
    },
    Kind {
        said: &["{p}下水道堵塞", "{p}一下雨就积水", "{p}的排水沟堵了", "{p}窨井盖破损", "{p}化粪池满溢"],
        effects: &["积水没过脚踝", "污水漫到路面", "臭味很大", "行人容易掉进去", "一楼住户家里进水"],
        asks: &["请尽快疏通", "希望改造排水管网", "请更换井盖"],
    },
    Kind {
        said: &["{p}物业服务太差", "{p}物业不作为", "{p}电梯经常坏", "{p}物业乱收费", "{p}的物业公司要撤走没人管"],
        effects: &["电梯困人好几次", "业主意见很大", "小区环境脏乱差", "维修没人管"],
        asks: &["请住建部门督促物业整改", "希望社区协调", "建议重新选聘物业"],
    },
    Kind {
        said: &[
            "{p}楼道里堆放杂物",
            "{p}有人在楼道给电动车充电",
            "{p}飞线充电现象严重",
            "{p}消防栓没有水",
            "{p}的消防通道被堵",
        ],
        effects: &["存在消防隐患", "万一着火后果不堪设想", "很不安全"],
        asks: &["请消防部门检查", "建议安装充电桩", "希望物业清理"],
    },
    Kind {
        said: &["{p}公交站台没有遮雨棚", "{p}公交车班次太少", "{p}附近没有公交站", "{p}的公交站牌信息过时"],
        effects: &["下雨天等车很不方便", "等一趟车要半个多小时", "老人出行困难", "上班经常迟到"],
        asks: &["建议增设遮雨棚", "希望增加班次", "建议调整线路"],
    },
    Kind {
        said: &["{p}菜市场周边占道经营", "{p}流动摊贩占道", "{p}的早市摆到了马路上", "{p}商户把货物摆到人行道上"],
        effects: &["早上交通堵塞", "行人没法走", "地面又脏又乱", "存在安全隐患"],
        asks: &["请城管加强管理", "建议规范经营区域", "希望整治一下"],
    },
    Kind {
        said: &[
            "{p}社区医院儿科门诊时间太短",
            "{p}附近没有药店",
            "{p}社区卫生服务站看病排队太久",
            "{p}的社区医院缺医少药",
        ],
        effects: &["孩子生病要跑很远", "老人看病不方便", "小病也要去大医院"],
        asks: &["建议延长门诊时间", "希望增加医生", "建议增设卫生服务站"],
    },
    Kind {
        said: &[
            "{p}遛狗不拴绳",
            "{p}流浪狗很多",
            "{p}有人在绿化带里种菜",
            "{p}的行道树长得太高挡住阳光",
            "{p}绿化带没人修剪",
        ],
        effects: &["孩子老人很害怕", "已经有人被咬伤", "环境很差", "楼下常年见不到太阳"],
        asks: &["请有关部门管理", "希望尽快处理", "建议修剪整治"],
    },
    Kind {
        said: &["{p}农田灌溉水渠堵塞", "{p}的机耕路坏了", "{p}村道没有硬化", "{p}的灌溉泵站坏了"],
        effects: &["影响春耕", "农机下不了地", "下雨天泥泞难走", "庄稼浇不上水"],
        asks: &["请农业部门帮助解决", "希望尽快修好", "建议纳入改造计划"],
    },
];

const NAMES: &[&str] = &[
    "幸福", "和平", "建设", "人民", "解放", "新华", "胜利", "光明", "文化", "中山", "朝阳", "青年", "东风", "红旗",
    "团结", "振兴", "长江", "黄河", "泰山", "金桥", "银河", "锦江", "滨江", "望江", "迎宾", "育才", "学府", "工农",
    "桃园", "梅林", "松柏", "翠竹", "兰亭", "丰收", "永安", "长安", "太平", "康乐", "友谊", "春晖",
];
const ESTATES: &[&str] = &[
    "锦绣", "阳光", "金色", "绿洲", "翡翠", "碧水", "御景", "都市", "书香", "怡和", "馨园", "龙湖", "凤凰", "紫荆",
    "丽景", "嘉和", "盛世", "华府", "康城", "万和", "天悦", "清水", "柳岸", "枫林", "海棠", "蓝湾", "静安", "雅居",
    "香樟", "云锦",
];
const DIRECTIONS: &[&str] = &["", "", "东", "西", "南", "北", "中"];
const ROAD_KINDS: &[&str] = &["路", "路", "街", "大道", "巷"];
const ESTATE_KINDS: &[&str] = &["小区", "小区", "花园", "家园", "苑", "新村", "公寓"];
const OPENINGS: &[&str] = &["", "", "", "您好，", "反映一个问题：", "我是附近居民，", "代表您好，", "再次反映，"];
const SINCE: &[&str] =
    &["", "", "", "已经好几天了，", "一个多月了，", "反映过多次还没解决，", "从上个月开始，", "最近这段时间，"];
const ENDINGS: &[&str] = &["。", "。", "！", "，谢谢！", "，希望尽快解决。", "，请有关部门重视。", ""];

/// A place residents would name: a road with a spot on it, or an estate with a building.
fn place(rng: &mut impl Rng) -> String {
    if rng.random_bool(0.5) {
        let road = format!(
            "{}{}{}",
            NAMES.choose(rng).unwrap_or(&"幸福"),
            DIRECTIONS.choose(rng).unwrap_or(&""),
            ROAD_KINDS.choose(rng).unwrap_or(&"路")
        );
        match rng.random_range(0..4) {
            0 => road,
            1 => format!("{road}{}号门口", rng.random_range(1..200)),
            2 => format!("{road}与{}路交叉口", NAMES.choose(rng).unwrap_or(&"和平")),
            _ => format!("{road}{}", ["中段", "东口", "西口", "南段", "北段"][rng.random_range(0..5)]),
        }
    } else {
        let estate =
            format!("{}{}", ESTATES.choose(rng).unwrap_or(&"锦绣"), ESTATE_KINDS.choose(rng).unwrap_or(&"小区"));
        match rng.random_range(0..4) {
            0 => estate,
            1 => format!("{estate}{}栋", rng.random_range(1..30)),
            2 => format!("{estate}{}", ["东门", "西门", "南门", "北门", "地下车库"][rng.random_range(0..5)]),
            _ => format!("{estate}{}期", ["一", "二", "三"][rng.random_range(0..3)]),
        }
    }
}

/// One resident's text about matter `kind` at `place`: the same matter is said differently each
/// time (which words, which effects, in what order, opening and ending).
fn text(rng: &mut impl Rng, kind: &Kind, place: &str) -> String {
    let said = kind.said.choose(rng).unwrap_or(&kind.said[0]).replace("{p}", place);
    let how_many = rng.random_range(1..=2);
    let mut effects: Vec<&str> = kind.effects.choose_multiple(rng, how_many).copied().collect();
    if effects.is_empty() {
        effects.push(kind.effects[0]);
    }
    let ask = if rng.random_bool(0.7) { kind.asks.choose(rng).copied() } else { None };
    let mut out = String::with_capacity(128);
    out.push_str(OPENINGS.choose(rng).unwrap_or(&""));
    out.push_str(&said);
    out.push('，');
    out.push_str(SINCE.choose(rng).unwrap_or(&""));
    out.push_str(&effects.join("，"));
    if let Some(ask) = ask {
        out.push('，');
        out.push_str(ask);
    }
    out.push_str(ENDINGS.choose(rng).unwrap_or(&"。"));
    out
}

/// Matters many residents raise at once (one kind at one place): a share of the cases is about
/// one of these, the most common first; the rest are spread over every kind and place.
struct Matters {
    hot: Vec<(usize, String)>,
}

impl Matters {
    const HOT: usize = 500;
    /// The share of cases about one of the hot matters.
    const HOT_SHARE: f64 = 0.4;

    fn new(rng: &mut impl Rng) -> Self {
        Matters { hot: (0..Self::HOT).map(|_| (rng.random_range(0..KINDS.len()), place(rng))).collect() }
    }

    /// What a case is about: a kind of problem at a place.
    fn matter(&self, rng: &mut impl Rng) -> (usize, String) {
        if rng.random_bool(Self::HOT_SHARE) {
            // Skewed towards the first: a few matters are raised hundreds of times.
            let u: f64 = rng.random();
            self.hot[((u * u * u) * Self::HOT as f64) as usize % Self::HOT].clone()
        } else {
            (rng.random_range(0..KINDS.len()), place(rng))
        }
    }

    /// A case's text and, for some, the place given apart as its location.
    fn case(&self, rng: &mut impl Rng) -> (String, Option<String>) {
        let (kind, place) = self.matter(rng);
        let content = text(rng, &KINDS[kind], &place);
        let location = rng.random_bool(0.3).then_some(place);
        (content, location)
    }
}

/// Statuses of the cases received in the last 60 days.
const STATUSES: &[(CaseStatus, u32)] = &[
    (CaseStatus::Submitted, 5),
    (CaseStatus::Accepted, 5),
    (CaseStatus::Assigned, 10),
    (CaseStatus::InProgress, 10),
    (CaseStatus::Replied, 10),
    (CaseStatus::Closed, 50),
    (CaseStatus::Rejected, 5),
    (CaseStatus::Archived, 5),
];

/// Statuses of older cases: long since settled, a few still stuck in handling.
const SETTLED: &[(CaseStatus, u32)] = &[
    (CaseStatus::Assigned, 1),
    (CaseStatus::InProgress, 1),
    (CaseStatus::Replied, 6),
    (CaseStatus::Closed, 72),
    (CaseStatus::Rejected, 6),
    (CaseStatus::Archived, 14),
];

/// A status drawn in the proportions of `table`.
fn pick_status(rng: &mut impl Rng, table: &[(CaseStatus, u32)]) -> CaseStatus {
    let weights: u32 = table.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..weights.max(1));
    for (status, weight) in table {
        if pick < *weight {
            return *status;
        }
        pick -= weight;
    }
    CaseStatus::Closed
}

/// A transaction for bulk inserts. On SQLite its connection gets a large page cache first: the
/// random order of the indexes' keys otherwise rereads most of the file for every chunk once
/// the indexes outgrow the default 2 MB cache (seeding then slowed to 400 ms per chunk).
async fn begin_bulk<C: ConnectionTrait + TransactionTrait>(db: &C) -> AppResult<C::Transaction> {
    let txn = db.begin().await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        txn.execute_unprepared("PRAGMA cache_size = -1048576").await?;
    }
    Ok(txn)
}

pub async fn seed<C: ConnectionTrait + TransactionTrait>(db: &C, count: u64, now: DateTime<Utc>) -> AppResult<u64> {
    let stations: Vec<i32> = station::Entity::find().all(db).await?.into_iter().map(|s| s.id).collect();
    let deputies: Vec<(i32, i32)> =
        deputy::Entity::find().all(db).await?.into_iter().map(|d| (d.id, d.station_id)).collect();
    let categories: Vec<i32> = category::Entity::find()
        .filter(category::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let units: Vec<i32> = unit::Entity::find().all(db).await?.into_iter().map(|u| u.id).collect();
    if stations.is_empty() || categories.is_empty() {
        return Err(AppError::conflict("empty", "run `liaison demo` (or create stations) first"));
    }
    let mut rng = rand::rng();
    let matters = Matters::new(&mut rng);
    let mut written = 0u64;
    // A chunk stays under SQLite's limit of bound parameters per statement.
    const CHUNK: u64 = 400;
    // Many chunks per transaction: one durable commit per 20,000 cases, not per 400.
    let mut txn = begin_bulk(db).await?;
    while written < count {
        let size = CHUNK.min(count - written);
        let mut rows = Vec::with_capacity(size as usize);
        for _ in 0..size {
            let received = now - Duration::minutes(rng.random_range(0..(2 * 365 * 24 * 60)));
            // Recent cases in every stage; older ones mostly settled, as at a real station.
            let recent = now - received < Duration::days(60);
            let status = pick_status(&mut rng, if recent { STATUSES } else { SETTLED });
            let (deputy_id, station_id) = if rng.random_bool(0.7) && !deputies.is_empty() {
                let (d, s) = *deputies.choose(&mut rng).unwrap_or(&(0, stations[0]));
                (Some(d), s)
            } else {
                (None, *stations.choose(&mut rng).unwrap_or(&stations[0]))
            };
            let tier = [TierCode::Immediate, TierCode::Week, TierCode::Month][rng.random_range(0..3)];
            let days = match tier {
                TierCode::Immediate => 1,
                TierCode::Week => 7,
                TierCode::Month => 31,
            };
            let assigned = !matches!(status, CaseStatus::Submitted | CaseStatus::Accepted | CaseStatus::Rejected);
            let answered = matches!(status, CaseStatus::Replied | CaseStatus::Closed | CaseStatus::Archived);
            let closed = matches!(status, CaseStatus::Closed | CaseStatus::Archived);
            let rated = closed && rng.random_bool(0.8);
            let satisfaction = [Satisfaction::Satisfied, Satisfaction::BasicallySatisfied, Satisfaction::Dissatisfied]
                [rng.random_range(0..3)];
            let (content, location) = matters.case(&mut rng);
            // Spans spread as in life (most answers within a day, some late closings), so the
            // medians are not one repeated value: 10 minutes to 3 days to the first response,
            // half to 1.3 times the deadline to closing.
            let spread: f64 = rng.random_range(0.0..1.0);
            let responded = received + Duration::minutes(10 + (spread * spread * 4310.0) as i64);
            let closed_at = received + Duration::minutes(rng.random_range(days * 720..days * 1872));
            rows.push(case::ActiveModel {
                tracking_code: Set(TrackingCode::generate().as_str().to_string()),
                status: Set(status),
                version: Set(1),
                channel: Set(Channel::Qr),
                station_id: Set(station_id),
                deputy_id: Set(deputy_id),
                category_id: Set(*categories.choose(&mut rng).unwrap_or(&categories[0])),
                tier: Set(tier),
                unit_id: Set(if assigned { units.choose(&mut rng).copied() } else { None }),
                content: Set(content),
                location: Set(location),
                latitude: Set(None),
                longitude: Set(None),
                contact_name: Set(None),
                contact_phone: Set(None),
                anonymous: Set(true),
                wants_callback: Set(false),
                consent_version: Set("seed".into()),
                lang: Set("zh-CN".into()),
                received_at: Set(received),
                first_response_due_at: Set(received + Duration::days(1)),
                due_at: Set(received + Duration::days(days)),
                first_responded_at: Set((status != CaseStatus::Submitted).then_some(responded)),
                accepted_at: Set((status != CaseStatus::Submitted).then_some(responded)),
                assigned_at: Set(assigned.then(|| responded + Duration::hours(1))),
                replied_at: Set(answered.then(|| received + Duration::days(rng.random_range(0..days + 5)))),
                closed_at: Set(closed.then_some(closed_at)),
                archived_at: Set((status == CaseStatus::Archived).then(|| closed_at + Duration::days(30))),
                close_reason: Set(closed.then_some(if rated { CloseReason::Rated } else { CloseReason::Unrated })),
                reply: Set(answered.then(|| "已交有关部门办理并答复。".to_string())),
                satisfaction: Set(rated.then_some(satisfaction)),
                solved: Set(rated.then(|| rng.random_bool(0.85))),
                rating_comment: Set(None),
                rated_at: Set(rated.then(|| closed_at + Duration::days(1))),
                key_supervision: Set(rng.random_bool(0.02)),
                disclosed: Set(false),
                overdue: Set(false),
                merged_into_id: Set(None),
                reopened_count: Set(0),
                submission_key: Set(None),
                submission_fingerprint: Set(None),
                submitter_key: Set(None),
                created_at: Set(received),
                updated_at: Set(received),
                due_soon_notified: Set(false),
                percent: Set(None),
                returned_count: Set(0),
                ..Default::default()
            });
        }
        case::Entity::insert_many(rows).exec_without_returning(&txn).await?;
        written += size;
        if written.is_multiple_of(20_000) {
            txn.commit().await?;
            txn = begin_bulk(db).await?;
        }
    }
    txn.commit().await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        db.execute_unprepared("ANALYZE").await?;
    } else {
        // Vacuum too: it sets the visibility map that index-only counts rely on, as
        // autovacuum would after a while in a live database.
        db.execute_unprepared("VACUUM ANALYZE cases").await?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_varied_and_matters_repeat_in_other_words() {
        let mut rng = rand::rng();
        let matters = Matters::new(&mut rng);
        let texts: Vec<String> = (0..50_000).map(|_| matters.case(&mut rng).0).collect();
        let distinct: std::collections::HashSet<&String> = texts.iter().collect();
        assert!(distinct.len() > 30_000, "{} distinct texts", distinct.len());
        // The most common matter is raised many times, in many wordings.
        let (kind, place) = &matters.hot[0];
        let about: std::collections::HashSet<&String> = texts
            .iter()
            .filter(|t| {
                t.contains(place.as_str()) && KINDS[*kind].said.iter().any(|s| t.contains(&s.replace("{p}", place)))
            })
            .collect();
        assert!(about.len() > 20, "{} wordings of the first matter", about.len());
    }

    /// On these realistic texts (shared openings, endings and places across matters) hot
    /// topics once joined every case into one topic through chains of close pairs.
    #[test]
    fn hot_topics_find_a_repeated_matter_without_chaining_matters_together() {
        use crate::domain::topics::{TopicText, cluster};
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
        let matters = Matters::new(&mut rng);
        let cases: Vec<((usize, String), String)> = (0..5_000)
            .map(|_| {
                let matter = matters.matter(&mut rng);
                let content = text(&mut rng, &KINDS[matter.0], &matter.1);
                (matter, content)
            })
            .collect();
        let texts: Vec<TopicText> =
            cases.iter().map(|(_, t)| TopicText { content: t, category_id: None, place: None }).collect();
        let groups = cluster(&texts);
        assert!(groups[0].len() < cases.len() / 10, "the largest topic holds {} of {}", groups[0].len(), cases.len());
        let top = &matters.hot[0];
        let about: Vec<usize> = (0..cases.len()).filter(|&i| &cases[i].0 == top).collect();
        assert!(about.len() > 100, "{} cases about the first matter", about.len());
        let group = groups.iter().max_by_key(|g| g.iter().filter(|i| about.contains(i)).count()).unwrap();
        let found = group.iter().filter(|i| about.contains(i)).count();
        // Half or more of the matter's cases are found together…
        assert!(found * 5 >= about.len() * 2, "its topic holds {found} of its {} cases", about.len());
        // …with other cases of the same kind of problem (potholes elsewhere join potholes
        // here: the text alone does not weigh the place), never another kind.
        let same_kind = group.iter().filter(|&&i| cases[i].0.0 == top.0).count();
        assert!(same_kind * 10 >= group.len() * 9, "{} of {} are another kind", group.len() - same_kind, group.len());
    }
}
