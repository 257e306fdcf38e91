//! The route table. Resource slices add their routes here instead of straight onto actix, so the
//! full list (method, path) is known: `openapi.yaml` is checked against it, and paths that exist
//! answer a wrong method with 405 and an `Allow` header.

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Responder, Route, web};

use super::error::ApiError;

/// The path pattern of the resource that served a request, kept with the resource so that the
/// metrics can label a request by its route without routing it a second time.
pub struct RoutePattern(pub &'static str);

pub struct RouteTable {
    entries: Vec<(Method, &'static str, Route)>,
}

macro_rules! verb {
    ($name:ident, $method:expr) => {
        pub fn $name<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
        where
            F: Handler<Args>,
            Args: FromRequest + 'static,
            F::Output: Responder + 'static,
        {
            self.entries.push(($method, path, web::route().method($method).to(handler)));
            self
        }
    };
}

impl RouteTable {
    pub fn new() -> Self {
        Self { entries: Vec::new() }
    }

    verb!(get, Method::GET);
    verb!(post, Method::POST);
    verb!(patch, Method::PATCH);
    verb!(put, Method::PUT);
    verb!(delete, Method::DELETE);

    /// Every (method, path) in the table, in registration order.
    pub fn list(&self) -> Vec<(String, String)> {
        self.entries.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect()
    }

    /// Registers one actix resource per path, holding all its methods.
    pub fn register(self, cfg: &mut web::ServiceConfig) {
        let mut paths: Vec<&'static str> = Vec::new();
        for (_, path, _) in &self.entries {
            if !paths.contains(path) {
                paths.push(path);
            }
        }
        let mut entries: Vec<Option<(Method, &'static str, Route)>> = self.entries.into_iter().map(Some).collect();
        for path in paths {
            let mut resource = web::resource(path).app_data(RoutePattern(path));
            let mut allowed = Vec::new();
            for slot in entries.iter_mut() {
                if slot.as_ref().is_some_and(|(_, p, _)| *p == path)
                    && let Some((method, _, route)) = slot.take()
                {
                    allowed.push(method.to_string());
                    resource = resource.route(route);
                }
            }
            let allow: &'static str = Box::leak(allowed.join(", ").into_boxed_str());
            resource = resource.default_service(web::to(move || async move {
                Err::<actix_web::HttpResponse, _>(ApiError::method_not_allowed(allow))
            }));
            cfg.service(resource);
        }
    }
}

impl Default for RouteTable {
    fn default() -> Self {
        Self::new()
    }
}
