//! Finding a rendered page's regions (elements with `data-region` and an `id`) in its HTML. The HTML is tengu's
//! own render, well formed: text never holds a raw `<` (the renderer escapes it), so walking the tags, with quoted
//! attribute values skipped, finds where each region ends.

use tengu_app::contract;

/// A region's id and its inner HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub id: String,
    pub html: String,
}

/// One start or end tag.
struct Tag<'a> {
    name: &'a str,
    closing: bool,
    /// The text between the name and `>` (the attributes).
    attributes: &'a str,
    /// Where the tag's `<` stands, and just past its `>`.
    from: usize,
    to: usize,
}

/// Elements that have no end tag.
const VOID: [&str; 14] =
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];

/// The page's regions, in the order they stand.
pub fn regions_of(html: &str) -> Vec<Region> {
    let tags = tags_of(html);
    let mut regions = Vec::new();
    let mut at = 0;
    while at < tags.len() {
        let tag = &tags[at];
        let id = (!tag.closing && has_attribute(tag.attributes, contract::REGION))
            .then(|| attribute(tag.attributes, "id"))
            .flatten();
        match id.and_then(|id| end_of(&tags, at).map(|end| (id, end))) {
            Some((id, end)) => {
                regions.push(Region { id, html: html[tag.to..tags[end].from].to_owned() });
                at = end + 1;
            }
            None => at += 1,
        }
    }
    regions
}

/// The index of the tag that closes the element opened at `start`.
fn end_of(tags: &[Tag<'_>], start: usize) -> Option<usize> {
    let name = tags[start].name;
    let mut depth = 0usize;
    for (index, tag) in tags.iter().enumerate().skip(start) {
        if !tag.name.eq_ignore_ascii_case(name) {
            continue;
        }
        if tag.closing {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(index);
            }
        } else if !tag.attributes.trim_end().ends_with('/') {
            depth += 1;
        }
    }
    None
}

fn tags_of(html: &str) -> Vec<Tag<'_>> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut at = 0;
    while let Some(offset) = html[at..].find('<') {
        let from = at + offset;
        if html[from..].starts_with("<!--") {
            at = html[from..].find("-->").map_or(html.len(), |end| from + end + 3);
            continue;
        }
        let closing = bytes.get(from + 1) == Some(&b'/');
        let name_from = from + 1 + usize::from(closing);
        let name_len = html[name_from..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(0);
        if name_len == 0 {
            at = from + 1;
            continue;
        }
        let name = &html[name_from..name_from + name_len];
        let Some(to) = end_of_tag(bytes, name_from + name_len) else { break };
        let attributes = &html[name_from + name_len..to - 1];
        if !VOID.iter().any(|void| void.eq_ignore_ascii_case(name)) {
            tags.push(Tag { name, closing, attributes, from, to });
        }
        at = to;
        // The text of a script or style is not HTML: skip to its end tag.
        if !closing && (name.eq_ignore_ascii_case("script") || name.eq_ignore_ascii_case("style")) {
            let end = format!("</{name}");
            at = html[at..].find(&end).map_or(html.len(), |offset| at + offset);
        }
    }
    tags
}

/// Just past the `>` that ends a tag whose attributes begin at `from`, quoted values skipped.
fn end_of_tag(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quote = None;
    for (offset, &byte) in bytes[from..].iter().enumerate() {
        match (quote, byte) {
            (None, b'"' | b'\'') => quote = Some(byte),
            (Some(open), _) if byte == open => quote = None,
            (None, b'>') => return Some(from + offset + 1),
            _ => {}
        }
    }
    None
}

/// Whether the attributes hold `name` (with or without a value).
fn has_attribute(attributes: &str, name: &str) -> bool {
    attribute_spans(attributes).any(|(key, _)| key.eq_ignore_ascii_case(name))
}

/// The value of `name` among the attributes (entities left as written: ids are plain words).
fn attribute(attributes: &str, name: &str) -> Option<String> {
    attribute_spans(attributes).find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.to_owned())
}

/// Each attribute's name and value (empty when it has none).
fn attribute_spans(attributes: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = attributes;
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return None;
        }
        let key_len = rest.find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/').unwrap_or(rest.len());
        let key = &rest[..key_len];
        rest = rest[key_len..].trim_start();
        let Some(after_equals) = rest.strip_prefix('=') else { return Some((key, "")) };
        let after_equals = after_equals.trim_start();
        let (value, left) = match after_equals.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let inner = &after_equals[1..];
                let end = inner.find(quote).unwrap_or(inner.len());
                (&inner[..end], inner.get(end + 1..).unwrap_or(""))
            }
            _ => {
                let end = after_equals.find(|c: char| c.is_ascii_whitespace()).unwrap_or(after_equals.len());
                (&after_equals[..end], &after_equals[end..])
            }
        };
        rest = left;
        Some((key, value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_region_is_found_whole_with_nested_tags_of_its_own_name_and_tricky_attribute_values() {
        let html = r#"<html><head><style>div > p { }</style><script>if (a < b) { x = "<div>" }</script></head>
<body><div id="a" data-region=""><div title="a > b <div>"><p>one</p></div><input value="x"><br></div>
<section class="panel" id="tokens" data-region aria-labelledby="t"><h2 id="t">T</h2><!-- <section> --></section>
<div data-region="" class="no-id">ignored</div><div id="plain">not a region</div></body></html>"#;
        let regions = regions_of(html);
        assert_eq!(
            regions,
            vec![
                Region {
                    id: "a".into(),
                    html: r#"<div title="a > b <div>"><p>one</p></div><input value="x"><br>"#.into()
                },
                Region { id: "tokens".into(), html: r#"<h2 id="t">T</h2><!-- <section> -->"#.into() },
            ]
        );
    }

    #[test]
    fn a_page_cut_short_yields_the_regions_that_close() {
        assert_eq!(regions_of(r#"<div id="a" data-region=""><p>open"#), vec![]);
        assert_eq!(regions_of(r#"<div id="a" data-region="">x</div><div id="b" data-region="">"#).len(), 1);
    }
}
