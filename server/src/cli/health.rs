//! `tengu health-check`: the container image's health check. The image holds no shell and no curl, so the binary
//! asks its own server's `/healthz` on the address it listens on.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::exit::Ending;

const DEADLINE: Duration = Duration::from_secs(3);

/// Succeeded when the server on `LEPTOS_SITE_ADDR` (its loopback address when it listens on every interface)
/// answers `/healthz` with 200 within three seconds; Unreachable otherwise.
pub async fn health_check() -> Ending {
    let mut addr = crate::web::leptos_options().site_addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    match tokio::time::timeout(DEADLINE, ask(addr)).await {
        Ok(Ok(status_line)) if status_line.split_whitespace().nth(1) == Some("200") => {
            println!("healthy: {addr} answered {status_line}");
            Ending::Succeeded
        }
        Ok(Ok(status_line)) => {
            println!("unhealthy: {addr} answered {status_line}");
            Ending::Unreachable
        }
        Ok(Err(error)) => {
            println!("unhealthy: {addr}: {error}");
            Ending::Unreachable
        }
        Err(_) => {
            println!("unhealthy: {addr} did not answer within {} s", DEADLINE.as_secs());
            Ending::Unreachable
        }
    }
}

async fn ask(addr: std::net::SocketAddr) -> std::io::Result<String> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await?;
    let mut answer = Vec::new();
    stream.take(4096).read_to_end(&mut answer).await?;
    let text = String::from_utf8_lossy(&answer);
    Ok(text.lines().next().unwrap_or_default().to_owned())
}
