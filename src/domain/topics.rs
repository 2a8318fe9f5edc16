//! Hot topics (热点难点) and likely duplicates: which residents' texts are about the same thing.
//!
//! Pure and deterministic; no model, no service. Chinese has no spaces between words, so it
//! works on characters:
//!
//! 1. **Normalise**: full-width → half-width, lowercase, and split into runs at punctuation
//!    and whitespace; filler characters (的, 了, 吗 …) are dropped inside a run.
//! 2. **Shingle**: the character bigrams of each run (a run of one character is kept as
//!    itself), hashed to `u64` (FNV-1a); a text's shingles are a sorted set.
//! 3. **MinHash**: [`HASHES`] minimums over hash functions with fixed seeds.
//! 4. **LSH**: the signature cut into [`BANDS`] bands of [`ROWS`]; texts sharing a band are
//!    candidates. Identical normalised texts are grouped before, so a thousand copies of one
//!    complaint cost one signature.
//! 5. **Verify** each candidate pair on the exact shingle sets ([`similarity`]): the mean of
//!    Jaccard and containment (overlap ÷ the smaller set), plus a small boost for the same
//!    category and the same place when the texts are already close ([`BOOST_FLOOR`]); a pair
//!    at or above [`THRESHOLD`] is the same topic.
//! 6. **Union-find** over the verified pairs gives the topics — two groups join only if their
//!    first texts are close too ([`LINK_FLOOR`]), and in a large corpus the bigrams most texts
//!    share are dropped first ([`COMMON_SHARE`]): on realistic generated texts (shared openings,
//!    endings and places) plain single linkage joined every case into one topic.
//!
//! Why these numbers (tuned on the fixture in the tests below, paraphrases written the way
//! residents write): bigrams rather than trigrams, because paraphrases share words, not
//! phrases ("路灯坏了" / "路灯不亮" share 路灯 and no trigram), and trigrams halved the
//! similarity of true pairs while barely lowering that of unrelated ones. Pure Jaccard
//! punishes a short text against a long one; pure containment lets a two-word text match
//! anything containing those words. On the fixture their mean gives unrelated pairs at most
//! 0.21 (two complaints about one street or one estate) and every same-topic text a partner
//! at 0.32 or more; 0.28 sits between with a margin each side (0.36 split a paraphrase off,
//! single-linkage needs only a chain of close partners). 64 hashes in 32 bands of 2 make a pair of Jaccard 0.2 a candidate with
//! probability 1 − (1 − 0.2²)³² ≈ 0.73, of 0.3 ≈ 0.95, of 0.05 ≈ 0.08: true pairs are found,
//! and only texts sharing words are ever compared.
use std::collections::HashMap;

/// Number of MinHash functions.
pub const HASHES: usize = 64;
/// LSH bands × rows = HASHES.
pub const BANDS: usize = 32;
pub const ROWS: usize = HASHES / BANDS;
/// A pair at or above this score is the same topic.
pub const THRESHOLD: f64 = 0.28;
/// Added to the score when both cases have the same category.
pub const CATEGORY_BOOST: f64 = 0.03;
/// Added when both name a place and the places share most of their characters.
pub const PLACE_BOOST: f64 = 0.05;
/// The boosts lift only near misses: texts below this stay apart whatever their category and
/// place (residents of one estate write about many things, and often give the same place).
pub const BOOST_FLOOR: f64 = 0.24;
/// Texts compared with each other within one LSH bucket at most (a bucket of very common
/// words is not a topic; its members are compared with their recent neighbours only).
const BUCKET_WINDOW: usize = 24;
/// In a corpus of at least this many distinct texts, the bigrams found in more than
/// [`COMMON_SHARE`] of them are the corpus's boilerplate ("希望尽快解决", "反映一个问题",
/// "小区" …) and are left out of the comparison: they made unrelated texts close, and chains
/// of such pairs joined every case into one topic on realistic texts.
pub const COMMON_MIN_TEXTS: usize = 200;
pub const COMMON_SHARE: f64 = 0.04;
/// Two groups join only if their first texts are this close too: single linkage alone lets
/// a chain of pairs, each close, drift from one matter to another.
pub const LINK_FLOOR: f64 = 0.18;
/// The longest label, in characters.
pub const LABEL_CHARS: usize = 24;

