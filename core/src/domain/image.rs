use std::fmt;

use serde::{Deserialize, Serialize};

use super::validated::{ParseError, all_chars, string_newtype};

string_newtype!(
    /// A Docker image tag: up to 128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-`.
    ImageTag,
    "image tag",
    |v| {
        let ok = !v.is_empty()
            && v.len() <= 128
            && !v.starts_with(['.', '-'])
            && all_chars(v, |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if ok { Ok(()) } else { Err("up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'") }
    }
);

/// A container image reference: `[registry/]repository[:tag][@sha256:digest]`, with a tag or a digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ImageRef {
    repository: String,
    tag: Option<ImageTag>,
    digest: Option<String>,
}

impl ImageRef {
    pub fn parse(value: impl AsRef<str>) -> Result<Self, ParseError> {
        let value = value.as_ref();
        let refuse = |rule| ParseError::new("image", value, rule);
        let (name, digest) = match value.split_once('@') {
            Some((name, digest)) => {
                let hex = digest.strip_prefix("sha256:").ok_or_else(|| refuse("a digest must be sha256:<64 hex>"))?;
                if hex.len() != 64 || !all_chars(hex, |c| c.is_ascii_hexdigit()) {
                    return Err(refuse("a digest must be sha256:<64 hex>"));
                }
                (name, Some(digest.to_owned()))
            }
            None => (value, None),
        };
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match name[last_slash..].rfind(':') {
            Some(i) => {
                let split = last_slash + i;
                let tag = ImageTag::parse(&name[split + 1..]).map_err(|e| refuse(e.rule))?;
                (&name[..split], Some(tag))
            }
            None => (name, None),
        };
        let path_ok = |part: &str| {
            !part.is_empty() && all_chars(part, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
        };
        let mut parts = repository.split('/').collect::<Vec<_>>();
        // The first part is a registry host when it looks like one (has a dot or a port, or is localhost).
        if parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost") {
            parts.remove(0);
        }
        if repository.is_empty() || !parts.iter().all(|p| path_ok(p)) {
            return Err(refuse("the repository must be lower-case letters, digits, '.', '_', '-' and '/'"));
        }
        if tag.is_none() && digest.is_none() {
            return Err(refuse("name a tag (:abc123) or a digest (@sha256:...) so the deploy is reproducible"));
        }
        Ok(Self { repository: repository.to_owned(), tag, digest })
    }

    /// Everything before the tag: `registry/repository`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// Whether a deploy of this image replaces the image of the container `name` that runs `current`: the
    /// containers named in `containers`, or, when it names none, those running an image of this repository.
    pub fn goes_into(&self, name: Option<&str>, current: Option<&str>, containers: &[String]) -> bool {
        if containers.is_empty() {
            current.and_then(|i| ImageRef::parse(i).ok()).is_some_and(|current| current.repository == self.repository)
        } else {
            name.is_some_and(|name| containers.iter().any(|c| c == name))
        }
    }

    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    pub fn tag(&self) -> Option<&ImageTag> {
        self.tag.as_ref()
    }

    /// The same repository with another tag.
    pub fn with_tag(&self, tag: ImageTag) -> Self {
        Self { repository: self.repository.clone(), tag: Some(tag), digest: None }
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl TryFrom<String> for ImageRef {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<ImageRef> for String {
    fn from(value: ImageRef) -> String {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_parse_with_registry_tag_and_digest() {
        let image = ImageRef::parse("123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:abc1234").unwrap();
        assert_eq!(image.repository(), "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop");
        assert_eq!(image.tag().unwrap().as_str(), "abc1234");
        let local = ImageRef::parse("localhost:5000/shop:v1").unwrap();
        assert_eq!(local.repository(), "localhost:5000/shop");
        let digest = format!("shop@sha256:{}", "a".repeat(64));
        assert_eq!(ImageRef::parse(&digest).unwrap().to_string(), digest);
        let retagged = image.with_tag(ImageTag::parse("def5678").unwrap());
        assert!(retagged.to_string().ends_with("acme/shop:def5678"));
    }

    #[test]
    fn images_without_tag_or_with_bad_parts_are_refused() {
        for bad in ["shop", "Shop:v1", "shop:-v1", "shop:", "shop@sha256:abc", "", "acme//shop:v1"] {
            assert!(ImageRef::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
