//! Rules of an agent endpoint's configuration (docs/agents-api.md, "The agent endpoint"):
//! traffic splits between versions, the protocols and authorization schemes the endpoint
//! serves, the agent card's limits, and the URL each protocol is called at.
//!
//! Like [`super::rules`], every function appends diagnostics at the path it is given; values
//! not known yet ([`Field::Unknown`]) are skipped and checked again once known (at plan, or at
//! apply for values another resource computes, such as a new version's number).

use super::quote;
use super::rules::Field;
use crate::framework::{AttrPath, Diagnostics};

/// Protocols an agent endpoint serves (`agent_endpoint.protocol_configuration` keys).
pub const PROTOCOLS: &[&str] = &[
    "responses",
    "invocations",
    "invocations_ws",
    "a2a",
    "mcp",
    "activity",
];
/// Authorization schemes of an agent endpoint (`agent_endpoint.authorization_schemes[].type`).
pub const AUTHORIZATION_SCHEMES: &[&str] =
    &["Entra", "BotService", "BotServiceRbac", "BotServiceTenant"];
/// What the service serves when nothing is configured: Responses, Entra authorization.
pub const DEFAULT_PROTOCOL: &str = "responses";
pub const DEFAULT_AUTHORIZATION_SCHEME: &str = "Entra";
/// The only protocol that takes a setting (`enable_m365_public_endpoint`).
pub const ACTIVITY: &str = "activity";
/// The version name the service uses for "the newest version" in a selection rule; its default
/// selector is one rule sending 100 % there.
pub const LATEST: &str = "@latest";
/// Traffic percentages of all rules add up to this.
pub const TOTAL_PERCENT: i64 = 100;

/// Limits of the agent card (`agent_card`), as the service documents them.
pub struct CardLimits {
    pub version_chars: (usize, usize),
    pub description_chars: usize,
    pub skills: (usize, usize),
    pub skill_id_chars: (usize, usize),
    pub skill_name_chars: (usize, usize),
    pub skill_description_chars: usize,
    pub tags: usize,
    pub tag_chars: usize,
    pub examples: usize,
    pub example_chars: usize,
}

pub const CARD: CardLimits = CardLimits {
    version_chars: (1, 32),
    description_chars: 2048,
    skills: (1, 16),
    skill_id_chars: (1, 64),
    skill_name_chars: (1, 128),
    skill_description_chars: 2048,
    tags: 5,
    tag_chars: 32,
    examples: 5,
    example_chars: 1024,
};

/// One `traffic` block: a version and its share. `percent` is `Known(None)` when it is a
/// number but not a whole one (its own check reports that).
#[derive(Clone, Copy, Debug)]
pub struct TrafficEntry<'a> {
    pub version: Field<&'a str>,
    pub percent: Field<Option<i64>>,
}

/// `percent` of one traffic block: a whole number from 0 to 100.
pub fn percent(value: Option<f64>, path: &AttrPath, diags: &mut Diagnostics) {
    let ok = value.is_some_and(|p| p.fract() == 0.0 && (0.0..=TOTAL_PERCENT as f64).contains(&p));
    if !ok {
        let shown = value.map_or_else(|| "a number too large".to_owned(), |p| p.to_string());
        diags.error_at(
            path.clone(),
            "Invalid traffic percent",
            format!("percent must be a whole number from 0 to {TOTAL_PERCENT}; got {shown}."),
        );
    }
}

/// `version` of one traffic block: a version number the service assigned (`"3"`), or
/// [`LATEST`].
pub fn traffic_version(version: &str, path: &AttrPath, diags: &mut Diagnostics) {
    if version.is_empty() || version.contains('/') || version.chars().any(char::is_whitespace) {
        diags.error_at(
            path.clone(),
            "Invalid traffic version",
            format!(
                "{} is not a version: use the number the service assigned, e.g. \"3\" (usually azureai_hosted_agent_version.<name>.version), or \"{LATEST}\" for the newest version.",
                quote(version)
            ),
        );
    }
}

