//! The real-time campaign report and the token's quota.
//!
//!   MARCADOR_URL=http://127.0.0.1:8080 WOLKVOX_TOKEN=… cargo run -p marcador-client --example realtime

use marcador_client::{Client, Endpoint, Error};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("MARCADOR_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let client = Client::new(Endpoint::Url(url), std::env::var("WOLKVOX_TOKEN")?)?;
    match client.campaigns().await {
        Ok(rows) => {
            for c in rows {
                println!(
                    "{:<50} {:>8} dialed {:>6} answered",
                    c.campaign, c.dial, c.answer
                );
            }
        }
        // Nothing will succeed until the quota resets; the error says when.
        Err(Error::QuotaExhausted { resets_at }) => {
            eprintln!("the daily quota is used up; try again after {resets_at}");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    }
    let quota = client.token_info().await?;
    println!(
        "requests today: {} of {}",
        quota.token_use_today, quota.token_limit
    );
    Ok(())
}
