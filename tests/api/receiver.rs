//! A real HTTP server on a loopback port that records every request it receives and answers as a
//! test tells it to: it stands in for GOV.UK Notify and for partners' webhook endpoints.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

type Answer = dyn Fn(&Received) -> (u16, serde_json::Value) + Send + Sync;

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    answer: Arc<Mutex<Arc<Answer>>>,
}

impl Receiver {
    /// Starts a server on its own thread (with its own runtime, so a test's blocking calls to it
    /// do not stall it); `answer` decides each response.
    pub fn start(answer: impl Fn(&Received) -> (u16, serde_json::Value) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let url = format!("http://127.0.0.1:{}", listener.local_addr().expect("address").port());
        let received = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Mutex<Arc<Answer>>> = Arc::new(Mutex::new(Arc::new(answer)));
        let state = (received.clone(), answer.clone());
        std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            let _ = system.block_on(async move {
                HttpServer::new(move || {
                    App::new().app_data(web::Data::new(state.clone())).default_service(web::to(record))
                })
                .workers(1)
                .listen(listener)
                .expect("listen")
                .run()
                .await
            });
        });
        Self { url, received, answer }
    }

    /// Changes how later requests are answered.
    pub fn answer_with(&self, answer: impl Fn(&Received) -> (u16, serde_json::Value) + Send + Sync + 'static) {
        *self.answer.lock().expect("answer") = Arc::new(answer);
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().expect("received").clone()
    }
}

type State = (Arc<Mutex<Vec<Received>>>, Arc<Mutex<Arc<Answer>>>);

async fn record(request: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let headers = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let received = Received {
        method: request.method().to_string(),
        path: request.uri().to_string(),
        headers,
        body: body.to_vec(),
    };
    let answer = state.1.lock().expect("answer").clone();
    let (status, json) = answer(&received);
    state.0.lock().expect("received").push(received);
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status).json(json)
}