/// The traffic blocks together: no version twice, and the percentages add up to 100. Each is
/// checked only once every value it depends on is known. `path` is the `traffic` block list.
pub fn traffic(entries: &[TrafficEntry<'_>], path: &AttrPath, diags: &mut Diagnostics) {
    for (j, e) in entries.iter().enumerate() {
        let Field::Known(v) = e.version else { continue };
        if let Some(i) = entries[..j]
            .iter()
            .position(|earlier| earlier.version == Field::Known(v))
        {
            diags.error_at(
                path.clone().index(j).attr("version"),
                "Duplicate traffic version",
                format!(
                    "Version {} has traffic blocks {} and {} (counting from 1); give each version one block.",
                    quote(v),
                    i + 1,
                    j + 1
                ),
            );
        }
    }
    if entries.is_empty() {
        return;
    }
    let known: Option<Vec<i64>> = entries
        .iter()
        .map(|e| match e.percent {
            Field::Known(Some(p)) => Some(p),
            _ => None,
        })
        .collect();
    if let Some(percents) = known {
        let total: i64 = percents.iter().sum();
        if total != TOTAL_PERCENT {
            let shown: Vec<String> = percents.iter().map(i64::to_string).collect();
            diags.error_at(
                path.clone().index(entries.len() - 1).attr("percent"),
                "Invalid traffic split",
                format!(
                    "The percent values of the traffic blocks ({}) add up to {total}; they must add up to {TOTAL_PERCENT}, e.g. 90 and 10. Leave out every traffic block to send all traffic to the newest version.",
                    shown.join(" + ")
                ),
            );
        }
    }
}

/// The `protocols` set: at least one, each one the endpoint serves.
pub fn protocols(names: &[Field<&str>], path: &AttrPath, diags: &mut Diagnostics) {
    names_from(
        names,
        PROTOCOLS,
        "Invalid protocol",
        "a protocol of the agent endpoint",
        path,
        diags,
    );
}

/// The `authorization_schemes` set: at least one, each one the service knows.
pub fn authorization_schemes(names: &[Field<&str>], path: &AttrPath, diags: &mut Diagnostics) {
    names_from(
        names,
        AUTHORIZATION_SCHEMES,
        "Invalid authorization scheme",
        "an authorization scheme of the agent endpoint",
        path,
        diags,
    );
}

fn names_from(
    names: &[Field<&str>],
    allowed: &[&str],
    summary: &'static str,
    what: &str,
    path: &AttrPath,
    diags: &mut Diagnostics,
) {
    if names.is_empty() {
        diags.error_at(
            path.clone(),
            summary,
            format!("Give at least one; allowed: {}.", allowed.join(", ")),
        );
    }
    for name in names {
        if let Field::Known(n) = name
            && !allowed.contains(n)
        {
            let hint = allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(n))
                .map(|a| format!(" (names are case-sensitive: {a:?})"))
                .unwrap_or_default();
            diags.error_at(
                path.clone(),
                summary,
                format!(
                    "{} is not {what}{hint}; allowed: {}.",
                    quote(n),
                    allowed.join(", ")
                ),
            );
        }
    }
}

/// `activity_m365_public_endpoint` configures the activity protocol, so it needs it.
/// `protocols` is `None` while it is not known.
pub fn m365_public_endpoint(protocols: Option<&[&str]>, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(p) = protocols
        && !p.contains(&ACTIVITY)
    {
        diags.error_at(
            path.clone(),
            "Invalid activity_m365_public_endpoint",
            format!(
                "activity_m365_public_endpoint is a setting of the \"{ACTIVITY}\" protocol, which protocols does not include. Add \"{ACTIVITY}\" to protocols, or remove the argument."
            ),
        );
    }
}

/// A text of the agent card: `min` to `max` characters (`what` names it in the detail).
pub fn card_text(
    text: &str,
    (min, max): (usize, usize),
    what: &str,
    path: &AttrPath,
    diags: &mut Diagnostics,
) {
    let n = text.chars().count();
    if n < min || n > max {
        let range = if min == 0 {
            format!("at most {max}")
        } else {
            format!("{min} to {max}")
        };
        diags.error_at(
            path.clone(),
            "Invalid agent card",
            format!("The agent card's {what} must be {range} characters long; got {n}."),
        );
    }
}

/// A list of texts of the agent card: at most `max_items`, each at most `max_chars`.
pub fn card_list(
    items: &[Field<&str>],
    max_items: usize,
    max_chars: usize,
    what: &str,
    path: &AttrPath,
    diags: &mut Diagnostics,
) {
    if items.len() > max_items {
        diags.error_at(
            path.clone(),
            "Invalid agent card",
            format!(
                "A skill has at most {max_items} {what}; got {}.",
                items.len()
            ),
        );
    }
    for (i, item) in items.iter().enumerate() {
        if let Field::Known(s) = item {
            let n = s.chars().count();
            if n > max_chars {
                diags.error_at(
                    path.clone().index(i),
                    "Invalid agent card",
                    format!(
                        "Each of a skill's {what} is at most {max_chars} characters long; got {n}."
                    ),
                );
            }
        }
    }
}