/// Characters that carry no topic: particles and fillers residents write around the matter.
const FILLER: &str = "的了着过吧呢啊吗呀哦哈嘛么得地很也都就还又再太";

/// Full-width ASCII → half-width, ideographic space → space, then lowercase.
fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The text's runs of meaningful characters: normalised, split at punctuation and spaces,
/// fillers dropped.
pub fn normalise(text: &str) -> Vec<Vec<char>> {
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for c in text.chars().map(half_width).flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if !FILLER.contains(c) {
                run.push(c);
            }
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

fn fnv(chars: &[char]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for c in chars {
        for byte in (*c as u32).to_le_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The sorted, distinct bigram hashes of normalised runs.
pub fn shingles_of(runs: &[Vec<char>]) -> Vec<u64> {
    let mut out = Vec::new();
    for run in runs {
        if run.len() == 1 {
            out.push(fnv(run));
        }
        out.extend(run.windows(2).map(fnv));
    }
    out.sort_unstable();
    out.dedup();
    out
}

pub fn shingles(text: &str) -> Vec<u64> {
    shingles_of(&normalise(text))
}

fn mix(mut x: u64) -> u64 {
    // splitmix64's finaliser
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The fixed seeds of the hash functions.
fn seed(i: usize) -> u64 {
    mix(0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(i as u64 + 1))
}

/// The MinHash signature of a shingle set (all `u64::MAX` for an empty one).
pub fn signature(shingles: &[u64]) -> [u64; HASHES] {
    let seeds: [u64; HASHES] = std::array::from_fn(seed);
    let mut sig = [u64::MAX; HASHES];
    for s in shingles {
        for (slot, seed) in sig.iter_mut().zip(seeds.iter()) {
            let h = mix(s ^ seed);
            if h < *slot {
                *slot = h;
            }
        }
    }
    sig
}

fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// How alike two shingle sets are, 0–1: the mean of Jaccard and containment.
pub fn text_similarity(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let both = intersection(a, b) as f64;
    let jaccard = both / (a.len() as f64 + b.len() as f64 - both);
    let containment = both / a.len().min(b.len()) as f64;
    (jaccard + containment) / 2.0
}

/// One case's text as the grouping sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicText<'a> {
    pub content: &'a str,
    pub category_id: Option<i32>,
    pub place: Option<&'a str>,
}

/// A text prepared for comparison.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub shingles: Vec<u64>,
    pub category_id: Option<i32>,
    pub place: Vec<u64>,
}

impl Prepared {
    pub fn new(text: &TopicText<'_>) -> Prepared {
        Prepared {
            shingles: shingles(text.content),
            category_id: text.category_id,
            place: text.place.map(shingles).unwrap_or_default(),
        }
    }
}

/// The score of a pair: text similarity, boosted for the same category and place.
pub fn similarity(a: &Prepared, b: &Prepared) -> f64 {
    let mut score = text_similarity(&a.shingles, &b.shingles);
    if score < BOOST_FLOOR {
        return score;
    }
    if a.category_id.is_some() && a.category_id == b.category_id {
        score += CATEGORY_BOOST;
    }
    if !a.place.is_empty() && !b.place.is_empty() {
        let shared = intersection(&a.place, &b.place) as f64 / a.place.len().min(b.place.len()) as f64;
        if shared >= 0.5 {
            score += PLACE_BOOST;
        }
    }
    score.min(1.0)
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind { parent: (0..n).collect() }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            // The smaller index stays the root: deterministic output.
            let (low, high) = if a < b { (a, b) } else { (b, a) };
            self.parent[high] = low;
        }
    }
}

