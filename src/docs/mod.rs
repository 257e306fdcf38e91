//! The interactive API documentation at `/docs`: Swagger UI reading `/api/v1/openapi.yaml`, every
//! asset built into the binary (the `utoipa-swagger-ui` crate's vendored copy), so the page works on
//! a closed network and loads nothing from anywhere else. "Authorize" takes a bearer token from
//! `POST /api/v1/auth/login`; "Try it out" then calls this service.

use std::sync::{Arc, OnceLock};

use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError, web};
use utoipa_swagger_ui::Config;

use crate::http::ApiError;

fn config() -> Arc<Config<'static>> {
    static CONFIG: OnceLock<Arc<Config<'static>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            Arc::new(
                Config::from("/api/v1/openapi.yaml")
                    .display_operation_id(true)
                    .display_request_duration(true)
                    .filter(true)
                    .persist_authorization(false),
            )
        })
        .clone()
}

/// `GET /docs/{file}`: the page and its assets.
async fn file(tail: web::Path<String>) -> HttpResponse {
    match utoipa_swagger_ui::serve(&tail, config()) {
        Ok(Some(file)) => HttpResponse::Ok()
            .content_type(file.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(file.bytes.into_owned()),
        Ok(None) => ApiError::route_not_found().error_response(),
        Err(e) => ApiError::internal(format!("documentation asset: {e}")).error_response(),
    }
}

/// `GET /docs`: to the page, whose assets are relative to `/docs/`.
async fn to_page() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
}

/// Registers the documentation routes. They are pages, not API operations, so they stay out of the
/// route table that `openapi.yaml` is checked against.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/docs", web::get().to(to_page)).route("/docs/{tail:.*}", web::get().to(file));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_assets_are_in_the_binary() {
        let page = utoipa_swagger_ui::serve("", config()).expect("serves").expect("index");
        assert!(page.content_type.starts_with("text/html"));
        let init = utoipa_swagger_ui::serve("swagger-initializer.js", config()).expect("serves").expect("initializer");
        let js = String::from_utf8_lossy(&init.bytes);
        assert!(js.contains("/api/v1/openapi.yaml") && js.contains("\"displayOperationId\": true"), "{js}");
        assert!(utoipa_swagger_ui::serve("swagger-ui-bundle.js", config()).expect("serves").is_some());
    }
}
