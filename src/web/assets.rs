//! The stylesheet, the live-update script and the review shortcuts, compiled into the binary so that the
//! server serves them wherever it runs from, with caching headers and ETags.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    body: &'static str,
    content_type: &'static str,
    etag: String,
}

fn asset(body: &'static str, content_type: &'static str) -> Asset {
    let etag = format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(body.as_bytes()))[..16]
    );
    Asset {
        body,
        content_type,
        etag,
    }
}

static CSS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        include_str!("../../static/app.css"),
        "text/css; charset=utf-8",
    )
});
static JS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        include_str!("../../static/live.js"),
        "text/javascript; charset=utf-8",
    )
});

static REVIEW_JS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        include_str!("../../static/review.js"),
        "text/javascript; charset=utf-8",
    )
});

/// `GET /static/{file}`.
pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let asset: &Asset = match file.as_str() {
        "app.css" => &CSS,
        "live.js" => &JS,
        "review.js" => &REVIEW_JS,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let etag = HeaderValue::from_str(&asset.etag).unwrap_or(HeaderValue::from_static("\"\""));
    let cache = (
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
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
