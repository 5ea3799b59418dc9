//! Event names (PROTOCOL.md §9). A mutation names one pattern such as
//! `databases.[databaseId].tables.[tableId].rows.[rowId].create`; subscribers match any of the
//! names [`generate`] derives from it: the full name, each id replaced by `*` in every
//! combination, and the action-less parents — Appwrite's `Event::generateEvents`.

/// All event names for `pattern` with `params` (`name` → value, names without brackets).
/// Names are unique and in Appwrite's order (the fully specified name of a sub-resource event
/// first).
pub fn generate(pattern: &str, params: &[(&str, &str)]) -> Vec<String> {
    let parts: Vec<&str> = pattern.split('.').collect();
    let is_param = |i: usize| parts.get(i).is_some_and(|p| p.starts_with('['));
    let has_sub = parts.len() > 3 && is_param(3);
    let has_subsub = has_sub && parts.len() > 5 && is_param(5);
    let (head, rest) = match (has_subsub, has_sub) {
        (true, _) => (6, &parts[6..]),
        (false, true) => (4, &parts[4..]),
        (false, false) => (2.min(parts.len()), &parts[2.min(parts.len())..]),
    };
    let action = rest.first().copied();
    let attribute = rest.get(1).copied();
    let base = parts[..head].join(".");
    let root = parts[..2.min(parts.len())].join(".");

    let mut patterns: Vec<String> = Vec::new();
    if let Some(action) = action {
        if has_sub {
            if let Some(attr) = attribute {
                patterns.push(format!("{base}.{action}.{attr}"));
            }
            patterns.push(format!("{base}.{action}"));
            patterns.push(base.clone());
        } else {
            patterns.push(format!("{base}.{action}"));
        }
        if let Some(attr) = attribute {
            patterns.push(format!("{root}.{action}.{attr}"));
        }
    }
    if has_subsub {
        patterns.push(parts[..6].join("."));
    }
    if has_sub {
        patterns.push(parts[..4].join("."));
    }
    patterns.push(root);

    let mut out: Vec<String> = Vec::new();
    for p in &patterns {
        let segments: Vec<&str> = p.split('.').collect();
        let slots: Vec<usize> = (0..segments.len()).filter(|&i| segments[i].starts_with('[')).collect();
        // Mask bit set = keep the value; all values first, then every wildcard combination.
        let full = (1usize << slots.len()) - 1;
        for mask in (0..=full).rev() {
            let name: Vec<&str> = segments
                .iter()
                .enumerate()
                .map(|(i, s)| match slots.iter().position(|&j| j == i) {
                    Some(bit) if mask & (1 << bit) != 0 => lookup(params, s),
                    Some(_) => "*",
                    None => s,
                })
                .collect();
            let name = name.join(".");
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

fn lookup<'a>(params: &[(&'a str, &'a str)], segment: &'a str) -> &'a str {
    let key = segment.trim_start_matches('[').trim_end_matches(']');
    params.iter().find(|(k, _)| *k == key).map_or(key, |(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_create_has_every_wildcard_and_parent() {
        let names = generate(
            "databases.[databaseId].tables.[tableId].rows.[rowId].create",
            &[("databaseId", "db"), ("tableId", "t"), ("rowId", "r")],
        );
        assert_eq!(names[0], "databases.db.tables.t.rows.r.create");
        for expected in [
            "databases.*.tables.*.rows.*.create",
            "databases.db.tables.*.rows.r.create",
            "databases.db.tables.t.rows.r",
            "databases.*.tables.*.rows.*",
            "databases.db.tables.t",
            "databases.*.tables.t",
            "databases.db",
            "databases.*",
        ] {
            assert!(names.contains(&expected.to_owned()), "{expected} missing from {names:?}");
        }
        assert_eq!(names.len(), 8 + 8 + 4 + 2);
    }

    #[test]
    fn top_level_and_attribute_events() {
        assert_eq!(
            generate("users.[userId].update.email", &[("userId", "u")]),
            ["users.u.update", "users.*.update", "users.u.update.email", "users.*.update.email", "users.u", "users.*"]
        );
        let names = generate(
            "teams.[teamId].memberships.[membershipId].update.status",
            &[("teamId", "t"), ("membershipId", "m")],
        );
        assert!(names.contains(&"teams.t.memberships.m.update.status".to_owned()));
        assert!(names.contains(&"teams.*.memberships.*.update".to_owned()));
        // Appwrite also emits the attribute suffix on the root resource.
        assert!(names.contains(&"teams.t.update.status".to_owned()));
    }
}
