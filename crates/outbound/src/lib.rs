//! Core's `Outbound` port over reqwest (rustls): the HTTP requests Oxwrite sends out, today
//! webhook deliveries. Two clients, one verifying TLS certificates and one not, because a
//! webhook may turn verification off.

use async_trait::async_trait;
use oxwrite_core::ports::{Outbound, OutboundRequest};

pub struct HttpOutbound {
    verifying: reqwest::Client,
    trusting: reqwest::Client,
}

impl HttpOutbound {
    pub fn new() -> Result<Self, String> {
        let build = |verify: bool| {
            reqwest::Client::builder()
                .tls_danger_accept_invalid_certs(!verify)
                // A webhook must not be redirected somewhere else with its signature.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| e.to_string())
        };
        Ok(Self { verifying: build(true)?, trusting: build(false)? })
    }
}

#[async_trait]
impl Outbound for HttpOutbound {
    async fn post(&self, request: OutboundRequest) -> Result<u16, String> {
        let client = if request.verify_tls { &self.verifying } else { &self.trusting };
        let mut rb = client.post(&request.url).timeout(request.timeout).body(request.body);
        for (k, v) in &request.headers {
            rb = rb.header(k, v);
        }
        rb.send().await.map(|res| res.status().as_u16()).map_err(|e| e.to_string())
    }
}