/// Where clients call a protocol, below `{project}/agents/{name}/endpoint/protocols/`, and
/// whether it is a WebSocket (its URL then has the `wss` scheme).
pub fn protocol_path(protocol: &str) -> Option<(&'static str, bool)> {
    Some(match protocol {
        "responses" => ("openai/responses", false),
        "invocations" => ("invocations", false),
        "invocations_ws" => ("invocations_ws", true),
        "a2a" => ("a2a", false),
        "mcp" => ("mcp", false),
        "activity" => ("activityprotocol", false),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summaries(d: &Diagnostics) -> Vec<(String, String)> {
        d.iter()
            .map(|d| {
                (
                    d.summary.to_string(),
                    d.path.as_ref().map(ToString::to_string).unwrap_or_default(),
                )
            })
            .collect()
    }

    fn entry(v: Field<&str>, p: Field<Option<i64>>) -> TrafficEntry<'_> {
        TrafficEntry {
            version: v,
            percent: p,
        }
    }

    #[test]
    fn traffic_sums_to_100_and_names_each_version_once() {
        let at = AttrPath::root("traffic");
        let k = |p| Field::Known(Some(p));
        let mut d = Diagnostics::new();
        traffic(
            &[
                entry(Field::Known("1"), k(90)),
                entry(Field::Known("2"), k(10)),
            ],
            &at,
            &mut d,
        );
        traffic(&[], &at, &mut d);
        // Unknown values are checked later.
        traffic(
            &[
                entry(Field::Unknown, k(90)),
                entry(Field::Known("2"), Field::Unknown),
            ],
            &at,
            &mut d,
        );
        assert!(d.is_empty(), "{:?}", summaries(&d));

        traffic(
            &[
                entry(Field::Known("1"), k(90)),
                entry(Field::Unknown, k(20)),
            ],
            &at,
            &mut d,
        );
        traffic(
            &[
                entry(Field::Known("1"), k(50)),
                entry(Field::Known("1"), k(50)),
            ],
            &at,
            &mut d,
        );
        assert_eq!(
            summaries(&d),
            [
                (
                    "Invalid traffic split".to_owned(),
                    "traffic[1].percent".to_owned()
                ),
                (
                    "Duplicate traffic version".to_owned(),
                    "traffic[1].version".to_owned()
                ),
            ]
        );
        assert!(d.iter().next().unwrap().detail.contains("90 + 20"));
    }

    #[test]
    fn percents_are_whole_and_in_range() {
        let at = AttrPath::root("p");
        let mut d = Diagnostics::new();
        for ok in [0.0, 10.0, 100.0] {
            percent(Some(ok), &at, &mut d);
        }
        assert!(d.is_empty());
        for bad in [Some(-1.0), Some(100.5), Some(101.0), None] {
            percent(bad, &at, &mut d);
        }
        assert_eq!(d.iter().count(), 4);
    }

    #[test]
    fn protocols_and_schemes_come_from_their_lists() {
        let at = AttrPath::root("protocols");
        let mut d = Diagnostics::new();
        protocols(
            &[
                Field::Known("responses"),
                Field::Known("activity"),
                Field::Unknown,
            ],
            &at,
            &mut d,
        );
        authorization_schemes(&[Field::Known("BotServiceRbac")], &at, &mut d);
        assert!(d.is_empty());
        protocols(&[Field::Known("smtp")], &at, &mut d);
        protocols(&[], &at, &mut d);
        authorization_schemes(&[Field::Known("entra")], &at, &mut d);
        let all: Vec<String> = d.iter().map(|d| d.detail.clone()).collect();
        assert_eq!(all.len(), 3, "{all:?}");
        assert!(all[2].contains("case-sensitive: \"Entra\""), "{}", all[2]);
    }

    #[test]
    fn every_protocol_has_a_url_path() {
        for p in PROTOCOLS {
            assert!(protocol_path(p).is_some(), "{p}");
        }
        assert_eq!(
            protocol_path("invocations_ws"),
            Some(("invocations_ws", true))
        );
        assert_eq!(protocol_path("smtp"), None);
    }

    #[test]
    fn card_limits() {
        let at = AttrPath::root("c");
        let mut d = Diagnostics::new();
        card_text("1.0.0", CARD.version_chars, "version", &at, &mut d);
        card_list(
            &[Field::Known("t"); 5],
            CARD.tags,
            CARD.tag_chars,
            "tags",
            &at,
            &mut d,
        );
        assert!(d.is_empty());
        card_text("", CARD.version_chars, "version", &at, &mut d);
        card_text(&"v".repeat(33), CARD.version_chars, "version", &at, &mut d);
        card_list(
            &[Field::Known("t"); 6],
            CARD.tags,
            CARD.tag_chars,
            "tags",
            &at,
            &mut d,
        );
        let long = "t".repeat(33);
        card_list(
            &[Field::Known(&long)],
            CARD.tags,
            CARD.tag_chars,
            "tags",
            &at,
            &mut d,
        );
        assert_eq!(d.iter().count(), 4);
        assert_eq!(
            d.iter().last().unwrap().path.as_ref().unwrap().to_string(),
            "c[0]"
        );
    }
}