/// Removes the corpus's boilerplate bigrams (see [`COMMON_SHARE`]) from every text.
fn drop_common_shingles(prepared: &mut [Prepared]) {
    if prepared.len() < COMMON_MIN_TEXTS {
        return;
    }
    let mut frequency: HashMap<u64, usize> = HashMap::new();
    for p in prepared.iter() {
        for s in &p.shingles {
            *frequency.entry(*s).or_default() += 1;
        }
    }
    let limit = (prepared.len() as f64 * COMMON_SHARE).ceil() as usize;
    for p in prepared.iter_mut() {
        p.shingles.retain(|s| frequency.get(s).is_none_or(|n| *n <= limit));
    }
}

/// Groups the texts into topics: each inner vector holds indexes into `texts`, ascending;
/// groups of one are included. Groups are ordered largest first, then by their first index.
pub fn cluster(texts: &[TopicText<'_>]) -> Vec<Vec<usize>> {
    // Identical normalised texts are one topic at once; only distinct texts are compared.
    let mut distinct: HashMap<Vec<Vec<char>>, usize> = HashMap::new();
    let mut first_of: Vec<usize> = Vec::new();
    let mut group_of: Vec<usize> = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        let key = normalise(text.content);
        let next = first_of.len();
        // A text with nothing to compare is a topic of its own.
        let g = if key.is_empty() { next } else { *distinct.entry(key).or_insert(next) };
        if g == next {
            first_of.push(i);
        }
        group_of.push(g);
    }
    drop(distinct);
    let mut prepared: Vec<Prepared> = first_of.iter().map(|&i| Prepared::new(&texts[i])).collect();
    drop_common_shingles(&mut prepared);
    let mut sets = UnionFind::new(prepared.len());
    let mut buckets: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    for (d, p) in prepared.iter().enumerate() {
        if p.shingles.is_empty() {
            continue;
        }
        let sig = signature(&p.shingles);
        for (band, rows) in sig.chunks(ROWS).enumerate() {
            let key = rows.iter().fold(0u64, |acc, h| mix(acc ^ h));
            buckets.entry((band, key)).or_default().push(d);
        }
    }
    let mut keys: Vec<&(usize, u64)> = buckets.keys().collect();
    keys.sort_unstable();
    for key in keys {
        let members = &buckets[key];
        for (j, &d) in members.iter().enumerate() {
            let start = j.saturating_sub(BUCKET_WINDOW);
            for &other in &members[start..j] {
                if sets.find(other) == sets.find(d) {
                    continue;
                }
                if similarity(&prepared[other], &prepared[d]) >= THRESHOLD {
                    let (a, b) = (sets.find(other), sets.find(d));
                    if (a == other && b == d) || similarity(&prepared[a], &prepared[b]) >= LINK_FLOOR {
                        sets.union(other, d);
                    }
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, g) in group_of.iter().enumerate() {
        let root = sets.find(*g);
        groups.entry(root).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().collect();
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    out
}

/// A short name for a topic: the text of the group most typical of it (its bigrams the most
/// shared within the group; the shorter on a tie), its first clause, at most [`LABEL_CHARS`].
pub fn label(texts: &[&str]) -> String {
    let sets: Vec<Vec<u64>> = texts.iter().map(|t| shingles(t)).collect();
    let mut frequency: HashMap<u64, usize> = HashMap::new();
    for set in &sets {
        for s in set {
            *frequency.entry(*s).or_default() += 1;
        }
    }
    let typical = |set: &Vec<u64>| -> f64 {
        if set.is_empty() {
            0.0
        } else {
            set.iter().map(|s| frequency.get(s).copied().unwrap_or(0) as f64).sum::<f64>() / set.len() as f64
        }
    };
    let best = texts
        .iter()
        .zip(&sets)
        .max_by(|(ta, a), (tb, b)| {
            typical(a)
                .partial_cmp(&typical(b))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(tb.chars().count().cmp(&ta.chars().count()))
        })
        .map(|(t, _)| *t)
        .unwrap_or("");
    let trimmed = best.trim();
    let clause: String = trimmed
        .split(['。', '！', '？', '!', '?', '\n'])
        .find(|s| !s.trim().is_empty())
        .unwrap_or(trimmed)
        .trim()
        .to_string();
    if clause.chars().count() > LABEL_CHARS {
        let mut short: String = clause.chars().take(LABEL_CHARS - 1).collect();
        short.push('…');
        short
    } else {
        clause
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Residents' texts with the topic each is about (`None`: about nothing else here).
    const FIXTURE: &[(&str, Option<&str>)] = &[
        ("幸福路中段有个大坑，电动车经过很危险。", Some("pothole")),
        ("幸福路上有一个大坑，晚上骑电动车差点摔倒，请尽快修补。", Some("pothole")),
        ("反映幸福路路面有大坑，电动车经过危险，希望修一下", Some("pothole")),
        ("幸福路的大坑还没补，电动车经过太危险了！！", Some("pothole")),
        ("锦绣小区楼下烧烤店晚上噪音太大，十二点后还很吵，影响休息。", Some("noise")),
        ("锦绣小区楼下的烧烤店半夜噪音扰民，吵得睡不着觉", Some("noise")),
        ("锦绣小区烧烤店每天晚上噪音很大，严重影响居民休息", Some("noise")),
        ("和平街12号门口的路灯坏了，晚上一片漆黑，老人出行不便。", Some("light")),
        ("和平街12号路灯坏了好几天了，晚上很黑", Some("light")),
        ("和平街１２号门口路灯不亮，晚上黑漆漆的，出行不便", Some("light")),
        ("东门垃圾站臭味太大，夏天气味难闻，苍蝇很多。", Some("garbage")),
        ("东门垃圾站的臭味熏人，苍蝇多，气味难闻，希望整改", Some("garbage")),
        ("东门那个垃圾站臭味很大，路过都要捂鼻子，气味难闻", Some("garbage")),
        ("希望在社区增设老年食堂，方便独居老人吃饭。", None),
        ("学校门口上下学时段交通拥堵，建议增加交警疏导。", None),
        ("农田灌溉水渠堵塞，影响春耕。", None),
        ("公交站台没有遮雨棚，下雨天等车很不方便。", None),
        ("楼道里堆放杂物，存在消防隐患。", None),
        ("建议增加社区医院的儿科门诊时间。", None),
        ("幸福路公交站台的广告牌松动了，刮风时有掉落危险。", None),
        ("锦绣小区停车位太少，晚上车辆乱停乱放。", None),
        ("和平街菜市场周边占道经营，早上交通堵塞。", None),
    ];

    fn texts() -> Vec<TopicText<'static>> {
        FIXTURE.iter().map(|(content, _)| TopicText { content, category_id: None, place: None }).collect()
    }

    fn expected() -> Vec<Vec<usize>> {
        let mut by_topic: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        let mut singles = Vec::new();
        for (i, (_, topic)) in FIXTURE.iter().enumerate() {
            match topic {
                Some(t) => by_topic.entry(t).or_default().push(i),
                None => singles.push(vec![i]),
            }
        }
        let mut groups: Vec<Vec<usize>> = by_topic.into_values().chain(singles).collect();
        groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
        groups
    }

    #[test]
    fn the_fixture_groups_exactly_by_topic() {
        assert_eq!(cluster(&texts()), expected());
    }

    #[test]
    fn one_category_and_one_place_for_all_do_not_merge_unrelated_texts() {
        let same: Vec<TopicText> =
            texts().into_iter().map(|t| TopicText { category_id: Some(3), place: Some("幸福小区东门"), ..t }).collect();
        assert_eq!(cluster(&same), expected());
    }

    #[test]
    fn every_text_has_a_partner_above_the_threshold_and_unrelated_pairs_stay_below() {
        let prepared: Vec<Prepared> = texts().iter().map(Prepared::new).collect();
        let mut highest_other = 0.0f64;
        for i in 0..FIXTURE.len() {
            let mut best_partner = 0.0f64;
            for j in 0..FIXTURE.len() {
                if i == j {
                    continue;
                }
                let score = similarity(&prepared[i], &prepared[j]);
                if FIXTURE[i].1.is_some() && FIXTURE[i].1 == FIXTURE[j].1 {
                    best_partner = best_partner.max(score);
                } else {
                    highest_other = highest_other.max(score);
                }
            }
            if FIXTURE[i].1.is_some() {
                assert!(best_partner >= THRESHOLD + 0.03, "{} has no close partner: {best_partner}", FIXTURE[i].0);
            }
        }
        assert!(highest_other < THRESHOLD - 0.05, "an unrelated pair scores {highest_other}");
    }

    #[test]
    fn normalising_folds_width_and_case_and_drops_punctuation_and_fillers() {
        assert_eq!(
            normalise("ＡＢ　１２号，路灯坏了！"),
            vec![vec!['a', 'b'], vec!['1', '2', '号'], vec!['路', '灯', '坏']]
        );
        assert_eq!(shingles("和平街１２号"), shingles("和平街12号"));
        assert!(shingles("，。！").is_empty());
    }

    #[test]
    fn identical_texts_group_without_comparison_and_empty_texts_stay_alone() {
        let texts: Vec<TopicText> = ["路灯坏了。", "路灯坏了", "！！", "？"]
            .iter()
            .map(|content| TopicText { content, category_id: None, place: None })
            .collect();
        assert_eq!(cluster(&texts), vec![vec![0, 1], vec![2], vec![3]]);
    }

    #[test]
    fn the_same_category_and_place_lift_near_misses_only() {
        let near = |content| TopicText { content, category_id: Some(1), place: Some("人民路口") };
        let (a, b) = (near("人民路口红绿灯时间太短，老人过不去"), near("红绿灯时间太短，过马路来不及"));
        let plain = text_similarity(&shingles(a.content), &shingles(b.content));
        assert!(plain >= BOOST_FLOOR, "{plain}");
        let boosted = similarity(&Prepared::new(&a), &Prepared::new(&b));
        assert!((boosted - plain - CATEGORY_BOOST - PLACE_BOOST).abs() < 1e-9);
        let far = near("人民路口菜市场占道经营");
        let plain = text_similarity(&shingles(a.content), &shingles(far.content));
        assert!(plain < BOOST_FLOOR);
        assert_eq!(similarity(&Prepared::new(&a), &Prepared::new(&far)), plain);
    }

    #[test]
    fn a_label_is_the_most_typical_first_clause_truncated() {
        let group: Vec<&str> = FIXTURE.iter().filter(|(_, t)| *t == Some("light")).map(|(c, _)| *c).collect();
        let label = label(&group);
        assert!(label.contains("路灯"), "{label}");
        assert!(label.chars().count() <= LABEL_CHARS);
        assert_eq!(
            super::label(&["一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"]).chars().count(),
            LABEL_CHARS
        );
    }

    #[test]
    fn signatures_are_deterministic_and_estimate_jaccard() {
        let a = shingles("幸福路中段有个大坑，电动车经过很危险。");
        assert_eq!(signature(&a), signature(&a));
        let b = shingles("幸福路上有一个大坑，晚上骑电动车差点摔倒");
        let exact = intersection(&a, &b) as f64 / (a.len() + b.len() - intersection(&a, &b)) as f64;
        let (sa, sb) = (signature(&a), signature(&b));
        let estimate = sa.iter().zip(&sb).filter(|(x, y)| x == y).count() as f64 / HASHES as f64;
        assert!((estimate - exact).abs() < 0.25, "{estimate} vs {exact}");
    }
}
