//! The pieces of an entity listing that both backends build the same way: page size, the
//! region-prefix range, and the escaped LIKE pattern.

/// Page size used when the query asks for 0.
pub(crate) const DEFAULT_PAGE: usize = 100;
/// Largest page served.
pub(crate) const MAX_PAGE: usize = 1000;

/// The page size actually served: 0 means [`DEFAULT_PAGE`], anything else is clamped to
/// `1..=MAX_PAGE`.
pub(crate) fn page_limit(limit: usize) -> usize {
    if limit == 0 {
        DEFAULT_PAGE
    } else {
        limit.min(MAX_PAGE)
    }
}

/// The half-open range `[prefix, upper)` of strings that start with `prefix`, under bytewise
/// comparison (SQLite BINARY, PostgreSQL "C"). `None` as upper bound means "no upper bound".
///
/// Why a range and not `LIKE 'prefix%'`: a range uses the `(region, id)` index on both backends,
/// while SQLite's LIKE is case-insensitive and so cannot.
pub(crate) fn prefix_range(prefix: &str) -> (String, Option<String>) {
    let mut chars: Vec<char> = prefix.chars().collect();
    // The smallest string greater than every string with this prefix: bump the last character
    // that can be bumped and cut what follows. UTF-8 keeps code-point order, so this also holds
    // bytewise.
    while let Some(last) = chars.pop() {
        let next = match last as u32 {
            0xD7FF => Some('\u{E000}'),
            c => char::from_u32(c + 1),
        };
        if let Some(n) = next {
            chars.push(n);
            return (prefix.to_string(), Some(chars.into_iter().collect()));
        }
    }
    (prefix.to_string(), None)
}

/// `%text%` with ASCII letters lowered and LIKE's wildcards escaped with `\`, to compare against
/// `lower(column)` with `ESCAPE '\'`.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c.to_ascii_lowercase());
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(page_limit(0), 100);
        assert_eq!(page_limit(1), 1);
        assert_eq!(page_limit(5000), 1000);
    }

    #[test]
    fn prefix_ranges() {
        assert_eq!(
            prefix_range("370323"),
            ("370323".into(), Some("370324".into()))
        );
        assert_eq!(prefix_range("1239"), ("1239".into(), Some("123:".into())));
        assert_eq!(prefix_range(""), (String::new(), None));
        assert_eq!(
            prefix_range("a\u{10FFFF}"),
            ("a\u{10FFFF}".into(), Some("b".into()))
        );
        assert_eq!(prefix_range("\u{D7FF}").1, Some("\u{E000}".into()));
    }

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(contains_pattern("Ab%_\\"), "%ab\\%\\_\\\\%");
        assert_eq!(contains_pattern("南麻"), "%南麻%");
    }
}
