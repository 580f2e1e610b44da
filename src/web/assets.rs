//! The stylesheet, the live-update script and the review shortcuts, compiled into the binary so that the
//! server serves them wherever it runs from. Pages link each one under a URL that holds a hash of its
//! content (`/static/app.3f9a1c2b5d6e7f80.css`), cached for a year as immutable: a new release changes
//! the URL, so a browser never keeps an old file. The plain name (`/static/app.css`) keeps working with
//! a short cache for anyone who linked it.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

/// A year: what "cache forever" means to browsers and proxies.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For the plain names, whose content changes with a release.
const SHORT: &str = "public, max-age=3600";

struct Asset {
    /// The plain name, `app.css`.
    name: &'static str,
    body: &'static str,
    content_type: &'static str,
    /// The content hash, also the ETag.
    hash: String,
    /// `/static/app.{hash}.css`.
    url: String,
}

impl Asset {
    fn new(name: &'static str, body: &'static str, content_type: &'static str) -> Self {
        let hash = content_hash(body.as_bytes());
        let url = format!("/static/{}", hashed_name(name, &hash));
        Self {
            name,
            body,
            content_type,
            hash,
            url,
        }
    }
}

/// The first 16 hex digits of the SHA-256 of `content`: enough that two versions of one file
/// never share it.
fn content_hash(content: &[u8]) -> String {
    let mut hash = hex::encode(Sha256::digest(content));
    hash.truncate(16);
    hash
}

/// `app.css` with hash `h` is `app.h.css`.
fn hashed_name(name: &str, hash: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

static ASSETS: LazyLock<[Asset; 3]> = LazyLock::new(|| {
    [
        Asset::new(
            "app.css",
            include_str!("../../static/app.css"),
            "text/css; charset=utf-8",
        ),
        Asset::new(
            "live.js",
            include_str!("../../static/live.js"),
            "text/javascript; charset=utf-8",
        ),
        Asset::new(
            "review.js",
            include_str!("../../static/review.js"),
            "text/javascript; charset=utf-8",
        ),
    ]
});

/// The URL pages link for the static file `name` (`app.css`): its content-hashed URL. A name
/// that is not an asset gets its plain URL, which answers 404.
pub fn asset(name: &str) -> String {
    match ASSETS.iter().find(|asset| asset.name == name) {
        Some(asset) => asset.url.clone(),
        None => format!("/static/{name}"),
    }
}

/// What a requested file name is.
enum Lookup {
    /// The plain name.
    Plain(&'static Asset),
    /// The name with the current hash.
    Current(&'static Asset),
    /// The name with another hash: a page from before a restart into a new release.
    Stale(&'static Asset),
}

fn lookup(file: &str) -> Option<Lookup> {
    let assets: &'static [Asset; 3] = &ASSETS;
    if let Some(asset) = assets.iter().find(|asset| asset.name == file) {
        return Some(Lookup::Plain(asset));
    }
    let (rest, ext) = file.rsplit_once('.')?;
    let (stem, hash) = rest.rsplit_once('.')?;
    if hash.len() != 16 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let asset = assets
        .iter()
        .find(|asset| asset.name.rsplit_once('.') == Some((stem, ext)))?;
    Some(if asset.hash == hash {
        Lookup::Current(asset)
    } else {
        Lookup::Stale(asset)
    })
}

/// `GET /static/{file}`.
///
/// A hashed name whose hash is not the current one is redirected to the current URL rather
/// than refused: the page asking for it was rendered before a restart into a new release,
/// and the current file serves it better than no stylesheet or script at all. The redirect
/// itself is not cached, so the old URL never sticks to the new content.
pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let (asset, cache) = match lookup(&file) {
        Some(Lookup::Plain(asset)) => (asset, SHORT),
        Some(Lookup::Current(asset)) => (asset, IMMUTABLE),
        Some(Lookup::Stale(asset)) => {
            return (
                [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
                Redirect::temporary(&asset.url),
            )
                .into_response();
        }
        None => return StatusCode::NOT_FOUND.into_response(),
    };
    let etag = HeaderValue::from_str(&format!("\"{}\"", asset.hash))
        .unwrap_or(HeaderValue::from_static("\"\""));
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if headers.get(header::IF_NONE_MATCH) == Some(&etag) {
        return (StatusCode::NOT_MODIFIED, [cache, (header::ETAG, etag)]).into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            cache,
            (header::ETAG, etag),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changing_the_content_changes_the_hash_and_so_the_url() {
        let before = content_hash(b"body { color: black; }");
        let after = content_hash(b"body { color: navy; }");
        assert_ne!(before, after);
        assert_eq!(before, content_hash(b"body { color: black; }"), "stable");
        assert_eq!(before.len(), 16);
        assert_ne!(
            hashed_name("app.css", &before),
            hashed_name("app.css", &after)
        );
    }

    #[test]
    fn the_hash_goes_between_the_stem_and_the_extension() {
        assert_eq!(hashed_name("app.css", "0123abcd"), "app.0123abcd.css");
        assert_eq!(hashed_name("review.js", "ff"), "review.ff.js");
    }

    #[test]
    fn every_asset_is_found_under_its_plain_and_its_hashed_name() {
        for known in ASSETS.iter() {
            assert!(matches!(lookup(known.name), Some(Lookup::Plain(a)) if a.name == known.name));
            let hashed = known.url.trim_start_matches("/static/");
            assert!(matches!(lookup(hashed), Some(Lookup::Current(a)) if a.name == known.name));
            assert_eq!(asset(known.name), known.url);
        }
    }

    #[test]
    fn another_hash_is_stale_and_anything_else_is_unknown() {
        assert!(matches!(
            lookup("app.0000000000000000.css"),
            Some(Lookup::Stale(a)) if a.name == "app.css"
        ));
        for unknown in [
            "nope.css",
            "nope.0000000000000000.css",
            "app.min.css",
            "app.00000000000000zz.css",
            "app.0000000000000000.js",
            "",
        ] {
            assert!(lookup(unknown).is_none(), "{unknown}");
        }
        assert_eq!(asset("nope.css"), "/static/nope.css");
    }
}
